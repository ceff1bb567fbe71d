"""Which CRS an input's coordinates are in: the user's ``--crs``, the file's ``.prj`` or
metadata, or a refusal naming ``--crs``. Never a silent default.

Besides anything pyproj accepts (``EPSG:4490``, WKT, PROJ strings), the user may name a bare
Gauss–Krüger zone (``GK39``, ``gk3:39``, ``gk6:20``): whether the eastings carry the zone
prefix is then read from their digits (:func:`gis_carbon.geo.crs.guess_gk_crs`). Web-map
coordinates are named with ``--coords gcj02|bd09`` and converted by the iterative inverse.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

from gis_carbon.errors import CoordinateError, GisCarbonWarning, InputFileError

_GK_ZONE = re.compile(
    r"^\s*(?:cgcs2000\s*)?(?:gk|gauss[-_ ]?kr[uü]ger)\s*(?P<width>[36])?\s*(?:°|deg)?\s*"
    r"(?:zone)?\s*[:_ ]?\s*(?P<zone>\d{2})\s*$",
    re.IGNORECASE,
)
COORD_SYSTEMS = ("gcj02", "bd09")


@dataclass
class CrsChoice:
    """The CRS to read coordinates with, and how it was chosen (shown to the user)."""

    crs: str  # "EPSG:xxxx", WKT, or the pseudo-CRS "gcj02" / "bd09"
    origin: str  # "--crs", "file", "--coords", "ledger columns"
    approximate: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return short_crs_label(self.crs)


def short_crs_label(crs: str) -> str:
    """'EPSG:4490' stays; a WKT becomes its EPSG code or its name."""
    if crs in COORD_SYSTEMS or crs.upper().startswith("EPSG:"):
        return crs
    from pyproj import CRS

    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # pyproj raises CRSError and others for junk; the text is then kept
        return crs[:60]
    authority = parsed.to_authority(min_confidence=70)
    return f"{authority[0]}:{authority[1]}" if authority else parsed.name


def parse_gk_zone(text: str) -> tuple[int | None, int] | None:
    """(width or None, zone) for 'GK39', 'gk3:39', 'GK 6 20'; None for anything else."""
    match = _GK_ZONE.match(text)
    if not match:
        return None
    return (int(match["width"]) if match["width"] else None, int(match["zone"]))


def _check_user_crs(text: str) -> str:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    value = text.strip()
    if value.isdigit():
        value = f"EPSG:{value}"
    try:
        CRS.from_user_input(value)
    except CRSError as exc:
        raise InputFileError(
            f"--crs {text!r} is not a CRS pyproj knows ({exc}); use e.g. --crs EPSG:4490 or "
            "--crs GK39"
        ) from None
    return value


def resolve_crs(
    *,
    what: str,
    user_crs: str | None,
    coords: str | None,
    declared: str | None,
    sample_easting: float | None = None,
    assumed_geographic: bool = False,
) -> CrsChoice:
    """Choose the CRS; raise InputFileError naming --crs if nothing says what it is.

    ``assumed_geographic``: the input's own columns say longitude/latitude (经度/纬度), so
    WGS 84/CGCS2000 degrees are meant (they differ by centimetres); the choice is recorded."""
    if coords is not None:
        system = coords.strip().lower().replace("-", "")
        if system not in COORD_SYSTEMS:
            raise InputFileError(f"--coords {coords!r}: choose gcj02 or bd09")
        if user_crs and user_crs.strip().upper() not in ("EPSG:4326", "4326", "EPSG:4490", "4490"):
            raise InputFileError(
                f"--coords {system} are longitude/latitude; they cannot be combined with "
                f"--crs {user_crs}"
            )
        return CrsChoice(
            system,
            "--coords",
            notes=[f"{system.upper()} coordinates converted to WGS 84 (iterative inverse)"],
        )
    if user_crs:
        zone = parse_gk_zone(user_crs)
        if zone is not None:
            from gis_carbon.geo.crs import guess_gk_crs

            if sample_easting is None:
                raise InputFileError(
                    f"{what}: --crs {user_crs} needs coordinates to tell the "
                    "zone-prefixed form from the plain one"
                )
            width, number = zone
            try:
                crs = guess_gk_crs(sample_easting, width, zone=number)
            except CoordinateError as exc:
                raise InputFileError(f"{what}: --crs {user_crs}: {exc}") from None
            return _finish(
                CrsChoice(
                    crs,
                    "--crs",
                    notes=[
                        f"Gauss–Krüger zone {number} read as {crs} from eastings like "
                        f"{sample_easting:.0f}"
                    ],
                ),
                what,
            )
        return _finish(CrsChoice(_check_user_crs(user_crs), "--crs"), what)
    if declared:
        return _finish(CrsChoice(declared, "file"), what)
    if assumed_geographic:
        return CrsChoice(
            "EPSG:4326",
            "ledger columns",
            notes=[
                "经度/纬度 read as WGS 84/CGCS2000 degrees; if they come from Amap or Baidu, "
                "import with --coords gcj02 or --coords bd09"
            ],
        )
    hint = ""
    if sample_easting is not None and math.isfinite(sample_easting):
        hint = _projected_hint(sample_easting)
    raise InputFileError(
        f"{what}: the file does not say which coordinate system it uses (no .prj or CRS "
        f"metadata); name it with --crs, e.g. --crs EPSG:4490 (CGCS2000){hint}"
    )


def _projected_hint(easting: float) -> str:
    from gis_carbon.geo.crs import guess_gk_crs

    if abs(easting) <= 180:
        return ""
    try:
        return f" or --crs {guess_gk_crs(easting)} (eastings like {easting:.0f})"
    except CoordinateError:
        return " or --crs GK<zone> for Gauss–Krüger eastings"


def _finish(choice: CrsChoice, what: str) -> CrsChoice:
    from gis_carbon.geo.crs import is_approximate_datum

    try:
        approximate = is_approximate_datum(choice.crs)
    except CoordinateError as exc:
        raise InputFileError(f"{what}: {exc}") from None
    if approximate:
        choice.approximate = True
        message = (
            f"{what}: {choice.label} is Beijing 1954 or Xi'an 1980; its shift to WGS 84 is "
            "not published, so positions are approximate (tens of metres)"
        )
        choice.notes.append(message)
        warnings.warn(message, GisCarbonWarning, stacklevel=3)
    return choice


def check_degrees_plausible(xs: list[float], choice: CrsChoice, what: str) -> None:
    """Projected numbers read as degrees: say which --crs fits instead of 20 000 row errors."""
    if choice.crs not in COORD_SYSTEMS:
        from pyproj import CRS

        if not CRS.from_user_input(choice.crs).is_geographic:
            return
    finite = [x for x in xs if math.isfinite(x)]
    if finite and all(abs(x) > 180 for x in finite):
        raise InputFileError(
            f"{what}: coordinates like {finite[0]:.0f} are not degrees although the CRS is "
            f"{choice.label}; name the projected CRS with --crs{_projected_hint(finite[0])}"
        )
