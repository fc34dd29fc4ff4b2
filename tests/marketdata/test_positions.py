"""Position fields: what is accepted, and one clear message naming the field for everything else."""

from __future__ import annotations

import math

import pytest

from marketdata.positions import MAX_COST, MAX_SHARES, InvalidPosition, make_position, parse_amount, parse_position


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12.0), ("0.5", 0.5), (".25", 0.25), ("1,250.75", 1250.75), (" 3 ", 3.0), ("1000000000", MAX_SHARES),
])
def test_good_share_counts(text: str, value: float) -> None:
    assert parse_amount(text, "shares", MAX_SHARES) == value


def test_cost_may_start_with_a_dollar_sign() -> None:
    assert parse_position("MARA", "10", "$12.34") == make_position("MARA", 10.0, 12.34)


@pytest.mark.parametrize("text", [
    "", "   ", "-5", "0", "0.0", "NaN", "nan", "inf", "-inf", "1e308", "1e3", "12abc", "abc", "1.2.3", "1,2",
    "<b>5</b>", "<script>alert(1)</script>", "5; DROP TABLE positions", "１２", "\u00a05\x00", "1000000001",
])
def test_bad_share_counts_name_the_field(text: str) -> None:
    with pytest.raises(InvalidPosition) as caught:
        parse_position("MARA", text, "10")
    assert caught.value.field == "shares"
    assert str(caught.value).startswith("Shares ")


@pytest.mark.parametrize("text", ["", "-1", "0", "nan", "1e308", "$", "$-3", "ten", "<i>9</i>", "10000000.01"])
def test_bad_costs_name_the_field(text: str) -> None:
    with pytest.raises(InvalidPosition) as caught:
        parse_position("MARA", "5", text)
    assert caught.value.field == "avg_cost"
    assert str(caught.value).startswith("Average cost ")


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0.0, 1e308])
def test_numbers_are_checked_too(value: float) -> None:
    with pytest.raises(InvalidPosition):
        make_position("MARA", 1.0, value)
    with pytest.raises(InvalidPosition):
        make_position("MARA", value, 1.0)
    with pytest.raises(InvalidPosition):
        make_position("MARA", 1.0, MAX_COST * 1.01)
    with pytest.raises(InvalidPosition):
        make_position("MARA", MAX_SHARES * 1.01, 1.0)
