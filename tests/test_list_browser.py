"""清单管理 in a real browser against gunicorn: upload → check (a background job) → preview → publish; a file
with errors cannot be published; restore; the console exports exactly what it shows."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from data_access.db import Database
from data_access.demo_county import generate
from data_access.models import AuditEvent, Enterprise, ListRevision
from tests.conftest import Gunicorn, shot
from tests.listfiles import HEADER, row, xlsx
from tests.test_browser import log_in


def count(page: Any, key: str) -> int:
    """A count badge of the preview (新增, 错误 …)."""
    return int(page.inner_text(f"#list-count-{key} strong"))


def upload(page: Any, base: str, path: Path, mode: str = "update") -> None:
    page.goto(base + "/admin/list")
    page.wait_for_selector("#list-file")
    page.set_input_files("#list-file", str(path))
    if mode == "update":
        page.click("label[for='_dbcprivate_radioitems_list-mode_input_update']")
    page.click("#list-upload")
    page.wait_for_selector("#list-status", timeout=60_000)


def test_upload_check_preview_and_publish(
    page: Any, live_server: Gunicorn, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "新增两家.xlsx"
    path.write_bytes(xlsx(("清单", [["商河县应急减排清单（增补）"], HEADER, row(1), row(2)], ["A1:P1"])))
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    upload(page, live_server.url, path)
    assert "检查通过" in page.inner_text("#list-status")
    assert "import=" in page.url
    assert (count(page, "new"), count(page, "errors")) == (2, 0)
    page.wait_for_selector("#list-diff-grid .ag-row >> text=商河县测试1号铸造有限公司（演示）")
    shot(page, "list-preview")

    page.fill("#list-note", "增补两家")
    page.click("#list-publish")
    page.click("#list-publish-confirm")
    page.wait_for_selector("#list-published >> text=第 2 版")
    page.wait_for_selector("#list-rev-grid .ag-row >> text=增补两家")
    assert "import=" not in page.url  # the published import is done: a reload shows the empty preview
    shot(page, "list-published")
    with db.read() as s:
        assert s.scalar(select(func.max(ListRevision.number))) == 2
        listed = s.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.in_list.is_(True)))
        # The publishing job acted as the admin who confirmed (a signed ticket), not as a system user.
        who = s.scalars(
            select(AuditEvent.actor_name).where(AuditEvent.action == "list.publish").order_by(AuditEvent.id)
        ).all()
    assert listed == len(generate()) + 2
    assert who[-1] == "admin"

    page.goto(live_server.url + "/?q=测试1号")
    page.wait_for_selector("#console-count >> text=共 1 家企业")
    assert page.console_errors == []


def test_a_file_with_errors_shows_them_and_cannot_be_published(
    page: Any, live_server: Gunicorn, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "有错.xlsx"
    path.write_bytes(xlsx(("清单", [HEADER, row(1), row(2, town="济阳街道")], [])))
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    upload(page, live_server.url, path)
    assert "1 个错误" in page.inner_text("#list-status")
    assert page.is_disabled("#list-publish")
    page.wait_for_selector(
        "#list-problem-grid .ag-row >> text=济阳街道"
    )  # errors come first, problems tab open
    text = page.inner_text("#list-problem-grid")
    assert "3" in text and "D" in text  # Excel row 3, column D
    shot(page, "list-errors")
    with page.expect_download() as download:
        page.click("#list-problem-download")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = [c.value for c in book.active[2]]
    assert 3 in cells and "D" in cells and any("济阳街道" in str(c) for c in cells)
    page.click("#list-discard")
    page.wait_for_selector("#list-action-msg >> text=现行清单未变")
    with db.read() as s:
        assert s.scalar(select(func.max(ListRevision.number))) == 1
    assert page.console_errors == []


def test_two_admins_publishing_from_the_same_base_the_second_sees_why_and_the_new_state(
    page: Any, live_server: Gunicorn, db: Database, tmp_path: Path
) -> None:
    first, second = tmp_path / "甲.xlsx", tmp_path / "乙.xlsx"
    first.write_bytes(xlsx(("清单", [HEADER, row(1)], [])))
    second.write_bytes(xlsx(("清单", [HEADER, row(2)], [])))
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    other = page.context.new_page()  # the same admin's second tab
    upload(page, live_server.url, first)
    upload(other, live_server.url, second)
    assert "检查通过" in other.inner_text("#list-status")
    page.click("#list-publish")
    page.click("#list-publish-confirm")
    page.wait_for_selector("#list-published >> text=第 2 版")
    other.click("#list-publish")
    other.click("#list-publish-confirm")
    other.wait_for_selector("#list-action-msg >> text=第 2 版")  # refused: version 2 was published meanwhile
    other.wait_for_selector("#list-status.alert-warning")  # the preview now says the import is out of date
    assert other.is_disabled("#list-publish")
    other.wait_for_selector("#list-rev-grid .ag-row[row-id='2']")
    with db.read() as s:
        assert s.scalar(select(func.max(ListRevision.number))) == 2


def test_a_reload_during_a_check_shows_the_result_when_the_check_ends(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    from data_access import listimport
    from data_access.audit import Actor

    actor = Actor(id=None, name="admin")
    import_id = listimport.create_upload(db, actor, "检查中.xlsx", xlsx(("清单", [HEADER, row(1)], [])))
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    page.goto(f"{live_server.url}/admin/list?import={import_id}")  # as after a reload: no job of this page
    page.wait_for_selector("#list-status >> text=正在检查")
    listimport.stage(db, actor, import_id)  # the job the page lost finishes
    page.wait_for_selector("#list-status >> text=检查通过", timeout=15_000)
    assert count(page, "new") == 1


def test_restore_a_revision_from_the_page(
    page: Any, live_server: Gunicorn, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "一家.xlsx"
    path.write_bytes(xlsx(("清单", [HEADER, row(1)], [])))
    log_in(page, live_server.url, "admin")
    page.wait_for_selector("#nav-admin-list")
    upload(page, live_server.url, path)
    page.click("#list-publish")
    page.click("#list-publish-confirm")
    page.wait_for_selector("#list-published >> text=第 2 版")
    page.click("#list-rev-grid .ag-row >> text=演示清单")
    page.click("#list-restore")
    page.wait_for_selector("#list-status >> text=可以发布为第 3 版")
    assert count(page, "removed") == 1
    page.click("#list-publish")
    page.click("#list-publish-confirm")
    page.wait_for_selector("#list-published >> text=第 3 版")
    with db.read() as s:
        listed = s.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.in_list.is_(True)))
    assert listed == len(generate())


def test_leadership_cannot_open_the_list_page(page: Any, live_server: Gunicorn, db: Database) -> None:
    log_in(page, live_server.url, "leader")
    page.wait_for_selector("#console-map")
    assert page.locator("#nav-admin-list").count() == 0
    page.goto(live_server.url + "/admin/list")
    page.wait_for_selector("#page-forbidden")
    page.wait_for_timeout(500)  # the router has run: its title stays the error's, not the page's
    assert page.title().startswith("无权访问") and "清单管理" not in page.title()


def test_the_console_exports_exactly_the_filtered_enterprises(
    page: Any, live_server: Gunicorn, db: Database
) -> None:
    specs = generate()
    # The demo generator's own records say which enterprises are grade C (independent of the app's query).
    want = sorted(e.name for e in specs if e.grade.value == "C")
    log_in(page, live_server.url, "duty")
    page.wait_for_selector("#console-map")
    page.goto(live_server.url + "/?grade=C")
    page.wait_for_selector(f"#console-count >> text=共 {len(want)} 家企业")
    with page.expect_download(timeout=60_000) as download:
        page.click("#console-export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    sheet = book.worksheets[0]
    title = sheet["A1"].value
    names = sorted({r[1] for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]})
    assert "绩效等级：C" in title
    assert names == want
    assert page.console_errors == []
