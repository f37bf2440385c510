"""Each rule of the log, broken by a client writing SQL directly: PostgreSQL itself refuses it,
naming the constraint. The seeded article gives the actors, places and events to break them with."""

from __future__ import annotations

import hashlib
import uuid

import psycopg
import pytest

from service.exchange.seed import EVENT_NAMESPACE
from tests.conftest import SEEDS

INSERT_EVENT = """
INSERT INTO event (kind, claimant_id, target_id, responds_to, responds_to_kind, act_id, occurred_from,
                   occurred_to, time_precision, stated_at, summary, source_id, recorded_by, search)
VALUES (%(kind)s, (SELECT id FROM actor WHERE slug = %(claimant)s), (SELECT id FROM actor WHERE slug = %(target)s),
        %(responds_to)s, %(responds_to_kind)s, (SELECT id FROM act WHERE slug = 'shelling'),
        %(occurred_from)s, %(occurred_to)s, 'hour', %(stated_at)s, %(summary)s,
        (SELECT id FROM source WHERE slug = 'moscow-ceasefire-article'), 'test', to_tsvector('english', 'x'))
RETURNING id
"""


def event_id(conn, key: str) -> uuid.UUID:
    """The id the seed gave the article's event with this key."""
    return uuid.uuid5(EVENT_NAMESPACE, f"moscow-ceasefire-article/{key}")


EVENT_DEFAULTS = {
    "kind": "accusation",
    "claimant": "azerbaijan-military",
    "target": "armenia",
    "responds_to": None,
    "responds_to_kind": None,
    "occurred_from": "2020-10-11T10:00:00+04:00",
    "occurred_to": "2020-10-11T11:00:00+04:00",
    "stated_at": "2020-10-11T12:00:00+04:00",
    "summary": "Shelling reported.",
}


def insert_event(conn, **overrides):
    return conn.execute(INSERT_EVENT, {**EVENT_DEFAULTS, **overrides}).fetchone()["id"]


def refused(conn, constraint: str, statement: str, params=None) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, params)
    error = caught.value
    assert error.diag.constraint_name == constraint or constraint in str(error), str(error)
    return error


def refused_event(conn, constraint: str, **overrides):
    with pytest.raises(psycopg.Error) as caught:
        insert_event(conn, **overrides)
    error = caught.value
    assert error.diag.constraint_name == constraint or constraint in str(error), str(error)


def count(conn, table: str) -> int:
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]  # table names are literals here


def test_a_valid_event_is_accepted(conn):
    before = count(conn, "event")
    insert_event(conn)
    assert count(conn, "event") == before + 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE event SET summary = 'rewritten'",
        "DELETE FROM event",
        "TRUNCATE event CASCADE",
    ],
)
def test_events_are_append_only(conn, statement):
    before = count(conn, "event")
    refused(conn, "event_append_only", statement)
    assert count(conn, "event") == before


@pytest.mark.parametrize(
    "table", ["quote", "event_location", "incident_actor", "incident_place", "incident_state", "incident_high_water"]
)
def test_quotes_places_and_incident_indexes_are_append_only(conn, table):
    refused(conn, f"{table}_append_only", f"DELETE FROM {table}")
    refused(conn, f"{table}_append_only", f"TRUNCATE {table}")


def test_incident_indexes_take_rows_only_from_the_log(conn):
    """A row written by hand could make an incident turn up under a party it never named."""
    before = count(conn, "incident_actor")
    refused(
        conn,
        "incident_actor_derived_only",
        "INSERT INTO incident_actor SELECT event_id, actor_id, side, stated_at, occurred_from, seq + 1000 FROM incident_actor",
    )
    refused(
        conn,
        "incident_place_derived_only",
        "INSERT INTO incident_place SELECT event_id, location_id, stated_at, occurred_from, seq + 1000 FROM incident_place",
    )
    refused(
        conn,
        "incident_state_derived_only",
        "INSERT INTO incident_state SELECT event_id, from_seq + 1000, NULL, seq, version_seq, stated_at, occurred_from, "
        "ceasefire_id, act_id, 'disputed', NULL FROM incident_state",
    )
    refused(conn, "incident_high_water_derived_only", "INSERT INTO incident_high_water VALUES (1000, now(), now())")
    # Nor may anyone end a version or a stretch of an incident's state by hand.
    refused(conn, "incident_state_derived_only", "UPDATE incident_state SET to_seq = 1000 WHERE to_seq IS NULL")
    refused(conn, "incident_actor_derived_only", "UPDATE incident_actor SET superseded_seq = 1000")
    refused(conn, "incident_place_derived_only", "UPDATE incident_place SET superseded_seq = 1000")
    insert_event(conn)
    assert count(conn, "incident_actor") > before


