"""Chain every entry of the log to the one before it, so that anyone can verify the log.

Each entry's hash is SHA-256 of the previous entry's hash (32 zero bytes before the first) and
the entry's canonical form: a JSON object of what GET /v1/events shows of it, with every null or
empty field left out, written as jsonb writes it (README, "Verifying the log", has the fields and a
few lines of Python that recompute it; service/chain.py is those lines). The database computes it, for every
writer (the API, the bulk path, psql), in a constraint trigger deferred to the commit: an entry's
places and quotes are inserted after its row, and at the commit they are all there. Until the
commit the transaction holds the log's head (log_head), so hashes are chained in seq order.

The hashes live in `entry_hash`, derived like the incident tables: written only by the trigger,
never changed. Upgrading chains the log it finds, entry by entry in seq order, holding the log's
head meanwhile: appends wait for it, reads do not.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE entry_hash (
    seq  bigint PRIMARY KEY,
    hash bytea NOT NULL CONSTRAINT entry_hash_length CHECK (length(hash) = 32)
);
COMMENT ON TABLE entry_hash IS 'derived from the log by event_chain: each entry''s SHA-256, chained over the entry before it';

-- What an entry is, for its hash: the fields GET /v1/events shows, as a JSON object with every
-- null or empty field left out (so a field added later changes no older entry's hash), written as
-- jsonb writes it. Instants are microseconds since 1970-01-01T00:00:00Z, each with the UTC offset
-- (minutes) it was given at; quotes are [text, start, end].
CREATE FUNCTION entry_canonical(entry event) RETURNS text LANGUAGE sql STABLE AS $$
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
    'verdict', entry.verdict
))::text
$$;

CREATE FUNCTION entry_hash_of(previous bytea, entry event) RETURNS bytea LANGUAGE sql STABLE AS $$
SELECT sha256(coalesce(previous, decode(repeat('00', 32), 'hex')) || convert_to(entry_canonical(entry), 'UTF8'))
$$;

-- The log as it stands, chained in seq order.
DO $$
DECLARE
    previous bytea;
    entry event;
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    FOR entry IN SELECT * FROM event ORDER BY seq LOOP
        previous := entry_hash_of(previous, entry);
        INSERT INTO entry_hash (seq, hash) VALUES (entry.seq, previous);
    END LOOP;
END $$;

CREATE FUNCTION event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entry_hash (seq, hash)
    VALUES (NEW.seq, entry_hash_of((SELECT h.hash FROM entry_hash h ORDER BY h.seq DESC LIMIT 1), NEW));
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER event_chain AFTER INSERT ON event
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION event_chain();

CREATE TRIGGER entry_hash_derived_only BEFORE INSERT ON entry_hash
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER entry_hash_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entry_hash
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

DOWNGRADE = r"""
DROP TRIGGER event_chain ON event;
DROP FUNCTION event_chain();
DROP TABLE entry_hash;
DROP FUNCTION entry_hash_of(bytea, event);
DROP FUNCTION entry_canonical(event);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
