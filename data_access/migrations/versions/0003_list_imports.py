"""list imports in staging, revision snapshots, enterprises off the list, stated reductions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="full"))
        batch_op.add_column(sa.Column("restored_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("counts", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("snapshot", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_list", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index(batch_op.f("ix_enterprise_in_list"), ["in_list"], unique=False)
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stated", sa.JSON(), nullable=False, server_default="[]"))
    # The defaults above only fill existing rows; the models set every value themselves.
    with op.batch_alter_table("list_revision", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.alter_column("counts", server_default=None)
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.alter_column("in_list", server_default=None)
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.alter_column("stated", server_default=None)

    op.create_table(
        "list_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("restore_of", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("crs", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("base_revision_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("published_revision_id", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["base_revision_id"],
            ["list_revision.id"],
            name=op.f("fk_list_import_base_revision_id_list_revision"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_list_import_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["published_revision_id"],
            ["list_revision.id"],
            name=op.f("fk_list_import_published_revision_id_list_revision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_import")),
    )
    with op.batch_alter_table("list_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_import_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_import_status"), ["status"], unique=False)

    op.create_table(
        "list_import_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.String(length=64), nullable=True),
        sa.Column("first_row", sa.Integer(), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("uscc", sa.String(length=32), nullable=True),
        sa.Column("town_code", sa.String(length=12), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["list_import.id"],
            name=op.f("fk_list_import_record_import_id_list_import"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_import_record")),
    )
    with op.batch_alter_table("list_import_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_import_record_change"), ["change"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_import_record_import_id"), ["import_id"], unique=False)

    op.create_table(
        "list_import_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=48), nullable=False),
        sa.Column("sheet", sa.String(length=64), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.String(length=8), nullable=True),
        sa.Column("header", sa.String(length=128), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["list_import.id"],
            name=op.f("fk_list_import_problem_import_id_list_import"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_import_problem")),
    )
    with op.batch_alter_table("list_import_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_import_problem_import_id"), ["import_id"], unique=False)


def downgrade() -> None:
    op.drop_table("list_import_problem")
    op.drop_table("list_import_record")
    op.drop_table("list_import")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_column("stated")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_in_list"))
        batch_op.drop_column("in_list")
    with op.batch_alter_table("list_revision", schema=None) as batch_op:
        batch_op.drop_column("snapshot")
        batch_op.drop_column("counts")
        batch_op.drop_column("restored_from")
        batch_op.drop_column("kind")
