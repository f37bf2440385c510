"""A batch of entries is hashed into the chain at once, its canonical forms built by one query.

event_chain (0014) hashes each entry as its transaction commits, one row trigger at a time, and
each builds the entry's canonical form with entry_canonical: about ten lookups, one entry at a
time. For a bulk load of 20,000 entries into a fresh log that was 2.8 s of 9.4 s
(pg_stat_user_functions), 130 µs an entry.

Now the first of a transaction's row triggers to fire hashes every entry the chain does not hold
yet (they are all this transaction's: the log's head admits one appending transaction at a time,
and each hashes its entries before it commits), and the others find theirs hashed. Where there are
many, their canonical forms come from entries_canonical: the same form as entry_canonical, built
for the whole range by joins, 24 µs an entry. A few (up to 64) are hashed by entry_canonical one
at a time as before, on its kept single-row plan: the joins are planned afresh for each range,
2 ms, which a batch written a few entries at a time paid again and again.
tests/test_chain.py holds the two forms to each other over entries of every shape.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# entry_canonical (0014, with the fields 0017, 0023, 0027, 0028 and 0029 added) for every entry in
# (after_seq, through_seq]: each list aggregated once for the range and joined, not looked up per entry.
ENTRIES_CANONICAL = r"""
CREATE FUNCTION entries_canonical(after_seq bigint, through_seq bigint)
RETURNS TABLE (seq bigint, canonical text) LANGUAGE sql STABLE AS $$
SELECT e.seq, jsonb_strip_nulls(jsonb_build_object(
    'seq', e.seq,
    'id', e.id::text,
    'kind', CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END,
    'claimant', claimant.slug::text,
    'target', target.slug::text,
    'responds_to', e.responds_to::text,
    'act', act.slug::text,
    'targets', jsonb_build_array(target.slug::text) || further_targets.slugs,
    'acts', jsonb_build_array(act.slug::text) || further_acts.slugs,
    'locations', places.slugs,
    'occurred_from', (extract(epoch FROM e.occurred_from) * 1000000)::bigint,
    'occurred_from_offset', CASE WHEN e.occurred_from IS NOT NULL THEN e.occurred_from_offset END,
    'occurred_to', (extract(epoch FROM e.occurred_to) * 1000000)::bigint,
    'occurred_to_offset', CASE WHEN e.occurred_to IS NOT NULL THEN e.occurred_to_offset END,
    'time_precision', e.time_precision,
    'time_note', e.time_note,
    'stated_at', CASE WHEN NOT e.stated_unknown THEN (extract(epoch FROM e.stated_at) * 1000000)::bigint END,
    'stated_at_unit', CASE WHEN NOT e.stated_unknown THEN e.stated_at_unit END,
    'stated_at_offset', CASE WHEN e.stated_at IS NOT NULL AND NOT e.stated_unknown THEN e.stated_at_offset END,
    'ceasefire', ceasefire.slug::text,
    'summary', e.summary,
    'source', source.slug::text,
    'quotes', quoted.quotes,
    'recorded_by', e.recorded_by,
    'recorded_at', (extract(epoch FROM e.recorded_at) * 1000000)::bigint,
    'corrects', e.corrects::text,
    'verdict', e.verdict,
    'channel', e.channel,
    'channel_name', e.channel_name,
    'via', e.via,
    'violations', e.violations,
    'casualties', CASE WHEN num_nonnulls(e.killed, e.injured, e.civilians_killed, e.civilians_injured) > 0
                       THEN jsonb_build_object('killed', e.killed, 'injured', e.injured,
                                               'civilians_killed', e.civilians_killed,
                                               'civilians_injured', e.civilians_injured) END,
    'cites', e.cites::text,
    'voids', e.voids::text
))::text
  FROM event e
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
  LEFT JOIN act ON act.id = e.act_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id
  LEFT JOIN source ON source.id = e.source_id
  LEFT JOIN (SELECT el.event_id, jsonb_agg(l.slug::text ORDER BY el.position) AS slugs
               FROM event_location el JOIN location l ON l.id = el.location_id
               JOIN event r ON r.id = el.event_id WHERE r.seq > after_seq AND r.seq <= through_seq
              GROUP BY el.event_id) places ON places.event_id = e.id
  LEFT JOIN (SELECT q.event_id,
                    jsonb_agg(jsonb_build_array(q.text, q.span_start, q.span_end) ORDER BY q.position) AS quotes
               FROM quote q JOIN event r ON r.id = q.event_id WHERE r.seq > after_seq AND r.seq <= through_seq
              GROUP BY q.event_id) quoted ON quoted.event_id = e.id
  LEFT JOIN (SELECT et.event_id, jsonb_agg(a.slug::text ORDER BY et.position) AS slugs
               FROM event_target et JOIN actor a ON a.id = et.actor_id
               JOIN event r ON r.id = et.event_id WHERE r.seq > after_seq AND r.seq <= through_seq
              GROUP BY et.event_id) further_targets ON further_targets.event_id = e.id
  LEFT JOIN (SELECT ea.event_id, jsonb_agg(a.slug::text ORDER BY ea.position) AS slugs
               FROM event_act ea JOIN act a ON a.id = ea.act_id
               JOIN event r ON r.id = ea.event_id WHERE r.seq > after_seq AND r.seq <= through_seq
              GROUP BY ea.event_id) further_acts ON further_acts.event_id = e.id
 WHERE e.seq > after_seq AND e.seq <= through_seq
