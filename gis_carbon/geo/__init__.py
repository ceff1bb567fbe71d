"""The geography core: Chinese coordinate offsets, CRSs, administrative boundaries and
locating features in counties.

Importing this package is cheap (numpy only); geopandas, pyproj and pyogrio are imported by
the functions that need them.

``gis_carbon.geo.boundaries`` stays the *module*; its layer function is
``gis_carbon.geo.boundaries.boundaries`` (not re-exported here, which would shadow the module).
"""

from __future__ import annotations

from gis_carbon.geo.boundaries import (
    Region,
    ancestors,
    children,
    find_regions,
    load_regions,
    region,
    region_geometry,
    representative_point,
)
from gis_carbon.geo.chinese_coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gis_carbon.geo.crs import (
    equal_area_crs,
    from_wgs84,
    gk_crs,
    gk_zone_3deg,
    gk_zone_6deg,
    guess_gk_crs,
    is_approximate_datum,
    local_projected_crs,
    to_wgs84,
)
from gis_carbon.geo.locate import RegionIndex, default_index

__all__ = [
    "Region",
    "RegionIndex",
    "ancestors",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "children",
    "default_index",
    "equal_area_crs",
    "find_regions",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "gk_crs",
    "gk_zone_3deg",
    "gk_zone_6deg",
    "guess_gk_crs",
    "is_approximate_datum",
    "load_regions",
    "local_projected_crs",
    "out_of_china",
    "region",
    "region_geometry",
    "representative_point",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]
