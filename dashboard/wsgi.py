"""gunicorn entry point: `gunicorn dashboard.wsgi:application` (each worker builds its own app)."""

from __future__ import annotations

import sys

from dashboard.app import create_app
from dashboard.config import ConfigError
from data_access.db import DatabaseUnavailable

try:
    application = create_app().server
except (ConfigError, DatabaseUnavailable) as exc:
    print(f"HazeOps 无法启动：{exc}", file=sys.stderr, flush=True)
    sys.exit(4)  # gunicorn's "app failed to load": the arbiter stops instead of re-spawning workers
