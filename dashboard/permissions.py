"""The one permission table: every Dash callback, page and Flask route, with its access kind and roles.

The guard in dashboard.auth enforces it server-side on every request; anything not declared here is
refused (403), and tests/test_security.py fails when a callback or route of the running app is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dashboard.roles import ALL_ROLES, Role


class Access(StrEnum):
    """What a declared endpoint does."""

    PUBLIC = "public"  # no session: login page, health check, static assets (no data)
    READ = "read"  # shows data
    WRITE = "write"  # changes shared data; never open to leadership (read-only)
    SELF = "self"  # changes only the caller's own account (password, language); every role


@dataclass(frozen=True)
class Rule:
    """An access kind and the roles allowed; admin is always allowed."""

    access: Access
    roles: frozenset[Role] = ALL_ROLES

    def __post_init__(self) -> None:
        if self.access is Access.WRITE and Role.LEADERSHIP in self.roles:
            raise ValueError("leadership is read-only: a WRITE rule may not include it")

    def allows(self, role: Role | None) -> bool:
        """Return True when a user of this role may call it."""
        if self.access is Access.PUBLIC:
            return True
        return role is not None and (role is Role.ADMIN or role in self.roles)


PUBLIC = Rule(Access.PUBLIC)
ANY_READ = Rule(Access.READ)
SELF = Rule(Access.SELF)
ADMIN_READ = Rule(Access.READ, frozenset({Role.ADMIN}))
ADMIN_WRITE = Rule(Access.WRITE, frozenset({Role.ADMIN}))
DUTY_WRITE = Rule(Access.WRITE, frozenset({Role.DUTY_OFFICER}))  # the city's warnings are the duty desk's

# Flask endpoints (request.endpoint). Dash names its own routes by their rule.
ROUTES: dict[str, Rule] = {
    "auth.login": PUBLIC,
    "auth.healthz": PUBLIC,
    "_dash_assets.static": PUBLIC,  # CSS/JS/fonts only, no data
    "auth.logout": PUBLIC,  # also for a login that has ended: the form's CSRF token still guards it
    "/": ANY_READ,
    "/<path:path>": ANY_READ,  # Dash's page shell; the page content is checked by PAGES below
    "/_dash-layout": ANY_READ,
    "/_dash-dependencies": ANY_READ,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": ANY_READ,
    "/_dash-update-component": ANY_READ,  # each callback is checked by CALLBACKS below
    "/_reload-hash": ANY_READ,
    "/_favicon.ico": ANY_READ,
    "api.me": ANY_READ,
    "api.enterprise_list": ANY_READ,
    "api.enterprise_detail": ANY_READ,
    "api.summary": ANY_READ,
    "api.map_geojson": ANY_READ,
    "api.list_upload": ADMIN_WRITE,
    "api.list_import_detail": ADMIN_READ,
    "api.list_import_stage": ADMIN_WRITE,
    "api.list_import_problems": ADMIN_READ,
    "api.list_import_publish": ADMIN_WRITE,
    "api.list_revisions": ANY_READ,
    "api.list_export": ANY_READ,
    "api.warning_current": ANY_READ,
    "api.warning_list": ANY_READ,
    "api.obligation_list": ANY_READ,
    "api.target_check": ANY_READ,
    "api.air_quality_upload": DUTY_WRITE,
}

# Dash pages by module name: who may open them (the navbar shows only these).
PAGES: dict[str, Rule] = {
    "pages.home": ANY_READ,
    "pages.account": ANY_READ,
    "pages.enterprise": ANY_READ,
    "pages.admin_users": ADMIN_READ,
    "pages.admin_audit": ADMIN_READ,
    "pages.admin_list": ADMIN_READ,
    "pages.warning": ANY_READ,
    "pages.targets": ANY_READ,
    "pages.history": ANY_READ,
    "pages.not_found_404": ANY_READ,
}

# Server-side Dash callbacks by "module.qualname" of the decorated function.
CALLBACKS: dict[str, Rule] = {
    # Dash's own page router: renders the layout of a page, which PAGES guards.
    "dash.dash.Dash.enable_pages.<locals>.router_sync.<locals>.update": ANY_READ,
    "callbacks.shell.switch_language": SELF,
    "callbacks.shell.refresh_banner": ANY_READ,
    "callbacks.account.change_password": SELF,
    "callbacks.account.save_language": SELF,
    "callbacks.admin_users.load_users": ADMIN_READ,
    "callbacks.admin_users.show_selected": ADMIN_READ,
    "callbacks.admin_users.create_user": ADMIN_WRITE,
    "callbacks.admin_users.change_role": ADMIN_WRITE,
    "callbacks.admin_users.set_active": ADMIN_WRITE,
    "callbacks.admin_users.reset_password": ADMIN_WRITE,
    "callbacks.admin_users.issue_token": ADMIN_WRITE,
    "callbacks.admin_users.revoke_token": ADMIN_WRITE,
    "callbacks.admin_audit.sync_url": ADMIN_READ,
    "callbacks.admin_audit.load_page": ADMIN_READ,
    "callbacks.admin_audit.load_actors": ADMIN_READ,
    "callbacks.admin_list.ListJobs.stage": ADMIN_WRITE,
    "callbacks.admin_list.ListJobs.export": ADMIN_READ,
    "callbacks.admin_list.problem_filter": ADMIN_READ,
    "callbacks.admin_list.problem_rows": ADMIN_READ,
    "callbacks.admin_list.diff_filter": ADMIN_READ,
    "callbacks.admin_list.diff_rows": ADMIN_READ,
    "callbacks.admin_list.download_problems": ADMIN_READ,
    "callbacks.admin_list.toggle_publish": ADMIN_READ,
    "callbacks.admin_list.request_publish": ADMIN_WRITE,
    "callbacks.admin_list.ListJobs.publish": ADMIN_WRITE,
    "callbacks.admin_list.discard": ADMIN_WRITE,
    "callbacks.admin_list.load_revisions": ADMIN_READ,
    "callbacks.admin_list.poll_import": ADMIN_READ,
    "callbacks.admin_list.restore": ADMIN_WRITE,
    "callbacks.warning.record": DUTY_WRITE,
    "callbacks.warning.withdraw": DUTY_WRITE,
    "callbacks.warning.follow": ANY_READ,
    "callbacks.warning.rows": ANY_READ,
    "callbacks.warning.WarningJobs.export": ANY_READ,
    "callbacks.targets.top": ANY_READ,
    "callbacks.targets.fill_target": ADMIN_READ,
    "callbacks.targets.fill_base": ADMIN_READ,
    "callbacks.targets.save_target": ADMIN_WRITE,
    "callbacks.targets.save_base": ADMIN_WRITE,
    "callbacks.history.chart": ANY_READ,
    "callbacks.history.imported": ANY_READ,
    "callbacks.console.apply_filters": ANY_READ,
    "callbacks.console.ConsoleJobs.export": ANY_READ,
    "callbacks.console.grid_rows": ANY_READ,
    "callbacks.console.select": ANY_READ,
    "callbacks.console.reset": ANY_READ,
    "callbacks.console.clicked_position": ANY_READ,
}


def callback_key(func: object) -> str:
    """Return the CALLBACKS key of a registered callback function (functools.wraps keeps both names)."""
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"


def page_allowed(module: str, role: Role | None) -> bool:
    """Return True when the role may open the page; undeclared pages are closed."""
    rule = PAGES.get(module)
    return rule is not None and rule.allows(role)
