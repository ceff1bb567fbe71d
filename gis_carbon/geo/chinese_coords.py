"""Conversions between WGS 84 and the two offset coordinate systems used by Chinese web maps.

GCJ-02 ("Mars coordinates") is the obfuscated datum every map licensed in mainland China must
use (Amap/高德, Tencent, Google China); BD-09 is Baidu's further offset of GCJ-02. Neither is a
real datum, so no CRS library knows them: the forward transforms below are the widely published
polynomials (the leaked reference implementation also used by eviltransform and coordtransform).

The inverse of GCJ-02 has no closed form. The usual one-step approximation (subtract the
offset computed at the GCJ point) is off by up to a couple of metres, which is enough to put
a point on the wrong side of a county boundary, so :func:`gcj02_to_wgs84` iterates to below
1e-9 degrees (about 0.1 mm). :func:`bd09_to_gcj02` is refined the same way so that every
pair of functions here is an exact inverse of its partner.

All functions are vectorised: they accept Python floats or array-likes (broadcast together)
and return floats for scalar input, float64 arrays otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import CoordinateError

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "check_lon_lat",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

# Krasovsky 1940 ellipsoid, as in the published GCJ-02 algorithm (not WGS 84's: the algorithm
# was written for it and the offsets only match Amap's when these exact constants are used).
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# Baidu's constant: pi scaled by 3000/180.
BD09_X_PI = np.pi * 3000.0 / 180.0

# The box outside which GCJ-02 leaves coordinates unchanged. This is the box of the original
# algorithm (and of eviltransform); the narrower 73.66–135.05 / 3.86–53.55 box found in some
# ports cuts off the far west of Xinjiang, the tip of Heilongjiang and the Wusuli river.
CHINA_MIN_LON, CHINA_MAX_LON = 72.004, 137.8347
CHINA_MIN_LAT, CHINA_MAX_LAT = 0.8293, 55.8271

# The inverse iterations stop when the forward image is this close to the target (degrees).
INVERSE_TOLERANCE_DEG = 1e-9
_MAX_INVERSE_ITERATIONS = 30


def check_lon_lat(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Longitudes and latitudes as broadcast float64 arrays; CoordinateError names the first
    NaN, infinite or out-of-range value. Shared by the other geo modules."""
    lon_arr, lat_arr, _ = _as_lon_lat(lon, lat)
    return lon_arr, lat_arr


def _as_lon_lat(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    """Broadcast to float64 arrays, rejecting NaN, infinities and out-of-range values.

    Returns the arrays and whether the input was scalar (so the caller returns floats).
    """
    try:
        lon_arr = np.asarray(lon, dtype=np.float64)
        lat_arr = np.asarray(lat, dtype=np.float64)
        lon_arr, lat_arr = np.broadcast_arrays(lon_arr, lat_arr)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"coordinates are not numbers: lon={lon!r}, lat={lat!r}") from exc
    scalar = lon_arr.ndim == 0
    _check_finite_in_range(lon_arr, "longitude", 180.0)
    _check_finite_in_range(lat_arr, "latitude", 90.0)
    return lon_arr, lat_arr, scalar


def _check_finite_in_range(values: FloatArray, what: str, limit: float) -> None:
    bad = ~np.isfinite(values) | (np.abs(values) > limit)
    if bad.any():
        first = np.flatnonzero(bad)[0]
        value = float(values.reshape(-1)[first])
        where = "" if values.ndim == 0 else f" (item {first})"
        raise CoordinateError(
            f"{what} {value!r}{where} is not a finite number within ±{limit:g} degrees"
        )


