"""Units and quantities as Chinese carbon-peak plans (碳达峰实施方案) and engineers' ledgers write them.

Values are exact ``Fraction``s, never floats: a capacity typed as "2.55 万亩" must come back as
"2.55 万亩" after it is stored, converted and formatted, and targets are compared against sums of
many projects, so ``parse_quantity(format_quantity(q)) == q`` has to hold exactly.

Conversions are exact by definition, not by measurement:

* 1 万千瓦 = 10 MW and 1 万千瓦时 = 10 MWh (万 = 10⁴, 千瓦 = kW).
* 1 亩 = 10000/15 m² = 2000/3 m², because 1 公顷 (ha) = 15 亩 = 10000 m² (the statutory 市亩).

Input is NFKC-normalised first, so full-width text pasted from Word (``１００ＭＷ``, ``１５％``,
``２．５``) reads like its ASCII form. Unit spellings are otherwise case-sensitive (mW would be
milliwatts) except for the variants ledgers really write: mw, Mw, kw, KW, kwh ...
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from gis_carbon.errors import UnitError

__all__ = [
    "MU_M2",
    "UNITS",
    "Dimension",
    "Quantity",
    "Unit",
    "convert",
    "format_number",
    "format_quantity",
    "parse_capacity",
    "parse_number",
    "parse_quantity",
    "parse_range",
    "unit",
    "units_of",
]

MU_M2 = Fraction(2000, 3)  # 1 亩 in m²: 15 亩 = 1 公顷 = 10000 m²


class Dimension(StrEnum):
    POWER = "power"
    ENERGY = "energy"
    AREA = "area"
    LENGTH = "length"
    VOLTAGE = "voltage"
    APPARENT_POWER = "apparent_power"
    COUNT = "count"
    PERCENT = "percent"
    MASS_RATE = "mass_rate"

    @property
    def noun(self) -> str:
        """What the user was typing, for error messages: 'cannot read capacity "12,5 MW"'."""
        return _NOUNS[self]

    @property
    def base_unit(self) -> Unit:
        return unit(_BASE_CODES[self])


_NOUNS = {
    Dimension.POWER: "capacity",
    Dimension.ENERGY: "energy",
    Dimension.AREA: "area",
    Dimension.LENGTH: "length",
    Dimension.VOLTAGE: "voltage",
    Dimension.APPARENT_POWER: "transformer capacity",
    Dimension.COUNT: "count",
    Dimension.PERCENT: "percentage",
    Dimension.MASS_RATE: "throughput",
}
_BASE_CODES = {
    Dimension.POWER: "MW",
    Dimension.ENERGY: "MWh",
    Dimension.AREA: "m²",
    Dimension.LENGTH: "km",
    Dimension.VOLTAGE: "kV",
    Dimension.APPARENT_POWER: "MVA",
    Dimension.COUNT: "个",
    Dimension.PERCENT: "%",
    Dimension.MASS_RATE: "t/d",
}


@dataclass(frozen=True)
class Unit:
    """One unit: ``value_in_base = value * factor``; code is what Quantity stores and shows."""

    code: str
    dimension: Dimension
    factor: Fraction
    names_zh: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.code, *self.names_zh, *self.aliases)


_P, _E, _A = Dimension.POWER, Dimension.ENERGY, Dimension.AREA
_F = Fraction

UNITS: tuple[Unit, ...] = (
    Unit("MW", _P, _F(1), ("兆瓦",), ("mw", "Mw", "MWp", "mwp")),
    Unit("kW", _P, _F(1, 1000), ("千瓦",), ("kw", "KW", "Kw", "kWp", "KWp", "kwp")),
    Unit("GW", _P, _F(1000), ("吉瓦",), ("gw", "Gw", "GWp")),
    Unit("万千瓦", _P, _F(10), (), ("万kW", "万KW", "万kw", "万Kw")),
    Unit("MWh", _E, _F(1), ("兆瓦时",), ("mwh", "Mwh", "MWH")),
    Unit("kWh", _E, _F(1, 1000), ("千瓦时", "度"), ("kwh", "KWh", "KWH", "kWH")),
    Unit("GWh", _E, _F(1000), ("吉瓦时",), ("gwh", "GWH")),
    Unit("万千瓦时", _E, _F(10), ("万度",), ("万kWh", "万KWh", "万kwh")),
    Unit("亿千瓦时", _E, _F(100_000), ("亿度",), ("亿kWh", "亿KWh", "亿kwh")),
    Unit("m²", _A, _F(1), ("平方米",)),  # NFKC also maps m2 and ㎡ here
    Unit("万m²", _A, _F(10_000), ("万平方米",)),  # heated floor area of clean-heating works
    Unit("亩", _A, MU_M2),
    Unit("万亩", _A, 10_000 * MU_M2),
    Unit("ha", _A, _F(10_000), ("公顷",), ("hm²",)),
    Unit("km²", _A, _F(1_000_000), ("平方公里", "平方千米")),
    Unit("km", Dimension.LENGTH, _F(1), ("公里", "千米"), ("KM", "Km")),
    Unit("m", Dimension.LENGTH, _F(1, 1000), ("米",)),
    Unit("kV", Dimension.VOLTAGE, _F(1), ("千伏",), ("kv", "KV", "Kv")),
    Unit("V", Dimension.VOLTAGE, _F(1, 1000), ("伏",), ("v",)),
    Unit("MVA", Dimension.APPARENT_POWER, _F(1), ("兆伏安",), ("mva", "Mva")),
    Unit("kVA", Dimension.APPARENT_POWER, _F(1, 1000), ("千伏安",), ("kva", "KVA", "KVa")),
    Unit("万千伏安", Dimension.APPARENT_POWER, _F(10), (), ("万kVA", "万KVA", "万kva")),
    # Counted things: all worth 1 个, but the word is kept because 500 台 reads better than 500 个.
    *(Unit(word, Dimension.COUNT, _F(1)) for word in "个台座处家条根辆套"),
    Unit("%", Dimension.PERCENT, _F(1)),
    Unit("百分点", Dimension.PERCENT, _F(1)),
    Unit("t/d", Dimension.MASS_RATE, _F(1), ("吨/日",), ("吨/天",)),
    # CCUS capacities are stated per year (t CO₂/a); a year is taken as 365 days.
    Unit("t/a", Dimension.MASS_RATE, _F(1, 365), ("吨/年",), ("tCO2/a", "t CO2/a")),
    Unit("万t/a", Dimension.MASS_RATE, _F(10_000, 365), ("万吨/年",), ("万tCO2/a",)),
)


def _nfkc(text: str) -> str:
    # NFKC turns full-width ＭＷ/１００/％/．and m²/㎡ into ASCII; U+2212 is a minus NFKC keeps.
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def _build_index() -> dict[str, Unit]:
    index: dict[str, Unit] = {}
    for u in UNITS:
        for spelling in u.spellings:
            key = _nfkc(spelling)
            if index.get(key, u) is not u:  # a typo in the table must not silently shadow a unit
                raise RuntimeError(f"unit spelling {spelling!r} is used twice")
            index[key] = u
    return index


_BY_SPELLING = _build_index()
# Longest first, so "280万千瓦" ends in 万千瓦 (a unit) before 千瓦 (which would leave "280万").
_SPELLINGS_LONGEST_FIRST = sorted(_BY_SPELLING, key=len, reverse=True)


def unit(code_or_alias: str | Unit) -> Unit:
    """The unit for a code or any accepted spelling ("MW", "兆瓦", "mw", "ＭＷ", "万kW")."""
    if isinstance(code_or_alias, Unit):
        return code_or_alias
    if not isinstance(code_or_alias, str):
        raise UnitError(f"unknown unit {code_or_alias!r}", value=code_or_alias)
    found = _BY_SPELLING.get(_nfkc(code_or_alias))
    if found is None:
        raise UnitError(f"unknown unit {_unknown_unit(code_or_alias)}", value=code_or_alias)
    return found


def _unknown_unit(text: str) -> str:
    key = _nfkc(text).lower()
    guesses = sorted({u.code for s, u in _BY_SPELLING.items() if s.lower() == key})
    hint = f" (did you mean {' or '.join(guesses)}?)" if guesses else ""
    return f'"{text}"{hint}'


def units_of(dimension: Dimension | str) -> list[Unit]:
    dim = Dimension(dimension)
    return [u for u in UNITS if u.dimension is dim]


def _as_fraction(value: Fraction | int | float | Decimal | str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnitError(f"cannot use {value!r}: not a finite number", value=value)
        # A float from a spreadsheet cell meant its shortest repr: 0.1 is 1/10, not 0.1000…0555.
        return Fraction(repr(value))
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise UnitError(f"cannot use {value!r}: not a finite number", value=value)
        return Fraction(value)
    return parse_number(value)


def convert(
    value: Fraction | int | float | Decimal, from_unit: str | Unit, to_unit: str | Unit
) -> Fraction:
    """``value`` in ``from_unit`` expressed in ``to_unit``, exactly."""
    src, dst = unit(from_unit), unit(to_unit)
    if src.dimension is not dst.dimension:
        raise UnitError(
            f"cannot convert {src.code} to {dst.code}: {src.code} is a unit of "
            f"{src.dimension.value}, {dst.code} a unit of {dst.dimension.value}",
            value=(src.code, dst.code),
        )
    return _as_fraction(value) * src.factor / dst.factor


@dataclass(frozen=True)
class Quantity:
    """An exact amount in one unit of the table; ``unit`` is always the unit's code."""

    value: Fraction
    unit: str

    def __post_init__(self) -> None:
        # Accept ints, floats and aliases for convenience, but store only the canonical form so
        # that equality and hashing compare like with like.
        object.__setattr__(self, "value", _as_fraction(self.value))
        object.__setattr__(self, "unit", unit(self.unit).code)

    @property
    def dimension(self) -> Dimension:
        return unit(self.unit).dimension

    def to(self, unit_code: str | Unit) -> Quantity:
        target = unit(unit_code)
        return Quantity(convert(self.value, self.unit, target), target.code)

    def base(self) -> Quantity:
        return self.to(self.dimension.base_unit)

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return format_quantity(self)


