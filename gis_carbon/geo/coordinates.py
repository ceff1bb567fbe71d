"""Coordinates as people type them in ledgers: decimals or degrees-minutes-seconds text.

``117°03′52″E``, ``39°09′26″N``, ``117 03 52``, ``117°03'52"``, ``东经117度3分52秒``,
``117°03.87′``, ``-39.5``, ``117.0644``. Each form is a row of a table of separators, not a
branch per form; anything else is refused with the text quoted. Seconds written as ``60″``
(59.996″ rounded to two decimals, common in national ledgers) are carried into the minute,
with a note to the caller's feedback.

The one parser of the CLI (locate, add-project, edit-project), the desktop form and ledger
imports; pure Python in the bottom layer, so every layer may use it.
"""

from __future__ import annotations

import math
import re
import unicodedata

from gis_carbon.errors import CoordinateError
from gis_carbon.feedback import NO_FEEDBACK, Feedback

# Hemisphere words and letters and the sign they give; the axis they imply.
_HEMISPHERES: dict[str, tuple[int, str]] = {
    "E": (1, "lon"),
    "东经": (1, "lon"),
    "东": (1, "lon"),
    "W": (-1, "lon"),
    "西经": (-1, "lon"),
    "西": (-1, "lon"),
    "N": (1, "lat"),
    "北纬": (1, "lat"),
    "北": (1, "lat"),
    "S": (-1, "lat"),
    "南纬": (-1, "lat"),
    "南": (-1, "lat"),
}
_HEMI_PATTERN = "|".join(sorted(map(re.escape, _HEMISPHERES), key=len, reverse=True))

# Degree, minute and second marks in their Unicode and ASCII look-alikes (after NFKC).
_DEGREE = "°º˚度d"
_MINUTE = "′'’‘´`分m"
_SECOND = '″"”“秒s'

_NUMBER = r"\d+(?:\.\d+)?"
_DMS = re.compile(
    rf"^\s*(?P<pre>{_HEMI_PATTERN})?\s*(?P<sign>[-+])?\s*"
    rf"(?P<deg>{_NUMBER})\s*(?:[{_DEGREE}]|\s)\s*"
    rf"(?:(?P<min>{_NUMBER})\s*(?:[{_MINUTE}]|\s|$)\s*)?"
    rf"(?:(?P<sec>{_NUMBER})\s*(?:[{_SECOND}]|(?:[{_MINUTE}]{{2}}))?\s*)?"
    rf"(?P<post>{_HEMI_PATTERN})?\s*$",
    re.IGNORECASE,
)
_DECIMAL = re.compile(
    rf"^\s*(?P<pre>{_HEMI_PATTERN})?\s*(?P<value>[-+]?{_NUMBER})\s*[{_DEGREE}]?\s*"
    rf"(?P<post>{_HEMI_PATTERN})?\s*$",
    re.IGNORECASE,
)

_LIMITS = {"lon": 180.0, "lat": 90.0}


def _hemisphere(pre: str | None, post: str | None, axis: str, text: str) -> int:
    marks = [m for m in (pre, post) if m]
    if len(marks) > 1:
        raise CoordinateError(f"{text!r} names its hemisphere twice")
    if not marks:
        return 1
    sign, implied = _HEMISPHERES[marks[0].upper() if marks[0].isascii() else marks[0]]
    if implied != axis:
        name = "longitude" if axis == "lon" else "latitude"
        raise CoordinateError(
            f"{text!r} is a {'latitude' if implied == 'lat' else 'longitude'}, not a {name}"
        )
    return sign


def parse_coordinate(value: object, axis: str, feedback: Feedback = NO_FEEDBACK) -> float:
    """Degrees from a number or DMS text; ``axis`` is 'lon' or 'lat' (checks range, N/E).
    ``feedback.info`` hears of seconds of 60 carried into the minute."""
    if axis not in _LIMITS:
        raise ValueError(f"axis must be 'lon' or 'lat', not {axis!r}")
    name = "longitude" if axis == "lon" else "latitude"
    if isinstance(value, bool) or value is None:
        raise CoordinateError(f"{name} is missing")
    if isinstance(value, int | float):
        degrees = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            raise CoordinateError(f"{name} is empty")
        if text.lower() in ("nan", "inf", "-inf", "+inf", "infinity"):
            raise CoordinateError(f"{name} {value!r} is not a finite number")
        degrees = _parse_text(text, axis, str(value), feedback)
    if not math.isfinite(degrees):
        raise CoordinateError(f"{name} {value!r} is not a finite number")
    limit = _LIMITS[axis]
    if abs(degrees) > limit:
        raise CoordinateError(f"{name} {value!r} is outside ±{limit:g}°")
    return degrees


def _parse_text(text: str, axis: str, original: str, feedback: Feedback) -> float:
    name = "longitude" if axis == "lon" else "latitude"
    match = _DECIMAL.match(text)
    if match:
        sign = _hemisphere(match["pre"], match["post"], axis, original)
        return sign * float(match["value"])
    match = _DMS.match(text)
    if not match:
        raise CoordinateError(
            f"{name} {original!r} is neither decimal degrees nor degrees-minutes-seconds "
            "(117°03′52″E)"
        )
    sign = _hemisphere(match["pre"], match["post"], axis, original)
    degrees = float(match["deg"])
    minutes = float(match["min"]) if match["min"] else 0.0
    seconds = float(match["sec"]) if match["sec"] else 0.0
    if seconds == 60 and minutes < 60:
        # 59.996″ rounded to "60.00″": the same angle as the next minute, so carry it there
        minutes, seconds = minutes + 1, 0.0
        degrees, minutes = (degrees + 1, 0.0) if minutes == 60 else (degrees, minutes)
        feedback.info(
            f"{name} {original!r}: 60″ carried into the minute ({degrees:g}°{minutes:02g}′00″)"
        )
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError(f"{name} {original!r}: minutes and seconds must be below 60")
    if match["sec"] and match["min"] and "." in match["min"]:
        raise CoordinateError(f"{name} {original!r}: decimal minutes followed by seconds")
    if match["sign"] == "-":
        sign = -sign
    return sign * (degrees + minutes / 60.0 + seconds / 3600.0)
