"""The WSGI entry point for gunicorn: `gunicorn service.running.wsgi:app`."""

from service.pipeline.app import create_app

app = create_app()
