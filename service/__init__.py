"""ceasefire-log: an append-only log of ceasefire-violation claims.

The application is made by `service.running.app.create_app`. This package imports nothing itself: the
gunicorn master reads its settings from `service.config` before the workers patch the standard
library for gevent, and psycopg and its pool must first be imported after that patching.
"""
