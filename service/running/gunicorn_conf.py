"""gunicorn's settings, in one place, read by `ceasefire-log serve` (gunicorn -c this file).

Values come from the same environment as the service (service/config.py), so the container and
the one-command run behave alike: workers from CFL_WORKERS, graceful shutdown on SIGTERM within
CFL_TIMEOUT, access log to stdout (JSON lines with CFL_LOG_FORMAT=json). There is no debug mode:
Flask's debugger never runs here.
"""

from service.config import Settings

_settings = Settings.from_env()

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
# gevent: a slow client costs a greenlet, not a worker (service/running/gunicorn_worker.py says why).
worker_class = "service.running.gunicorn_worker.Worker"
worker_connections = 1000
timeout = _settings.timeout
# On SIGTERM, workers finish the requests they are serving before exiting.
graceful_timeout = _settings.timeout
keepalive = 5
# gunicorn's largest request line: the longest query the schemas allow (every filter at its
# longest, `q` percent-encoded, a cursor) fits in it with room to spare.
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level
# The Authorization header is never logged: neither format names it nor any header that could
# carry a key. Each line carries the X-Request-Id the service answered with.
if _settings.log_format == "json":
    logger_class = "service.running.access_log.JsonAccessLogger"
else:
    access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)sB %(D)sus request_id=%({x-request-id}o)s'
proc_name = "ceasefire-log"
# gunicorn's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl), which two
# services (or a service and the benchmark) would fight over, and which a container with a
# read-only home cannot write; nothing here uses it.
control_socket_disable = True


def worker_exit(server, worker):
    """Close the worker's pool while gevent's hub still runs: left to the garbage collector, the
    pool's threads were joined after the hub had gone, and each exiting worker printed a
    traceback ("greenlet is being finalized") on every stop."""
    for name in ("pool", "read_pool"):
        if name in worker.wsgi.extensions:
            worker.wsgi.extensions[name].close()
