"""gunicorn's access log as JSON lines (CFL_LOG_FORMAT=json), one object a request.

gunicorn's own format strings paste values into a template, so a path holding a quote or a
backslash would break the line; here every value goes through json.dumps.
"""

from __future__ import annotations

import json
import re
import traceback
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from gunicorn.glogging import Logger

# A key pasted into a URL by mistake (`?api_key=...`) must not land in the logs.
SECRET = re.compile(r"key|token|secret|password|passwd|auth|session|signature", re.IGNORECASE)


def redacted(query: str) -> str | None:
    if not query:
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(SECRET.search(name) for name, _ in pairs):
        return query
    return urlencode([(name, "[redacted]" if SECRET.search(name) else value) for name, value in pairs])


class JsonAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((name.lower(), value) for name, value in resp.headers)
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": headers.get("x-request-id"),
            "remote": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": redacted(environ.get("QUERY_STRING", "")),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
        }
        try:
            self.access_log.info(json.dumps(line))
        except Exception:
            self.error(traceback.format_exc())
