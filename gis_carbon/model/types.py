"""Project types and statuses as tables: adding a type is adding a row, not a branch.

Each type knows the unit of its main capacity (MW for generation and storage power, MVA for
substations, km for lines and rail, 亩 for forest and wetland works, chargers for charging
stations), an optional second capacity (MWh for storage), the geometry kinds it may have,
and the tags of the targets it counts toward.
"""

from __future__ import annotations

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
        _t(Tag.RENEWABLE, Tag.SOLAR, Tag.CENTRALISED_WIND_PV),
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
        _t(Tag.RENEWABLE, Tag.SOLAR, Tag.CENTRALISED_WIND_PV),
        ("集中式光伏", "光伏电站", "农光互补"),
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
        _t(Tag.RENEWABLE, Tag.SOLAR),
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
        _t(Tag.RENEWABLE, Tag.WIND, Tag.CENTRALISED_WIND_PV),
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
        _t(Tag.RENEWABLE, Tag.WIND),
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
        _t(Tag.RENEWABLE),
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
        _t(Tag.RENEWABLE),
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
        _t(Tag.RENEWABLE),
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
        "加气/LNG/加氢站",
        "Gas / LNG / hydrogen station",
        None,
        None,
        frozenset({_P}),
        _t(Tag.TRANSPORT),
        ("加气站", "LNG加注站", "加氢站"),
        "drop",
        "#666666",
    ),
)

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
    StatusInfo(Status.RETIRED, "退役", "Retired", ("退役", "拆除"), -3),
)
STATUS_INFO: dict[Status, StatusInfo] = {s.status: s for s in STATUSES}


class Precision(StrEnum):
    """How well a project's location is known: a town-level point is ±5–10 km."""

    EXACT = "exact"
    VILLAGE = "village"
    TOWN = "town"
    DISTRICT = "district"


def _lookup_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for t in PROJECT_TYPES:
        for key in (t.code, t.name_zh, t.name_en, *t.aliases):
            table[key.casefold()] = t.code
    return table


_TYPE_KEYS = _lookup_table()
_STATUS_KEYS: dict[str, Status] = {}
for _info in STATUSES:
    for _key in (_info.status.value, _info.name_zh, _info.name_en, *_info.aliases):
        _STATUS_KEYS.setdefault(_key.casefold(), _info.status)


def project_type(name: str) -> ProjectType:
    """The type named by its code, Chinese or English name or a common alias."""
    code = _TYPE_KEYS.get(str(name).strip().casefold())
    if code is None:
        known = ", ".join(t.code for t in PROJECT_TYPES)
        raise ValidationError(f"unknown project type {name!r}; known: {known}", "type", name)
    return TYPES_BY_CODE[code]


def status(name: str | Status) -> Status:
    """The status named by its code or a Chinese/English name (投产, 在建, 核准 …)."""
    found = _STATUS_KEYS.get(str(name).strip().casefold())
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
