"""Recording a source's claims at the desk: the proposals beside the text, corrected and
confirmed into the log together, all or none; a party the catalogue lacks added in place; and
what it refuses (no session, a forged token, a reporter adding a party, a broken rule named
beside its field with nothing written). The report is written for these tests in the style of
wire copy; the parties are real, the events invented."""

from __future__ import annotations

import re

from tests.api import counts, make_key
from tests.test_desk import sign_in

REPORT = (
    "BAKU, Oct 12 (Wire) - Azerbaijan's army said on Monday that Armenian forces had shelled the "
    "Tartar district overnight, in violation of the humanitarian truce.\n\n"
    'Armenia\'s defence ministry denied the report. "This is a lie," the ministry said in a statement. '
    "<b>Not bold</b>."
)


def hold(client, admin_key, text: str = REPORT, slug: str = "wire-1012") -> str:
    made = client.post(
        "/v1/sources", json={"slug": slug, "publisher": "Wire", "published_at": "2020-10-12", "text": text},
        headers=admin_key,
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    return slug


def form_of(page: str) -> dict[str, list[str]]:
    """The confirm form's fields as the browser would send them (selected options, ticked boxes)."""
    form = page[page.index('class="desk claims"') :]
    sent: dict[str, list[str]] = {}
    for tag in re.finditer(r"<input ([^>]*)>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag[1]))
        if "name" in attrs and (attrs.get("type") != "checkbox" or "checked" in tag[1]):
            sent.setdefault(attrs["name"], []).append(_unescape(attrs.get("value", "")))
    for select in re.finditer(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', select[2])
        sent.setdefault(select[1], []).extend(chosen)
    for area in re.finditer(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        sent.setdefault(area[1], []).append(_unescape(area[2]))
    return sent


def _unescape(value: str) -> str:
    return value.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace(
        "&quot;", '"'
    ).replace("&amp;", "&")  # fmt: skip


def test_the_proposals_stand_beside_the_text_and_confirm_into_the_log(client, admin_key, dsn):
    slug = hold(client, admin_key)
    sign_in(client, make_key(dsn, "monitor", "reporter"))
    page = client.get(f"/desk/sources/{slug}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;Not bold&lt;/b&gt;" in html and "<b>Not bold</b>" not in html  # the text, escaped
    assert '<mark data-start="' in html and ">This is a lie</mark>" in html  # the quote, marked
    sent = form_of(html)
    assert sent["refs"] == ["p1", "p2"] and sent["p1-claimant"] == ["azerbaijan-military"]
    assert sent["p2-responds_to"] == ["#p1"] and sent["p2-quotes"] == ["This is a lie", ""]
    before = counts(dsn)

    confirmed = client.post(f"/desk/sources/{slug}/confirm", data=sent)
    assert confirmed.status_code == 303, confirmed.get_data(as_text=True)[:2000]
    assert counts(dsn)["event"] == before["event"] + 2
    recorded = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "2 entries went into the log, recorded by monitor" in recorded
    incident = re.search(r'href="/incidents/([0-9a-f-]{36})"', recorded)[1]
    shown = client.get(f"/v1/incidents/{incident}").get_json()
    assert shown["status"] == "disputed" and shown["accusation"]["recorded_by"] == "monitor"
    assert shown["accusation"]["occurred_from"] == "2020-10-11" and shown["accusation"]["locations"] == ["tartar"]

    # The same form sent again (a double click, a reload) records nothing more.
    again = client.post(f"/desk/sources/{slug}/confirm", data=sent)
    assert again.status_code == 303 and again.headers["Location"] == confirmed.headers["Location"]
    assert counts(dsn)["event"] == before["event"] + 2


def test_a_corrected_proposal_goes_in_as_corrected_and_an_unticked_one_not_at_all(client, admin_key, dsn):
    slug = hold(client, admin_key)
    sign_in(client, make_key(dsn, "monitor", "reporter"))
    sent = form_of(client.get(f"/desk/sources/{slug}").get_data(as_text=True))
    sent["p1-quotes"] = ["in violation of the humanitarian truce"]  # not the claimant's words, but in the text
    sent["p1-act"] = ["shooting"]
    del sent["p2-include"]
    confirmed = client.post(f"/desk/sources/{slug}/confirm", data=sent)
    assert confirmed.status_code == 303
    incident = re.search(r"incidents=([0-9a-f-]{36})", confirmed.headers["Location"])[1]
    shown = client.get(f"/v1/incidents/{incident}").get_json()
    assert shown["status"] == "uncontested" and shown["accusation"]["act"] == "shooting"
    assert [q["text"] for q in shown["accusation"]["quotes"]] == ["in violation of the humanitarian truce"]


def test_a_broken_rule_is_named_beside_its_field_and_nothing_is_written(client, admin_key, dsn):
    slug = hold(client, admin_key)
    sign_in(client, make_key(dsn, "monitor", "reporter"))
    sent = form_of(client.get(f"/desk/sources/{slug}").get_data(as_text=True))
    sent["p2-quotes"] = ["This is a lie’"]  # a character the text does not have there
    sent["p1-claimant"] = [""]
    before = counts(dsn)
    refused = client.post(f"/desk/sources/{slug}/confirm", data=sent)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Nothing was recorded" in html
    assert 'id="p1-claimant-error"' in html and "Missing data for required field." in html
    assert counts(dsn) == before
    # What the person typed stays in the form.
    assert form_of(html)["p2-quotes"][0] == "This is a lie’"


def test_a_party_the_catalogue_lacks_is_added_in_place_by_an_admin(client, admin_key, dsn):
    text = "The Arakan Army said on Friday that Myanmar's military shelled Rathedaung township overnight."
    slug = hold(client, admin_key, text, "arakan")
    csrf = sign_in(client, make_key(dsn, "desk-editor", "admin"))
    page = client.get(f"/desk/sources/{slug}").get_data(as_text=True)
    assert "Add Arakan Army as a party" in page and "Add Rathedaung as a place" in page
    added = client.post(
        f"/desk/sources/{slug}/actors", data={"csrf": csrf, "name": "Arakan Army", "kind": "armed-group"}
    )
    assert added.status_code == 303
    assert client.get("/v1/actors/arakan-army").get_json()["name"] == "Arakan Army"
    again = form_of(client.get(f"/desk/sources/{slug}").get_data(as_text=True))
    assert again["p1-claimant"] == ["arakan-army"]
    twice = client.post(
        f"/desk/sources/{slug}/actors", data={"csrf": csrf, "name": "Arakan Army", "kind": "armed-group"}
    )
    assert twice.status_code == 422 and "is in the catalogue already" in twice.get_data(as_text=True)


def test_the_intake_is_refused_without_a_session_a_token_or_the_role(client, admin_key, dsn):
    slug = hold(client, admin_key)
    anonymous = client.get(f"/desk/sources/{slug}")
    assert anonymous.status_code == 303 and anonymous.headers["Location"].endswith("/desk/sign-in")
    csrf = sign_in(client, make_key(dsn, "monitor", "reporter"))
    sent = form_of(client.get(f"/desk/sources/{slug}").get_data(as_text=True))
    before = counts(dsn)
    forged = client.post(f"/desk/sources/{slug}/confirm", data={**sent, "csrf": ["forged"]})
    assert forged.status_code == 403 and counts(dsn) == before
    party = client.post(f"/desk/sources/{slug}/actors", data={"csrf": csrf, "name": "Someone", "kind": "other"})
    assert party.status_code == 403 and "needs an admin" in party.get_data(as_text=True)
    assert client.get("/desk/sources/nowhere").status_code == 404
    assert counts(dsn) == before


def test_a_broker_blaming_both_sides_is_one_claim_against_both(client, admin_key, dsn):
    """ "The mediators blamed both Armenia and Azerbaijan": proposed as one accusation of both,
    the second accused picked beside the first, and a second act added by hand; confirmed, one
    incident that either side may deny."""
    text = (
        "MOSCOW, Oct 12 (Wire) - The Minsk Group blamed both Armenia and Azerbaijan on Monday for "
        "shelling the Tartar district overnight, in violation of the humanitarian truce."
    )
    slug = hold(client, admin_key, text, slug="wire-both")
    sign_in(client, make_key(dsn, "monitor", "reporter"))
    page = client.get(f"/desk/sources/{slug}").get_data(as_text=True)
    sent = form_of(page)
    assert sent["refs"] == ["p1"] and (sent["p1-target"], sent["p1-more_targets"]) == (["armenia"], ["azerbaijan"])
    assert 'for="p1-more_acts">Also done' in page
    sent["p1-more_acts"] = ["shooting"]
    confirmed = client.post(f"/desk/sources/{slug}/confirm", data=sent)
    assert confirmed.status_code == 303, confirmed.get_data(as_text=True)[:2000]
    incident = re.search(r"incidents=([0-9a-f-]{36})", confirmed.headers["Location"])[1]
    accusation = client.get(f"/v1/incidents/{incident}").get_json()["accusation"]
    assert (accusation["targets"], accusation["acts"]) == (["armenia", "azerbaijan"], ["shelling", "shooting"])
