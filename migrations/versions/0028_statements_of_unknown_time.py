"""A statement whose time the source does not give: `stated_at` unknown, bounded by the source's
publication.

Most wire copy reports what was said without saying when ("the ministry said"); the report's
own date is the latest it can have been said. Such an entry is `stated_unknown`; its stated_at
holds that bound (the source's published_at, a day alone at its last microsecond), so that every
rule and every derived row that orders statements (responses after what they answer, incidents
by when they were stated) works on it as on any other. What the entry says, on the wire and in
its canonical form, is that its time is unknown: stated_at null.

Rule, for every writer: an entry of unknown time holds its source's publication, and its source
has one (`event_stated_unknown_bounded`). The canonical form leaves out stated_at (and its
offset) where it is unknown: no existing hash changes.

On a large log: ADD COLUMN with a constant default (no table rewrite), a moment's ACCESS
EXCLUSIVE lock on event.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE event ADD COLUMN stated_unknown boolean NOT NULL DEFAULT false;

CREATE FUNCTION event_stated_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_events WHERE stated_unknown) THEN
        RETURN NULL;
    END IF;
    SELECT n.id, s.slug AS source INTO broken
      FROM new_events n LEFT JOIN source s ON s.id = n.source_id
     WHERE n.stated_unknown
       AND (s.published_at IS NULL
            OR n.stated_at IS DISTINCT FROM CASE WHEN s.published_at_offset IS NULL
                                                 THEN s.published_at + interval '1 day' - interval '1 microsecond'
                                                 ELSE s.published_at END
            OR n.stated_at_offset IS DISTINCT FROM s.published_at_offset)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: a statement of unknown time is bounded by its source''s publication: source % must '
                        'have published_at, and stated_at hold it', broken.id, coalesce(broken.source, '(none)')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_stated_unknown_bounded';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_stated_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION event_stated_rules();
"""

CANONICAL = {
    "    'stated_at', (extract(epoch FROM entry.stated_at) * 1000000)::bigint,\n": (
        "    'stated_at', CASE WHEN NOT entry.stated_unknown THEN (extract(epoch FROM entry.stated_at) * 1000000)::bigint END,\n"
    ),
    "    'stated_at_offset', CASE WHEN entry.stated_at IS NOT NULL THEN entry.stated_at_offset END,\n": (
        "    'stated_at_offset', CASE WHEN entry.stated_at IS NOT NULL AND NOT entry.stated_unknown "
        "THEN entry.stated_at_offset END,\n"
    ),
}


def _canonical(pairs: dict[str, str]) -> None:
    body = op.get_bind().exec_driver_sql("SELECT pg_get_functiondef('entry_canonical'::regproc)").scalar()
    for old, new in pairs.items():
        assert body.count(old) == 1, old
        body = body.replace(old, new)
    op.execute(body)


def upgrade() -> None:
    op.execute(UPGRADE)
    _canonical(CANONICAL)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM event WHERE stated_unknown) THEN "
        "RAISE EXCEPTION 'entries are of unknown time: revision 0027 cannot hold them'; END IF; END $$"
    )
    _canonical({new: old for old, new in CANONICAL.items()})
    op.execute(
        "DROP TRIGGER event_stated_rules ON event; DROP FUNCTION event_stated_rules(); "
        "ALTER TABLE event DROP COLUMN stated_unknown"
    )
