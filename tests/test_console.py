"""The console's one filter: map feed, grid rows, API and counts agree with independently computed answers."""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.filters import EnterpriseFilter, parse_filter
from dashboard.geo import geojson_position, leaflet_position
from dashboard.rules.names import match_key
from dashboard.rules.vocab import Category, ControlType, Grade, Level
from data_access import enterprises, mapfeed
from data_access.audit import Actor, record
from data_access.db import Database
from data_access.demo_county import DemoEnterprise, generate
from data_access.mapfeed import FeedRequest
from data_access.models import Enterprise

TOWN = "370126107"  # 玉皇庙镇
OTHER_TOWN = "370126111"  # 沙河镇


def sector(e: DemoEnterprise) -> str:
    return e.industry_other or e.industry


# Each case: URL query → a plain-Python predicate over the generator's specs (no SQL, no filter code).
CASES: dict[str, tuple[dict[str, list[str]], Any]] = {
    "everything": ({}, lambda e: True),
    "grade C in one town": (
        {"grade": ["C"], "town": [TOWN]},
        lambda e: e.grade is Grade.C and e.town_code == TOWN,
    ),
    "two grades": ({"grade": ["A", "引领性"]}, lambda e: e.grade in (Grade.A, Grade.LEADING)),
    "outside the parks": ({"park": ["none"]}, lambda e: e.park is None),
    "a park or none": (
        {"park": ["商河经济开发区", "none"]},
        lambda e: e.park in (None, "商河经济开发区"),
    ),
    "industry by its common name": ({"industry": ["食品制造"]}, lambda e: sector(e) == "食品制造"),
    "control type": (
        {"control": ["保障类", "豁免"]},
        lambda e: e.control_type in (ControlType.GUARANTEE, ControlType.EXEMPT),
    ),
    "towns and key industry": (
        {"town": [TOWN, OTHER_TOWN], "industry": ["制药"]},
        lambda e: e.town_code in (TOWN, OTHER_TOWN) and e.industry == "制药",
    ),
    "search by a name part": ({"q": ["药业"]}, lambda e: "药业" in e.name),
}


def expected(pred: Any) -> list[DemoEnterprise]:
    return [e for e in generate() if pred(e)]


@pytest.mark.parametrize("case", list(CASES))
def test_map_grid_api_and_count_agree_with_an_independent_count(
    case: str, db: Database, login_as: Any
) -> None:
    query, pred = CASES[case]
    want = expected(pred)
    flt = parse_filter(query)
    counts = enterprises.count(db, flt)
    assert counts.total == len(want)
    assert counts.unlocated == sum(1 for e in want if e.lat is None)

    rows = enterprises.grid_rows(db, flt, 0, 10_000)
    assert sorted(r["name"] for r in rows) == sorted(e.name for e in want)

    features = json.loads(mapfeed.collection(db, FeedRequest(flt)))["features"]
    assert len(features) + counts.unlocated == len(want)  # points + 无坐标 = grid rows = count

    client = login_as("duty")
    resp = client.get("/api/v1/enterprises", query_string={**query, "per_page": 500})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["total"] == len(want) and len(body["items"]) == min(500, len(want))


def test_a_search_finds_a_firm_by_the_start_of_its_code(db: Database) -> None:
    target = next(e for e in generate() if e.uscc)
    rows = enterprises.grid_rows(db, parse_filter({"q": [target.uscc[:12].lower()]}), 0, 100)
    assert target.name in [r["name"] for r in rows]


def test_a_hand_typed_grade_a_plus_means_a_plus_not_a(db: Database, login_as: Any) -> None:
    from sqlalchemy import func, select

    from dashboard.rules.vocab import Grade
    from data_access.models import Enterprise as E

    assert parse_filter({"grade": ["A "]}).grade == (Grade.A_PLUS,)  # what ?grade=A+ decodes to
    assert parse_filter({"grade": ["A"]}).grade == (Grade.A,)
    with db.read() as s:
        a_plus = s.scalar(select(func.count()).select_from(E).where(E.in_list, E.grade == Grade.A_PLUS))
    leader = login_as("leader")
    assert leader.get("/api/v1/enterprises?grade=A+").get_json()["total"] == a_plus
    assert leader.get("/api/v1/enterprises?grade=A%2B").get_json()["total"] == a_plus


def test_the_category_filter_needs_a_level_and_reads_the_level_column(db: Database) -> None:
    with pytest.raises(Exception) as err:
        parse_filter({"category": ["stop"]})
    assert getattr(err.value, "field", None) == "category"
    with db.read() as s:
        stop_red = set(s.scalars(select(Enterprise.name).where(Enterprise.cat_red == Category.STOP)))
        stop_yellow = set(s.scalars(select(Enterprise.name).where(Enterprise.cat_yellow == Category.STOP)))
    rows = enterprises.grid_rows(db, parse_filter({"level": ["red"], "category": ["stop"]}), 0, 10_000)
    assert {r["name"] for r in rows} == stop_red
    assert stop_yellow < stop_red  # stricter at red: every yellow stop also stops at red, and more do


