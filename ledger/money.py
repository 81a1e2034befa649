"""Exact money: Decimal in code, integer fen in storage, two decimals on paper.

Amounts are never floats. A float only enters from an Excel cell; it is turned into
its shortest decimal representation first, so a cell typed as 350.07 stays 350.07.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ledger.i18n import tr
from ledger.limits import MAX_AMOUNT

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_AMOUNT_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?", re.ASCII)


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money; the message is for the user."""


def parse_money(value: object, *, allow_negative: bool = False) -> Decimal:
    """Read an amount in yuan from user input or a spreadsheet cell.

    Accepts ints, Decimals, floats (as their shortest repr), and text such as
    ``"1,234.50"``, ``" 350 "``, ``"¥12.5"`` or ``"12.5元"``. Empty text is zero.
    Refuses negatives (unless allowed), non-numbers and more than two decimals.
    """
    if value is None:
        return ZERO
    if isinstance(value, bool):
        raise MoneyError(tr("不是金额：{value}").format(value=value))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyError(tr("不是金额：{value}").format(value=value))
        # to Excel's 15 significant digits, as the cell shows it: a formula's =100.1+200.2 is
        # 300.29999999999995 in binary, 300.3 on the clerk's screen (and 12.345 stays 12.345)
        amount = Decimal(format(value, ".15g"))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()  # full-width digits are digits
        for noise in ("¥", "元", " "):
            text = text.replace(noise, "")
        if not text:
            return ZERO
        # plain ASCII digits, commas only as thousands separators: "1,2,3", "1_000" or other
        # scripts' digits are not amounts a clerk meant
        if not _AMOUNT_TEXT.fullmatch(text):
            raise MoneyError(tr("不是金额：{value}").format(value=value))
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise MoneyError(tr("不是金额：{value}").format(value=value)) from None
    if not amount.is_finite():
        raise MoneyError(tr("不是金额：{value}").format(value=value))
    if amount < 0 and not allow_negative:
        raise MoneyError(tr("金额不能为负数：{value}").format(value=value))
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(tr("金额过大：{value}（超过 {max} 元，请核对）").format(value=value, max=MAX_AMOUNT))
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(tr("金额最多两位小数：{value}").format(value=value))
    return canonical(amount.quantize(CENT))


def canonical(amount: Decimal) -> Decimal:
    """One form per value: "-0.00" is "0.00" (a history that stored "-0.00" would read back
    "0.00" and look tampered with)."""
    return amount if amount or not amount.is_signed() else ZERO


def to_fen(amount: Decimal) -> int:
    """Yuan (at most two decimals) to integer fen."""
    known = _FEN.get(amount) if amount.is_finite() else None  # (a NaN is no key)
    if known is not None:
        return known
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(tr("金额最多两位小数：{value}").format(value=amount))
    if len(_FEN) >= _FEN_KEPT:
        _FEN.clear()
    known = _FEN[amount] = int(fen)
    return known


# amounts repeat (an import converts each reception's six to eight amounts): each is converted once
_FEN: dict[Decimal, int] = {}
_FEN_KEPT = 1 << 16


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def fmt(amount: Decimal, *, grouping: bool = True) -> str:
    """Two decimals, with thousands separators by default: ``1,234.50``."""
    q = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{q:,.2f}" if grouping else f"{q:.2f}"


def per_person(amount: Decimal, persons: int) -> Decimal:
    if persons <= 0:
        return ZERO
    return (amount / persons).quantize(CENT, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS_IN_GROUP = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group_to_capital(group: int) -> str:
    """0 < group < 10000, without leading zero handling across groups."""
    out = []
    digits = f"{group:04d}"
    zero_pending = False
    for i, ch in enumerate(digits):
        d = int(ch)
        unit = _UNITS_IN_GROUP[3 - i]
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[d] + unit)
    return "".join(out)


def capital(amount: Decimal) -> str:
    """人民币大写, as written on Chinese invoices and reimbursement forms.

    650.00 → 人民币陆佰伍拾元整; 1005.30 → 人民币壹仟零伍元叁角; 0.07 → 人民币柒分.
    """
    q = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if q < 0:
        return "负" + capital(-q)
    fen_total = int(q * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    parts: list[str] = []
    if yuan:
        groups: list[int] = []
        n = yuan
        while n:
            n, g = divmod(n, 10000)
            groups.append(g)
        text = ""
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                need_zero = bool(text)
                continue
            if text and (need_zero or g < 1000):
                text += "零"
            text += _group_to_capital(g) + _GROUPS[idx]
            need_zero = False
        parts.append(text + "元")
    if jiao == 0 and fen == 0:
        return "人民币" + ("".join(parts) if parts else "零元") + "整"
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "人民币" + "".join(parts)
