"""enterprises, lines, measures, list revisions, towns

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

TOWNS_CSV = Path(__file__).resolve().parents[2] / "reference" / "shanghe_towns_nbs2023.csv"


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_revision")),
        sa.UniqueConstraint("number", name=op.f("uq_list_revision_number")),
    )
    op.create_table(
        "town",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_town")),
        sa.UniqueConstraint("name", name=op.f("uq_town_name")),
    )
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("town_code", sa.String(length=12), nullable=True),
        sa.Column("park", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("industry", sa.String(length=32), nullable=False),
        sa.Column("industry_other", sa.String(length=64), nullable=True),
        sa.Column(
            "control_type",
            sa.Enum(
                "重点",
                "一般",
                "保障类",
                "豁免",
                "长期停产",
                name="controltype",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "grade",
            sa.Enum(
                "A+",
                "A",
                "B",
                "B-",
                "C",
                "D",
                "引领性",
                "非引领性",
                "未分级",
                name="grade",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("grade_raw", sa.String(length=32), nullable=True),
        sa.Column("grade_local", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("coord_crs", sa.String(length=16), nullable=True),
        sa.Column("so2_tpa", sa.Double(), nullable=True),
        sa.Column("nox_tpa", sa.Double(), nullable=True),
        sa.Column("pm_tpa", sa.Double(), nullable=True),
        sa.Column("vocs_tpa", sa.Double(), nullable=True),
        sa.Column("base_capacity", sa.String(length=255), nullable=True),
        sa.Column("permit_no", sa.String(length=64), nullable=True),
        sa.Column("has_cems", sa.Boolean(), nullable=False),
        sa.Column("has_power_monitoring", sa.Boolean(), nullable=False),
        sa.Column(
            "cat_yellow",
            sa.Enum(
                "stop",
                "limit",
                "transport",
                "self",
                "guarantee",
                name="cat_yellow",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "cat_orange",
            sa.Enum(
                "stop",
                "limit",
                "transport",
                "self",
                "guarantee",
                name="cat_orange",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "cat_red",
            sa.Enum(
                "stop",
                "limit",
                "transport",
                "self",
                "guarantee",
                name="cat_red",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["list_revision.id"], name=op.f("fk_enterprise_revision_id_list_revision")
        ),
        sa.ForeignKeyConstraint(["town_code"], ["town.code"], name=op.f("fk_enterprise_town_code_town")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_control_type"), ["control_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_industry"), ["industry"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_park"), ["park"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_town_code"), ["town_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_updated_at"), ["updated_at"], unique=False)
        for level in ("yellow", "orange", "red"):
            batch_op.create_index(batch_op.f(f"ix_enterprise_cat_{level}"), [f"cat_{level}"], unique=False)
        batch_op.create_index(
            "uq_enterprise_uscc",
            ["uscc"],
            unique=True,
            sqlite_where=sa.text("uscc IS NOT NULL"),
            postgresql_where=sa.text("uscc IS NOT NULL"),
        )

    op.create_table(
        "production_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "grade",
            sa.Enum(
                "A+",
                "A",
                "B",
                "B-",
                "C",
                "D",
                "引领性",
                "非引领性",
                "未分级",
                name="grade",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("capacity", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_production_line_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_line")),
    )
    with op.batch_alter_table("production_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_production_line_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "yellow", "orange", "red", name="level", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "stop",
                "limit",
                "transport",
                "self",
                "guarantee",
                name="category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("unparsed", sa.JSON(), nullable=False),
        sa.Column("transport", sa.Boolean(), nullable=False),
        sa.Column("cut_percent", sa.Double(), nullable=True),
        sa.Column("so2_tpd", sa.Double(), nullable=True),
        sa.Column("nox_tpd", sa.Double(), nullable=True),
        sa.Column("pm_tpd", sa.Double(), nullable=True),
        sa.Column("vocs_tpd", sa.Double(), nullable=True),
        sa.Column("reduction_derived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_measure_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["production_line.id"],
            name=op.f("fk_measure_line_id_production_line"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index("ix_measure_level_category", ["level", "category"], unique=False)

    # Reference data: the county's 12 乡镇/街道 (NBS 2023 codes). 商河经济开发区 (…400) is a statistical unit
    # and here a park, not a town.
    with TOWNS_CSV.open(encoding="utf-8") as f:
        rows = [
            {"code": r["code"], "name": r["name"]}
            for r in csv.DictReader(f)
            if r["name"].endswith(("镇", "街道"))
        ]
    op.bulk_insert(sa.table("town", sa.column("code", sa.String), sa.column("name", sa.String)), rows)


def downgrade() -> None:
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_level_category")
        batch_op.drop_index(batch_op.f("ix_measure_enterprise_id"))

    op.drop_table("measure")
    with op.batch_alter_table("production_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_production_line_enterprise_id"))

    op.drop_table("production_line")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_enterprise_uscc",
            sqlite_where=sa.text("uscc IS NOT NULL"),
            postgresql_where=sa.text("uscc IS NOT NULL"),
        )
        for level in ("yellow", "orange", "red"):
            batch_op.drop_index(batch_op.f(f"ix_enterprise_cat_{level}"))
        batch_op.drop_index(batch_op.f("ix_enterprise_updated_at"))
        batch_op.drop_index(batch_op.f("ix_enterprise_town_code"))
        batch_op.drop_index(batch_op.f("ix_enterprise_park"))
        batch_op.drop_index(batch_op.f("ix_enterprise_name_key"))
        batch_op.drop_index(batch_op.f("ix_enterprise_industry"))
        batch_op.drop_index(batch_op.f("ix_enterprise_grade"))
        batch_op.drop_index(batch_op.f("ix_enterprise_control_type"))

    op.drop_table("enterprise")
    op.drop_table("town")
    op.drop_table("list_revision")
