"""The seed: the article's claims land in the log with their links and quote spans, once."""

from __future__ import annotations

import shutil

import pytest

from service.exchange import seed
from service.exchange.seed import SeedError
from tests.conftest import SEEDS

ARTICLE = (SEEDS / "moscow-ceasefire-article.txt").read_text(encoding="utf-8")


def events_by_key(conn):
    rows = conn.execute("""
        SELECT e.id, e.kind, e.responds_to, c.slug AS claimant, t.slug AS target
          FROM event e JOIN actor c ON c.id = e.claimant_id JOIN actor t ON t.id = e.target_id""").fetchall()
    return {row["id"]: row for row in rows}


def test_the_article_is_in_the_log(conn):
    events = list(events_by_key(conn).values())
    accusations = [e for e in events if e["kind"] == "accusation"]
    denials = [e for e in events if e["kind"] == "denial"]
    assert len(accusations) == 3 and len(denials) == 1

    shelling = next(e for e in accusations if e["claimant"] == "azerbaijan-military")
    assert shelling["target"] == "armenia" and shelling["responds_to"] is None
    denial = denials[0]
    assert (denial["claimant"], denial["target"], denial["responds_to"]) == (
        "armenia-mod",
        "azerbaijan-military",
        shelling["id"],
    )
    counter = next(e for e in accusations if e["responds_to"] is not None)
    assert (counter["claimant"], counter["target"], counter["responds_to"]) == (
        "armenia",
        "azerbaijan-military",
        shelling["id"],
    )

    places = conn.execute(
        """SELECT l.slug FROM event_location el JOIN location l ON l.id = el.location_id
                              WHERE el.event_id = %s ORDER BY el.position""",
        [shelling["id"]],
    ).fetchall()
    assert [p["slug"] for p in places] == ["agdam", "tartar"]


def test_every_quote_is_stored_with_its_span_in_the_article(conn):
    quotes = conn.execute("SELECT text, span_start, span_end FROM quote ORDER BY text").fetchall()
    assert [q["text"] for q in quotes] == [
        "conditions for implementing the humanitarian ceasefire are currently missing.",
        "heinous aggression",
        "largely holding",
        "provocations",
    ]
    for quote in quotes:
        assert ARTICLE[quote["span_start"] : quote["span_end"]] == quote["text"]
        # The article's curly quotes stand around each one.
        assert ARTICLE[quote["span_start"] - 1] == "\u201c"


def test_the_ceasefire_and_the_hierarchies(conn):
    ceasefire = conn.execute("""SELECT c.effective_at, b.slug AS broker,
            ARRAY(SELECT a.slug::text FROM ceasefire_party p JOIN actor a ON a.id = p.actor_id WHERE p.ceasefire_id = c.id
                  ORDER BY a.slug) AS parties
        FROM ceasefire c JOIN ceasefire_broker cb ON cb.ceasefire_id = c.id JOIN actor b ON b.id = cb.actor_id
        WHERE c.slug = 'moscow-humanitarian-2020'""").fetchone()
    assert ceasefire["broker"] == "kremlin" and ceasefire["parties"] == ["armenia", "azerbaijan"]
    assert ceasefire["effective_at"].isoformat() == "2020-10-10T08:00:00+00:00"
    path = conn.execute("SELECT path::text FROM actor WHERE slug = 'jeyhun-bayramov'").fetchone()["path"]
    assert path == "azerbaijan.azerbaijan_mfa.jeyhun_bayramov"
    town = conn.execute(
        "SELECT precision, latitude, aliases FROM location WHERE slug = 'armenia-unnamed-town'"
    ).fetchone()
    assert town["precision"] == "country" and town["latitude"] is None
    assert "Terter" in conn.execute("SELECT aliases FROM location WHERE slug = 'tartar'").fetchone()["aliases"]


def snapshot(conn):
    return {
        table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
        for table in ("event", "quote", "event_location", "actor", "location", "act", "source", "ceasefire")
    }


def test_loading_twice_adds_nothing(conn):
    before = snapshot(conn)
    assert seed.load(conn)["events_added"] == 0
    assert snapshot(conn) == before


@pytest.fixture
def broken_seed(tmp_path):
    """A copy of the seed to break; the article travels with it."""
    shutil.copy(SEEDS / "moscow-ceasefire-article.txt", tmp_path)
    path = tmp_path / "broken.yaml"
    path.write_text(
        (SEEDS / "moscow-ceasefire.yaml")
        .read_text(encoding="utf-8")
        .replace("slug: moscow-ceasefire-article\n", "slug: another-article\n", 1)
        .replace("source: moscow-ceasefire-article", "source: another-article"),
        encoding="utf-8",
    )

    def breaking(old: str, new: str):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return breaking


def line_of(path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("      - heinous aggression", "      - \u201cheinous aggression\u201d", "not in the source's text"),
        ("      - largely holding", "      - largely holding firm", "not in the source's text"),
        ("    claimant: armenia\n", "    claimant: armenia-government\n", "unknown actor: armenia-government"),
        ("    locations: [armenia-unnamed-town]", "    locations: [yerevan]", "unknown location: yerevan"),
        ("    claimant: armenia-mod\n", "    claimant: russia\n", "only the accused side"),
        ("    time_precision: day\n", "    time_precision: day\n    colour: blue\n", "unknown fields colour"),
        # A catalogue field spelt as it no longer is is refused, not dropped (a ceasefire's brokers).
        ("  brokers: [kremlin]", "  brokered_bys: [kremlin]", "brokered_bys: Unknown field."),
        ("  brokers: [kremlin]", "  brokers: [kremlin, kremlin]", "each broker once"),
        (
            "    stated_at: 2020-10-10T14:00:00+04:00\n    ceasefire: moscow-humanitarian-2020\n    summary: >-\n      The Armenian",
            "    stated_at: 2020-10-10T14:00:00\n    ceasefire: moscow-humanitarian-2020\n    summary: >-\n      The Armenian",
            "stated_at must be a timestamp with a UTC offset",
        ),
    ],
)
def test_a_broken_seed_loads_nothing_and_names_the_entry(conn, broken_seed, old, new, message):
    path = broken_seed(old, new)
    before = snapshot(conn)
    with pytest.raises(SeedError) as caught:
        seed.load(conn, path)
    assert message in str(caught.value)
    assert str(caught.value).startswith("broken.yaml line ")
    assert snapshot(conn) == before


def test_the_error_names_the_entrys_line(conn, broken_seed):
    path = broken_seed("    claimant: armenia-mod\n", "    claimant: osce\n")
    with pytest.raises(SeedError) as caught:
        seed.load(conn, path)
    assert str(caught.value).startswith(
        f"broken.yaml line {line_of(path, 'key: armenia-mod-denies-shelling')}, events[2] armenia-mod-denies-shelling: "
    )


def test_malformed_yaml_and_a_tampered_article_are_refused(conn, broken_seed, tmp_path):
    before = snapshot(conn)
    path = broken_seed("events:\n", "events: [\n")
    with pytest.raises(SeedError, match="not valid YAML"):
        seed.load(conn, path)
    article = tmp_path / "moscow-ceasefire-article.txt"
    article.write_text(ARTICLE.replace("largely", "mostly"), encoding="utf-8")
    with pytest.raises(SeedError, match="has SHA-256"):
        seed.load(conn, broken_seed("events: [\n", "events:\n"))
    assert snapshot(conn) == before