# ---------------------------------------------------------------------------------------------
# Reading


class _Unreadable(Exception):
    """Why a piece of text is not a number or quantity; public functions turn it into a
    UnitError that quotes the caller's whole text, not just the piece that failed."""

    def __init__(
        self,
        reason: str,
        *,
        fix: tuple[str, str] | None = None,
        specific: bool = True,
        noun: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix  # (wrong, right): the message suggests the text with wrong → right
        self.specific = specific  # False for the catch-all "is not a number"
        self.noun = noun

    def error(self, text: object, normalised: str, noun: str | None = None) -> UnitError:
        message = f'cannot read {noun or self.noun or "quantity"} "{text}": {self.reason}'
        if self.fix:
            message += f"; write {normalised.replace(*self.fix, 1)}"
        return UnitError(message, value=text)


_ARABIC = re.compile(
    r"(?P<digits>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)(?P<mult>[十百千万亿]*)"
)
_CN_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_MULTIPLIERS = {**_CN_SMALL, "万": 10**4, "亿": 10**8}


def _chinese_integer(text: str) -> int:
    """一百二十 → 120, 两万 → 20000, 一亿二千万 → 120000000."""
    total = section = 0
    digit: int | None = None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit:  # 一二 is digit-by-digit, not a quantity a plan would write
                raise _Unreadable(f'"{text}" is not a number', specific=False)
            digit = _CN_DIGITS[ch] or None
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]  # 十五: the 一 is implied
            digit = None
        else:
            number = section + (digit or 0)
            if number == 0 and total == 0:  # a bare 万 or 亿 counts nothing
                raise _Unreadable(f'"{text}" is not a number', specific=False)
            if ch == "万":
                total += number * 10**4
            else:  # 亿 scales everything before it: 一万亿 = 10¹²
                total = (total + number) * 10**8
            section, digit = 0, None
    return total + section + (digit or 0)


