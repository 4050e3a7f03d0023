"""Celery worker entry point (only with REDIS_URL): `celery -A dashboard.worker worker`.

The worker builds the same app as the web server, so the background callbacks it runs are registered with
the same database and rules; gunicorn workers queue them, this process runs them. Celery looks for `app`.
"""

from __future__ import annotations

from dashboard.app import create_app

dash_app = create_app()
app = dash_app.server.extensions["hazeops"]["celery"]
if app is None:
    raise SystemExit("REDIS_URL is not set: jobs run in the web server (DiskCache); no worker is needed")
