"""The service behind a real HTTP cache: Debian's nginx as a caching proxy, as a newsroom or a
CDN would put in front of it. Reads of the past are served from the cache; reads of the present
pass through, so a new entry is visible through the cache at once."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.api import ACCUSATION, make_key
from tests.processes import free_port
from tests.test_cli import serve  # noqa: F401 (a fixture)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"  # root's PATH has /usr/sbin; others' may not
# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="no nginx (apt-get install nginx-light; .ci/run does)"),
]

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache keys_zone=log:1m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_cache log;
            # Nothing is kept for a fixed time: the service's Cache-Control says what may be kept.
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


@pytest.fixture
def proxied(serve, dsn, tmp_path):  # noqa: F811
    """(the cache's URL, the service's URL)."""
    _, upstream = serve({"DATABASE_URL": dsn})
    folder = tmp_path / "nginx"
    folder.mkdir()
    port = free_port()
    (folder / "nginx.conf").write_text(CONFIG.format(dir=folder, port=port, upstream=upstream))
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"nginx did not start: {process.stderr.read() if process.poll() is not None else ''}"
                    f"{(folder / 'error.log').read_text() if (folder / 'error.log').exists() else ''}"
                ) from None
            time.sleep(0.1)
    yield url, upstream
    process.terminate()
    process.wait(10)


def fetch(url: str) -> tuple[dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(answer.headers), answer.read()


def test_the_past_is_served_from_the_cache_and_the_present_passes_through(proxied, dsn):
    cache, service = proxied
    _, head = fetch(service + "/v1/incidents")
    as_of = json.loads(head)["as_of"]
    past = f"/v1/incidents?as_of={as_of}"
    first_headers, first = fetch(cache + past)
    again_headers, again = fetch(cache + past)
    assert first_headers["X-Cache-Status"] == "MISS" and again_headers["X-Cache-Status"] == "HIT"
    # The very answer the service gave, request id and all: the service was not asked again.
    assert again == first and again_headers["X-Request-Id"] == first_headers["X-Request-Id"]

    present_headers, present = fetch(cache + "/v1/incidents")
    assert present_headers["X-Cache-Status"] != "HIT" and present_headers["Cache-Control"] == "no-cache"
    request = urllib.request.Request(
        service + "/v1/events",
        method="POST",
        data=json.dumps({**ACCUSATION, "summary": "Posted behind the cache."}).encode(),
        headers={**make_key(dsn, "cached", "reporter"), "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        posted = json.load(answer)
    # At once, through the cache: the present shows the new entry, the past is as it was.
    now_headers, now = fetch(cache + "/v1/incidents")
    assert now_headers["X-Cache-Status"] != "HIT"
    assert json.loads(now)["items"][0]["id"] == posted["id"] and now != present
    later_headers, later = fetch(cache + past)
    assert later_headers["X-Cache-Status"] == "HIT" and later == first
    assert posted["id"] not in later.decode()
