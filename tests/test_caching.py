"""HTTP caching as a client or a cache sees it: immutable reads of the past, ETags on the present,
and 304s that hold until the next entry is appended."""

from __future__ import annotations

import pytest

from tests.api import post_accusation

READS = [
    "/v1/incidents",
    "/v1/incidents?status=disputed",
    "/v1/events?after=0&limit=2",
    "/v1/incidents/counts",
    "/v1/incidents/9915ceb2-ffe5-5116-aff6-e10990583817",
    "/v1/events/9915ceb2-ffe5-5116-aff6-e10990583817",
    "/v1/incidents?format=csv",
]


@pytest.mark.parametrize("path", READS)
def test_a_read_of_the_present_is_revalidated_by_its_etag_until_an_entry_is_appended(client, reporter, path):
    first = client.get(path)
    assert first.status_code == 200 and first.get_data()
    tag = first.headers["ETag"]
    assert tag.startswith('"h') and first.headers["Cache-Control"] == "no-cache" and first.headers["Vary"] == "Accept"
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    assert client.get(path, headers={"If-None-Match": f'"other", {tag}'}).status_code == 304
    assert post_accusation(client, reporter).status_code == 201
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.get_data() and changed.headers["ETag"] != tag


def test_a_read_as_of_a_seq_is_immutable(client, reporter):
    path = "/v1/incidents?as_of=3"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    tag = first.headers["ETag"]
    assert post_accusation(client, reporter).status_code == 201
    # The past is as it was: the same body, the same tag, and a 304 for it.
    later = client.get(path)
    assert later.get_data() == first.get_data() and later.headers["ETag"] == tag
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert client.get("/v1/events?after=0&as_of=3").headers["Cache-Control"].endswith("immutable")


def test_representations_do_not_share_a_tag(client):
    answers = [client.get(path) for path in READS]
    tags = {answer.headers["ETag"] for answer in answers if answer.get_data()}
    assert len(tags) == len(READS)
    json_tag = client.get("/v1/incidents").headers["ETag"]
    csv = client.get("/v1/incidents", headers={"Accept": "text/csv", "If-None-Match": json_tag})
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and csv.get_data()


def test_refusals_keyed_reads_and_the_catalogue_are_not_cached(client, reporter):
    refused = client.get("/v1/incidents?as_of=999999")
    assert (
        refused.status_code == 422 and "ETag" not in refused.headers and refused.headers["Cache-Control"] == "no-store"
    )
    keyed = client.get("/v1/incidents?as_of=3", headers=reporter)
    assert keyed.headers["Cache-Control"] == "no-store" and "ETag" in keyed.headers
    assert "ETag" not in client.get("/v1/actors").headers
    assert "ETag" not in client.get("/").headers
