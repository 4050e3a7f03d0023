"""`python -m dashboard list import|export|revisions|restore`: the emission-reduction list from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from dashboard.i18n import t

BLOCKED = 4  # exit code: the file has errors that block publishing


def _progress(stage: str, done: int, total: int) -> None:
    """Progress on stderr (rewritten in place at a terminal)."""
    end = "\r" if sys.stderr.isatty() and done < total else "\n"
    if stage == "parse" and (done == total or sys.stderr.isatty()):
        print(t("cli.list_progress", "zh", done=done, total=total), end=end, file=sys.stderr, flush=True)


def _change_json(staged: Any, towns: dict[str, str]) -> dict[str, Any]:
    inc = staged.incoming
    rec = inc.record if inc else staged.record
    out: dict[str, Any] = {
        "id": staged.enterprise_id,
        "name": rec.fields.get("name"),
        "uscc": rec.fields.get("uscc"),
        "town": towns.get(rec.fields.get("town_code") or ""),
    }
    if inc is not None:
        out["sheet"], out["row"] = inc.sheet, inc.rows[0] if inc.rows else None
    if staged.changes:
        out["changes"] = [{"field": c[0], "before": c[1], "after": c[2]} for c in staged.changes]
    return out


def report_json(result: Any, file_name: str, towns: dict[str, str]) -> dict[str, Any]:
    """The one object `list import --json` prints."""
    by_change: dict[str, list[dict[str, Any]]] = {"new": [], "changed": [], "removed": [], "unmatched": []}
    for st in result.staged:
        if st.change in by_change:
            by_change[st.change].append(_change_json(st, towns))
    summary = result.summary

    def problems(items: list[Any]) -> list[dict[str, Any]]:
        return [p.to_json("zh") for p in items]

    return {
        "file": file_name,
        "kind": result.parsed.kind,
        "rows": summary["rows"],
        "enterprises": summary["enterprises"],
        "unchanged": summary["unchanged"],
        "errors": problems(result.errors),
        "warnings": problems(result.warnings),
        "diff": {k: v for k, v in by_change.items() if k != "unmatched"},
        "unmatched": by_change["unmatched"],
        "sheets": summary["sheets"],
    }


def cmd_import(args: argparse.Namespace, db: Any) -> int:
    """Check a list file against the published list; publish it with --publish when nothing blocks."""
    from sqlalchemy import select

    from data_access import listimport
    from data_access.audit import Actor
    from data_access.listfile import ListFileError
    from data_access.models import Town

    path = Path(args.file)
    if not path.is_file():
        print(t("cli.error", "zh", message=t("cli.no_file", "zh", path=path)), file=sys.stderr)
        return 1
    data = path.read_bytes()
    try:
        result = listimport.analyse(db, data, path.name, args.mode, args.crs, _progress)
    except ListFileError as exc:
        if args.json:
            print(json.dumps({"file": path.name, "failure": exc.message("zh")}, ensure_ascii=False))
        print(t("cli.error", "zh", message=exc.message("zh")), file=sys.stderr)
        return BLOCKED
    if not result.parsed.records and not result.errors:
        # A header and no rows: the web refuses such a file (check.file.no_rows); so does the command.
        message = t("check.file.no_rows", "zh")
        if args.json:
            print(json.dumps({"file": path.name, "failure": message}, ensure_ascii=False))
        print(t("cli.error", "zh", message=message), file=sys.stderr)
        return BLOCKED
    with db.read() as s:
        towns = dict(s.execute(select(Town.code, Town.name)).all())
    report = report_json(result, path.name, towns)
    published = None
    if args.publish and not result.errors:
        actor = Actor.system("cli")
        import_id = listimport.create_upload(db, actor, path.name, data, mode=args.mode, crs=args.crs)
        view = listimport.stage(db, actor, import_id)
        if view.can_publish:
            published = listimport.publish(db, actor, import_id, args.note)
        else:
            listimport.discard(db, actor, import_id)
        report["published_revision"] = published
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    else:
        _print_human(report)
    if result.errors:
        return BLOCKED
    if args.publish and published is None:
        print(t("cli.list_nothing", "zh"), file=sys.stderr)
    return 0


def _print_human(report: dict[str, Any]) -> None:
    for p in report["errors"] + report["warnings"]:
        where = t(
            "cli.list_where", "zh", sheet=p["sheet"] or "", row=p["row"] or "—", column=p["column"] or "—"
        )
        print(f"{t('severity.' + p['severity'], 'zh')} {where} [{p['rule']}] {p['message']}")
    d = report["diff"]
    print(
        t(
            "cli.list_summary",
            "zh",
            rows=report["rows"],
            enterprises=report["enterprises"],
            errors=len(report["errors"]),
            warnings=len(report["warnings"]),
            new=len(d["new"]),
            changed=len(d["changed"]),
            removed=len(d["removed"]),
            unmatched=len(report["unmatched"]),
        )
    )
    if report.get("published_revision"):
        print(t("cli.list_published", "zh", number=report["published_revision"]))


def cmd_export(args: argparse.Namespace, db: Any) -> int:
    """Write the list (or a console filter given as a query string) to an .xlsx or .csv file."""
    from dashboard.filters import parse_filter
    from data_access import listexport

    flt = parse_filter(parse_qs(args.query.lstrip("?"))) if args.query else None
    fmt = args.format or ("csv" if args.file.lower().endswith(".csv") else "xlsx")
    data, _ = listexport.export(db, flt, fmt, by="cli", filter_text=args.query or None)
    Path(args.file).write_bytes(data)
    print(t("cli.list_exported", "zh", path=args.file, bytes=len(data)))
    return 0


def cmd_revisions(_args: argparse.Namespace, db: Any) -> int:
    """Print the published revisions, newest first."""
    from dashboard.timeutil import format_local
    from data_access import listimport

    for r in listimport.revisions(db):
        counts = r.counts or {}
        print(
            f"{r.number:>4}  {format_local(r.published_at)}  {r.published_by:<12} "
            f"{counts.get('enterprises', '—'):>6}  {r.file_name or '—'}  {r.note or ''}"
        )
    return 0


def cmd_restore(args: argparse.Namespace, db: Any) -> int:
    """Stage a previous revision; with --publish, make it the current list (as a new revision)."""
    from data_access import listimport
    from data_access.audit import Actor

    actor = Actor.system("cli")
    import_id = listimport.stage_restore(db, actor, args.number)
    view = listimport.get_import(db, import_id)
    s = view.summary
    print(
        t(
            "cli.list_restore_diff",
            "zh",
            number=args.number,
            new=s["new"],
            changed=s["changed"],
            removed=s["removed"],
        )
    )
    if not args.publish:
        listimport.discard(db, actor, import_id)
        print(t("cli.list_restore_dry", "zh"))
        return 0
    number = listimport.publish(
        db, actor, import_id, args.note or t("revision.restore_note", "zh", number=args.number)
    )
    print(t("cli.list_published", "zh", number=number))
    return 0


def add_parser(sub: Any, run: Any) -> None:
    """Register `list …` on the main parser; `run(func)` wraps a command with config and database."""
    lst = sub.add_parser("list", help="the emission-reduction list").add_subparsers(
        dest="action", required=True
    )
    imp = lst.add_parser("import", help="check a list file (.xlsx/.xls/.csv); --publish makes it a revision")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check and compare only (the default)")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.add_argument("--publish", action="store_true", help="publish when nothing blocks")
    imp.add_argument("--note", help="the revision's note (with --publish)")
    imp.add_argument(
        "--mode",
        choices=["replace", "update"],
        default="replace",
        help="replace: enterprises not in the file leave the list; update: they stay",
    )
    imp.add_argument(
        "--crs",
        choices=["wgs84", "gcj02"],
        default="wgs84",
        help="CRS of coordinates when the file has no CRS column",
    )
    imp.set_defaults(func=run(cmd_import))
    exp = lst.add_parser("export", help="write the published list to .xlsx or .csv")
    exp.add_argument("file")
    exp.add_argument("--format", choices=["xlsx", "csv"])
    exp.add_argument("--query", help="a console filter as in its URL, e.g. 'grade=C&level=red&category=stop'")
    exp.set_defaults(func=run(cmd_export))
    lst.add_parser("revisions", help="published revisions").set_defaults(func=run(cmd_revisions))
    res = lst.add_parser("restore", help="bring back a previous revision (as a new revision)")
    res.add_argument("number", type=int)
    res.add_argument("--publish", action="store_true", help="publish it (without: show what would change)")
    res.add_argument("--note")
    res.set_defaults(func=run(cmd_restore))
