"""The catalogue says what reports from any conflict say: parties without names, sources without
titles, ceasefires with several brokers and the names other datasets give them.

- An actor may be of kind `unidentified` ("unidentified gunmen", "separatists", "suspects"):
  under the side the source names, or under none.
- A source may have no title (a wire story, a post), and says the `language` (BCP 47) of the text
  it holds.
- A ceasefire has `brokers`, in the order the source names them (ceasefire_broker; the one
  `brokered_by` each had becomes its first broker), and `external_ids`: what other datasets call
  it, [{scheme: pa-x | eth-prio-cf | ucdp | other, id, url}].

The catalogue is small beside the log; the log's tables are not touched.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

KINDS = (
    "'state', 'government', 'ministry', 'military', 'official', 'armed-group', "
    "'mediator', 'international-organisation', 'news-outlet', 'other'"
)

UPGRADE = f"""
ALTER TABLE actor DROP CONSTRAINT actor_kind_known,
    ADD CONSTRAINT actor_kind_known CHECK (kind IN ({KINDS}, 'unidentified'));

ALTER TABLE source ALTER COLUMN title DROP NOT NULL,
    ADD COLUMN language text CONSTRAINT source_language_tag CHECK (language ~ '^[A-Za-z]{{2,3}}(-[A-Za-z0-9]{{1,8}})*$');

CREATE TABLE ceasefire_broker (
    ceasefire_id bigint NOT NULL CONSTRAINT ceasefire_broker_ceasefire_fkey REFERENCES ceasefire (id),
    actor_id     bigint NOT NULL CONSTRAINT ceasefire_broker_actor_fkey REFERENCES actor (id),
    position     smallint NOT NULL,
    CONSTRAINT ceasefire_broker_pkey PRIMARY KEY (ceasefire_id, actor_id),
    CONSTRAINT ceasefire_broker_position_key UNIQUE (ceasefire_id, position)
);
INSERT INTO ceasefire_broker (ceasefire_id, actor_id, position)
SELECT id, brokered_by, 0 FROM ceasefire WHERE brokered_by IS NOT NULL;
ALTER TABLE ceasefire DROP COLUMN brokered_by,
    ADD COLUMN external_ids jsonb NOT NULL DEFAULT '[]'
        CONSTRAINT ceasefire_external_ids_list CHECK (jsonb_typeof(external_ids) = 'array');
"""

DOWNGRADE = f"""
ALTER TABLE ceasefire DROP COLUMN external_ids,
    ADD COLUMN brokered_by bigint CONSTRAINT ceasefire_broker_fkey REFERENCES actor (id);
UPDATE ceasefire c SET brokered_by = b.actor_id FROM ceasefire_broker b WHERE b.ceasefire_id = c.id AND b.position = 0;
DROP TABLE ceasefire_broker;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM source WHERE title IS NULL) THEN
        RAISE EXCEPTION 'sources without a title exist; a schema before 0020 requires one';
    END IF;
    IF EXISTS (SELECT 1 FROM actor WHERE kind = 'unidentified') THEN
        RAISE EXCEPTION 'unidentified actors exist; a schema before 0020 does not know the kind';
    END IF;
END $$;
ALTER TABLE source DROP COLUMN language, ALTER COLUMN title SET NOT NULL;
ALTER TABLE actor DROP CONSTRAINT actor_kind_known, ADD CONSTRAINT actor_kind_known CHECK (kind IN ({KINDS}));
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