$$;
"""

CHAIN = r"""
CREATE OR REPLACE FUNCTION event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    previous bytea;
    waiting bigint;
    one event;
    entry record;
    seqs bigint[] := '{}';
    hashes bytea[] := '{}';
BEGIN
    SELECT h.seq, h.hash INTO last_seq, previous FROM entry_hash h ORDER BY h.seq DESC LIMIT 1;
    IF last_seq >= NEW.seq THEN
        RETURN NULL;  -- hashed with the entries before it in its transaction: the chain is hashed in seq order
    END IF;
    waiting := (SELECT count(*) FROM event e WHERE e.seq > coalesce(last_seq, 0));
    IF waiting = 1 THEN
        INSERT INTO entry_hash (seq, hash) VALUES (NEW.seq, entry_hash_of(previous, NEW));
        RETURN NULL;
    END IF;
    IF waiting <= 64 THEN
        -- A few (a batch written a pair at a time): one at a time on the kept plan, since the
        -- query for a range is planned afresh each time (2 ms).
        FOR one IN SELECT * FROM event e WHERE e.seq > coalesce(last_seq, 0) ORDER BY e.seq LOOP
            previous := entry_hash_of(previous, one);
            INSERT INTO entry_hash (seq, hash) VALUES (one.seq, previous);
        END LOOP;
        RETURN NULL;
    END IF;
    -- Planned for the range it reads (a plan kept from a range of one would look up each entry).
    FOR entry IN EXECUTE 'SELECT c.seq, c.canonical FROM entries_canonical($1, $2) c ORDER BY c.seq'
                 USING coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e) LOOP
        previous := sha256(coalesce(previous, decode(repeat('00', 32), 'hex')) || convert_to(entry.canonical, 'UTF8'));
        seqs := seqs || entry.seq;
        hashes := hashes || previous;
    END LOOP;
    INSERT INTO entry_hash (seq, hash) SELECT * FROM unnest(seqs, hashes);
    RETURN NULL;
END $$;
"""

# event_chain as 0014 made it.
ONE_AT_A_TIME = r"""
CREATE OR REPLACE FUNCTION event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entry_hash (seq, hash)
    VALUES (NEW.seq, entry_hash_of((SELECT h.hash FROM entry_hash h ORDER BY h.seq DESC LIMIT 1), NEW));
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.execute(ENTRIES_CANONICAL)
    op.execute(CHAIN)


def downgrade() -> None:
    op.execute(ONE_AT_A_TIME)
    op.execute("DROP FUNCTION entries_canonical(bigint, bigint)")
