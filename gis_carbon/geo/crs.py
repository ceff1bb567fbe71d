"""The coordinate reference systems Chinese plan data arrives in, and conversions to WGS 84.

Chinese survey data is mostly CGCS2000 (EPSG:4490) or one of its Gauss–Krüger projections;
older data uses Beijing 1954 or Xi'an 1980; web-map data uses the GCJ-02 / BD-09 offsets, which
no CRS library knows, so they are accepted here as the pseudo-CRS names ``"gcj02"`` and
``"bd09"`` and routed to :mod:`gis_carbon.geo.chinese_coords`.

Every pyproj transformer is built with ``always_xy=True``: EPSG:4490 and EPSG:4326 declare
latitude first, and feeding them (lon, lat) silently swaps the axes otherwise.

pyproj is imported inside the functions that need it, so importing this module stays cheap.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import CoordinateError
from gis_carbon.geo import chinese_coords

if TYPE_CHECKING:
    from pyproj import Transformer

__all__ = [
    "CGCS2000",
    "WGS84",
    "crs_key",
    "equal_area_crs",
    "from_wgs84",
    "gk_crs",
    "gk_zone_3deg",
    "gk_zone_6deg",
    "guess_gk_crs",
    "is_approximate_datum",
    "local_projected_crs",
    "to_wgs84",
    "transformer",
]

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"

# Albers equal-area conic fitted to China (standard parallels 25°N and 47°N, centre 105°E).
EQUAL_AREA_CHINA = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=GRS80 +units=m +no_defs"
)

# Gauss–Krüger zones EPSG defines for CGCS2000 over China (central meridians 75°E–135°E).
GK3_ZONES = range(25, 46)  # 3° zone n has central meridian 3n
GK6_ZONES = range(13, 24)  # 6° zone n has central meridian 6n - 3
_GK3_PREFIXED_FIRST_EPSG = 4513  # zone 25, easting carries "25" in front
_GK3_PLAIN_FIRST_EPSG = 4534  # CM 75°E, easting about 500 000
_GK6_PREFIXED_FIRST_EPSG = 4491  # zone 13
_GK6_PLAIN_FIRST_EPSG = 4502  # CM 75°E

PSEUDO_CRS_NAMES = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
}

# Datums without a published exact transformation to WGS 84 in the PROJ database here:
# pyproj falls back to a ballpark (null) shift, which is off by tens to ~100 m.
_APPROXIMATE_DATUM_EPSG = frozenset(
    [
        *(4214, *range(2401, 2443), *range(21413, 21424), *range(21453, 21464)),  # Beijing 1954
        *(4610, *range(2327, 2391)),  # Xi'an 1980
    ]
)
_APPROXIMATE_DATUM_NAMES = ("beijing 1954", "xian 1980", "xi'an 1980")

FloatArray = npt.NDArray[np.float64]


def _check_longitude(lon: float) -> float:
    try:
        value = float(lon)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"longitude {lon!r} is not a number") from exc
    if not math.isfinite(value) or abs(value) > 180.0:
        raise CoordinateError(f"longitude {lon!r} is not a finite number within ±180 degrees")
    return value


def gk_zone_3deg(lon: float) -> int:
    """The 3° Gauss–Krüger zone number of a longitude (zone n is centred on 3n °E)."""
    value = _check_longitude(lon)
    # Zone n covers [3n - 1.5, 3n + 1.5); floor(x + 0.5) avoids Python's banker's rounding.
    return math.floor(value / 3.0 + 0.5) % 120 or 120


def gk_zone_6deg(lon: float) -> int:
    """The 6° Gauss–Krüger zone number of a longitude (zone n covers [6n - 6, 6n) °E)."""
    value = _check_longitude(lon)
    return math.floor(value / 6.0) % 60 + 1


def gk_crs(zone: int, width: int = 3, prefixed: bool = False) -> str:
    """The EPSG code of a CGCS2000 Gauss–Krüger zone, as ``"EPSG:xxxx"``.

    ``prefixed`` selects the variant whose easting starts with the zone number
    (e.g. 39 500 000 m) rather than the plain 500 000 m false easting.
    """
    if isinstance(zone, bool) or not isinstance(zone, int | np.integer):
        raise CoordinateError(f"Gauss–Krüger zone {zone!r} is not an integer")
    if width == 3:
        zones, first = GK3_ZONES, _GK3_PREFIXED_FIRST_EPSG
        if not prefixed:
            first = _GK3_PLAIN_FIRST_EPSG
    elif width == 6:
        zones, first = GK6_ZONES, _GK6_PREFIXED_FIRST_EPSG
        if not prefixed:
            first = _GK6_PLAIN_FIRST_EPSG
    else:
        raise CoordinateError(f"Gauss–Krüger zone width {width!r} is neither 3 nor 6 degrees")
    if zone not in zones:
        raise CoordinateError(
            f"{width}° Gauss–Krüger zone {zone} is outside China's zones "
            f"{zones.start}–{zones.stop - 1} (CGCS2000)"
        )
    return f"EPSG:{first + int(zone) - zones.start}"


def guess_gk_crs(easting: float, width: int | None = None, *, zone: int | None = None) -> str:
    """Guess the CGCS2000 Gauss–Krüger CRS of a projected easting.

    An 8-digit easting carries its zone in front (39 500 000 → 3° zone 39); zones 25–45 are
    3° and 13–23 are 6°, so the width follows from the zone. A 6-digit easting (about
    500 000 ± 300 000) does not say which zone it is in: pass ``zone`` (and ``width`` if the
    zone number alone is ambiguous), otherwise CoordinateError asks for it.
    """
    try:
        value = float(easting)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"easting {easting!r} is not a number") from exc
    if not math.isfinite(value) or value <= 0:
        raise CoordinateError(f"easting {easting!r} is not a positive finite number")
    if width not in (None, 3, 6):
        raise CoordinateError(f"Gauss–Krüger zone width {width!r} is neither 3 nor 6 degrees")

    if 10_000_000 <= value < 100_000_000:
        prefix_zone = int(value // 1_000_000)
        inferred = 3 if prefix_zone in GK3_ZONES else 6 if prefix_zone in GK6_ZONES else None
        if inferred is None:
            raise CoordinateError(
                f"easting {easting!r} starts with {prefix_zone}, which is not a CGCS2000 "
                f"Gauss–Krüger zone in China (3°: 25–45, 6°: 13–23)"
            )
        if width is not None and width != inferred:
            raise CoordinateError(
                f"easting {easting!r} starts with zone {prefix_zone}, a {inferred}° zone, "
                f"but width {width}° was given"
            )
        if zone is not None and zone != prefix_zone:
            raise CoordinateError(
                f"easting {easting!r} starts with zone {prefix_zone} but zone {zone} was given"
            )
        return gk_crs(prefix_zone, inferred, prefixed=True)

    if 100_000 <= value < 1_000_000:
        if zone is None:
            raise CoordinateError(
                f"easting {easting!r} has no zone prefix, so its Gauss–Krüger zone cannot be "
                "guessed: give the zone (or the CRS, e.g. --crs EPSG:4548)"
            )
        if width is None:
            width = 3 if zone in GK3_ZONES else 6 if zone in GK6_ZONES else 3
        return gk_crs(zone, width, prefixed=False)

    raise CoordinateError(
        f"easting {easting!r} looks like neither a Gauss–Krüger easting with a zone prefix "
        "(8 digits) nor one without (6 digits)"
    )


def local_projected_crs(lon: float, lat: float) -> str:
    """A conformal metric CRS for distances and lengths around (lon, lat).

    Inside China's Gauss–Krüger coverage this is the CGCS2000 3° zone without prefix (scale
    error under 0.03 % within the zone); elsewhere (points at sea, abroad) the WGS 84 UTM zone.
    """
    lon_value = _check_longitude(lon)
    try:
        lat_value = float(lat)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"latitude {lat!r} is not a number") from exc
    if not math.isfinite(lat_value) or abs(lat_value) > 90.0:
        raise CoordinateError(f"latitude {lat!r} is not a finite number within ±90 degrees")
    zone = gk_zone_3deg(lon_value)
    if zone in GK3_ZONES and lat_value >= 0:
        return gk_crs(zone, 3, prefixed=False)
    utm_zone = min(int((lon_value + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{(32600 if lat_value >= 0 else 32700) + utm_zone}"


def equal_area_crs() -> str:
    """An Albers equal-area CRS for China, for areas and area shares."""
    return EQUAL_AREA_CHINA


def _pseudo_crs(crs: object) -> str | None:
    if isinstance(crs, str):
        return PSEUDO_CRS_NAMES.get(crs.strip().lower())
    return None


# pyproj Transformers must not be shared between threads (a shared one crashed the desktop
# app when a worker thread transformed while the GUI thread did): one cache per thread.
_per_thread = threading.local()


def transformer(source: str, target: str) -> Transformer:
    """The calling thread's cached ``always_xy`` transformer from ``source`` to ``target``."""
    cache: dict[tuple[str, str], Transformer] | None = getattr(_per_thread, "transformers", None)
    if cache is None:
        cache = _per_thread.transformers = {}
    found = cache.get((source, target))
    if found is None:
        if len(cache) >= 64:
            cache.clear()
        found = cache[(source, target)] = _new_transformer(source, target)
    return found


