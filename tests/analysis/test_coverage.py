"""Coverage radius and area shares against independent computations done in the test:
a brute-force grid of distances, and shapely areas in another equal-area projection."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon, box

from gis_carbon.analysis.coverage import coverage
from gis_carbon.analysis.progress import Verdict
from gis_carbon.geo.boundaries import region_geometry
from gis_carbon.model.plan import Comparator, Metric, Plan, Target
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.storage import LayerRecord
from gis_carbon.model.types import Precision, Status
from gis_carbon.services.progress import evaluate_target

JINGHAI = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})


def brute_force(area: Polygon, stations: np.ndarray, radius: float, step: float):  # type: ignore[no-untyped-def]
    """Share within radius and the largest distance to the nearest station over a grid."""
    minx, miny, maxx, maxy = area.bounds
    xs, ys = np.meshgrid(
        np.arange(minx, maxx, step) + step / 2, np.arange(miny, maxy, step) + step / 2
    )
    inside = shapely.contains_xy(area, xs.ravel(), ys.ravel())
    px, py = xs.ravel()[inside], ys.ravel()[inside]
    nearest = np.min(
        np.hypot(px[:, None] - stations[None, :, 0], py[:, None] - stations[None, :, 1]), axis=1
    )
    i = int(np.argmax(nearest))
    return float(np.mean(nearest <= radius)), float(nearest[i]), (px[i], py[i])


def test_coverage_share_and_farthest_point_match_a_brute_force_grid() -> None:
    # An L-shaped 30 km × 20 km area with a hole, metres; four stations, one outside it.
    area = box(0, 0, 30_000, 20_000).difference(box(15_000, 10_000, 30_000, 20_000))
    area = area.difference(Point(5_000, 5_000).buffer(1_500))
    stations = np.array(
        [[4_000, 15_000], [12_000, 4_000], [25_000, 3_000], [-2_000, 8_000]], dtype=float
    )
    result = coverage(area, stations, 5_000)
    share, far_d, far_xy = brute_force(area, stations, 5_000, step=100)
    assert result.share == pytest.approx(share, abs=0.005)
    # The grid can only find a point at most half a diagonal short of the true farthest one.
    assert far_d - 1e-6 <= result.farthest_m <= far_d + 100 * np.sqrt(2) / 2 + 1e-6
    assert np.hypot(result.farthest_xy[0] - far_xy[0], result.farthest_xy[1] - far_xy[1]) < 300
    assert result.area_m2 == pytest.approx(area.area)
    assert result.stations == 4


def test_no_station_means_nothing_covered_and_bad_radius_is_refused() -> None:
    area = box(0, 0, 1000, 1000)
    empty = coverage(area, np.empty((0, 2)), 500)
    assert (empty.share, empty.farthest_m, empty.farthest_xy) == (0.0, float("inf"), None)
    one = coverage(area, [[0, 0]], 2000)
    assert one.share == pytest.approx(1.0)
    assert one.farthest_m == pytest.approx(np.hypot(1000, 1000))
    with pytest.raises(Exception, match="radius"):
        coverage(area, [[0, 0]], 0)


@pytest.fixture
def jinghai_ws(empty_workspace):  # type: ignore[no-untyped-def]
    ws = empty_workspace
    ws.save_plans([Plan("jinghai", "静海区方案", "120118", "静海区", base_year=2020)])

    def t(
        tid: str,
        metric: Metric,
        value: float,
        unit: str,
        comparator: Comparator,
        scope: tuple[str, ...],
        **params: object,
    ) -> Target:
        return Target(
            tid,
            "jinghai",
            "120118",
            metric,
            tid,
            tid,
            2025,
            value,
            unit,
            comparator,
            "quote",
            "test.txt",
            scope=scope,
            params=params,
        )

    ws.save_targets(
        [
            t("core", Metric.COVERAGE_RADIUS, 3, "公里", Comparator.LT, ("charging",), area="core"),
            t(
                "noncore",
                Metric.COVERAGE_RADIUS,
                5,
                "公里",
                Comparator.LT,
                ("charging",),
                area="non_core",
            ),
            t(
                "forest",
                Metric.AREA_SHARE,
                10.5,
                "%",
                Comparator.GE,
                ("forest",),
                numerator="forest",
            ),
        ]
    )
    return ws


def station(name: str, lon: float, lat: float, **extra: object) -> Project:
    return Project(
        name=name,
        type="charging",
        status=Status.PLANNED,
        geometry=Point(lon, lat),
        capacity=10,
        year=2025,
        regions=JINGHAI,
        **extra,
    )  # type: ignore[arg-type]


def test_core_area_coverage_against_a_grid_in_an_independent_projection(jinghai_ws) -> None:  # type: ignore[no-untyped-def]
    ws = jinghai_ws
    missing = evaluate_target(ws, "core")
    assert missing.verdict is Verdict.NO_DATA and "core-area layer" in (missing.reason or "")
    core = box(116.88, 38.90, 117.00, 38.98)  # a ~10 km × 9 km core around 静海 town
    ws.add_layer(
        LayerRecord("core", "静海核心区", "reference", params={"core_area": True}),
        [(core, {"name": "核心区"})],
    )
    lonlat = [(116.90, 38.92), (116.97, 38.95), (116.93, 38.965)]
    ws.add_projects([station(f"充电站{i}", lon, lat) for i, (lon, lat) in enumerate(lonlat)])
    ws.add_projects([station("区级充电站", 116.95, 38.93, precision=Precision.DISTRICT)])
    result = evaluate_target(ws, "core", policy="pipeline")
    assert result.details["stations"] == 3  # the district-precision one has no real location
    assert dict(result.excluded)[ws.projects()[-1].id] == "location known only to the district"

    # Independent: an azimuthal equidistant projection centred on the core, a 50 m grid.
    area_wgs = core.intersection(region_geometry("120118"))
    to_m = Transformer.from_crs(
        "EPSG:4326", "+proj=aeqd +lat_0=38.94 +lon_0=116.94 +units=m", always_xy=True
    )
    area_m = shapely.transform(area_wgs, lambda xy: np.column_stack(to_m.transform(*xy.T)))
    st = np.column_stack(to_m.transform(*np.array(lonlat).T))
    share, far_d, far_xy = brute_force(area_m, st, 3000, step=50)
    assert result.percent == pytest.approx(100 * share, abs=0.5)
    assert result.current == pytest.approx(far_d / 1000, abs=0.06)  # km, grid + projection
    back = Transformer.from_crs(
        "+proj=aeqd +lat_0=38.94 +lon_0=116.94 +units=m", "EPSG:4326", always_xy=True
    )
    far_lon, far_lat = back.transform(*far_xy)
    assert result.details["farthest_point"] == [
        pytest.approx(far_lon, abs=0.004),
        pytest.approx(far_lat, abs=0.004),
    ]
    assert result.current > 3 and result.verdict is Verdict.BEHIND
    assert result.gap == pytest.approx(result.current - 3)


def test_non_core_coverage_is_the_district_minus_the_core(jinghai_ws) -> None:  # type: ignore[no-untyped-def]
    ws = jinghai_ws
    ws.add_projects([station("充电站", 116.95, 38.90)])
    whole = evaluate_target(ws, "noncore")
    assert "no core-area layer: evaluated over the whole region" in whole.notes
    ws.add_layer(
        LayerRecord("core", "核心区", "reference", params={"core_area": True}),
        [(box(116.88, 38.90, 117.00, 38.98), {})],
    )
    outside_core = evaluate_target(ws, "noncore")
    assert outside_core.details["area_km2"] < whole.details["area_km2"]
    assert outside_core.details["area_km2"] == pytest.approx(
        whole.details["area_km2"] - evaluate_core_area_km2(), rel=0.01
    )


def evaluate_core_area_km2() -> float:
    core = box(116.88, 38.90, 117.00, 38.98).intersection(region_geometry("120118"))
    to_ea = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
    return shapely.transform(core, lambda xy: np.column_stack(to_ea.transform(*xy.T))).area / 1e6


def test_forest_cover_against_shapely_areas_in_another_equal_area_projection(jinghai_ws) -> None:  # type: ignore[no-untyped-def]
    ws = jinghai_ws
    missing = evaluate_target(ws, "forest")
    assert missing.verdict is Verdict.NO_DATA and "no forest layer" in (missing.reason or "")
    stands = [box(116.80, 38.70, 116.90, 38.78), box(117.05, 38.85, 117.12, 38.90)]
    ws.add_layer(
        LayerRecord("forest", "森林", "resource", params={"forest": True}),
        [(g, {}) for g in stands],
    )
    planting = box(116.85, 38.75, 116.95, 38.80)  # overlaps the first stand: counted once
    ws.add_projects(
        [
            Project(
                name="造林",
                type="forest",
                status=Status.PLANNED,
                geometry=planting,
                capacity=1000,
                year=2025,
                regions=JINGHAI,
            )
        ]
    )
    region = region_geometry("120118")
    to_ea = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)

    def m2(g):  # type: ignore[no-untyped-def]
        return shapely.transform(g, lambda xy: np.column_stack(to_ea.transform(*xy.T))).area

    expected = 100 * m2(shapely.union_all([*stands, planting]).intersection(region)) / m2(region)
    pipeline = evaluate_target(ws, "forest", policy="pipeline")
    assert pipeline.current == pytest.approx(expected, rel=1e-3)
    operating = evaluate_target(ws, "forest", policy="operating")  # the planting is only planned
    expected_now = 100 * m2(shapely.union_all(stands).intersection(region)) / m2(region)
    assert operating.current == pytest.approx(expected_now, rel=1e-3)
    assert pipeline.details["area_km2"] == pytest.approx(m2(region) / 1e6, rel=1e-3)
