"""Closed vocabularies of the emission-reduction list; labels live in the i18n catalogs."""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """绩效等级 (2020 guide; A+ from 环办大气〔2026〕2号)."""

    A_PLUS = "A+"
    A = "A"
    B = "B"
    B_MINUS = "B-"
    C = "C"
    D = "D"
    LEADING = "引领性"
    NON_LEADING = "非引领性"
    UNGRADED = "未分级"


class ControlType(StrEnum):
    """管控类型 of a listed enterprise."""

    KEY = "重点"
    GENERAL = "一般"
    GUARANTEE = "保障类"
    EXEMPT = "豁免"
    LONG_STOP = "长期停产"


class Level(StrEnum):
    """Warning levels that carry measures (蓝色/Ⅳ exists only as legacy history)."""

    YELLOW = "yellow"  # 黄色, Ⅲ级响应
    ORANGE = "orange"  # 橙色, Ⅱ级响应
    RED = "red"  # 红色, Ⅰ级响应


class WarningLevel(StrEnum):
    """Levels a warning episode can have been at: the three of today, and 蓝色 for history only."""

    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"
    BLUE = "blue"  # 蓝色, Ⅳ级: Shandong 2016–2020; read-only history, never recorded anew


class ChangeKind(StrEnum):
    """What one entry of an episode's timeline did."""

    ISSUE = "issue"  # 发布
    UPGRADE = "upgrade"  # 升级
    DOWNGRADE = "downgrade"  # 降级
    LIFT = "lift"  # 解除


RESPONSE_GRADE = {"yellow": "Ⅲ", "orange": "Ⅱ", "red": "Ⅰ", "blue": "Ⅳ"}  # 响应级别
WARNING_RANK = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}


class ActionKind(StrEnum):
    """One thing a measure tells an enterprise to do."""

    STOP = "stop"  # 停产 (the whole enterprise, or every process that emits)
    LIMIT = "limit"  # 限产 n%, 停产部分 by line/unit, quantity targets, named processes stopped
    TRANSPORT = "transport"  # 运输管控 (a flag beside the main action)
    SELF = "self"  # 自主减排
    GUARANTEE = "guarantee"  # 保障生产 (以热定产, 民生保障)


class Category(StrEnum):
    """An enterprise's obligation at one level: its strictest action (保障 stands apart)."""

    STOP = "stop"
    LIMIT = "limit"
    TRANSPORT = "transport"
    SELF = "self"
    GUARANTEE = "guarantee"


# Strictness: 停产 > 限产 > 运输管控 > 自主减排. GUARANTEE is not on this scale.
STRICTNESS: dict[Category, int] = {
    Category.SELF: 1,
    Category.TRANSPORT: 2,
    Category.LIMIT: 3,
    Category.STOP: 4,
}