def _new_transformer(source: str, target: str) -> Transformer:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source_crs, target_crs = CRS.from_user_input(source), CRS.from_user_input(target)
    except CRSError as exc:
        raise CoordinateError(f"unknown CRS {source!r} or {target!r}: {exc}") from exc
    return Transformer.from_crs(source_crs, target_crs, always_xy=True)


def crs_key(crs: Any) -> str:
    """A hashable text form of anything pyproj accepts, for the transformer cache."""
    if isinstance(crs, str):
        return crs
    if isinstance(crs, int):
        return f"EPSG:{crs}"
    to_wkt = getattr(crs, "to_wkt", None)
    if callable(to_wkt):
        return str(to_wkt())
    raise CoordinateError(f"unknown CRS {crs!r}: give an 'EPSG:xxxx' code, WKT or PROJ string")


_transformer = transformer  # the old private name, still imported by geo.locate


def _as_xy(xs: npt.ArrayLike, ys: npt.ArrayLike, what: str) -> tuple[FloatArray, FloatArray]:
    try:
        x_arr, y_arr = np.broadcast_arrays(
            np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        )
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"{what} are not numbers: {xs!r}, {ys!r}") from exc
    bad = ~(np.isfinite(x_arr) & np.isfinite(y_arr))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        x_bad, y_bad = float(x_arr.reshape(-1)[i]), float(y_arr.reshape(-1)[i])
        raise CoordinateError(f"{what} ({x_bad!r}, {y_bad!r}) is not finite")
    return x_arr, y_arr


