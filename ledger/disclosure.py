"""The yearly disclosure of reception spending (部门决算 三公经费 公开, SPEC §5 and §7).

Figures, as bureaus publish them:

- **total** (公务接待费支出): the approved receptions with a reception date in the year,
  classified ones included (they are spending like any other), in 万元 with two decimals;
- **change** on the previous year's approved total, in 万元 and in percent
  (``change_rate`` = change / previous total, rounded half-up to 4 places; none when the
  previous year spent nothing). A year whose previous year has no approved reception in the
  ledger (the bureau's first year in it) states no change and no previous figure: that the ledger
  holds nothing for it does not mean nothing was spent, so the paragraph says the previous year
  is not in the ledger instead;
- **batches** (批次) and **person-visits** (人次) of domestic receptions: the number of
  receptions and the sum of their guests (companions are not counted);
- **foreign receptions apart** (外宾接待): guest origin 外宾, their amount, batches and
  person-visits, never mixed into the domestic figures.

``text()`` is the paragraph a bureau pastes into its 部门决算 公开, with a place for the
reason of the change that only the bureau can write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ledger.i18n import tr
from ledger.models import ReceptionRow
from ledger.money import CENT, from_fen
from ledger.records import Status

FOREIGN = "外宾"
RATE_PLACES = Decimal("0.0001")
TEN_THOUSAND = Decimal(10000)
REASON_PLACEHOLDER = tr("（请填写增减变化的主要原因）")
NO_PREVIOUS_YEAR = tr("上年台账中没有已审核的公务接待记录，未与上年比较")

JSON_KEYS: tuple[str, ...] = (
    "year",
    "total",
    "previous_total",
    "change",
    "change_rate",
    "batches",
    "person_visits",
    "foreign_batches",
    "foreign_person_visits",
    "text",
)


def wan(amount: Decimal) -> Decimal:
    """Yuan → 万元, two decimals, half-up."""
    return (amount / TEN_THOUSAND).quantize(CENT, ROUND_HALF_UP)


def wan_text(amount: Decimal) -> str:
    return f"{wan(amount):.2f}"


@dataclass(frozen=True)
class Disclosure:
    year: int
    domestic_total: Decimal
    foreign_total: Decimal
    previous_total: Decimal
    batches: int  # domestic receptions
    person_visits: int  # their guests
    foreign_batches: int
    foreign_person_visits: int
    previous_receptions: int  # approved receptions of the year before; none: not in the ledger
    as_of: date | None = None  # the day the figures were read, when the year is not over yet

    @property
    def has_previous(self) -> bool:
        """Whether the ledger holds the previous year (an approved reception of it)."""
        return self.previous_receptions > 0

    @property
    def total(self) -> Decimal:
        return self.domestic_total + self.foreign_total

    @property
    def change(self) -> Decimal:
        return self.total - self.previous_total

    @property
    def change_rate(self) -> Decimal | None:
        if not self.has_previous or not self.previous_total:
            return None
        return (self.change / self.previous_total).quantize(RATE_PLACES, ROUND_HALF_UP)

    @property
    def change_wan(self) -> Decimal:
        """The change as published: the difference of the two published 万元 figures, so that a
        reader who subtracts them finds the same number."""
        return wan(self.total) - wan(self.previous_total)

    def unfinished_note(self) -> str:
        """What a reader of a year not over yet must know ("" once it is over)."""
        if self.as_of is None:
            return ""
        return tr("注意：{year} 年尚未结束，以上为截至 {day} 的数字；年度公开应在年度结束后发布").format(
            year=self.year, day=self.as_of.isoformat()
        )

    def change_sentence(self) -> str:
        """比上年减少0.28万元，下降4.27%"""
        if not self.has_previous:
            return NO_PREVIOUS_YEAR
        if self.change == 0:
            return tr("与上年持平")
        if self.change_wan == 0:
            return tr("与上年基本持平（相差不足0.01万元）")
        more = self.change_wan > 0
        amount = tr("比上年{verb}{wan}万元").format(
            verb=tr("增加") if more else tr("减少"), wan=f"{abs(self.change_wan):.2f}"
        )
        rate = self.change_rate
        if rate is None:  # approved receptions of last year that cost nothing
            return amount
        percent = (abs(rate) * 100).quantize(CENT, ROUND_HALF_UP)
        if percent == 0:
            return amount + tr("，{verb}不足0.01%").format(verb=tr("增长") if more else tr("下降"))
        return amount + tr("，{verb}{p}%").format(verb=tr("增长") if more else tr("下降"), p=f"{percent:.2f}")

    def text(self, reason: str = "") -> str:
        """The paragraph for the 部门决算 公开; ``reason`` is the bureau's own words for the change
        (not used when the previous year is not in the ledger: no change is stated)."""
        reason = reason.strip().rstrip("。")
        if self.has_previous:
            out = tr("{year}年度公务接待费支出{total}万元，{change}。").format(
                year=self.year, total=wan_text(self.total), change=self.change_sentence()
            )
            if self.change != 0:
                out += tr("主要原因是{reason}。").format(reason=reason or REASON_PLACEHOLDER)
        else:  # no change is stated, so there is none to explain
            out = tr("{year}年度公务接待费支出{total}万元（{no_previous}）。").format(
                year=self.year, total=wan_text(self.total), no_previous=NO_PREVIOUS_YEAR
            )
        out += tr("其中：国内公务接待费{amount}万元，国内公务接待{b}批次、{v}人次").format(
            amount=wan_text(self.domestic_total), b=self.batches, v=self.person_visits
        )
        if self.foreign_batches:
            out += tr("；外宾接待费{amount}万元，外宾接待{b}批次、{v}人次。").format(
                amount=wan_text(self.foreign_total), b=self.foreign_batches, v=self.foreign_person_visits
            )
        else:
            out += tr("；未发生外宾接待。")
        return out

    def to_json(self, reason: str = "") -> dict[str, Any]:
        rate = self.change_rate
        known = self.has_previous
        return {
            "year": self.year,
            "total": f"{self.total:.2f}",
            "previous_total": f"{self.previous_total:.2f}" if known else None,
            "change": f"{self.change:.2f}" if known else None,
            "change_rate": None if rate is None else f"{rate:.4f}" if rate else "0.0000",
            "batches": self.batches,
            "person_visits": self.person_visits,
            "foreign_batches": self.foreign_batches,
            "foreign_person_visits": self.foreign_person_visits,
            "text": self.text(reason),
        }


def year_disclosure(s: Session, year: int, today: date | None = None) -> Disclosure:
    """The disclosure figures of ``year``: approved receptions of the year and the one before,
    grouped by year (on the figures index), and the foreign ones apart (on the origin index);
    read ``today``, a day of the year or before it, they are marked as of it."""
    r = ReceptionRow
    which = case((r.reception_date >= date(year, 1, 1), year), else_=year - 1)
    window = (
        r.status == Status.APPROVED.value,
        r.reception_date >= date(year - 1, 1, 1),
        r.reception_date <= date(year, 12, 31),
    )
    totals: dict[int, tuple[int, int, int]] = {}
    foreign: dict[int, tuple[int, int, int]] = {}
    for target, condition in ((totals, None), (foreign, r.guest_origin == FOREIGN)):
        stmt = select(which, func.count(), func.sum(r.total_fen), func.sum(r.guest_count)).where(*window)
        if condition is not None:
            stmt = stmt.where(condition)
        for y, count, fen, guests in s.execute(stmt.group_by(which)):
            target[int(y)] = (int(count), int(fen or 0), int(guests or 0))
    empty = (0, 0, 0)
    every, abroad = totals.get(year, empty), foreign.get(year, empty)
    return Disclosure(
        year=year,
        domestic_total=from_fen(every[1] - abroad[1]),
        foreign_total=from_fen(abroad[1]),
        previous_total=from_fen(totals.get(year - 1, empty)[1]),
        batches=every[0] - abroad[0],
        person_visits=every[2] - abroad[2],
        foreign_batches=abroad[0],
        foreign_person_visits=abroad[2],
        previous_receptions=totals.get(year - 1, empty)[0],
        as_of=today if today is not None and today <= date(year, 12, 31) else None,
    )