def test_a_slug_must_be_lowercase_letters_digits_and_hyphens(conn):
    refused(conn, "slug_format", "INSERT INTO actor (slug, name, kind) VALUES ('Bad Slug', 'x', 'state')")
    refused(conn, "slug_format", "INSERT INTO location (slug, name, precision) VALUES (%s, 'x', 'exact')", ["a" * 65])


def test_kinds_precisions_and_codes_are_from_their_vocabularies(conn):
    refused(conn, "actor_kind_known", "INSERT INTO actor (slug, name, kind) VALUES ('x', 'x', 'wizard')")
    refused(
        conn, "country_code_format", "INSERT INTO actor (slug, name, kind, country) VALUES ('x', 'x', 'state', 'ARMN')"
    )
    refused(conn, "location_precision_known", "INSERT INTO location (slug, name, precision) VALUES ('x', 'x', 'vague')")
    refused(
        conn,
        "location_coordinates_paired",
        "INSERT INTO location (slug, name, precision, latitude) VALUES ('x', 'x', 'exact', 40)",
    )
    refused_event(conn, "event_kind_known", kind="rebuttal")


def test_an_unknown_parent_is_refused_by_its_foreign_key(conn):
    refused(
        conn, "actor_parent_fkey", "INSERT INTO actor (slug, name, kind, parent_id) VALUES ('x', 'x', 'state', 999999)"
    )


def test_a_tree_never_changes_shape(conn):
    refused(
        conn,
        "actor_tree_frozen",
        "UPDATE actor SET parent_id = (SELECT id FROM actor WHERE slug = 'russia') WHERE slug = 'armenia-mod'",
    )
    refused(conn, "location_tree_frozen", "UPDATE location SET slug = 'aghdam' WHERE slug = 'agdam'")


def test_the_act_cannot_end_before_it_began(conn):
    refused_event(
        conn, "event_occurred_order", occurred_from="2020-10-11T12:00:00+04:00", occurred_to="2020-10-11T11:00:00+04:00"
    )


def test_a_statement_cannot_predate_the_act(conn):
    refused_event(conn, "event_stated_after_act", stated_at="2020-10-11T09:00:00+04:00")


def test_a_claimant_never_accuses_itself(conn):
    refused_event(conn, "event_claimant_not_target", claimant="armenia", target="armenia")


@pytest.mark.parametrize(
    "claimant, target", [("armenia", "armenia-mod"), ("armenia-mod", "armenia"), ("jeyhun-bayramov", "azerbaijan")]
)
def test_a_claimant_never_accuses_its_own_hierarchy(conn, claimant, target):
    refused_event(conn, "event_parties_apart", claimant=claimant, target=target)


def test_a_denial_must_respond_to_something(conn):
    refused_event(conn, "event_denial_responds", kind="denial", claimant="armenia", target="azerbaijan-military")


def test_a_denial_cannot_respond_to_a_denial(conn):
    denial = event_id(conn, "armenia-mod-denies-shelling")
    # Claiming the denial is an accusation: the composite key (id, kind) finds no such event.
    refused_event(
        conn,
        "event_responds_to_fkey",
        kind="denial",
        claimant="azerbaijan-military",
        target="armenia-mod",
        responds_to=denial,
        responds_to_kind="accusation",
    )
    refused_event(
        conn,
        "event_responds_to_kind_known",
        kind="denial",
        claimant="azerbaijan-military",
        target="armenia-mod",
        responds_to=denial,
        responds_to_kind="denial",
    )


