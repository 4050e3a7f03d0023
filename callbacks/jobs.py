"""The base of every page's background work: jobs run in another process, without a request."""

from __future__ import annotations

from data_access.db import Database


class Jobs:
    """Background work bound to the app's database (a job has no request to find it from)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def fresh(self) -> Database:
        """The database, with connections inherited from the parent process dropped (a forked job must not
        share them)."""
        self.db.engine.dispose(close=False)
        return self.db
