"""Project types and statuses as tables: adding a type is adding a row, not a branch.

Each type knows the unit of its main capacity (MW for generation and storage power, MVA for
substations, km for lines and rail, 亩 for forest and wetland works, chargers for charging
stations), an optional second capacity (MWh for storage), the geometry kinds it may have,
and the tags of the targets it counts toward.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gis_carbon.errors import ValidationError


class GeometryKind(StrEnum):
    POINT = "point"
    LINE = "line"
    POLYGON = "polygon"


class Tag(StrEnum):
    """What a type counts toward; targets name types, these group them for defaults."""

    RENEWABLE = "renewable"  # renewable power capacity (可再生能源电力装机)
    SOLAR = "solar"
    WIND = "wind"
    CENTRALISED_WIND_PV = "centralised_wind_pv"  # the base of the storage-pairing ratio
    STORAGE = "storage"
    GRID = "grid"
    FOREST = "forest"
    WETLAND = "wetland"
    TRANSPORT = "transport"
    CHARGING = "charging"
    FOSSIL = "fossil"  # coal, gas and oil plants: never counted toward a renewable target
    NON_FOSSIL = "non_fossil"  # 非化石能源: renewables plus nuclear
    HYDROGEN = "hydrogen"
    HEATING = "heating"  # clean heating (地热, 热泵, 余热)
    GAS_SUPPLY = "gas_supply"  # gas storage and pipelines
    CCUS = "ccus"
    BUILDING = "building"
    PARK = "park"


@dataclass(frozen=True)
class ProjectType:
    code: str
    name_zh: str
    name_en: str
    capacity_unit: str | None  # unit code of the main capacity (see model.units); None: no size
    energy_unit: str | None  # second capacity, e.g. storage energy in MWh
    geometry_kinds: frozenset[GeometryKind]
    tags: frozenset[Tag]
    aliases: tuple[str, ...] = ()
    symbol: str = "circle"  # map symbol name for the canvas and exports
    colour: str = "#666666"

    def allows(self, kind: GeometryKind) -> bool:
        return kind in self.geometry_kinds


_P, _L, _A = GeometryKind.POINT, GeometryKind.LINE, GeometryKind.POLYGON
_ANY = frozenset({_P, _L, _A})
_SITE = frozenset({_P, _A})
_ROUTE = frozenset({_P, _L})


def _t(*tags: Tag) -> frozenset[Tag]:
    return frozenset(tags)


PROJECT_TYPES: tuple[ProjectType, ...] = (
    ProjectType(
        "pv_fishery",
        "渔光互补",
        "Fishery-PV",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.SOLAR, Tag.CENTRALISED_WIND_PV),
        ("渔光互补光伏", "渔光互补发电", "fishery pv"),
        "square",
        "#1f78b4",
    ),
    ProjectType(
        "pv_ground",
        "地面光伏",
        "Ground-mounted PV",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.SOLAR, Tag.CENTRALISED_WIND_PV),
        ("集中式光伏", "农光互补"),
        "square",
        "#ff7f00",
    ),
    ProjectType(
        "pv_rooftop",
        "屋顶分布式光伏",
        "Rooftop / distributed PV",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.SOLAR),
        ("分布式光伏", "屋顶光伏"),
        "square",
        "#fdbf6f",
    ),
    ProjectType(
        "wind",
        "集中式风电",
        "Centralised wind",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.WIND, Tag.CENTRALISED_WIND_PV),
        ("风电", "风力发电", "风电场"),
        "triangle",
        "#33a02c",
    ),
    ProjectType(
        "wind_distributed",
        "分散式风电",
        "Distributed wind",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.WIND),
        ("分布式风电",),
        "triangle",
        "#b2df8a",
    ),
    ProjectType(
        "biomass",
        "生物质发电",
        "Biomass power",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL),
        ("生物质",),
        "diamond",
        "#8c510a",
    ),
    ProjectType(
        "waste_to_energy",
        "垃圾焚烧发电",
        "Waste-to-energy",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL),
        ("垃圾发电", "生活垃圾焚烧发电"),
        "diamond",
        "#a6761d",
    ),
    ProjectType(
        "geothermal",
        "地热能",
        "Geothermal",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL),
        ("地热",),
        "diamond",
        "#e31a1c",
    ),
    ProjectType(
        "storage",
        "储能",
        "Energy storage",
        "MW",
        "MWh",
        _SITE,
        _t(Tag.STORAGE),
        ("储能电站", "新型储能", "共享储能"),
        "hexagon",
        "#6a3d9a",
    ),
    ProjectType(
        "substation",
        "变电站",
        "Substation",
        "MVA",
        None,
        _SITE,
        _t(Tag.GRID),
        ("变电所",),
        "star",
        "#444444",
    ),
    ProjectType(
        "transmission_line",
        "输电线路",
        "Transmission line",
        "km",
        None,
        _ROUTE,
        _t(Tag.GRID),
        ("线路", "输变电"),
        "line",
        "#555555",
    ),
    ProjectType(
        "forest",
        "林业工程",
        "Forest works",
        "亩",
        None,
        frozenset({_P, _A}),
        _t(Tag.FOREST),
        ("造林", "植树造林", "森林抚育", "退化林修复"),
        "tree",
        "#1b7837",
    ),
    ProjectType(
        "wetland",
        "湿地修复",
        "Wetland restoration",
        "亩",
        None,
        frozenset({_P, _A}),
        _t(Tag.WETLAND),
        ("湿地",),
        "wave",
        "#35978f",
    ),
    ProjectType(
        "freight_rail",
        "货运铁路专线",
        "Freight rail spur",
        "km",
        None,
        _ROUTE,
        _t(Tag.TRANSPORT),
        ("铁路专用线", "货运专线"),
        "line",
        "#8e0152",
    ),
    ProjectType(
        "charging",
        "充电站",
        "EV charging station",
        "台",
        "kW",
        _SITE,
        _t(Tag.CHARGING, Tag.TRANSPORT),
        ("充电桩", "充电设施"),
        "bolt",
        "#e7298a",
    ),
    ProjectType(
        "gas_station",
        "加气/LNG加注站",
        "Gas / LNG station",
        None,
        None,
        frozenset({_P}),
        _t(Tag.TRANSPORT),
        ("加气站", "LNG加注站"),
        "drop",
        "#666666",
    ),
)

# Generation by fuel, supply and demand-side works that ledgers and the plans hold (issue 13):
# rows of (code, 中文名, English, unit, energy unit, geometry, tags, aliases, symbol, colour).
_MORE_TYPES: tuple[tuple[Any, ...], ...] = (
    (
        "pv",
        "光伏",
        "Solar PV (unspecified)",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.SOLAR),
        ("太阳能", "光伏电站", "光伏发电", "太阳能发电"),
        "square",
        "#ffa64d",
    ),
    (
        "solar_thermal",
        "光热",
        "Solar thermal power",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.SOLAR),
        ("光热发电", "太阳能热发电"),
        "square",
        "#d95f02",
    ),
    (
        "wind_offshore",
        "海上风电",
        "Offshore wind",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL, Tag.WIND, Tag.CENTRALISED_WIND_PV),
        ("海上风电场",),
        "triangle",
        "#1b9e77",
    ),
    (
        "hydro",
        "水电",
        "Hydropower",
        "MW",
        None,
        _SITE,
        _t(Tag.RENEWABLE, Tag.NON_FOSSIL),
        ("水力发电", "水电站"),
        "diamond",
        "#2c7fb8",
    ),
    (
        "pumped_storage",
        "抽水蓄能",
        "Pumped-storage hydro",
        "MW",
        "MWh",
        _SITE,
        _t(Tag.STORAGE),
        ("抽水蓄能电站", "抽蓄"),
        "hexagon",
        "#41b6c4",
    ),
    (
        "nuclear",
        "核电",
        "Nuclear power",
        "MW",
        None,
        _SITE,
        _t(Tag.NON_FOSSIL),
        ("核能发电", "核电站"),
        "diamond",
        "#fee08b",
    ),
    (
        "coal_power",
        "煤电",
        "Coal power",
        "MW",
        None,
        _SITE,
        _t(Tag.FOSSIL),
        ("燃煤发电", "火电", "煤电机组", "燃煤电厂"),
        "diamond",
        "#252525",
    ),
    (
        "gas_power",
        "气电",
        "Gas power",
        "MW",
        None,
        _SITE,
        _t(Tag.FOSSIL),
        ("燃气发电", "天然气发电", "燃气电厂"),
        "diamond",
        "#737373",
    ),
    (
        "oil_power",
        "油电",
        "Oil power",
        "MW",
        None,
        _SITE,
        _t(Tag.FOSSIL),
        ("燃油发电",),
        "diamond",
        "#525252",
    ),
    (
        "hydrogen_production",
        "制氢",
        "Hydrogen production",
        "MW",
        None,
        _SITE,
        _t(Tag.HYDROGEN),
        ("制氢项目", "电解水制氢", "绿氢"),
        "drop",
        "#80b1d3",
    ),
    (
        "hydrogen_station",
        "加氢站",
        "Hydrogen refuelling station",
        None,
        None,
        frozenset({_P}),
        _t(Tag.HYDROGEN, Tag.TRANSPORT),
        ("加氢",),
        "drop",
        "#8dd3c7",
    ),
    (
        "ccus",
        "CCUS",
        "Carbon capture, use and storage",
        "t/a",
        None,
        _SITE,
        _t(Tag.CCUS),
        ("碳捕集", "碳捕集利用与封存"),
        "star",
        "#984ea3",
    ),
    (
        "heating_geothermal",
        "地热/热泵供暖",
        "Geothermal or heat-pump heating",
        "万m²",
        None,
        _SITE,
        _t(Tag.HEATING, Tag.NON_FOSSIL),
        ("地热供暖", "热泵供暖", "热泵", "地源热泵"),
        "diamond",
        "#fb9a99",
    ),
    (
        "waste_heat",
        "余热利用",
        "Waste-heat recovery",
        "万m²",
        None,
        _SITE,
        _t(Tag.HEATING),
        ("余热", "余热回收", "工业余热"),
        "diamond",
        "#fdb462",
    ),
    (
        "heating_plant",
        "供热站/热网",
        "Heating plant or network",
        None,
        None,
        _ANY,
        _t(Tag.HEATING),
        ("供热站", "热源厂", "供热管网", "热网"),
        "diamond",
        "#e78ac3",
    ),
    (
        "gas_storage",
        "储气设施",
        "Gas storage",
        None,
        None,
        _SITE,
        _t(Tag.GAS_SUPPLY),
        ("储气站", "LNG储气站", "储气库"),
        "drop",
        "#a6cee3",
    ),
    (
        "gas_pipeline",
        "燃气管网",
        "Gas pipeline or network",
        "km",
        None,
        _ANY,
        _t(Tag.GAS_SUPPLY),
        ("天然气管网", "燃气管道", "输气管道"),
        "line",
        "#1f78b4",
    ),
    (
        "oil_reserve",
        "石油储备",
        "Oil reserve",
        None,
        None,
        _SITE,
        _t(Tag.FOSSIL),
        ("原油储备", "油品储备"),
        "drop",
        "#543005",
    ),
    (
        "port",
        "港口",
        "Port or terminal",
        None,
        None,
        _SITE,
        _t(Tag.TRANSPORT),
        ("码头", "港区"),
        "anchor",
        "#3288bd",
    ),
    (
        "industrial_park",
        "园区",
        "Industrial park",
        "km²",
        None,
        frozenset({_A, _P}),
        _t(Tag.PARK),
        ("产业园区", "工业园区", "开发区", "低碳园区"),
        "square",
        "#bdbdbd",
    ),
    (
        "building_efficiency",
        "建筑节能/超低能耗建筑",
        "Building retrofit or ultra-low-energy building",
        "m²",
        None,
        _SITE,
        _t(Tag.BUILDING),
        ("建筑节能改造", "超低能耗建筑", "近零能耗建筑"),
        "square",
        "#fccde5",
    ),
)
PROJECT_TYPES = PROJECT_TYPES + tuple(ProjectType(*row) for row in _MORE_TYPES)

TYPES_BY_CODE: dict[str, ProjectType] = {t.code: t for t in PROJECT_TYPES}


class Status(StrEnum):
    PLANNED = "planned"
    PREPARATORY = "preparatory"
    CONSTRUCTION = "construction"
    PARTIAL = "partial"
    OPERATING = "operating"
    SHELVED = "shelved"
    CANCELLED = "cancelled"
    RETIRED = "retired"


@dataclass(frozen=True)
class StatusInfo:
    status: Status
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    rank: int  # order along the pipeline; shelved/cancelled/retired sit outside it (rank < 0)


STATUSES: tuple[StatusInfo, ...] = (
    StatusInfo(Status.PLANNED, "规划", "Planned", ("谋划", "规划", "拟建"), 0),
    StatusInfo(Status.PREPARATORY, "前期", "Preparatory", ("前期", "核准", "备案", "已核准"), 1),
    StatusInfo(Status.CONSTRUCTION, "在建", "Under construction", ("在建", "开工", "建设中"), 2),
    StatusInfo(Status.PARTIAL, "部分并网", "Partly grid-connected", ("部分并网", "部分投产"), 3),
    StatusInfo(
        Status.OPERATING,
        "投产",
        "Operating",
        ("投产", "全容量并网", "并网", "建成", "运营", "投运"),
        4,
    ),
    StatusInfo(Status.SHELVED, "搁置", "Shelved", ("搁置", "暂缓"), -1),
    StatusInfo(Status.CANCELLED, "取消", "Cancelled", ("取消", "终止"), -2),
    StatusInfo(Status.RETIRED, "退役", "Retired", ("退役", "拆除", "关停", "淘汰"), -3),
)
STATUS_INFO: dict[Status, StatusInfo] = {s.status: s for s in STATUSES}


class Precision(StrEnum):
    """How well a project's location is known: a town-level point is ±5–10 km."""

    EXACT = "exact"
    VILLAGE = "village"
    TOWN = "town"
    DISTRICT = "district"


