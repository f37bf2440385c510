"""The intake desk, as a person uses it: sign in with a key, add a source by pasting its text or
uploading it, sign out. And what it refuses: no write without a session, a form without the
session's token, a revoked key's session, a reporter's source; text shown escaped."""

from __future__ import annotations

import io
import re

import pytest

from tests.api import counts, make_key

PASTED = (
    "KESTREL, March 3 (Wire) - Northland's army accused Southland forces on Sunday of violating the truce "
    '<script>alert("x")</script> along the line of contact.'
)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def sign_in(client, key: dict) -> str:
    """Sign in with the key as a person would; returns the desk page's CSRF token."""
    token = csrf_of(client.get("/desk/sign-in").get_data(as_text=True))
    secret = key["Authorization"].removeprefix("Bearer ")
    signed = client.post("/desk/sign-in", data={"key": secret, "csrf": token})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/desk"), signed.get_data(as_text=True)
    return csrf_of(client.get("/desk").get_data(as_text=True))


def add(client, csrf: str, **fields):
    data = {"csrf": csrf, "publisher": "Wire", "title": "Truce tested", "published_at": "2031-03-03", "text": PASTED}
    return client.post("/desk/sources", data={**data, **fields}, content_type="multipart/form-data")


def test_sign_in_sets_a_session_cookie_and_the_desk_adds_a_source(client, admin_key, dsn):
    token = csrf_of(client.get("/desk/sign-in").get_data(as_text=True))
    secret = admin_key["Authorization"].removeprefix("Bearer ")
    signed = client.post("/desk/sign-in", data={"key": secret, "csrf": token})
    cookie = next(value for value in signed.headers.getlist("Set-Cookie") if value.startswith("cfl_desk="))
    assert {"HttpOnly", "SameSite=Lax", "Path=/desk"} <= {part.strip() for part in cookie.split(";")}
    assert "Max-Age=28800" in cookie and "Secure" not in cookie
    assert secret not in cookie  # the cookie holds a session token, never the key
    page = client.get("/desk").get_data(as_text=True)
    assert "Signed in as <strong>editor</strong> (admin)" in page

    added = add(client, csrf_of(page))
    assert added.status_code == 303, added.get_data(as_text=True)
    slug = added.headers["Location"].split("added=")[1]
    assert re.fullmatch(r"wire-2031-03-03-[0-9a-f]{8}", slug)
    source = client.get(f"/v1/sources/{slug}").get_json()
    assert (source["title"], source["publisher"], source["published_at"]) == ("Truce tested", "Wire", "2031-03-03")
    held = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Source held" in held and source["sha256"] in held

    # The same text again is held already; an upload works as a paste does.
    again = add(client, csrf_of(held))
    assert again.status_code == 409 and "is held already" in again.get_data(as_text=True)
    uploaded = add(client, csrf_of(held), text="", file=(io.BytesIO(b"Another report, uploaded."), "r.txt"))
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)


def test_a_bad_source_is_shown_beside_its_fields_and_nothing_is_held(client, admin_key, dsn):
    csrf = sign_in(client, admin_key)
    before = counts(dsn)
    refused = add(client, csrf, text="", published_at="3 March", language="English")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="text-error">paste the article' in page
    refused = add(client, csrf, published_at="3 March", language="English")
    page = refused.get_data(as_text=True)
    assert 'id="published_at-error">Not a time' in page and 'id="language-error">must be a BCP 47' in page
    assert 'aria-invalid="true" aria-describedby="language-error"' in page
    # What was typed is kept, escaped.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "<script>alert" not in page
    not_utf8 = add(client, csrf, text="", file=(io.BytesIO("caf\xe9".encode("latin-1")), "r.txt"))
    assert not_utf8.status_code == 422 and "is not UTF-8 text" in not_utf8.get_data(as_text=True)
    assert counts(dsn) == before


def test_no_write_without_a_session_or_its_token(client, admin_key, dsn):
    before = counts(dsn)
    unsigned = add(client, "anything")
    assert unsigned.status_code == 303 and unsigned.headers["Location"].endswith("/desk/sign-in")
    sign_in(client, admin_key)
    for forged in ("", "forged-token"):
        refused = add(client, forged)
        assert refused.status_code == 403 and "out of date" in refused.get_data(as_text=True)
    assert counts(dsn) == before
    # A sign-in form from elsewhere (no matching cookie) signs no one in.
    other = client.application.test_client()
    secret = admin_key["Authorization"].removeprefix("Bearer ")
    assert other.post("/desk/sign-in", data={"key": secret, "csrf": "made-up"}).status_code == 403


