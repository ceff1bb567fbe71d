"""Our county assignment against labels from an independent source: the stats-gov codes of
the gazetteer's town centres (each row names its code, e.g. 'code 120118108000'), and the
WGS 84 points taken from Wikipedia/OurAirports. The town points are GCJ-02 (Amap-derived),
so they also check that the boundaries and the points are converted alike."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from gis_carbon.geo.chinese_coords import gcj02_to_wgs84
from gis_carbon.geo.locate import RegionIndex

GAZETTEER = Path(__file__).resolve().parents[2] / "project_db" / "seed" / "gazetteer.csv"
# Independent WGS 84 points and the district each is documented to be in.
WGS84_FACILITIES = {
    "天津西站": "120106",  # 红桥区
    "天津港": "120116",  # 滨海新区
    "天津滨海国际机场": "120110",  # 东丽区
    "团泊湖 / 团泊洼 (团泊鸟类自然保护区)": "120118",  # 静海区
}


def _rows() -> list[dict[str, str]]:
    with GAZETTEER.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_town_centres_fall_in_the_county_of_their_stats_gov_code(
    county_index: RegionIndex,
) -> None:
    towns = []
    for row in _rows():
        code = re.search(r"code (\d{12})", row["source"])
        if (
            row["kind"] == "town"
            and row["source_crs"] == "GCJ02"
            and code
            and "PROXY" not in row["source"]
        ):
            towns.append((row["name_zh"], float(row["lon"]), float(row["lat"]), code.group(1)[:6]))
    assert len(towns) >= 25  # 静海区's 17 towns, 红桥区's streets, 津市市's towns
    lons, lats = gcj02_to_wgs84(np.array([t[1] for t in towns]), np.array([t[2] for t in towns]))
    found = county_index.locate_points(lons, lats)
    wrong = [(t[0], t[3], got) for t, got in zip(towns, found, strict=True) if got != t[3]]
    assert wrong == []


def test_documented_wgs84_facilities_fall_in_their_district(county_index: RegionIndex) -> None:
    rows = {row["name_zh"]: row for row in _rows()}
    for name, county in WGS84_FACILITIES.items():
        row = rows[name]
        assert row["source_crs"] == "WGS84"
        assert county_index.locate_point(float(row["lon"]), float(row["lat"])) == county, name