# Radius (m) of the circle drawn around an approximate location: roughly how far the true site
# may be from a point placed at the village / town / district (a town point is ±5–10 km).
PRECISION_RADIUS_M: dict[str, float] = {"village": 1_000.0, "town": 5_000.0, "district": 10_000.0}


def _key(name: str) -> str:
    """How a ledger's spelling is matched: full-width folded (NFKC), all spaces dropped."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).casefold()


def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for t in PROJECT_TYPES:
        for key in (t.code, t.name_zh, t.name_en, *t.aliases):
            if table.setdefault(_key(key), t.code) != t.code:  # a typo must not shadow a type
                raise RuntimeError(f"type spelling {key!r} is used twice")
    return table


_TYPE_KEYS = _lookup_table()
_STATUS_KEYS: dict[str, Status] = {}
for _info in STATUSES:
    for _name in (_info.status.value, _info.name_zh, _info.name_en, *_info.aliases):
        _STATUS_KEYS.setdefault(_key(_name), _info.status)


def project_type(name: str) -> ProjectType:
    """The type named by its code, Chinese or English name or a common alias."""
    code = _TYPE_KEYS.get(_key(name))
    if code is None:
        known = ", ".join(t.code for t in PROJECT_TYPES)
        raise ValidationError(f"unknown project type {name!r}; known: {known}", "type", name)
    return TYPES_BY_CODE[code]


def status(name: str | Status) -> Status:
    """The status named by its code or a Chinese/English name (投产, 在建, 核准 …)."""
    found = _STATUS_KEYS.get(_key(name))
    if found is None:
        known = ", ".join(s.value for s in Status)
        raise ValidationError(f"unknown status {name!r}; known: {known}", "status", name)
    return found


def precision(name: str | Precision) -> Precision:
    try:
        return Precision(str(name).strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Precision)
        raise ValidationError(
            f"unknown precision {name!r}; known: {known}", "precision", name
        ) from None


class StoredValues(dict[str, Any]):
    """Stored value → enum member (Status, Precision, Metric …), for reading many rows. A
    value this version does not know — a workspace written by a newer gis-carbon — is a
    WorkspaceError naming the column and the value, never a ValueError or KeyError."""

    def __init__(self, enum: type[StrEnum], column: str) -> None:
        super().__init__((member.value, member) for member in enum)
        self.column = column

    def __missing__(self, value: str) -> Any:
        from gis_carbon.errors import WorkspaceError

        raise WorkspaceError(
            f"the workspace holds {self.column} {value!r}, which this version of gis-carbon"
            f" does not know (known: {', '.join(self)}); it was probably written by a newer"
            " gis-carbon: update gis-carbon to open it"
        )


def types_tagged(tag: Tag) -> tuple[str, ...]:
    """Codes of the types that count toward targets of this tag, in table order."""
    return tuple(t.code for t in PROJECT_TYPES if tag in t.tags)
