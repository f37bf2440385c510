"""The request pipeline: the Flask application and what every request passes through (bodies,
keys, idempotent writes, reads and their snapshots, caching, errors as problem+json, cursors),
and the wire's schemas. The API blueprints (service/api) and the pages (service/web) stand on it."""
