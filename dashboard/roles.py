"""Roles of a county bureau's users; labels live in the i18n catalogs (role.<value>)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user does in the bureau; admin is a superset of every other role."""

    DUTY_OFFICER = "duty_officer"  # 值班员
    TEAM_LEAD = "team_lead"  # 帮扶组长
    TEAM_MEMBER = "team_member"  # 帮扶组员
    LEADERSHIP = "leadership"  # 局领导, read-only
    ADMIN = "admin"  # 管理员


ALL_ROLES: frozenset[Role] = frozenset(Role)