def test_a_wrong_key_is_told_so_and_a_reporter_adds_no_source(client, reporter, dsn):
    token = csrf_of(client.get("/desk/sign-in").get_data(as_text=True))
    wrong = client.post("/desk/sign-in", data={"key": "cfl_not-a-key", "csrf": token})
    assert wrong.status_code == 401 and "No key like this is in use" in wrong.get_data(as_text=True)
    csrf = sign_in(client, reporter)
    assert "Adding a source needs an admin's key" in client.get("/desk").get_data(as_text=True)
    before = counts(dsn)
    refused = add(client, csrf)
    assert refused.status_code == 403 and "this needs an admin&#39;s key" in refused.get_data(as_text=True)
    assert counts(dsn) == before


def test_sign_out_and_revocation_end_the_session_at_once(client, admin_key, dsn):
    csrf = sign_in(client, admin_key)
    out = client.post("/desk/sign-out", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["Location"].endswith("/desk/sign-in")
    assert client.get("/desk").status_code == 303
    desk_key = make_key(dsn, "desk-admin", "admin")
    csrf = sign_in(client, desk_key)
    assert client.delete("/v1/keys/desk-admin", headers=admin_key).status_code == 204
    before = counts(dsn)
    refused = add(client, csrf)
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/desk/sign-in")
    assert counts(dsn) == before


@pytest.mark.parametrize("path", ["/desk", "/desk/sign-in"])
def test_desk_pages_run_no_script_and_are_not_cached(client, admin_key, path):
    sign_in(client, admin_key)
    page = client.get(path)
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_the_cookie_is_secure_over_https(app, admin_key):
    client = app.test_client()
    token = csrf_of(client.get("/desk/sign-in", base_url="https://localhost").get_data(as_text=True))
    secret = admin_key["Authorization"].removeprefix("Bearer ")
    signed = client.post("/desk/sign-in", data={"key": secret, "csrf": token}, base_url="https://localhost")
    assert "Secure" in next(value for value in signed.headers.getlist("Set-Cookie") if value.startswith("cfl_desk="))


def test_an_admin_makes_and_revokes_keys_at_the_desk(client, admin_key, dsn, app):
    csrf = sign_in(client, admin_key)
    made = client.post("/desk/keys", data={"csrf": csrf, "name": "field-monitor", "role": "reporter"})
    assert made.status_code == 201
    page = made.get_data(as_text=True)
    secret = re.search(r'<code class="secret">(cfl_[^<]+)</code>', page)[1]
    assert "It is shown this once" in page and made.headers["Cache-Control"] == "no-store"
    assert client.get("/desk/keys").get_data(as_text=True).count(secret) == 0  # never shown again

    # The new key signs a monitor in, in another browser.
    monitor = app.test_client()
    sign_in(monitor, {"Authorization": f"Bearer {secret}"})
    assert monitor.get("/desk").status_code == 200
    assert monitor.get("/desk/keys").status_code == 403  # a reporter's desk has no keys page

    taken = client.post("/desk/keys", data={"csrf": csrf, "name": "field-monitor", "role": "admin"})
    assert taken.status_code == 409 and "revoked or not" in taken.get_data(as_text=True)
    bad = client.post("/desk/keys", data={"csrf": csrf, "name": "Field Monitor", "role": "reporter"})
    assert bad.status_code == 422 and 'id="name-error"' in bad.get_data(as_text=True)
    assert client.post("/desk/keys", data={"name": "x", "role": "admin"}).status_code == 403  # no CSRF token

    revoked = client.post("/desk/keys/field-monitor/revoke", data={"csrf": csrf})
    assert revoked.status_code == 303
    assert "field-monitor is revoked" in client.get(revoked.headers["Location"]).get_data(as_text=True)
    ended = monitor.get("/desk")
    assert ended.status_code == 303 and ended.headers["Location"].endswith("/desk/sign-in")
    assert client.post("/desk/keys/field-monitor/revoke", data={"csrf": csrf}).status_code == 404