def test_only_the_accused_side_may_deny(conn):
    accusation = event_id(conn, "agdam-tartar-shelling")  # azerbaijan-military accuses armenia
    common = {"kind": "denial", "responds_to": accusation, "responds_to_kind": "accusation"}
    refused_event(conn, "event_denial_by_accused", claimant="russia", target="azerbaijan-military", **common)
    refused_event(conn, "event_denial_by_accused", claimant="osce-minsk-group", target="azerbaijan-military", **common)
    refused_event(conn, "event_denial_targets_accuser", claimant="armenia-mod", target="azerbaijan-mfa", **common)
    # The accused state itself, or a body beneath it, may.
    insert_event(conn, claimant="armenia", target="azerbaijan-military", **common)


def test_the_accused_side_is_the_tree_of_the_targets_state(conn):
    """A state speaks for its bodies: its foreign minister may deny what its military is accused of,
    and nobody on the accuser's side may, even when both sides share a state."""
    accusation = insert_event(conn, claimant="armenia-mod", target="azerbaijan-military")
    common = {"kind": "denial", "responds_to": accusation, "responds_to_kind": "accusation", "target": "armenia-mod"}
    for claimant in ("azerbaijan", "azerbaijan-mfa", "jeyhun-bayramov"):
        insert_event(conn, claimant=claimant, **common)
    refused_event(conn, "event_denial_by_accused", claimant="russia-mfa", **common)
    quarrel = insert_event(conn, claimant="kremlin", target="russia-mfa")  # two bodies of one state
    refused_event(
        conn,
        "event_denial_not_by_accuser",
        claimant="sergei-lavrov",
        kind="denial",
        responds_to=quarrel,
        responds_to_kind="accusation",
        target="kremlin",
    )


def test_a_quote_span_must_hold_its_text_in_the_source(conn):
    accusation = event_id(conn, "agdam-tartar-shelling")
    statement = "INSERT INTO quote (event_id, position, text, span_start, span_end) VALUES (%s, 5, %s, %s, %s)"
    refused(conn, "quote_span_in_source", statement, [accusation, "largely holding", 0, 15])
    refused(conn, "quote_span_in_source", statement, [accusation, "x", 100000, 100001])
    refused(conn, "quote_span_order", statement, [accusation, "largely holding", 1098, 1100])
    conn.execute(statement, [accusation, "largely holding", 1098, 1113])


def test_a_held_source_text_and_its_hash_never_change(conn):
    refused(conn, "source_text_frozen", "UPDATE source SET text = 'another text'")
    with pytest.raises(psycopg.errors.GeneratedAlways):
        conn.execute("UPDATE source SET sha256 = 'forged'")


def test_the_source_hash_is_the_sha256_of_its_text(conn):
    row = conn.execute("SELECT sha256 FROM source WHERE slug = 'moscow-ceasefire-article'").fetchone()
    assert row["sha256"] == hashlib.sha256((SEEDS / "moscow-ceasefire-article.txt").read_bytes()).hexdigest()


def test_seq_cannot_be_chosen_by_the_writer(conn):
    refused(conn, "seq", "INSERT INTO event (seq) VALUES (1)")


def test_the_database_refuses_instants_and_offsets_the_log_cannot_read_back(conn):
    """From psql too (migration 0016): an instant before the year 1 in UTC, or an offset no clock is
    set to, would make every later read of the log fail."""
    refused_event(
        conn,
        "event_instants_in_calendar",
        occurred_from="0001-01-01T00:00:00+14:00",
        occurred_to="2020-10-11T11:00:00+04:00",
    )
    refused(
        conn,
        "event_offsets_on_earth",
        "INSERT INTO event (kind, claimant_id, target_id, act_id, occurred_from, occurred_to, time_precision, "
        "stated_at, summary, source_id, recorded_by, search, stated_at_offset) "
        "SELECT kind, claimant_id, target_id, act_id, occurred_from, occurred_to, time_precision, stated_at, "
        "summary, source_id, recorded_by, search, 1439 FROM event WHERE kind = 'accusation' LIMIT 1",
    )
