"""Warnings, obligations and the target check under /api/v1 (read-only; recording is on the 预警应对 page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, request

from dashboard.api import _filter, _int_arg, bp
from dashboard.auth import services
from dashboard.errors import HazeError, ValidationError
from dashboard.rules.vocab import RESPONSE_GRADE, Level
from dashboard.timeutil import format_local, utcnow
from data_access import obligations, targets, warnings


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def episode_json(e: warnings.EpisodeView, now: datetime) -> dict[str, Any]:
    """An episode with its timeline and what it means now."""
    st = e.state(now)
    return {
        "id": e.id,
        "open": e.is_open,
        "history": e.is_history,
        "demo": e.is_demo,
        "issued_at": _iso(e.issued_at),
        "started_at": _iso(e.started_at),
        "ended_at": _iso(e.ended_at),
        "source": e.source,
        "now": {
            "announced_level": st.announced.value if st.announced else None,
            "in_force_level": st.in_force.value if st.in_force else None,
            "shown_level": st.shown.value if st.shown else None,
            "response_grade": RESPONSE_GRADE[st.shown.value] if st.shown else None,
            "since": _iso(st.since),
            "since_local": format_local(st.since) if st.since else None,
            "next": (
                {"kind": st.next_step.kind.value, "at": _iso(st.next_step.effective_at)}
                if st.next_step
                else None
            ),
            "obligation_level": st.obligation_level.value if st.obligation_level else None,
        },
        "changes": [
            {
                "seq": c.seq,
                "kind": c.kind.value,
                "level": c.level.value if c.level else None,
                "doc_no": c.doc_no,
                "notice_at": _iso(c.notice_at),
                "notice_time_known": c.notice_time_known,
                "effective_at": _iso(c.effective_at),
                "effective_time_known": c.effective_time_known,
                "note": c.note,
                "source": c.source_url,
                "recorded_by": c.recorded_by,
            }
            for c in e.changes
        ],
    }


@bp.get("/warnings/current")
def warning_current() -> Response:
    """The open episode (or {"active": false})."""
    _, db = services()
    e = warnings.current(db)
    if e is None:
        return jsonify(active=False, episode=None)
    return jsonify(active=True, episode=episode_json(e, utcnow()))


@bp.get("/warnings")
def warning_list() -> Response:
    """Every episode, newest first, with its level timeline."""
    _, db = services()
    now = utcnow()
    return jsonify(items=[episode_json(e, now) for e in warnings.episodes(db)])


def _level() -> Level:
    raw = request.args.get("level", "")
    if raw:
        try:
            return Level(raw)
        except ValueError:
            raise HazeError("api.bad_choice", field="level", choices="yellow/orange/red") from None
    _, db = services()
    e = warnings.current(db)
    level = e.state().obligation_level if e else None
    if level is None:
        raise HazeError("api.level_needed", field="level")
    return level


@bp.get("/obligations")
def obligation_list() -> Response:
    """Who must do what at a level (default: the active warning's), under the console's filters."""
    level = _level()
    # The console's filters, with the level set to this one (a category filter reads that level's column).
    flt = _filter({**request.args.to_dict(flat=False), "level": [level.value]})
    page = _int_arg("page", 1, 1, 10**6)
    per_page = _int_arg("per_page", 100, 1, 500)
    _, db = services()
    rows, total = obligations.page(db, level, flt, (page - 1) * per_page, page * per_page)
    counts = obligations.counts(db, level, flt)
    by_category: dict[str, int] = {}
    for (_, cat), n in counts.cells.items():
        by_category[cat] = by_category.get(cat, 0) + n
    return jsonify(
        level=level.value,
        total=total,
        page=page,
        per_page=per_page,
        by_category=by_category,
        items=[
            {
                "id": r.id,
                "name": r.name,
                "uscc": r.uscc,
                "town": r.town,
                "industry": r.industry,
                "grade": r.grade,
                "control_type": r.control_type,
                "category": r.category,
                "measures": [{"line": line, "text": text} for line, text in r.measures],
                "actions": r.actions,
                "base_capacity": r.base_capacity,
            }
            for r in rows
        ],
    )


@bp.get("/targets")
def target_check() -> Response:
    """For each level and pollutant: target %, achieved %, reduction t/d, base t/d, shortfall t/d."""
    _, db = services()
    set_targets = targets.targets(db)
    bases = targets.bases(db)
    return jsonify(
        items=[
            {
                "level": r.level.value,
                "pollutant": r.pollutant,
                "target_percent": r.target_percent,
                "achieved_percent": r.achieved_percent,
                "reduction_tpd": r.reduction_tpd,
                "base_tpd": r.base_tpd,
                "shortfall_tpd": r.shortfall_tpd,
                "met": r.met,
                "target_source": set_targets[(r.level, r.pollutant)].source
                if (r.level, r.pollutant) in set_targets
                else None,
            }
            for r in targets.check(db)
        ],
        base={
            p: {"annual_tpa": b.annual_tpa, "year": b.year, "source": b.source, "demo": b.is_demo}
            for p, b in bases.items()
        },
    )


@bp.post("/air-quality")
def air_quality_upload() -> tuple[Response, int] | Response:
    """Import a daily PM2.5 or AQI series (CSV, multipart `file`, optional `city`): all rows or none."""
    from dashboard.api import error
    from dashboard.api_list import _csrf_ok
    from dashboard.auth import current_actor
    from dashboard.i18n import t
    from data_access import airquality

    if not _csrf_ok():
        return error(403, "error.csrf")
    upload = request.files.get("file")
    if upload is None:
        return error(400, "listimport.no_file")
    _, db = services()
    parsed = airquality.import_series(
        db, current_actor(), upload.read(), upload.filename or "", city=request.form.get("city") or None
    )
    if parsed.bad:  # nothing was stored: each bad line, so the file can be fixed and sent again
        bad = [{"line": b.line, "message": t(b.key, **b.params)} for b in parsed.bad[:200]]
        message = t("aq.bad", n=len(parsed.bad))
        resp = jsonify(
            error={"code": "unprocessable", "message": message, "field": "file"},
            imported=0,
            bad=bad,
            bad_total=len(parsed.bad),
        )
        return resp, 422
    if not parsed.rows:
        raise ValidationError("aq.no_rows", field="file")
    return jsonify(
        imported=len(parsed.rows),
        metric=parsed.metric,
        cities=sorted({c for c, *_ in parsed.rows}),
        bad=[],
        bad_total=0,
    )
