"""one warning step per position; permit numbers up to 255 characters (a cell may list several)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("warning_change", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_warning_change_episode_seq", ["episode_id", "seq"])
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.alter_column(
            "permit_no",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.alter_column(
            "permit_no",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
    with op.batch_alter_table("warning_change", schema=None) as batch_op:
        batch_op.drop_constraint("uq_warning_change_episode_seq", type_="unique")
