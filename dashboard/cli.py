"""Command line: `python -m dashboard user add|token create|db upgrade|seed|backup|restore|list|serve`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dashboard.config import Config, ConfigError, mask_url, scrub
from dashboard.errors import HazeError
from dashboard.i18n import field_label, t
from dashboard.roles import Role
from dashboard.timeutil import to_local, utcnow
from data_access.db import Database, DatabaseUnavailable


def _config() -> Config:
    return Config.from_env()


def _db(config: Config, *, check: bool = True) -> Database:
    db = Database(config.database_url)
    if check:
        db.check()
    return db


def _read_password() -> str:
    """Read a password: twice at a terminal (hidden), else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("密码 / Password: ")
        if first != getpass.getpass("再次输入 / Repeat: "):
            raise HazeError("error.password_mismatch", field="confirm_password")
        return first
    # Bytes decoded as UTF-8 whatever the locale says: a GBK password fails loudly instead of changing.
    return sys.stdin.buffer.readline().decode("utf-8").rstrip("\r\n")


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create a user with the password read from stdin."""
    from data_access.audit import Actor
    from data_access.users import create_user

    for value in (args.name, args.display_name or ""):
        value.encode("utf-8")  # argv bytes that were not UTF-8 arrive as surrogates: refuse them here
    db = _db(_config())
    user = create_user(
        db,
        Actor.system("cli"),
        username=args.name,
        display_name=args.display_name or args.name,
        role=args.role,
        password=_read_password(),
        language=args.language,
    )
    print(t("cli.user_created", "zh", username=user.username, role=t(f"role.{user.role.value}", "zh")))
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Issue an API token for a user and print it (shown only this once)."""
    from data_access.audit import Actor
    from data_access.users import find_user_id, issue_token

    db = _db(_config())
    _, secret = issue_token(db, Actor.system("cli"), find_user_id(db, args.name), args.label)
    print(secret)
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Apply database migrations."""
    from data_access.migrate import current_head, upgrade

    config = _config()
    db = _db(config, check=False)
    try:
        upgrade(db)
    except Exception as exc:
        reason = scrub(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], config.database_url)
        raise DatabaseUnavailable(f"无法打开数据库 {mask_url(config.database_url)}：{reason}") from exc
    print(t("cli.migrated", "zh", revision=current_head(), url=mask_url(config.database_url)))
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """Load the demo data unless the database already holds users (or --reset)."""
    from data_access.seed import seed_demo

    if not args.demo:
        print(t("cli.seed_needs_demo", "zh"), file=sys.stderr)
        return 2
    db = _db(_config())
    changed = seed_demo(db, reset=args.reset)
    print(t("cli.seeded" if changed else "cli.already_seeded", "zh"))
    return 0


def cmd_warning_history(_args: argparse.Namespace) -> int:
    """Load the city's warning history (济南, from public notices) into a production database, once."""
    from data_access import warnings
    from data_access.audit import Actor

    db = _db(_config())
    n = warnings.load_history(db, Actor.system("cli"))
    print(t("cli.history_loaded", "zh", n=n))
    return 0


def _progress(table: str, done: int, total: int) -> None:
    """One line per table on stderr, rewritten in place at a terminal (long work shows progress)."""
    end = "\r" if sys.stderr.isatty() and done < total else "\n"
    print(
        t("cli.backup_progress", "zh", table=table, done=done, total=total),
        end=end,
        file=sys.stderr,
        flush=True,
    )


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a portable backup of every table (gzipped JSON lines)."""
    from data_access.backup import backup

    config = _config()
    stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M%S")  # the operator reads Beijing time
    path = Path(args.file) if args.file else config.instance_path / "backups" / f"hazeops-{stamp}.jsonl.gz"
    if path.exists() and not args.force:
        raise HazeError("backup.exists", path=str(path))
    summary = backup(_db(config), path, _progress)
    print(
        t(
            "cli.backup_done",
            "zh",
            path=summary.path,
            rows=sum(summary.rows.values()),
            revision=summary.revision,
            sha=summary.sha256,
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup in one transaction (into an empty database, or replacing all with --replace)."""
    from data_access.audit import Actor
    from data_access.backup import restore

    path = Path(args.file)
    if not path.is_file():
        raise HazeError("backup.no_file", path=str(path))
    summary = restore(_db(_config()), path, Actor.system("cli"), replace=args.replace, progress=_progress)
    print(
        t(
            "cli.restore_done",
            "zh",
            path=summary.path,
            rows=sum(summary.rows.values()),
            revision=summary.revision,
        )
    )
    return 0


