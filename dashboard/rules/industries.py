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


# Sector names a list may give for an enterprise outside the 39 (industry 其他 + this text): the divisions
# (大类) of GB/T 4754-2017 《国民经济行业分类》 that air-emitting firms fall in, and some of its groups (中类)
# that county lists name. Text outside these and outside the published list is kept and flagged for review.
SECTORS: tuple[str, ...] = (
    "煤炭开采和洗选业",
    "非金属矿采选业",
    "农副食品加工业",
    "食品制造业",
    "酒、饮料和精制茶制造业",
    "烟草制品业",
    "纺织业",
    "纺织服装、服饰业",
    "皮革、毛皮、羽毛及其制品和制鞋业",
    "木材加工和木、竹、藤、棕、草制品业",
    "家具制造业",
    "造纸和纸制品业",
    "印刷和记录媒介复制业",
    "文教、工美、体育和娱乐用品制造业",
    "石油、煤炭及其他燃料加工业",
    "化学原料和化学制品制造业",
    "医药制造业",
    "化学纤维制造业",
    "橡胶和塑料制品业",
    "非金属矿物制品业",
    "黑色金属冶炼和压延加工业",
    "有色金属冶炼和压延加工业",
    "金属制品业",
    "通用设备制造业",
    "专用设备制造业",
    "汽车制造业",
    "铁路、船舶、航空航天和其他运输设备制造业",
    "电气机械和器材制造业",
    "计算机、通信和其他电子设备制造业",
    "仪器仪表制造业",
    "其他制造业",
    "废弃资源综合利用业",
    "金属制品、机械和设备修理业",
    "电力、热力生产和供应业",
    "燃气生产和供应业",
    # groups (中类) often named on their own
    "谷物磨制",
    "饲料加工",
    "植物油加工",
    "屠宰及肉类加工",
    "塑料制品业",
    "水泥、石灰和石膏制造",
    "石膏、水泥制品及类似制品制造",
    "玻璃制造",
    "陶瓷制品制造",
    "结构性金属制品制造",
    "金属表面处理及热处理加工",
    "锅炉及原动设备制造",
    "农、林、牧、渔专用机械制造",
)
