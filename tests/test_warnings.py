"""Warnings in the database: an episode's life, refusals that write nothing, the real 济南 history, obligations
and the target check on a hand-written list, daily air quality, the banner in Beijing time, the API."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.banner import banner
from dashboard.errors import ConflictError, ValidationError
from dashboard.i18n import t
from dashboard.rules.vocab import ChangeKind, Level, WarningLevel
from data_access import airquality, obligations, targets, warnings
from data_access.audit import Actor, AuditFilter, list_events, record
from data_access.db import Database
from data_access.models import WarningEpisode
from data_access.seed import DEMO_DOC_NO
from tests.conftest import snapshot
from tests.listfiles import HEADER, TRUCKS, csv_bytes, row
from tests.test_listimport import publish

DUTY = Actor(id=None, name="duty")
H = timedelta(hours=1)
WARNING_TABLES = ("warning_episode", "warning_change", "audit_event")


def tables(db: Database) -> dict[str, Any]:
    snap = snapshot(db)
    return {t: snap[t] for t in WARNING_TABLES}


def drop_demo(db: Database) -> None:
    """The demo seed has an orange warning open; withdraw it, so the test starts with no warning at all
    (a lifting would leave its response period behind, which a new warning may not overlap)."""
    e = warnings.current(db)
    assert e is not None and e.changes[0].doc_no == DEMO_DOC_NO
    assert warnings.withdraw_last(db, DUTY, "测试前撤回演示预警", episode_id=e.id, last_seq=1) is None


def test_the_demo_has_one_open_orange_warning_noticed_20_and_started_14_hours_before_seeding(
    db: Database,
) -> None:
    e = warnings.current(db)
    assert e is not None and e.is_demo
    first = e.changes[0]
    assert first.level is WarningLevel.ORANGE and first.effective_at - first.notice_at == 6 * H
    assert datetime.now(UTC) - first.effective_at < 14 * H + timedelta(minutes=5)


def test_an_episode_issued_raised_lowered_and_lifted(db: Database) -> None:
    drop_demo(db)
    # Whole hours, 100 hours ago: every step (the lifting at t0 + 64 h included) is in the past.
    t0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - 100 * H
    e = warnings.issue(db, DUTY, "yellow", t0, t0 + 4 * H, "济重污染应急〔2026〕7号")
    assert (e.is_open, e.started_at) == (True, t0 + 4 * H)
    e = warnings.change_level(db, DUTY, "red", t0 + 20 * H, t0 + 24 * H, episode_id=e.id, last_seq=1)
    e = warnings.change_level(db, DUTY, "orange", t0 + 40 * H, t0 + 40 * H, episode_id=e.id, last_seq=2)
    e = warnings.lift(
        db, DUTY, t0 + 60 * H, t0 + 64 * H, "济重污染应急〔2026〕9号", episode_id=e.id, last_seq=3
    )
    assert [(c.kind, c.level) for c in e.changes] == [
        (ChangeKind.ISSUE, WarningLevel.YELLOW),
        (ChangeKind.UPGRADE, WarningLevel.RED),
        (ChangeKind.DOWNGRADE, WarningLevel.ORANGE),
        (ChangeKind.LIFT, None),
    ]
    assert (e.is_open, e.ended_at) == (False, t0 + 64 * H)
    assert warnings.current(db) is None
    events, _ = list_events(db, AuditFilter(object=f"warning_episode:{e.id}"))
    assert sorted(ev.action for ev in events) == [
        "warning.downgrade",
        "warning.issue",
        "warning.lift",
        "warning.upgrade",
    ]


def test_a_lifting_announced_for_later_keeps_the_response_on_until_then(db: Database) -> None:
    drop_demo(db)
    now = datetime.now(UTC)
    e = warnings.issue(db, DUTY, "orange", now - 10 * H, now - 8 * H)
    e = warnings.lift(db, DUTY, now, now + 2 * H, "济重污染应急〔2026〕11号", episode_id=e.id, last_seq=1)
    assert (e.is_open, e.ended_at) == (True, now + 2 * H)
    on = warnings.current(db)
    assert on is not None and on.id == e.id
    st = on.state(now)
    assert st.in_force is WarningLevel.ORANGE and not st.ended  # enterprises still act until the end
    assert st.next_step is not None and st.next_step.kind is ChangeKind.LIFT
    assert warnings.current(db, now + 2 * H + timedelta(seconds=1)) is None
    before = tables(db)
    for attempt, key in (
        (lambda: warnings.lift(db, DUTY, now, now + 3 * H), "warning.already_lifted"),
        (lambda: warnings.change_level(db, DUTY, "red", now, now), "warning.already_lifted"),
        (lambda: warnings.issue(db, DUTY, "red", now, now), "warning.lift_pending"),
    ):
        with pytest.raises(ValidationError) as err:
            attempt()
        assert err.value.key == key
    assert tables(db) == before


@pytest.mark.parametrize(
    ("action", "key"),
    [
        ("second", "warning.already_active"),
        ("blue", "warning.bad_level"),
        ("purple", "warning.bad_level"),
        ("same", "warning.same_level"),
        ("end_before_start", "warning.end_before_start"),
        ("effective_before_notice", "warning.effective_before_notice"),
        ("stale", "warning.changed_meanwhile"),
        ("long_doc_no", "warning.text_long"),  # 129 characters: one more than the column keeps
        ("nul_in_doc_no", "warning.bad_text"),  # a forged request: PostgreSQL refuses NUL in text
        ("future_notice", "warning.notice_in_future"),
        ("a_year_late", "warning.effective_too_late"),  # 2027 typed for 2026
    ],
)
def test_refusals_say_why_and_write_nothing(db: Database, action: str, key: str) -> None:
    current = warnings.current(db)
    assert current is not None
    start = current.changes[0].effective_at
    now = datetime.now(UTC)
    before = tables(db)
    with pytest.raises((ValidationError, ConflictError)) as err:
        if action == "second":
            warnings.issue(db, DUTY, "red", now, now)
        elif action in ("blue", "purple"):
            warnings.change_level(db, DUTY, action, now, now)
        elif action == "same":
            warnings.change_level(db, DUTY, "orange", now, now)
        elif action == "end_before_start":
            warnings.lift(db, DUTY, now, start - H)
        elif action == "effective_before_notice":
            warnings.change_level(db, DUTY, "red", now, now - H)
        elif action == "future_notice":
            warnings.change_level(db, DUTY, "red", now + H, now + 2 * H)
        elif action == "a_year_late":
            warnings.change_level(db, DUTY, "red", now, now + 365 * 24 * H)
        elif action == "nul_in_doc_no":
            warnings.change_level(db, DUTY, "red", now, now, doc_no="济环\x00应急1号")
        elif action == "long_doc_no":
            warnings.change_level(db, DUTY, "red", now, now, doc_no="济环应急" + "字" * 125)
        else:
            warnings.change_level(db, DUTY, "red", now, now, last_seq=0)
    assert err.value.key == key
    assert tables(db) == before


def test_a_mistaken_step_is_withdrawn_with_a_reason_and_the_episode_goes_back(db: Database) -> None:
    demo = warnings.current(db)
    assert demo is not None and len(demo.changes) == 1
    now = datetime.now(UTC)
    e = warnings.change_level(db, DUTY, "red", now, now, episode_id=demo.id, last_seq=1)
    before = tables(db)
    with pytest.raises(ValidationError) as err:  # no reason
        warnings.withdraw_last(db, DUTY, "  ", episode_id=e.id, last_seq=2)
    assert err.value.key == "warning.reason_required"
    with pytest.raises(ConflictError):  # loaded before the upgrade: stale
        warnings.withdraw_last(db, DUTY, "录错", episode_id=e.id, last_seq=1)
    assert tables(db) == before
    e2 = warnings.withdraw_last(db, DUTY, "把橙色误录为红色", episode_id=e.id, last_seq=2)
    assert e2 is not None and [c.level for c in e2.changes] == [WarningLevel.ORANGE]
    on = warnings.current(db)
    assert on is not None and on.state().in_force is WarningLevel.ORANGE
    # A lifting whose end has passed closed the episode; withdrawing it re-opens the episode.
    warnings.lift(db, DUTY, now, now, episode_id=e.id, last_seq=1)
    assert warnings.current(db) is None
    e3 = warnings.withdraw_last(db, DUTY, "解除时间录错", episode_id=e.id, last_seq=2)
    assert e3 is not None and e3.is_open and e3.ended_at is None and warnings.current(db) is not None
    # Withdrawing the issue itself removes the episode.
    assert warnings.withdraw_last(db, DUTY, "并未发布", episode_id=e.id, last_seq=1) is None
    assert warnings.current(db) is None and warnings.latest_recorded(db) is None
    events, _ = list_events(db, AuditFilter(object=f"warning_episode:{e.id}"))
    withdrawn = [ev for ev in events if ev.action == "warning.withdraw"]
    assert sorted(ev.reason for ev in withdrawn) == sorted(["把橙色误录为红色", "解除时间录错", "并未发布"])
    assert all(ev.before and ev.before.get("kind") for ev in withdrawn)


def test_two_officers_recording_a_step_at_once_one_is_refused(db: Database) -> None:
    import threading

    demo = warnings.current(db)
    assert demo is not None
    now = datetime.now(UTC)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def officer(level: str) -> None:
        barrier.wait()
        try:
            warnings.change_level(db, DUTY, level, now, now, episode_id=demo.id, last_seq=1)
            outcomes.append("recorded")
        except ConflictError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=officer, args=(lv,)) for lv in ("red", "yellow")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["recorded", "warning.changed_meanwhile"]
    on = warnings.current(db)
    assert on is not None and [c.seq for c in on.changes] == [1, 2]


def test_a_new_warning_cannot_start_inside_the_last_ones_response_and_ids_are_not_reused(
    db: Database,
) -> None:
    demo = warnings.current(db)
    assert demo is not None
    now = datetime.now(UTC)
    warnings.lift(db, DUTY, now - H, now - H, episode_id=demo.id, last_seq=1)  # ended an hour ago
    before = tables(db)
    with pytest.raises(ValidationError) as err:
        warnings.issue(db, DUTY, "yellow", now - 3 * H, now - 2 * H)  # would start while orange was on
    assert err.value.key == "warning.overlaps" and err.value.field == "effective_at"
    assert tables(db) == before
    e = warnings.issue(db, DUTY, "yellow", now - H, now - H)
    assert warnings.withdraw_last(db, DUTY, "录错", episode_id=e.id, last_seq=1) is None
    again = warnings.issue(db, DUTY, "yellow", now - H, now - H)
    assert again.id > e.id  # a page still holding the withdrawn episode's id cannot act on this one


def test_lifting_with_nothing_active_is_refused(db: Database) -> None:
    drop_demo(db)
    before = tables(db)
    now = datetime.now(UTC)
    with pytest.raises(ValidationError) as err:
        warnings.lift(db, DUTY, now, now)
    assert err.value.key == "warning.none_active"
    assert tables(db) == before


def test_the_database_itself_refuses_a_second_open_episode(db: Database) -> None:
    """Two duty officers recording at the same instant both pass the check; the unique index stops one."""
    with pytest.raises(ConflictError), db.write() as s:
        s.add(WarningEpisode(is_open=True, created_by="race"))
        record(s, DUTY, "warning.issue", "warning_episode", None)


def test_the_real_jinan_history_is_loaded_with_unknowns_as_unknown(db: Database) -> None:
    history = [e for e in warnings.episodes(db) if e.is_history]
    assert len(history) == 7
    by_start = {e.started_at: e for e in history if e.started_at}
    # 2022-11: response 17 Nov 00:00 to 20 Nov 24:00 Beijing time (= 16 Nov 16:00 to 20 Nov 16:00 UTC).
    e2022 = by_start[datetime(2022, 11, 16, 16, 0, tzinfo=UTC)]
    assert e2022.ended_at == datetime(2022, 11, 20, 16, 0, tzinfo=UTC)
    assert e2022.changes[0].notice_at == datetime(2022, 11, 16, 6, 0, tzinfo=UTC)  # 14:00 Beijing time
    # 2016-12: orange, lowered to the legacy blue level on the 23rd at 09:30.
    e2016 = by_start[datetime(2016, 12, 17, 12, 0, tzinfo=UTC)]
    assert e2016.levels == [WarningLevel.ORANGE, WarningLevel.BLUE]
    # 2018-12: only days are known.
    e2018 = next(e for e in history if any(c.doc_no == "济南重污染天气应急办〔2018〕31号" for c in e.changes))
    assert not e2018.changes[0].notice_time_known and not e2018.changes[0].effective_time_known
    # 2015-12a: the yellow warning's dates are not known at all; its raise to orange is.
    e2015 = next(e for e in history if e.levels == [WarningLevel.YELLOW, WarningLevel.ORANGE])
    assert e2015.changes[0].notice_at is None and e2015.changes[0].effective_at is None
    assert e2015.changes[1].effective_at == datetime(2015, 12, 12, 16, 0, tzinfo=UTC)
    assert all(not e.is_open for e in history)


SMALL = [
    # A: 许商街道, B — transport ban / 限产20% / 停产; SO₂ 36.5 t/a
    row(1, so2=36.5, pm=None),
    # B: 许商街道, A — 自主减排 at every level
    row(2, grade="A", yellow="自主减排", orange="自主减排", red="自主减排", so2=10.0, pm=None),
    # C: 殷巷镇, D — 停产 at every level; SO₂ 73 t/a
    row(
        3,
        town="殷巷镇",
        grade="D",
        yellow="停产；停止公路运输",
        orange="停产；停止公路运输",
        red="停产；停止公路运输",
        so2=73.0,
        pm=None,
    ),
    # D: 殷巷镇, 一般 — an unreadable yellow measure, 限产20%, 停产; SO₂ 3.65 t/a
    row(
        4,
        town="殷巷镇",
        industry="其他",
        control="一般",
        grade="",
        yellow="按要求执行",
        orange="限产20%",
        red="停产",
        so2=3.65,
        pm=None,
    ),
]


def small_list(db: Database) -> None:
    publish(db, csv_bytes([HEADER, *SMALL]), "small.csv", mode="replace")


def test_obligations_per_town_and_category_on_a_hand_written_list(db: Database) -> None:
    small_list(db)
    orange = obligations.counts(db, Level.ORANGE)
    assert orange.cells == {
        ("许商街道", "limit"): 1,
        ("许商街道", "self"): 1,
        ("殷巷镇", "stop"): 1,
        ("殷巷镇", "limit"): 1,
    }
    yellow = obligations.counts(db, Level.YELLOW)
    assert yellow.cells == {
        ("许商街道", "transport"): 1,
        ("许商街道", "self"): 1,
        ("殷巷镇", "stop"): 1,
        ("殷巷镇", "unclassified"): 1,  # a list error: no valid measure at this level
    }
    assert yellow.towns == ["许商街道", "殷巷镇"] and yellow.total() == 4 and yellow.town_total("殷巷镇") == 2
    from dashboard.filters import parse_filter

    errors, total = obligations.page(
        db, Level.YELLOW, parse_filter({"level": ["yellow"], "category": ["unclassified"]}), 0, 10
    )
    assert total == 1 and errors[0].measures == [(None, "按要求执行")]
    a, _ = obligations.page(db, Level.ORANGE, parse_filter({"q": ["测试1号"]}), 0, 10)
    assert a[0].measures == [(None, f"限产20%（以三者日均值的最小值为基准核算）；{TRUCKS}")]


def test_target_check_on_a_hand_written_list(db: Database) -> None:
    small_list(db)
    targets.set_base(db, DUTY, "so2", 365, 2025, "测试：全县 SO₂ 365 吨/年，即每日 1 吨")
    rows = {(r.level, r.pollutant): r for r in targets.check(db)}
    # Yellow: A's truck ban cuts nothing, B none, C stops (73/365 = 0.2), D's measure is unreadable (unknown).
    assert rows[(Level.YELLOW, "so2")].reduction_tpd == pytest.approx(0.2)
    # Orange: A 20 % of 0.1 = 0.02, C 0.2, D 20 % of 0.01 = 0.002.
    assert rows[(Level.ORANGE, "so2")].reduction_tpd == pytest.approx(0.222)
    # Red: A 0.1, C 0.2, D 0.01.
    red = rows[(Level.RED, "so2")]
    assert red.reduction_tpd == pytest.approx(0.31) and red.base_tpd == pytest.approx(1.0)
    assert red.target_percent == 30.0 and red.achieved_percent == pytest.approx(31.0) and red.met
    orange = rows[(Level.ORANGE, "so2")]
    assert orange.achieved_percent == pytest.approx(22.2) and orange.met
    yellow = rows[(Level.YELLOW, "so2")]
    assert yellow.target_percent == 10.0 and yellow.met
    top = targets.contributors(db, Level.RED, "so2")
    assert [(c.name, round(c.reduction_tpd, 4)) for c in top] == [
        (row(3)[1], 0.2),
        (row(1)[1], 0.1),
        (row(4)[1], 0.01),
    ]


def test_targets_need_a_source_and_a_sane_percentage_and_are_audited(db: Database) -> None:
    with pytest.raises(ValidationError) as err:
        targets.set_target(db, DUTY, "red", "so2", 30, "  ")
    assert err.value.key == "targets.no_source"
    with pytest.raises(ValidationError) as err:
        targets.set_target(db, DUTY, "red", "so2", 130, "某文件")
    assert err.value.key == "targets.bad_percent"
    before = tables(db)
    for args, key in (
        (("blue", "so2", 10, "某文件"), "targets.bad_level"),  # also what a direct request might send
        (("red", ["so2"], 10, "某文件"), "targets.bad_pollutant"),
        (("red", "so2", 1e-320, "某文件"), "targets.bad_percent"),
        (("red", "so2", 10, ["某文件"]), "targets.no_source"),
    ):
        with pytest.raises(ValidationError) as err:
            targets.set_target(db, DUTY, *args)
        assert err.value.key == key
    with pytest.raises(ValidationError) as err:
        targets.set_target(db, DUTY, "red", "so2", True, "某文件")  # JSON true is not 1 %
    assert err.value.key == "targets.bad_percent"
    for total, year, key in (
        (1e308, 2025, "targets.bad_total"),
        (1e-320, 2025, "targets.bad_total"),  # would make every share infinite
        (None, 2025, "targets.bad_total"),
        (950, 2025.5, "targets.bad_year"),
    ):
        with pytest.raises(ValidationError) as err:
            targets.set_base(db, DUTY, "so2", total, year, "排放清单（测试）")
        assert err.value.key == key
        assert "{" not in t(err.value.key, **err.value.params)  # every placeholder filled
    assert tables(db) == before
    targets.set_target(db, DUTY, "red", "so2", 40, "某市预案（测试）")
    assert targets.targets(db)[(Level.RED, "so2")].percent == 40
    targets.set_base(db, DUTY, "so2", 953.85, 2025.0, "排放清单（测试）")  # decimals kept, 2025.0 is 2025
    assert (targets.bases(db)["so2"].annual_tpa, targets.bases(db)["so2"].year) == (953.85, 2025)
    events, _ = list_events(db, AuditFilter(object="reduction_target:red:so2"))
    assert events[0].before["percent"] == 30 and events[0].after["percent"] == 40


def test_the_real_pm25_series_is_the_demo_air_quality(db: Database) -> None:
    series = dict(airquality.series(db, "济南", "pm25"))
    assert len(series) == 730
    assert series[date(2015, 1, 24)] == 198.5  # the day a yellow warning was issued (shared/data/README.md)
    assert max(v for d, v in series.items() if date(2015, 12, 19) <= d <= date(2015, 12, 25)) == 313.834


def test_a_series_with_bad_rows_names_each_and_stores_nothing(db: Database) -> None:
    before = len(airquality.series(db, "商河", "pm25"))
    data = "日期,PM2.5\n2026-01-01,88\n2026-01-02,abc\n2026/01/03,95\n01-04,90\n2026-01-01,70\n2026-01-05,-3\n".encode(
        "gbk"
    )
    parsed = airquality.import_series(db, DUTY, data, "商河.csv", city="商河")
    assert [(b.line, b.key) for b in parsed.bad] == [
        (3, "aq.bad_value"),
        (5, "aq.bad_date"),
        (6, "aq.duplicate"),
        (7, "aq.bad_value"),
    ]
    assert len(airquality.series(db, "商河", "pm25")) == before == 0
    good = airquality.import_series(
        db, DUTY, "日期,PM2.5\n2026-01-01,88\n2026/01/03,95\n".encode(), "ok.csv", city="商河"
    )
    assert good.bad == [] and airquality.series(db, "商河", "pm25") == [
        (date(2026, 1, 1), 88.0),
        (date(2026, 1, 3), 95.0),
    ]
    with pytest.raises(ValidationError) as err:
        airquality.import_series(db, DUTY, b"a,b\n1,2\n", "x.csv", city="商河")
    assert err.value.key == "aq.header"
    # A city name longer than the column keeps (32) is refused before anything is written.
    long_city = "商" * 33
    parsed = airquality.import_series(
        db, DUTY, f"城市,日期,PM2.5\n{long_city},2026-02-01,50\n".encode(), "long.csv"
    )
    assert [(b.line, b.key) for b in parsed.bad] == [(2, "aq.city_long")]
    with pytest.raises(ValidationError) as err:
        airquality.import_series(db, DUTY, "日期,PM2.5\n2026-02-01,50\n".encode(), "x.csv", city=long_city)
    assert err.value.field == "city"
    # A typed city beside a file that names its own: refused, not silently filed under the typed one.
    with pytest.raises(ValidationError) as err:
        airquality.import_series(
            db, DUTY, "城市,日期,PM2.5\n德州,2026-02-01,99\n".encode(), "d.csv", city="济南"
        )
    assert (err.value.key, err.value.field) == ("aq.city_twice", "city")
    # Excel's default day format reads; days before 2000, after tomorrow, or with trailing text do not.
    parsed = airquality.parse(
        "日期,PM2.5\n2026/1/5,80\n1500-01-01,80\n2099-01-01,80\n2026-01-06 x,80\n2026-01-07,\n".encode(),
        "商河",
    )
    assert [r[1] for r in parsed.rows] == [date(2026, 1, 5)]
    assert [(b.line, b.key) for b in parsed.bad] == [
        (3, "aq.bad_date"),
        (4, "aq.bad_date"),
        (5, "aq.bad_date"),
        (6, "aq.no_value"),
    ]
    assert airquality.series(db, long_city, "pm25") == []


def test_the_banner_shows_beijing_time_whatever_the_servers_zone(db: Database, app: Any) -> None:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        drop_demo(db)
        start = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 2026-12-04 00:00 in Beijing
        warnings.issue(db, DUTY, "red", start - H, start, "济重污染应急〔2026〕8号")
        with app.server.test_request_context():
            text = str(banner(warnings.current(db), start + 26 * H + timedelta(minutes=5)).to_plotly_json())
            pending = str(banner(warnings.current(db), start - timedelta(minutes=30)).to_plotly_json())
        assert "2026-12-04 00:00" in text and "1 天 2 小时" in text and "Ⅰ级响应" in text
        assert "将于 2026-12-04 00:00 开始" in pending and "30 分钟" in pending
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_api_warnings_obligations_and_targets(db: Database, login_as: Any) -> None:
    client = login_as("leader")
    cur = client.get("/api/v1/warnings/current").json
    assert cur["active"] and cur["episode"]["now"]["obligation_level"] == "orange"
    assert cur["episode"]["now"]["response_grade"] == "Ⅱ"
    listing = client.get("/api/v1/warnings").json["items"]
    assert len(listing) == 8 and listing[0]["open"]
    ob = client.get("/api/v1/obligations?per_page=5").json
    assert ob["level"] == "orange" and ob["total"] == 400 and len(ob["items"]) == 5
    assert sum(ob["by_category"].values()) == 400
    red_stop = client.get("/api/v1/obligations?level=red&category=stop&town=370126101").json
    with db.read() as s:
        from data_access.models import Enterprise as E

        expected = len(
            s.scalars(select(E.id).where(E.in_list, E.cat_red == "stop", E.town_code == "370126101")).all()
        )
    assert red_stop["total"] == expected > 0
    assert client.get("/api/v1/obligations?level=purple").status_code == 400
    tg = client.get("/api/v1/targets").json
    assert len(tg["items"]) == 12 and tg["base"]["so2"]["demo"] is True
    assert all(i["target_source"] for i in tg["items"])
    assert client.post("/api/v1/air-quality", data={}).status_code == 403  # leadership reads only


def test_api_air_quality_upload_stores_all_or_says_which_lines_are_wrong(db: Database, app: Any) -> None:
    import io

    from data_access import users
    from data_access.audit import Actor
    from data_access.models import User

    with db.read() as s:
        uid = s.scalar(select(User.id).where(User.username == "duty"))
    _, secret = users.issue_token(db, Actor(None, "t"), uid, "aq test")
    client = app.server.test_client()
    auth = {"Authorization": f"Bearer {secret}"}

    def send(text: str, city: str = "商河") -> Any:
        data = {"file": (io.BytesIO(text.encode()), "aq.csv"), "city": city}
        return client.post("/api/v1/air-quality", data=data, headers=auth, content_type="multipart/form-data")

    bad = send("日期,PM2.5\n2026-03-01,80\n2026-03-02,abc\n")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "unprocessable"
    assert [b["line"] for b in bad.json["bad"]] == [3] and bad.json["imported"] == 0
    assert airquality.series(db, "商河", "pm25") == []
    empty = send("日期,PM2.5\n")
    assert empty.status_code == 400 and "没有数据行" in empty.json["error"]["message"]
    good = send("日期,PM2.5\n2026-03-01,80\n2026-03-02,95\n")
    assert good.status_code == 200 and good.json["imported"] == 2 and good.json["cities"] == ["商河"]


def test_the_history_loads_once_from_the_command_line(db: Database) -> None:
    import csv

    from sqlalchemy import delete

    from data_access.audit import record
    from data_access.models import WarningEpisode
    from data_access.warnings import HISTORY
    from tests.test_cli import run

    res = run(["warnings", "history"], db.url)  # the seed loaded it already
    assert res.returncode != 0 and "已载入过" in res.stderr and "Traceback" not in res.stderr
    with db.write() as s:  # a production database: no history yet
        s.execute(delete(WarningEpisode).where(WarningEpisode.is_history))
        record(s, DUTY, "test.clear_history", "warning_episode", None)
    with HISTORY.open(encoding="utf-8") as f:
        expected = len({r["episode"] for r in csv.DictReader(f)})
    res = run(["warnings", "history"], db.url)
    assert res.returncode == 0 and f"已载入 {expected} 次" in res.stdout
    assert sum(1 for e in warnings.episodes(db) if e.is_history) == expected
