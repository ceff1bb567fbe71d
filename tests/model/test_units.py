"""Units as plans and ledgers write them: exact conversions, strict reading, exact round trips."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gis_carbon.errors import GisCarbonError, UnitError
from gis_carbon.model.units import (
    MU_M2,
    UNITS,
    Dimension,
    Quantity,
    convert,
    format_number,
    format_quantity,
    parse_capacity,
    parse_number,
    parse_quantity,
    parse_range,
    unit,
    units_of,
)


@pytest.mark.parametrize(
    ("text", "megawatts"),
    [("280 万千瓦", 2800), ("280万千瓦", 2800), ("42万kW", 420), ("100MW", 100), ("1.5 GW", 1500),
     ("500 千瓦", Fraction(1, 2)), ("3 mw", 3), ("20 Mw", 20), ("800kw", Fraction(4, 5)),
     ("１００ＭＷ", 100), ("５０ MWp", 50)],
)  # fmt: skip
def test_power_as_plans_write_it_converts_exactly_to_mw(text: str, megawatts: int) -> None:
    quantity = parse_quantity(text, dimension=Dimension.POWER)
    assert quantity.to("MW").value == megawatts
    assert quantity.base() == Quantity(Fraction(megawatts), "MW")


def test_the_plan_unit_is_kept_for_display() -> None:
    assert parse_quantity("280万千瓦") == Quantity(Fraction(280), "万千瓦")
    assert parse_quantity("42万kW").unit == "万千瓦"
    assert parse_quantity("500台") == Quantity(Fraction(500), "台")
    assert parse_quantity("76个").dimension is Dimension.COUNT


def test_wan_mu_converts_to_mu_and_square_metres_exactly() -> None:
    area = parse_quantity("2.55万亩")
    assert area.to("亩") == Quantity(Fraction(25500), "亩")
    assert area.to("m²").value == 17_000_000
    assert parse_quantity("1.05 万亩").to("亩").value == 10500


def test_one_hectare_is_fifteen_mu() -> None:
    assert convert(1, "公顷", "亩") == 15
    assert convert(1, "ha", "m²") == 10_000
    assert MU_M2 * 15 == 10_000
    assert parse_quantity("10 hm²").to("亩").value == 150


def test_energy_units() -> None:
    assert parse_quantity("3万千瓦时").to("MWh").value == 30
    assert parse_quantity("1.2亿千瓦时").to("MWh").value == 120_000
    assert parse_quantity("500 度").to("kWh").value == 500


def test_other_dimensions_read() -> None:
    assert parse_quantity("220kV") == Quantity(Fraction(220), "kV")
    assert parse_quantity("15%") == Quantity(Fraction(15), "%")
    assert parse_quantity("１５％") == Quantity(Fraction(15), "%")
    assert parse_quantity("12 公里").to("m").value == 12_000
    assert parse_quantity("2 平方公里").to("亩").value == 3000
    assert parse_quantity("5万千伏安").to("MVA").value == 50
    assert parse_quantity("600吨/日") == Quantity(Fraction(600), "t/d")


def test_capacity_with_storage_energy() -> None:
    expected = (Quantity(Fraction(100), "MW"), Quantity(Fraction(200), "MWh"))
    assert parse_capacity("100MW/200MWh") == expected
    assert parse_capacity("100 MW / 200 MWh") == expected
    power, energy = parse_capacity("10万千瓦/20万千瓦时")
    assert (power.to("MW").value, energy and energy.to("MWh").value) == (100, 200)
    assert parse_capacity("50 MW") == (Quantity(Fraction(50), "MW"), None)


def test_capacity_second_part_must_be_energy() -> None:
    with pytest.raises(UnitError, match="100MW/200MW"):
        parse_capacity("100MW/200MW")


@pytest.mark.parametrize(
    ("text", "value"),
    [("280", 280), ("2.55", Fraction(51, 20)), ("1,000", 1000), ("12,000,000", 12_000_000),
     ("三", 3), ("十五", 15), ("二十", 20), ("一百二十", 120), ("两", 2), ("一百零五", 105),
     ("三分之一", Fraction(1, 3)), ("百分之十五", 15), ("5万", 50_000), ("1.2亿", 120_000_000),
     ("一亿二千万", 120_000_000), ("-5", -5), ("２．５", Fraction(5, 2))],
)  # fmt: skip
def test_parse_number(text: str, value: Fraction) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [("12,5", "decimal separator"), ("1,00,000", "3 digits"), ("1 000", "thousands"),
     ("1e3", "exponent"), ("nan", "finite"), ("inf", "finite"), ("abc", "not a number"),
     ("", "no number"), ("0分之1", "zero")],
)  # fmt: skip
def test_parse_number_refuses_to_guess(text: str, reason: str) -> None:
    with pytest.raises(UnitError, match=reason) as caught:
        parse_number(text)
    assert f'"{text}"' in str(caught.value)


def test_decimal_comma_error_names_the_text_and_the_fix() -> None:
    with pytest.raises(UnitError) as caught:
        parse_quantity("12,5 MW")
    assert str(caught.value) == (
        'cannot read capacity "12,5 MW": a comma is not a decimal separator here; write 12.5 MW'
    )
    assert caught.value.value == "12,5 MW"
    assert isinstance(caught.value, GisCarbonError | ValueError)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("abc", "not a number"), ("", "nothing to read"), ("nan MW", "finite"), ("inf MW", "finite"),
     ("-5 MW", "negative"), ("5 mW", "did you mean MW"), ("1e3 MW", "exponent"),
     ("MW", "no number"), ("280", "no unit in")],
)  # fmt: skip
def test_unreadable_quantities_raise_naming_the_text(text: str, reason: str) -> None:
    with pytest.raises(UnitError, match=reason) as caught:
        parse_quantity(text)
    assert f'"{text}"' in str(caught.value)
    assert caught.value.value == text


def test_negative_and_bare_values_when_the_caller_allows_them() -> None:
    assert parse_quantity("-5 MW", allow_negative=True).value == -5
    assert parse_quantity("280", default_unit="万千瓦") == Quantity(Fraction(280), "万千瓦")
    assert parse_quantity("百分之十五") == Quantity(Fraction(15), "%")


def test_unit_of_the_wrong_dimension_is_refused() -> None:
    with pytest.raises(UnitError, match=r'"200 亩".*亩 is a unit of area.*power'):
        parse_quantity("200 亩", dimension=Dimension.POWER)


def test_cross_dimension_conversion_raises_naming_both_units() -> None:
    with pytest.raises(UnitError, match="万千瓦 to 亩"):
        parse_quantity("280 万千瓦").to("亩")
    with pytest.raises(UnitError, match="kV"):
        convert(1, "MW", "kV")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1至2个", (1, 2, "个")), ("2—3条", (2, 3, "条")), ("2–3条", (2, 3, "条")),
     ("2-3条", (2, 3, "条")), ("1到2座", (1, 2, "座")), ("5~10万千瓦", (5, 10, "万千瓦")),
     ("5～10万千瓦", (5, 10, "万千瓦")), ("3个", (3, 3, "个")), ("1至2", (1, 2, None)),
     ("500kW-1MW", (Fraction(1, 2), 1, "MW"))],
)  # fmt: skip
def test_parse_range(text: str, expected: tuple[Fraction, Fraction, str | None]) -> None:
    assert parse_range(text) == expected


def test_backwards_range_is_refused() -> None:
    with pytest.raises(UnitError, match='"3至1个"'):
        parse_range("3至1个")


def test_unit_lookup() -> None:
    assert unit("兆瓦") is unit("MW") is unit("ＭＷ") is unit("mw")
    assert unit("㎡").code == "m²"
    assert [u.code for u in units_of(Dimension.POWER)] == ["MW", "kW", "GW", "万千瓦"]
    with pytest.raises(UnitError, match='"mW"'):
        unit("mW")


def test_format() -> None:
    q = parse_quantity("280万千瓦")
    assert format_quantity(q) == "280 万千瓦"
    assert format_quantity(q, "MW") == "2800 MW"
    assert format_quantity(parse_quantity("2800 MW"), "万千瓦") == "280 万千瓦"
    assert format_quantity(q, "GW", decimals=2) == "2.80 GW"
    assert format_quantity(q, space=False) == "280万千瓦"
    assert format_number(Fraction(51, 20)) == "2.55"
    assert format_number(Fraction(1, 2)) == "0.5"
    assert format_number(Fraction(1, 3)) == "0.333333"
    assert format_number(Fraction(2, 3), max_decimals=2) == "0.67"
    assert format_number(0.1) == "0.1"
    assert str(Quantity(Fraction(-1, 4), "MW")) == "-0.25 MW"


_decimals = st.integers(0, 6).flatmap(
    lambda places: st.builds(lambda n: Fraction(n, 10**places), st.integers(0, 10**9 * 10**places))
)


@given(value=_decimals, code=st.sampled_from([u.code for u in UNITS]))
def test_format_then_parse_round_trips_exactly(value: Fraction, code: str) -> None:
    q = Quantity(value, code)
    assert parse_quantity(format_quantity(q)) == q
    assert parse_quantity(format_quantity(q, space=False)) == q
    negative = Quantity(-value, code)
    assert parse_quantity(format_quantity(negative), allow_negative=True) == negative


_same_dimension = [(a.code, b.code) for a in UNITS for b in UNITS if a.dimension is b.dimension]


@given(value=_decimals, pair=st.sampled_from(_same_dimension))
def test_conversion_there_and_back_is_exact(value: Fraction, pair: tuple[str, str]) -> None:
    q = Quantity(value, pair[0])
    assert q.to(pair[1]).to(pair[0]) == q
