"""Running the service: the command line, the embedded PostgreSQL, gunicorn's settings, worker
and access log, and the WSGI entry point."""