def _result(lon: FloatArray, lat: FloatArray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _out_of_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (
        (lon < CHINA_MIN_LON)
        | (lon > CHINA_MAX_LON)
        | (lat < CHINA_MIN_LAT)
        | (lat > CHINA_MAX_LAT)
    )


@overload
def out_of_china(lon: float, lat: float) -> bool: ...
@overload
def out_of_china(lon: ArrayLike, lat: ArrayLike) -> Any: ...
def out_of_china(lon: ArrayLike, lat: ArrayLike) -> Any:
    """True where GCJ-02 leaves the coordinate unchanged (outside the algorithm's China box)."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    outside = _out_of_china(lon_arr, lat_arr)
    return bool(outside) if scalar else outside


def _offsets(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The published GCJ-02 polynomials, in metres-like units, for (lon-105, lat-35).

    Returns (lat offset, lon offset). The sin(6πx)+sin(2πx) term is shared by both.
    """
    shared = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += shared
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += shared
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return d_lat, d_lon


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Forward GCJ-02 on validated arrays."""
    d_lat, d_lon = _offsets(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * BD09_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * BD09_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_one_step(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Baidu's published closed-form inverse, accurate to ~1e-6 degrees: the starting guess."""
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * BD09_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * BD09_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


Forward = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _invert(
    forward: Forward,
    target_lon: FloatArray,
    target_lat: FloatArray,
    guess_lon: FloatArray,
    guess_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(lon, lat) == target by fixed-point iteration.

    Both offsets are smooth and tiny (their derivatives are ~1e-3), so x <- x - (f(x) - t)
    contracts by roughly a thousand per step: three or four steps reach 1e-9 degrees.
    Only the points that have not converged are iterated again.
    """
    lon = np.array(guess_lon, dtype=np.float64, copy=True).reshape(-1)
    lat = np.array(guess_lat, dtype=np.float64, copy=True).reshape(-1)
    t_lon = target_lon.reshape(-1)
    t_lat = target_lat.reshape(-1)
    active = np.arange(lon.size)
    for _ in range(_MAX_INVERSE_ITERATIONS):
        f_lon, f_lat = forward(lon[active], lat[active])
        err_lon = f_lon - t_lon[active]
        err_lat = f_lat - t_lat[active]
        lon[active] -= err_lon
        lat[active] -= err_lat
        not_done = (np.abs(err_lon) > INVERSE_TOLERANCE_DEG) | (
            np.abs(err_lat) > INVERSE_TOLERANCE_DEG
        )
        active = active[not_done]
        if active.size == 0:
            break
    return lon.reshape(target_lon.shape), lat.reshape(target_lat.shape)


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS 84 → GCJ-02. Points outside China's box are returned unchanged."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    return _result(*_wgs_to_gcj(lon_arr, lat_arr), scalar)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → WGS 84, iterated until the forward image is within 1e-9° of the input."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    if lon_arr.size == 0:
        return lon_arr.copy(), lat_arr.copy()
    # One-step guess: subtract the offset evaluated at the GCJ point itself.
    f_lon, f_lat = _wgs_to_gcj(lon_arr, lat_arr)
    guess_lon, guess_lat = 2.0 * lon_arr - f_lon, 2.0 * lat_arr - f_lat
    guess_lon, guess_lat = np.clip(guess_lon, -180.0, 180.0), np.clip(guess_lat, -90.0, 90.0)
    return _result(*_invert(_wgs_to_gcj, lon_arr, lat_arr, guess_lon, guess_lat), scalar)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu)."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    return _result(*_gcj_to_bd(lon_arr, lat_arr), scalar)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → GCJ-02: Baidu's closed form, refined so it exactly inverts :func:`gcj02_to_bd09`."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    if lon_arr.size == 0:
        return lon_arr.copy(), lat_arr.copy()
    guess_lon, guess_lat = _bd_to_gcj_one_step(lon_arr, lat_arr)
    return _result(*_invert(_gcj_to_bd, lon_arr, lat_arr, guess_lon, guess_lat), scalar)


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS 84 → BD-09, through GCJ-02."""
    lon_arr, lat_arr, scalar = _as_lon_lat(lon, lat)
    return _result(*_gcj_to_bd(*_wgs_to_gcj(lon_arr, lat_arr)), scalar)


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → WGS 84, through GCJ-02 (both steps iterated to exact inverses)."""
    gcj_lon, gcj_lat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(gcj_lon, gcj_lat)
