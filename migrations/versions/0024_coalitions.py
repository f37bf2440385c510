"""Alliances: an actor of kind `coalition` has members, and answers for each member's side.

Reports accuse "the Houthi–Saleh alliance", "the United States and Saudi Arabia": one party made
of others. Such a coalition lists its members (actor_member, in the order the source names
them). Accusing it accuses each member's side: a denial or a counter-accusation may come from
the coalition's own tree or from any member's (the tree of the member's top-level actor), and a
denial from any of them is not by the accuser's side when the accuser is a coalition. The same
holds for who may withdraw or restate what a coalition said.

Every rule that asked "is the speaker in the tree of this party's top-level actor" (0008, 0011,
0019, 0022) now asks `on_side_of(party, speaker)`, which answers the same for any actor that is
not a coalition: the log's existing entries keep every rule they were written under. A member is
an actor that is not itself a coalition, so a side is always a tree.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""

import importlib.util
import re
from pathlib import Path

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

KINDS = (
    "'state', 'government', 'ministry', 'military', 'official', 'armed-group', "
    "'mediator', 'international-organisation', 'news-outlet', 'other', 'unidentified'"
)

UPGRADE = f"""
ALTER TABLE actor DROP CONSTRAINT actor_kind_known,
    ADD CONSTRAINT actor_kind_known CHECK (kind IN ({KINDS}, 'coalition'));

CREATE TABLE actor_member (
    coalition_id bigint NOT NULL CONSTRAINT actor_member_coalition_fkey REFERENCES actor (id),
    member_id    bigint NOT NULL CONSTRAINT actor_member_member_fkey REFERENCES actor (id),
    position     smallint NOT NULL,
    CONSTRAINT actor_member_pkey PRIMARY KEY (coalition_id, member_id),
    CONSTRAINT actor_member_position_once UNIQUE (coalition_id, position),
    CONSTRAINT actor_member_not_itself CHECK (coalition_id <> member_id)
);

-- A coalition's members are actors that are not coalitions; only a coalition has members.
CREATE FUNCTION actor_member_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_members m JOIN actor c ON c.id = m.coalition_id WHERE c.kind <> 'coalition') THEN
        RAISE EXCEPTION 'only an actor of kind coalition has members'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'actor_member_of_coalition';
    END IF;
    IF EXISTS (SELECT 1 FROM new_members m JOIN actor a ON a.id = m.member_id WHERE a.kind = 'coalition') THEN
        RAISE EXCEPTION 'a coalition is not a member of a coalition: name its members'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'actor_member_not_coalition';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER actor_member_rules AFTER INSERT ON actor_member REFERENCING NEW TABLE AS new_members
    FOR EACH STATEMENT EXECUTE FUNCTION actor_member_rules();
CREATE TRIGGER actor_member_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON actor_member
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- The top-level paths `party` answers for: its own side's, and for a coalition each member's.
CREATE FUNCTION side_of(party bigint) RETURNS SETOF text LANGUAGE sql STABLE AS $$
    SELECT subpath(a.path, 0, 1)::text FROM actor a WHERE a.id = party
    UNION ALL
    SELECT subpath(member.path, 0, 1)::text FROM actor_member m JOIN actor member ON member.id = m.member_id
     WHERE m.coalition_id = party ORDER BY 1
$$;

-- Whether `speaker` speaks for the side of `party`: the tree of its top-level actor, or, for a
-- coalition, also the tree of each member's top-level actor.
CREATE FUNCTION on_side_of(party bigint, speaker ltree) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM actor a WHERE a.id = party AND subpath(a.path, 0, 1) @> speaker)
        OR EXISTS (SELECT 1 FROM actor_member m JOIN actor member ON member.id = m.member_id
                    WHERE m.coalition_id = party AND subpath(member.path, 0, 1) @> speaker)
$$;
"""

DOWNGRADE = f"""
DROP FUNCTION on_side_of(bigint, ltree);
DROP FUNCTION side_of(bigint);
DROP TABLE actor_member;
DROP FUNCTION actor_member_rules();
ALTER TABLE actor DROP CONSTRAINT actor_kind_known,
    ADD CONSTRAINT actor_kind_known CHECK (kind IN ({KINDS})) NOT VALID;
"""

# The rules functions that ask for a party's side, each in the revision that last wrote it.
SIDED = {
    "0008_accused_side": ("UPGRADE", "event_rules"),
    "0011_retractions": ("UPGRADE", "retraction_rules"),
    "0019_counter_accusations": ("RULES", "counter_accusation_rules"),
    "0022_mentions": ("RULES", "mention_rules"),
}
TOP_LEVEL_TREE = re.compile(r"subpath\((\w+)\.path, 0, 1\) @> (\w+)\.path")


def _revision(name: str):
    spec = importlib.util.spec_from_file_location(f"revision_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _function(revision: str) -> str:
    """The rules function as `revision` wrote it, to be created or replaced."""
    text, name = SIDED[revision]
    body = getattr(_revision(revision), text)
    found = re.search(rf"CREATE (?:OR REPLACE )?FUNCTION {name}\(\).*?END \$\$;", body, re.S)
    assert found is not None, name
    return found.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    op.execute(UPGRADE)
    for revision in SIDED:
        sided = TOP_LEVEL_TREE.sub(r"on_side_of(\1.id, \2.path)", _function(revision))
        assert not TOP_LEVEL_TREE.search(sided) and "on_side_of" in sided, revision
        op.execute(sided)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM actor WHERE kind = 'coalition') THEN "
        "RAISE EXCEPTION 'coalitions are in the catalogue: revision 0023 cannot hold them'; END IF; END $$"
    )
    for revision in SIDED:
        op.execute(_function(revision))
    op.execute(DOWNGRADE)
