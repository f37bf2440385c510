"""The WSGI entry point for gunicorn: `gunicorn service.running.wsgi:app`."""

from service.running.app import create_app

app = create_app()
