"""Read a published measure text into actions, and an enterprise's category at one level.

The original text is always kept beside the result. A clause the parser does not understand is returned in
`unparsed`, never guessed: a person classifies it. Percentages come only from the text (限产20%,
停产50%以生产线计, 由960吨降低到768吨 → 20%); nothing here is a regulatory number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from dashboard.rules.vocab import STRICTNESS, ActionKind, Category


@dataclass(frozen=True)
class Action:
    """One parsed action: a kind, and for 限产 the cut (percent) and what it is counted on (basis)."""

    kind: ActionKind
    percent: float | None = None  # the cut, 0–100; None when the text names no number (e.g. a process stops)
    basis: str | None = None  # 生产线, 投料量, 高炉, 三者日均值的最小值 …
    quantity_from: float | None = None  # quantity form: 由 960 吨 …
    quantity_to: float | None = None  # … 降低到 768 吨
    unit: str | None = None
    scope: str | None = None  # what stops in a partial stop (VOCs排放工序, 电炉 …)
    clause: str = ""  # the words this action was read from


@dataclass(frozen=True)
class Reading:
    """The actions read from one measure text, the clauses left unread, and the resulting category."""

    actions: tuple[Action, ...] = ()
    unparsed: tuple[str, ...] = field(default=())

    @property
    def category(self) -> Category | None:
        """The strictest action (停产 > 限产 > 运输管控 > 自主减排); 保障 only when nothing else applies."""
        ranked = [Category(a.kind.value) for a in self.actions if a.kind is not ActionKind.GUARANTEE]
        if ranked:
            return max(ranked, key=lambda c: STRICTNESS[c])
        if any(a.kind is ActionKind.GUARANTEE for a in self.actions):
            return Category.GUARANTEE
        return None

    @property
    def transport(self) -> bool:
        """Whether the measure also controls transport."""
        return any(a.kind is ActionKind.TRANSPORT for a in self.actions)

    @cached_property
    def cut(self) -> float | None:
        """The share of daily emissions the main action removes (停产 1.0, 限产 n%); None when not stated."""
        cuts: list[float | None] = []
        for a in self.actions:
            if a.kind is ActionKind.STOP:
                return 1.0
            if a.kind is ActionKind.LIMIT:
                cuts.append(None if a.percent is None else a.percent / 100)
        known = [c for c in cuts if c is not None]
        if known:
            return max(known)
        return None if cuts else 0.0


_SPLIT = re.compile(r"[；;。\n]+")
_SELF = re.compile(r"自主(采取)?(的)?减排|自主减排")
_GUARANTEE = re.compile(r"保障(类|生产|性生产)|民生保障|以热定产|以量定产")
_TRANSPORT = re.compile(
    r"停止公路运输|运输管控|错峰运输|(停止使用|禁止使用|禁行|禁止).{0,12}(国[一二三四五六]|柴油|燃气|载货|货车|车辆).{0,20}"
    r"(运输|通行|进出)?"
)
_QUANTITY = re.compile(
    r"(?P<basis>[\u4e00-\u9fa5A-Za-z]{0,10}?)由\s*(?P<a>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s降减到至]{0,4}?)\s*"
    r"(降低|降|减少|减|压减|调减)(到|至)\s*(?P<b>\d+(?:\.\d+)?)"
)
_PERCENT = re.compile(
    r"(限产|减产|压减|降低|减少|削减|停产|停限产)[^\d%％]{0,10}?(?P<n>\d+(?:\.\d+)?)\s*[%％]"
)
_COUNTED_ON = re.compile(r"以(?P<basis>[^，,。；;（）()]{1,16}?)(为基准核算|为基准|核算|计)")
_WHOLE_STOP = re.compile(
    r"^(全部|全厂|全面|企业)?(长期|保持)?(停产|停止生产)(整治|状态)?$"
    r"|^(一切|全部|所有)涉气(工序|环节|设施).{0,4}停(产|止生产)"
)
_PARTIAL_STOP = re.compile(r"(?P<scope>.{1,20}?)(停产|停止生产|停止使用|停用|停止投料|停止进新坯|停运|停炉)")
_STOP_USING = re.compile(
    r"^(停止使用|停用|停运)(?P<scope>.{1,20})$"
)  # the object after the verb: 停止使用电炉


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _basis(clause: str) -> str | None:
    m = _COUNTED_ON.search(clause)
    return m.group("basis") if m else None


def _read_clause(clause: str) -> list[Action]:
    actions: list[Action] = []
    rest = clause
    if _SELF.search(rest):
        actions.append(Action(ActionKind.SELF, clause=clause))
    if _GUARANTEE.search(rest):
        actions.append(Action(ActionKind.GUARANTEE, clause=clause))
    t = _TRANSPORT.search(rest)
    if t:
        actions.append(Action(ActionKind.TRANSPORT, scope=t.group(0), clause=clause))
        rest = (rest[: t.start()] + rest[t.end() :]).strip("，,、 ")
    q = _QUANTITY.search(rest)
    if q:
        a, b = float(q.group("a")), float(q.group("b"))
        if a > 0 and 0 <= b < a:
            actions.append(
                Action(
                    ActionKind.LIMIT,
                    percent=round((a - b) / a * 100, 2),
                    basis=q.group("basis") or None,
                    quantity_from=a,
                    quantity_to=b,
                    unit=q.group("unit") or None,
                    clause=clause,
                )
            )
            return actions
    p = _PERCENT.search(rest)
    if p:
        actions.append(
            Action(ActionKind.LIMIT, percent=float(p.group("n")), basis=_basis(rest), clause=clause)
        )
        return actions
    if _WHOLE_STOP.search(rest):
        actions.append(Action(ActionKind.STOP, clause=clause))
        return actions
    s = _PARTIAL_STOP.search(rest) or _STOP_USING.search(rest)
    if s and s.group("scope").strip("，,、 "):
        scope = s.group("scope").strip("，,、 ")
        actions.append(Action(ActionKind.LIMIT, scope=scope, basis=_basis(rest), clause=clause))
    return actions


def read_measure(text: str | None) -> Reading:
    """Read a measure text (as published) into actions; unknown clauses are kept in `unparsed`."""
    actions: list[Action] = []
    unparsed: list[str] = []
    for raw in _SPLIT.split(_clean(text or "")):
        clause = raw.strip("，,、 ")
        if not clause:
            continue
        found = _read_clause(clause)
        if found:
            actions.extend(found)
        else:
            unparsed.append(clause)
    return Reading(tuple(actions), tuple(unparsed))


def daily_reduction(annual_tonnes: float | None, reading: Reading) -> float | None:
    """t/d removed = annual emission ÷ 365 × cut (停产 = 100%); None when cut or emission is unknown."""
    cut = reading.cut
    if annual_tonnes is None or cut is None:
        return None
    return annual_tonnes / 365 * cut


def strictest(categories: Iterable[Category | None]) -> Category | None:
    """An enterprise's category at a level from its measures' (one per line or whole firm).

    None when any measure is unclassified (a person must look first) or there is none; 保障 only when
    every measure is 保障.
    """
    cats = list(categories)
    if not cats or any(c is None for c in cats):
        return None
    ranked = [c for c in cats if c is not Category.GUARANTEE]
    return max(ranked, key=lambda c: STRICTNESS[c]) if ranked else Category.GUARANTEE
