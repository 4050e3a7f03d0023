"""warning episodes and their changes, reduction targets, county emission totals, daily air quality

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "air_quality_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_air_quality_day")),
        sa.UniqueConstraint("city", "day", "metric", name="uq_air_quality_day_city_day_metric"),
    )
    with op.batch_alter_table("air_quality_day", schema=None) as batch_op:
        batch_op.create_index("ix_air_quality_day_city_metric_day", ["city", "metric", "day"], unique=False)

    op.create_table(
        "county_emission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pollutant", sa.String(length=8), nullable=False),
        sa.Column("annual_tpa", sa.Double(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_emission")),
        sa.UniqueConstraint("pollutant", name=op.f("uq_county_emission_pollutant")),
    )
    op.create_table(
        "reduction_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "yellow", "orange", "red", name="level", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("pollutant", sa.String(length=8), nullable=False),
        sa.Column("percent", sa.Double(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reduction_target")),
        sa.UniqueConstraint("level", "pollutant", name="uq_reduction_target_level_pollutant"),
    )
    op.create_table(
        "warning_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_history", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_episode")),
        # Ids are never reused (SQLite would hand a withdrawn episode's id to the next one): pages and the
        # audit log name an episode by its id.
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("warning_episode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_episode_started_at"), ["started_at"], unique=False)
        batch_op.create_index(
            "uq_warning_episode_open",
            ["is_open"],
            unique=True,
            sqlite_where=sa.text("is_open"),
            postgresql_where=sa.text("is_open"),
        )

    op.create_table(
        "warning_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "issue",
                "upgrade",
                "downgrade",
                "lift",
                name="changekind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "yellow",
                "orange",
                "red",
                "blue",
                name="warninglevel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("doc_no", sa.String(length=128), nullable=True),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_time_known", sa.Boolean(), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_time_known", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["warning_episode.id"],
            name=op.f("fk_warning_change_episode_id_warning_episode"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_change")),
    )
    with op.batch_alter_table("warning_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_change_episode_id"), ["episode_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warning_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_change_episode_id"))

    op.drop_table("warning_change")
    with op.batch_alter_table("warning_episode", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_warning_episode_open", sqlite_where=sa.text("is_open"), postgresql_where=sa.text("is_open")
        )
        batch_op.drop_index(batch_op.f("ix_warning_episode_started_at"))

    op.drop_table("warning_episode")
    op.drop_table("reduction_target")
    op.drop_table("county_emission")
    with op.batch_alter_table("air_quality_day", schema=None) as batch_op:
        batch_op.drop_index("ix_air_quality_day_city_metric_day")

    op.drop_table("air_quality_day")