def print_banner(config: Config, host: str) -> None:
    """Tell the person at the terminal where to log in (and the demo logins in demo mode)."""
    from data_access.seed import DEMO_PASSWORD, DEMO_USERS

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - only for display
    print(
        f"\nHazeOps 重污染天气应急调度台: http://{shown}:{config.port}{config.url_prefix}/login", flush=True
    )
    if config.demo:
        print("演示账号 / demo logins (演示数据, HAZEOPS_DEMO=1):")
        for u in DEMO_USERS:
            print(f"  {u.username:<8} / {DEMO_PASSWORD}   {t('role.' + u.role.value, 'zh')}")
    print(flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve with gunicorn (several workers; each builds its own app)."""
    from gunicorn.app.base import BaseApplication

    config = _config()
    _db(config).dispose()  # fail here, with a clear message, rather than in every worker
    host = args.host or os.environ.get("HOST", "127.0.0.1")

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{config.port}",
                "workers": args.workers,
                "timeout": 120,
                "accesslog": "-" if args.access_log else None,
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self):  # type: ignore[no-untyped-def]
            from dashboard.wsgi import application

            return application

    print_banner(config, host)
    _Server().run()
    return 0


def _with_db(func: Any) -> Any:
    """Wrap a `list …` command so it gets the checked database of this configuration."""

    def run(args: argparse.Namespace) -> int:
        return int(func(args, _db(_config())))

    run.__doc__ = func.__doc__
    return run


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every command."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="HazeOps 重污染天气应急调度台")
    sub = parser.add_subparsers(dest="command", required=True)

    user = sub.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create a user; password from stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--display-name")
    add.add_argument("--language", default="zh", choices=["zh", "en"])
    add.set_defaults(func=cmd_user_add)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="issue a token for a user and print it")
    create.add_argument("name")
    create.add_argument("--label", default="cli")
    create.set_defaults(func=cmd_token_create)

    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    seed = sub.add_parser("seed", help="load demo data (演示数据)")
    seed.add_argument("--demo", action="store_true", help="the demo county")
    seed.add_argument("--reset", action="store_true", help="wipe every table first (destructive)")
    seed.set_defaults(func=cmd_seed)

    back = sub.add_parser("backup", help="write a portable backup (gzipped JSON lines) of every table")
    back.add_argument("file", nargs="?", help="default: instance/backups/hazeops-<Beijing time>.jsonl.gz")
    back.add_argument("--force", action="store_true", help="overwrite an existing file")
    back.set_defaults(func=cmd_backup)
    rest = sub.add_parser("restore", help="restore a backup in one transaction")
    rest.add_argument("file")
    rest.add_argument("--replace", action="store_true", help="replace a database that already holds data")
    rest.set_defaults(func=cmd_restore)

    warning = sub.add_parser("warnings", help="the city's warnings").add_subparsers(
        dest="action", required=True
    )
    warning.add_parser(
        "history", help="load the city's past warnings (济南, from public notices) once"
    ).set_defaults(func=cmd_warning_history)

    from dashboard.cli_list import add_parser as add_list

    add_list(sub, _with_db)

    serve = sub.add_parser("serve", help="serve with gunicorn")
    serve.add_argument("--host", help="address to bind (default $HOST or 127.0.0.1)")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print a clear message (no traceback) for configuration and database errors."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"HazeOps 无法启动：{exc}", file=sys.stderr)
        return 3
    except HazeError as exc:
        message = t(exc.key, "zh", **exc.params)
        if exc.field:
            message = t("ui.field_error", "zh", field=field_label(exc.field, "zh"), message=message)
        print(t("cli.error", "zh", message=message), file=sys.stderr)
        return 1
    except UnicodeError:  # a GBK terminal or a file in another encoding: nothing was written
        print(t("cli.error", "zh", message=t("cli.not_utf8", "zh")), file=sys.stderr)
        return 1
