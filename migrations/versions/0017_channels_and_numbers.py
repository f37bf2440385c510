"""Statements say how they were made, and accusations how much they claim.

Reports from many conflicts say "in a statement carried by Saba", "told Reuters", "on X"; and
they count: "60 ceasefire violations in the past 24 hours", "two soldiers killed and five injured".
Every claim (accusation, denial, retraction) may now carry its `channel` (a statement, a press
conference, social media, an interview, a news agency, a report, other), the channel's name, and
the wire the held source relays (`via`). An accusation may carry how many violations it alleges
over its interval (`violations`; counted as 1 when it says none) and the casualties it claims
(killed, injured, civilians killed, civilians injured; each a count or unknown).

The new fields join each entry's canonical form when it has them: jsonb_strip_nulls leaves out
what an entry does not have, so no hash of an entry already in the log changes (0014).

The columns are added without a default, which PostgreSQL records without rewriting the table;
the checks are NOT VALID (every existing row has none of the fields), so the migration holds an
ACCESS EXCLUSIVE lock on event for a moment whatever the log's size.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

CHANNELS = ("statement", "press-conference", "social-media", "interview", "news-agency", "report", "other")
CASUALTIES = ("killed", "injured", "civilians_killed", "civilians_injured")

# entry_canonical as 0014 wrote it; {fields}: what an entry's canonical form gains here.
CANONICAL = """CREATE OR REPLACE FUNCTION entry_canonical(entry event) RETURNS text LANGUAGE sql STABLE AS $$
SELECT jsonb_strip_nulls(jsonb_build_object(
    'seq', entry.seq,
    'id', entry.id::text,
    'kind', CASE WHEN entry.corrects IS NULL THEN entry.kind ELSE 'correction' END,
    'claimant', (SELECT a.slug::text FROM actor a WHERE a.id = entry.claimant_id),
    'target', (SELECT a.slug::text FROM actor a WHERE a.id = entry.target_id),
    'responds_to', entry.responds_to::text,
    'act', (SELECT a.slug::text FROM act a WHERE a.id = entry.act_id),
    'locations', (SELECT jsonb_agg(l.slug::text ORDER BY el.position)
                    FROM event_location el JOIN location l ON l.id = el.location_id WHERE el.event_id = entry.id),
    'occurred_from', (extract(epoch FROM entry.occurred_from) * 1000000)::bigint,
    'occurred_from_offset', CASE WHEN entry.occurred_from IS NOT NULL THEN entry.occurred_from_offset END,
    'occurred_to', (extract(epoch FROM entry.occurred_to) * 1000000)::bigint,
    'occurred_to_offset', CASE WHEN entry.occurred_to IS NOT NULL THEN entry.occurred_to_offset END,
    'time_precision', entry.time_precision,
    'time_note', entry.time_note,
    'stated_at', (extract(epoch FROM entry.stated_at) * 1000000)::bigint,
    'stated_at_offset', CASE WHEN entry.stated_at IS NOT NULL THEN entry.stated_at_offset END,
    'ceasefire', (SELECT c.slug::text FROM ceasefire c WHERE c.id = entry.ceasefire_id),
    'summary', entry.summary,
    'source', (SELECT s.slug::text FROM source s WHERE s.id = entry.source_id),
    'quotes', (SELECT jsonb_agg(jsonb_build_array(q.text, q.span_start, q.span_end) ORDER BY q.position)
                 FROM quote q WHERE q.event_id = entry.id),
    'recorded_by', entry.recorded_by,
    'recorded_at', (extract(epoch FROM entry.recorded_at) * 1000000)::bigint,
    'corrects', entry.corrects::text,
    'verdict', entry.verdict{fields}
))::text
$$;
"""
NEW_FIELDS = """,
    'channel', entry.channel,
    'channel_name', entry.channel_name,
    'via', entry.via,
    'violations', entry.violations,
    'casualties', CASE WHEN num_nonnulls(entry.killed, entry.injured, entry.civilians_killed, entry.civilians_injured) > 0
                       THEN jsonb_build_object('killed', entry.killed, 'injured', entry.injured,
                                               'civilians_killed', entry.civilians_killed,
                                               'civilians_injured', entry.civilians_injured) END"""

UPGRADE = f"""
ALTER TABLE event
  ADD COLUMN channel text,
  ADD COLUMN channel_name text,
  ADD COLUMN via text,
  ADD COLUMN violations integer,
  {", ".join(f"ADD COLUMN {name} integer" for name in CASUALTIES)},
  ADD CONSTRAINT event_channel_known CHECK (channel IN ({", ".join(f"'{c}'" for c in CHANNELS)})) NOT VALID,
  ADD CONSTRAINT event_channel_name_length CHECK (length(channel_name) BETWEEN 1 AND 200) NOT VALID,
  ADD CONSTRAINT event_via_length CHECK (length(via) BETWEEN 1 AND 200) NOT VALID,
  ADD CONSTRAINT event_channel_of_claims CHECK (
      kind <> 'review' OR num_nonnulls(channel, channel_name, via) = 0) NOT VALID,
  ADD CONSTRAINT event_violations_counted CHECK (violations BETWEEN 1 AND 1000000) NOT VALID,
  ADD CONSTRAINT event_casualties_counted CHECK (
      {" AND ".join(f"({name} IS NULL OR {name} BETWEEN 0 AND 10000000)" for name in CASUALTIES)}) NOT VALID,
  ADD CONSTRAINT event_numbers_of_accusations CHECK (
      kind = 'accusation' OR num_nonnulls(violations, {", ".join(CASUALTIES)}) = 0) NOT VALID;

-- The canonical form, with the new fields where an entry has them.
{CANONICAL.format(fields=NEW_FIELDS)}"""

DOWNGRADE = f"""
{CANONICAL.format(fields="")}
ALTER TABLE event
  DROP COLUMN channel, DROP COLUMN channel_name, DROP COLUMN via, DROP COLUMN violations,
  {", ".join(f"DROP COLUMN {name}" for name in CASUALTIES)};
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