def _parse_number(text: str) -> Fraction:
    """The number in already-normalised ``text``; raises _Unreadable saying what is wrong."""
    if not text:
        raise _Unreadable("no number")
    if text[0] in "+-":
        body = text[1:].lstrip()
        if body[:1] in ("+", "-"):
            raise _Unreadable(f'"{text}" has two signs')
        return -_parse_number(body) if text[0] == "-" else _parse_number(body)
    if "分之" in text:
        below, above = text.split("分之", 1)
        if below == "百":  # 百分之十五 is the percentage 15 (%), as plans mean it
            return _parse_number(above)
        denominator = _parse_number(below)
        if denominator == 0:
            raise _Unreadable(f'"{text}" divides by zero')
        return _parse_number(above) / denominator
    if m := _ARABIC.fullmatch(text):
        value = Fraction(m["digits"].replace(",", ""))
        for ch in m["mult"]:  # 5万, 1.2亿, 3千万
            value *= _CN_MULTIPLIERS[ch]
        return value
    if all(ch in _CN_DIGITS or ch in _CN_MULTIPLIERS for ch in text):
        return Fraction(_chinese_integer(text))
    raise _diagnose(text)


def _diagnose(text: str) -> _Unreadable:
    """Explain the common ways a number is written wrongly, with the fix where it is certain."""
    if re.fullmatch(r"[0-9]+,(?:[0-9]{1,2}|[0-9]{4,})", text):  # 12,5 — not a thousands group
        return _Unreadable(
            "a comma is not a decimal separator here", fix=(text, text.replace(",", "."))
        )
    if re.fullmatch(r"[0-9.]*[0-9],[0-9,.]*", text):
        return _Unreadable("thousands separators must group exactly 3 digits")
    if re.fullmatch(r"[0-9]{1,3}(?: [0-9]{3})+(?:\.[0-9]+)?", text):
        return _Unreadable(
            "spaces do not separate thousands here", fix=(text, text.replace(" ", ""))
        )
    if re.fullmatch(r"[0-9]*\.?[0-9]+[eE][+-]?[0-9]+", text):
        return _Unreadable("exponents are not accepted; write the number out")
    if text.lower() in {"nan", "inf", "infinity"}:
        return _Unreadable(f'"{text}" is not a finite number')
    return _Unreadable(f'"{text}" is not a number', specific=False)


