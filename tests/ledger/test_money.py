from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.money import MoneyError, capital, fmt, from_fen, parse_money, to_fen


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1，234.5", "1234.50"),
        (" 350 ", "350.00"),
        ("¥12.5", "12.50"),
        ("12.5元", "12.50"),
        (350.07, "350.07"),  # an Excel float typed as 350.07 stays 350.07
        (0.1 + 0.2 - 0.3 + 350.07, "350.07"),
        (100, "100.00"),
        ("", "0.00"),
        (None, "0.00"),
        (Decimal("7.1"), "7.10"),
    ],
)
def test_parse_money_accepts(raw: object, expected: str) -> None:
    assert parse_money(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5", "金额不能为负数"),
        (-0.01, "金额不能为负数"),
        ("12.345", "最多两位小数"),
        (350.075, "最多两位小数"),
        ("abc", "不是金额"),
        ("1.2.3", "不是金额"),
        (float("nan"), "不是金额"),
        (True, "不是金额"),
    ],
)
def test_parse_money_refuses_with_a_message(raw: object, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_money(raw)


def test_a_formulas_float_is_read_as_the_cell_shows_it() -> None:
    """A 餐费 cell =100.1+200.2 holds 300.29999999999995 and shows 300.3: it was refused with
    "金额最多两位小数：300.29999999999995", a number the clerk never saw. Excel shows 15
    significant digits; a third decimal there is still refused."""
    assert parse_money(100.1 + 200.2) == Decimal("300.30")
    assert parse_money(19.9 * 3) == Decimal("59.70")
    assert parse_money(0.1 + 0.2) == Decimal("0.30")
    with pytest.raises(MoneyError, match="最多两位小数：12.345"):
        parse_money(12.345)


@given(st.integers(min_value=0, max_value=99_999_999_999))
def test_fen_round_trip(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen
    assert parse_money(fmt(from_fen(fen))) == from_fen(fen)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("650.00", "人民币陆佰伍拾元整"),
        ("0.00", "人民币零元整"),
        ("0.07", "人民币柒分"),
        ("0.50", "人民币伍角整"),
        ("10.05", "人民币壹拾元零伍分"),
        ("1005.30", "人民币壹仟零伍元叁角整"),
        ("1000.00", "人民币壹仟元整"),
        ("10000.00", "人民币壹万元整"),
        ("100010.00", "人民币壹拾万零壹拾元整"),
        ("1010000.00", "人民币壹佰零壹万元整"),
        ("1234567.89", "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        ("100000000.00", "人民币壹亿元整"),
        ("350.07", "人民币叁佰伍拾元零柒分"),
    ],
)
def test_capital(amount: str, words: str) -> None:
    assert capital(Decimal(amount)) == words


def test_fmt_groups_thousands() -> None:
    assert fmt(Decimal("1234567.5")) == "1,234,567.50"
    assert fmt(Decimal("12"), grouping=False) == "12.00"


@pytest.mark.parametrize("text", ["1e30", "-1e30", "1000000000", "1E+999999", "99999999999999999999999"])
def test_amounts_above_the_ceiling_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(MoneyError, match="金额过大"):
        parse_money(text, allow_negative=True)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "sNaN", float("inf"), float("nan")])
def test_infinities_and_nan_are_not_amounts(value: object) -> None:
    with pytest.raises(MoneyError, match="不是金额"):
        parse_money(value)


@pytest.mark.parametrize("value", ["-0", "-0.00", Decimal("-0"), -0.0, "-0.0"])
def test_negative_zero_is_zero(value: object) -> None:
    amount = parse_money(value)
    assert str(amount) == "0.00"


@pytest.mark.parametrize("text", ["1,2,3", "1_000", "٣٠٠", "12,34.5", "+"])
def test_odd_number_text_is_not_an_amount(text: str) -> None:
    with pytest.raises(MoneyError, match="不是金额"):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "amount"), [("１２３", "123.00"), ("￥1，234.50", "1234.50"), ("12.5元", "12.50")]
)
def test_full_width_amounts_are_read(text: str, amount: str) -> None:
    assert str(parse_money(text)) == amount


def test_to_fen_answers_the_same_when_it_remembers() -> None:
    """to_fen remembers each amount it converted: written differently, the same value gives the
    same fen; an amount with a third decimal is refused every time, never remembered."""
    for _ in range(2):
        assert [to_fen(Decimal(t)) for t in ("12.5", "12.50", "-0.00", "0", "99999999.99")] == [1250, 1250, 0, 0, 9999999999]
        with pytest.raises(MoneyError):
            to_fen(Decimal("12.505"))