def _finish(
    x_in: FloatArray, y_in: FloatArray, x_out: Any, y_out: Any, crs: object
) -> tuple[Any, Any]:
    x_out = np.asarray(x_out, dtype=np.float64)
    y_out = np.asarray(y_out, dtype=np.float64)
    bad = ~(np.isfinite(x_out) & np.isfinite(y_out))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CoordinateError(
            f"coordinate ({float(x_in.reshape(-1)[i])!r}, {float(y_in.reshape(-1)[i])!r}) "
            f"cannot be transformed with CRS {crs!r} (outside its area of use?)"
        )
    if x_in.ndim == 0:
        return float(x_out), float(y_out)
    return x_out, y_out


def to_wgs84(xs: npt.ArrayLike, ys: npt.ArrayLike, crs: Any) -> tuple[Any, Any]:
    """Convert coordinates in ``crs`` to WGS 84 (lon, lat); scalars or arrays.

    ``crs`` is anything pyproj accepts (``"EPSG:4548"``, WKT, PROJ string) or one of the
    pseudo-CRS names ``"gcj02"`` / ``"bd09"``.
    """
    pseudo = _pseudo_crs(crs)
    if pseudo == "gcj02":
        return chinese_coords.gcj02_to_wgs84(xs, ys)
    if pseudo == "bd09":
        return chinese_coords.bd09_to_wgs84(xs, ys)
    x_arr, y_arr = _as_xy(xs, ys, "coordinate")
    lons, lats = transformer(crs_key(crs), WGS84).transform(x_arr, y_arr)
    return _finish(x_arr, y_arr, lons, lats, crs)


def from_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike, crs: Any) -> tuple[Any, Any]:
    """Convert WGS 84 (lon, lat) to ``crs`` (as in :func:`to_wgs84`); scalars or arrays."""
    pseudo = _pseudo_crs(crs)
    if pseudo == "gcj02":
        return chinese_coords.wgs84_to_gcj02(lons, lats)
    if pseudo == "bd09":
        return chinese_coords.wgs84_to_bd09(lons, lats)
    lon_arr, lat_arr = _as_xy(lons, lats, "WGS 84 coordinate")
    # Range check with the same message as the Chinese converters.
    chinese_coords.out_of_china(lon_arr, lat_arr)
    xs, ys = transformer(WGS84, crs_key(crs)).transform(lon_arr, lat_arr)
    return _finish(lon_arr, lat_arr, xs, ys, crs)


def is_approximate_datum(crs: Any) -> bool:
    """True for Beijing 1954 and Xi'an 1980 CRSs (geographic or Gauss–Krüger).

    Their shift to WGS 84 is not published in the PROJ database, so a conversion is only
    good to tens of metres and callers should warn (GisCarbonWarning).
    """
    if _pseudo_crs(crs) is not None:
        return False
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        parsed = CRS.from_user_input(crs)
    except CRSError as exc:
        raise CoordinateError(f"unknown CRS {crs!r}: {exc}") from exc
    authority = parsed.to_authority(min_confidence=100)
    if authority is not None and authority[0] == "EPSG":
        return int(authority[1]) in _APPROXIMATE_DATUM_EPSG
    # A CRS from a .prj file or WKT that EPSG does not match exactly: look at its datum.
    datum = parsed.datum.name.lower().replace("_", " ") if parsed.datum else ""
    return any(name in datum for name in _APPROXIMATE_DATUM_NAMES)