def _read(text: str) -> tuple[Fraction, Unit | None]:
    """Split normalised text into number and unit (None for a bare number)."""
    if not text:
        raise _Unreadable("there is nothing to read")
    unit_error: _Unreadable | None = None
    for spelling in _SPELLINGS_LONGEST_FIRST:
        head = text[: -len(spelling)]
        # "5mm" does not end in the unit m: a unit must not start in the middle of a word.
        if not text.endswith(spelling) or (head[-1:].isascii() and head[-1:].isalpha()):
            continue
        found = _BY_SPELLING[spelling]
        try:
            return _parse_number(head.rstrip()), found
        except _Unreadable as exc:
            exc.noun = found.dimension.noun
            unit_error = unit_error or exc
    try:
        value = _parse_number(text)
    except _Unreadable as exc:
        number_error = exc
    else:
        return value, (_BY_SPELLING["%"] if text.startswith("百分之") else None)
    if unit_error and unit_error.specific:  # "12,5 MW": the unit is fine, the number is not
        raise unit_error
    if m := re.fullmatch(r"([0-9][0-9.,]*)\s*([^0-9\s.,].*)", text):
        try:
            _parse_number(m[1])
        except _Unreadable as exc:
            raise unit_error or exc from None
        raise _Unreadable(f"unknown unit {_unknown_unit(m[2])}")
    raise unit_error or number_error


def _quantity(
    text: str,
    dimension: Dimension | None,
    default_unit: Unit | None,
    allow_negative: bool,
) -> Quantity:
    value, found = _read(text)
    if found is None:
        if default_unit is None:
            hint = f"; write e.g. {text} {dimension.base_unit.code}" if dimension else ""
            raise _Unreadable(f'no unit in "{text}"{hint}')
        found = default_unit
    if dimension is not None and found.dimension is not dimension:
        examples = ", ".join(u.code for u in units_of(dimension)[:4])
        raise _Unreadable(
            f"{found.code} is a unit of {found.dimension.value}, expected a unit of "
            f"{dimension.value} ({examples} …)"
        )
    if value < 0 and not allow_negative:
        raise _Unreadable("a negative value is not allowed here", noun=found.dimension.noun)
    return Quantity(value, found.code)


def _normalised(text: object, noun: str) -> str:
    if not isinstance(text, str):
        raise UnitError(f"cannot read {noun} {text!r}: expected text", value=text)
    return _nfkc(text)


def parse_number(text: str) -> Fraction:
    """An exact number: "280", "2.55", "1,000", "5万", "1.2亿", "一百二十", "三分之一", "百分之十五".

    Thousands commas must group exactly 3 digits; a decimal comma ("12,5"), spaces inside the
    number and exponents ("1e3") are refused rather than guessed.
    """
    norm = _normalised(text, "number")
    try:
        return _parse_number(norm)
    except _Unreadable as exc:
        raise exc.error(text, norm, "number") from None


