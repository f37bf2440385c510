"""gunicorn's settings, in one place, read by `ceasefire-log serve` (gunicorn -c this file).

Values come from the same environment as the service (service/config.py), so the container and
the one-command run behave alike: workers from CFL_WORKERS, graceful shutdown on SIGTERM within
CFL_TIMEOUT, access log to stdout.
"""

from service.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "sync"
timeout = _settings.timeout
# On SIGTERM, workers finish the requests they are serving before exiting.
graceful_timeout = _settings.timeout
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level
# The Authorization header is never logged: the formats below name neither it nor any header
# that could carry a key.
if _settings.log_format == "json":
    access_log_format = (
        '{"time": "%(t)s", "request_id": "%({x-request-id}o)s", "remote": "%(h)s", "method": "%(m)s", '
        '"path": "%(U)s", "query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s}'
    )
else:
    access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)sB %(D)sus request_id=%({x-request-id}o)s'
proc_name = "ceasefire-log"