def _add(db: Database, **values: Any) -> int:
    row = {
        "name": "演示企业",
        "industry": "铸造",
        "control_type": ControlType.KEY,
        "grade": Grade.C,
        "is_demo": True,
        **values,
    }
    row["name_key"] = match_key(row["name"])
    with db.write() as s:
        e = Enterprise(**row)
        s.add(e)
        s.flush()
        record(s, Actor.system("test"), "enterprise.create", "enterprise", e.id)
        return e.id


def test_bad_coordinates_never_reach_the_map_and_the_rest_still_draw(db: Database) -> None:
    """cases.md 4: NaN, empty, out of range → counted under 无坐标; all other points are drawn."""
    flt = parse_filter({"q": ["坐标测试"]})
    good = _add(db, name="坐标测试一（演示）", lat=37.31, lon=117.16, town_code=TOWN)
    _add(db, name="坐标测试二（演示）", lat=math.nan, lon=117.2, town_code=TOWN)
    _add(db, name="坐标测试三（演示）", lat=None, lon=None, town_code=TOWN)
    _add(db, name="坐标测试四（演示）", lat=200.0, lon=117.2, town_code=TOWN)
    _add(db, name="坐标测试五（演示）", lat=37.2, lon=math.inf, town_code=TOWN)
    raw = mapfeed.collection(db, FeedRequest(flt))
    assert b"NaN" not in raw and b"Infinity" not in raw
    features = json.loads(raw)["features"]
    assert [f["properties"]["id"] for f in features] == [good]
    counts = enterprises.count(db, flt)
    assert (counts.total, counts.located, counts.unlocated) == (5, 1, 4)


def test_one_helper_orders_positions_for_geojson_and_leaflet(db: Database) -> None:
    """cases.md 5: GeoJSON is [lon, lat], Leaflet is [lat, lon]; 商河 is near 37.3 N, 117.2 E."""
    assert geojson_position(37.31, 117.16) == [117.16, 37.31]
    assert leaflet_position(37.31, 117.16) == [37.31, 117.16]
    features = json.loads(mapfeed.collection(db, FeedRequest(EnterpriseFilter())))["features"]
    lon, lat = features[0]["geometry"]["coordinates"]
    assert 116.9 < lon < 117.5 and 37.0 < lat < 37.6


def test_invisible_differences_do_not_split_a_firm_and_same_names_in_two_towns_stay_two(db: Database) -> None:
    """cases.md 9: full-width brackets and odd spaces find the same firm; same name, two towns = two."""
    a = _add(db, name="商河县　星澜化工有限公司（演示）", town_code=TOWN, lat=37.3, lon=117.1)
    b = _add(db, name="商河县星澜化工有限公司(演示)", town_code=OTHER_TOWN, lat=37.35, lon=117.2)
    for q in ("星澜化工有限公司(演示)", "星澜\u00a0化工", "星澜\u200b化工有限公司（演示）"):
        rows = enterprises.grid_rows(db, parse_filter({"q": [q]}), 0, 100)
        assert sorted(r["id"] for r in rows) == sorted([a, b]), q
    features = json.loads(mapfeed.collection(db, FeedRequest(parse_filter({"q": ["星澜化工"]}))))["features"]
    assert len(features) == 2


def test_search_treats_like_wildcards_as_text(db: Database) -> None:
    assert enterprises.count(db, parse_filter({"q": ["%"]})).total == 0
    assert enterprises.count(db, parse_filter({"q": ["_"]})).total == 0


def test_name_sort_is_code_point_order_on_both_databases(db: Database) -> None:
    rows = enterprises.grid_rows(db, EnterpriseFilter(), 0, 10_000, [("name", "asc")])
    keys = [match_key(r["name"]) for r in rows]
    assert keys == sorted(keys)
    desc = enterprises.grid_rows(db, EnterpriseFilter(), 0, 5, [("name", "desc")])
    assert [match_key(r["name"]) for r in desc] == sorted(keys, reverse=True)[:5]


def test_api_pages_and_refuses_bad_parameters_by_name(db: Database, login_as: Any) -> None:
    client = login_as("leader")  # read-only leadership may read the list
    first = client.get("/api/v1/enterprises?per_page=150").get_json()
    second = client.get("/api/v1/enterprises?per_page=150&page=2").get_json()
    assert first["total"] == len(generate()) and (first["page"], first["per_page"]) == (1, 150)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    # The parameter's name for programs, and its name in Chinese at the start of the message for people.
    for query, field, shown in (
        ("per_page=501", "per_page", "每页条数"),
        ("page=0", "page", "页码"),
        ("grade=Z", "grade", "绩效等级"),
        ("category=stop", "category", "类别"),
        ("level=blue", "level", "预警级别"),
    ):
        resp = client.get(f"/api/v1/enterprises?{query}")
        assert resp.status_code == 400, query
        err = resp.get_json()["error"]
        assert (
            err["code"] == "bad_request" and err["field"] == field and err["message"].startswith(shown + "：")
        )


