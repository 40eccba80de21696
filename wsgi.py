"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from townhall import create_app

app = create_app()
