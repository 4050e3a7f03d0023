"""Callback modules; each registers on the app it is given (not on Dash's global list, see stack.md §8)."""

from __future__ import annotations

from dash import Dash


def register_all(app: Dash) -> None:
    """Attach every callback module to app."""
    from callbacks import (
        account,
        admin_audit,
        admin_list,
        admin_users,
        console,
        history,
        shell,
        targets,
        warning,
    )

    modules = (shell, account, admin_users, admin_audit, admin_list, console, warning, targets, history)
    for module in modules:
        module.register(app)