def test_api_detail_has_measures_at_three_levels_and_404_for_unknown(db: Database, login_as: Any) -> None:
    client = login_as("member")
    spec = generate()[0]
    eid = client.get("/api/v1/enterprises", query_string={"q": spec.name}).get_json()["items"][0]["id"]
    body = client.get(f"/api/v1/enterprises/{eid}").get_json()
    assert body["name"] == spec.name and body["uscc"] == spec.uscc
    assert [m["level"] for m in body["measures"]] == ["yellow", "orange", "red"]
    assert [m["text"] for m in body["measures"]] == [text for _, text in spec.measures]
    missing = client.get("/api/v1/enterprises/999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_summary_counts_match_the_generator(db: Database, login_as: Any) -> None:
    body = login_as("duty").get("/api/v1/summary").get_json()
    specs = generate()
    assert body["total"] == len(specs)
    assert body["grade"] == dict(Counter(e.grade.value for e in specs))
    assert body["control_type"] == dict(Counter(e.control_type.value for e in specs))
    assert sum(body["town"].values()) == len(specs) and len(body["town"]) == 12
    for level in Level:
        assert sum(body["category"][level.value].values()) == len(specs)


def test_map_feed_is_gzipped_cached_and_changes_with_the_list(db: Database, login_as: Any) -> None:
    client = login_as("duty")
    resp = client.get("/api/v1/map/enterprises.geojson?grade=D", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    features = json.loads(gzip.decompress(resp.data))["features"]
    assert len(features) == sum(1 for e in generate() if e.grade is Grade.D and e.lat is not None)
    again = client.get(
        "/api/v1/map/enterprises.geojson?grade=D", headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert again.status_code == 304
    plain = client.get("/api/v1/map/enterprises.geojson?grade=D", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data)["features"] == features
    _add(db, name="新增D级（演示）", grade=Grade.D, lat=37.3, lon=117.2)
    fresh = client.get(
        "/api/v1/map/enterprises.geojson?grade=D", headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert fresh.status_code == 200 and len(json.loads(fresh.data)["features"]) == len(features) + 1


def test_enterprise_page_renders_and_unknown_ids_are_404(db: Database, login_as: Any) -> None:
    client = login_as("duty")
    eid = enterprises.grid_rows(db, EnterpriseFilter(), 0, 1)[0]["id"]
    assert client.get(f"/enterprise/{eid}").status_code == 200
    assert client.get("/enterprise/999999").status_code == 404
    assert client.get("/enterprise/abc").status_code == 404


def test_grid_sorts_grades_and_measures_in_their_domain_order(db: Database) -> None:
    """A+ before A before 引领性 … (the legend's order); 停产 before 限产 before 运输管控 …, not by stored code."""
    flt = EnterpriseFilter()
    rows = enterprises.grid_rows(db, flt, 0, 1000, [("grade", "asc")])
    seen = [r["grade"].value for r in rows]
    order = ["A+", "A", "引领性", "B", "B-", "C", "D", "非引领性", "未分级"]
    assert seen == sorted(seen, key=order.index)
    rows = enterprises.grid_rows(db, flt, 0, 1000, [("cat_red", "desc")])
    cats = [r["cat_red"].value if r["cat_red"] else None for r in rows]
    strict = ["stop", "limit", "transport", "self", "guarantee", None]
    assert cats == sorted(cats, key=strict.index, reverse=True)


def test_api_answers_404_for_ids_beyond_any_integer_and_400_for_towns_the_county_lacks(
    db: Database, login_as: Any
) -> None:
    client = login_as("duty")
    resp = client.get("/api/v1/enterprises/9223372036854775808")
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"
    resp = client.get("/api/v1/enterprises?town=999999")
    assert resp.status_code == 400 and resp.json["error"]["field"] == "town"
    resp = client.get("/api/v1/enterprises?park=月球工业园")
    assert resp.status_code == 400 and resp.json["error"]["field"] == "park"
    assert client.get("/api/v1/enterprises?town=370126107&park=none").status_code == 200
    resp = client.get("/api/v1/map/enterprises.geojson?crs=gcj02")
    assert resp.status_code == 400 and "amap" in resp.json["error"]["message"]
    assert client.get("/_dash-component-suites/dash/nonexistent.js").status_code == 404
