"""The Alembic migrations build exactly the schema the models describe, on this run's engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from data_access.db import Database
from data_access.migrate import current_head, database_revision
from data_access.models import Base


def test_migrations_match_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
        assert database_revision(conn) == current_head()


def test_enums_are_plain_strings_not_native_types(database: Database) -> None:
    column = Base.metadata.tables["user_account"].c.role
    assert column.type.native_enum is False