def parse_quantity(
    text: str,
    *,
    dimension: Dimension | None = None,
    default_unit: str | None = None,
    allow_negative: bool = False,
) -> Quantity:
    """A number with its unit: "280 万千瓦", "42万kW", "2.55万亩", "220kV", "15%", "500台".

    A bare number takes ``default_unit``; a unit outside ``dimension`` and (unless
    ``allow_negative``) a negative value are errors. The unit keeps its plan spelling's code:
    "280万千瓦" is 280 万千瓦, not 2800 MW; call ``.to()`` or ``.base()`` to convert.
    """
    noun = dimension.noun if dimension else None
    norm = _normalised(text, noun or "quantity")
    fallback = unit(default_unit) if default_unit is not None else None
    try:
        return _quantity(norm, dimension, fallback, allow_negative)
    except _Unreadable as exc:
        raise exc.error(text, norm, noun) from None


def parse_capacity(text: str) -> tuple[Quantity, Quantity | None]:
    """Power with optional storage energy: "100MW/200MWh", "10万千瓦/20万千瓦时", "50 MW"."""
    norm = _normalised(text, "capacity")
    parts = norm.split("/")
    try:
        if len(parts) > 2:
            raise _Unreadable('write power and energy as "100 MW/200 MWh", with a single /')
        power = _quantity(parts[0].strip(), Dimension.POWER, None, False)
        if len(parts) == 1:
            return power, None
        return power, _quantity(parts[1].strip(), Dimension.ENERGY, None, False)
    except _Unreadable as exc:
        raise exc.error(text, norm, "capacity") from None


_RANGE = re.compile(r"(?P<low>.+?)\s*(?:至|到|~|〜|[—–―-]+)\s*(?P<high>.+)")


def parse_range(text: str) -> tuple[Fraction, Fraction, str | None]:
    """A plan's "1至2个", "2—3条", "5~10万千瓦" or a single "3个" as (low, high, unit code).

    A unit written on one side only applies to both; the unit is None for bare numbers.
    """
    norm = _normalised(text, "range")
    try:
        m = _RANGE.fullmatch(norm)
        low, low_unit = _read(m["low"] if m else norm)
        high, high_unit = _read(m["high"]) if m else (low, low_unit)
        unit_ = high_unit or low_unit
        if low_unit and unit_ and low_unit is not unit_:
            if low_unit.dimension is not unit_.dimension:
                raise _Unreadable(f"{low_unit.code} and {unit_.code} measure different things")
            low = convert(low, low_unit, unit_)
        if low < 0:
            raise _Unreadable("a negative value is not allowed here")
        if low > high:
            raise _Unreadable("the range runs backwards")
    except _Unreadable as exc:
        raise exc.error(text, norm, "range") from None
    return low, high, unit_.code if unit_ else None


# ---------------------------------------------------------------------------------------------
# Writing


def _fixed(value: Fraction, places: int) -> str:
    """``value`` with exactly ``places`` decimals, rounding half away from zero (四舍五入)."""
    scaled = abs(value) * 10**places
    digits = str(int(scaled + Fraction(1, 2)) if scaled.denominator != 1 else int(scaled))
    digits = digits.rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return f"-{text}" if value < 0 and text.strip("0.") else text


def _terminating_places(value: Fraction) -> int | None:
    """Decimals needed to write ``value`` exactly, or None when it repeats (1/3)."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None


def format_number(value: Fraction | int | float | Decimal, max_decimals: int = 6) -> str:
    """Shortest exact decimal when there is one ("2.55", "280"), else rounded ("0.333333")."""
    exact = _as_fraction(value)
    places = _terminating_places(exact)
    text = _fixed(exact, max_decimals if places is None else places)
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_quantity(
    q: Quantity, unit: str | None = None, *, decimals: int | None = None, space: bool = True
) -> str:
    """Text like "280 万千瓦"; with ``unit``, converted first ("2800 MW"). ``decimals`` fixes the number of
    decimals (for aligned columns); the default is exact, so the text parses back to ``q``."""
    if unit is not None:
        q = q.to(unit)
    number = format_number(q.value) if decimals is None else _fixed(q.value, decimals)
    return f"{number}{' ' if space else ''}{q.unit}"
