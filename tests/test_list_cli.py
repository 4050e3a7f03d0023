"""`python -m dashboard list …` as an operator runs it: real subprocesses, real files, the test database."""

from __future__ import annotations

import json
from pathlib import Path

from data_access import listimport
from data_access.db import Database
from data_access.models import Enterprise
from tests.listfiles import COL, HEADER, csv_bytes, row, xlsx
from tests.test_cli import run
from tests.test_listimport import REAL, list_tables


def test_json_report_of_a_file_with_errors_and_exit_code(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    path.write_bytes(
        xlsx(("清单", [HEADER, row(1), row(2, town="济阳街道"), row(3, yellow="按要求执行")], []))
    )
    before = list_tables(db)
    res = run(["list", "import", str(path), "--json", "--mode", "update"], db.url)
    assert res.returncode == 4, res.stderr
    report = json.loads(res.stdout)
    assert {"rows", "enterprises", "errors", "warnings", "diff"} <= set(report)
    assert (report["rows"], report["enterprises"]) == (3, 3)
    assert [(e["row"], e["column"], e["rule"]) for e in report["errors"]] == [
        (3, COL["town"], "town.unknown")
    ]
    assert "济阳街道" in report["errors"][0]["message"]
    assert [(w["row"], w["rule"]) for w in report["warnings"]] == [(4, "measure.unparsed")]
    assert [len(report["diff"][k]) for k in ("new", "changed", "removed")] == [3, 0, 0]
    assert list_tables(db) == before  # a dry run writes nothing


def test_publish_from_the_command_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "新增.csv"
    path.write_bytes(csv_bytes([HEADER, row(1), row(2)]))
    res = run(["list", "import", str(path), "--mode", "update", "--publish", "--note", "新增两家"], db.url)
    assert res.returncode == 0, res.stderr
    assert "第 2 版" in res.stdout
    revisions = listimport.revisions(db)
    assert (revisions[0].number, revisions[0].note, revisions[0].file_name) == (2, "新增两家", "新增.csv")
    with db.read() as s:
        assert s.query(Enterprise).filter(Enterprise.in_list.is_(True)).count() == 402


def test_a_blocked_publish_writes_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([HEADER, row(1, grade="E级")]))
    before = list_tables(db)
    res = run(["list", "import", str(path), "--mode", "update", "--publish"], db.url)
    assert res.returncode == 4 and "绩效等级" in res.stdout
    assert list_tables(db) == before


def test_a_real_grade_list_reports_every_row_unmatched(db: Database) -> None:
    res = run(["list", "import", str(REAL / "grades_chongqing_2024_batch1.csv"), "--json"], db.url)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["kind"] == "grades" and len(report["unmatched"]) == 5
    assert report["diff"] == {"new": [], "changed": [], "removed": []}


def test_an_unreadable_file_gets_one_chinese_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    res = run(["list", "import", str(path)], db.url)
    assert res.returncode == 4 and "无法读取" in res.stderr and "Traceback" not in res.stderr


def test_a_header_without_rows_is_refused_as_the_web_refuses_it(db: Database, tmp_path: Path) -> None:
    before = list_tables(db)
    path = tmp_path / "header_only.xlsx"
    path.write_bytes(xlsx(("清单", [HEADER], [])))
    res = run(["list", "import", str(path), "--publish"], db.url)
    assert res.returncode == 4 and "没有读到任何企业行" in res.stderr and "Traceback" not in res.stderr
    assert list_tables(db) == before


def test_export_revisions_and_restore(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    res = run(["list", "export", str(out), "--query", "grade=C"], db.url)
    assert res.returncode == 0, res.stderr
    assert out.stat().st_size > 0
    again = run(["list", "import", str(out), "--json", "--mode", "update"], db.url)
    assert json.loads(again.stdout)["diff"] == {"new": [], "changed": [], "removed": []}
    path = tmp_path / "one.csv"
    path.write_bytes(csv_bytes([HEADER, row(1)]))
    assert run(["list", "import", str(path), "--mode", "update", "--publish"], db.url).returncode == 0
    listing = run(["list", "revisions"], db.url).stdout.splitlines()
    assert [line.split()[0] for line in listing] == ["2", "1"]
    dry = run(["list", "restore", "1"], db.url)
    assert dry.returncode == 0 and "移出 1" in dry.stdout
    done = run(["list", "restore", "1", "--publish"], db.url)
    assert done.returncode == 0 and "第 3 版" in done.stdout
    with db.read() as s:
        assert s.query(Enterprise).filter(Enterprise.in_list.is_(True)).count() == 400
