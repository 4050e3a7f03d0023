"""The 39 key industries of the 2020 guide (as listed in Shandong's 2020 规范), and the county's parks."""

from __future__ import annotations

KEY_INDUSTRIES: tuple[str, ...] = (
    "长流程联合钢铁",
    "短流程钢铁",
    "铁合金",
    "焦化",
    "石灰窑",
    "铸造",
    "氧化铝",
    "电解铝",
    "炭素",
    "铜冶炼",
    "铅锌冶炼",
    "钼冶炼",
    "再生铜铝铅锌",
    "有色金属压延",
    "水泥",
    "砖瓦窑",
    "陶瓷",
    "耐火材料",
    "玻璃",
    "岩矿棉",
    "玻璃钢(纤维增强塑料制品)",
    "防水建筑材料制造",
    "炼油与石油化工",
    "炭黑制造",
    "煤制氮肥",
    "制药",
    "农药制造",
    "涂料制造",
    "油墨制造",
    "纤维素醚",
    "包装印刷",
    "人造板制造",
    "塑料人造革与合成革制造",
    "橡胶制品制造",
    "制鞋",
    "家具制造",
    "汽车整车制造",
    "工程机械整机制造",
    "工业涂装",
)
OTHER = "其他"  # outside the 39: the list carries the free-text industry beside it
INDUSTRIES: tuple[str, ...] = (*KEY_INDUSTRIES, OTHER)

# 商河县's parks (domain.md §6.3). An enterprise is in one of them or in none.
PARKS: tuple[str, ...] = ("商河经济开发区", "生物医药化工产业园区")


def is_key_industry(name: str) -> bool:
    """Return True for one of the 39 key industries."""
    return name in KEY_INDUSTRIES
