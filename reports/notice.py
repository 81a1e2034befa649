"""The public noticeboard sheet (公务接待公示表), A4 PDF (SPEC §6).

One row per approved, non-classified reception of the period, a total row, the posting
period in working days, the supervision telephone, prepared-by and reviewed-by lines.
Classified receptions never appear on it, not even their visiting unit. The internal copy
adds one reconciliation line: published total + classified total = ledger total.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from ledger.i18n import tr
from ledger.money import ZERO, fmt, per_person
from ledger.records import Bureau, LedgerQuery, Reception, Status
from ledger.trust import Stamp
from ledger.workdays import DEFAULT_CALENDAR, FIRST_DAY, LAST_DAY, WorkCalendar
from reports.common import CENTER, CellMaker, a4_pdf, cjk_style, long_date, para, period_label
from reports.fonts import register_cjk_font


class NoticeError(ValueError):
    """A notice that cannot be made (e.g. for a classified reception); the message is for the user."""


class _LedgerReader(Protocol):
    def bureau(self) -> Bureau: ...
    def get(self, reception_id: int) -> Reception: ...
    def receptions(
        self, query: LedgerQuery = ..., *, approved_only: bool = ..., include_classified: bool = ...
    ) -> list[Reception]: ...
    def count_and_total(self, query: LedgerQuery) -> tuple[int, Decimal]: ...
    def work_calendar(self) -> WorkCalendar: ...


@dataclass(frozen=True)
class Notice:
    """Everything one notice sheet shows."""

    bureau: Bureau
    date_from: date
    date_to: date
    posted_on: date
    receptions: tuple[Reception, ...]  # published: approved and not classified
    internal: bool = False
    single: bool = False  # the notice of one reception, right after its approval
    classified_count: int = 0
    classified_total: Decimal = ZERO
    ledger_count: int = 0  # every approved reception of the period, as the ledger counts it
    ledger_total: Decimal = ZERO
    calendar: WorkCalendar = DEFAULT_CALENDAR  # China's working days with the bureau's local holidays

    @property
    def published_total(self) -> Decimal:
        return sum((r.total for r in self.receptions), ZERO)

    @property
    def posting_start(self) -> date:
        return self.calendar.first_working_day(self.posted_on)

    @property
    def posting_until(self) -> date:
        return self.calendar.posting_end(self.posted_on, self.bureau.posting_days)

    @property
    def calendar_note(self) -> str:
        """Said on the sheet when a year of the posting period has no official schedule yet."""
        years = self.calendar.unknown_years(self.posted_on, self.posting_until)
        if not years:
            return ""
        return tr("{years}年的法定节假日安排本程序尚未收录，公示期按周一至周五计算。").format(
            years="、".join(str(y) for y in years)
        )

    @property
    def reception_ids(self) -> list[int]:
        return [r.id for r in self.receptions if r.id is not None]

    @property
    def reconciles(self) -> bool:
        return (
            self.published_total + self.classified_total == self.ledger_total
            and len(self.receptions) + self.classified_count == self.ledger_count
        )

    @property
    def title(self) -> str:
        return (self.bureau.name or "") + tr("公务接待公示表")

    @property
    def period(self) -> str:
        return period_label(self.date_from, self.date_to)


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the month ``day`` falls in."""
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def load_notice(
    service: _LedgerReader,
    date_from: date,
    date_to: date,
    *,
    posted_on: date | None = None,
    internal: bool = False,
) -> Notice:
    """The notice of the approved receptions dated ``date_from`` to ``date_to`` (inclusive)."""
    if date_to < date_from:
        raise NoticeError(
            tr("结束日期 {b} 早于开始日期 {a}").format(a=date_from.isoformat(), b=date_to.isoformat())
        )
    for day in (date_from, date_to, posted_on):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise NoticeError(
                tr("日期 {d} 超出范围：应在 {a} 至 {b} 之间").format(
                    d=day.isoformat(), a=FIRST_DAY.isoformat(), b=LAST_DAY.isoformat()
                )
            )
    query = LedgerQuery(date_from=date_from, date_to=date_to)
    classified: list[Reception] = []
    if internal:
        everything = service.receptions(query, approved_only=True, include_classified=True)
        published = [r for r in everything if not r.classified]
        classified = [r for r in everything if r.classified]
    else:
        published = service.receptions(query, approved_only=True, include_classified=False)
    ledger_count, ledger_total = service.count_and_total(
        LedgerQuery(date_from=date_from, date_to=date_to, status=Status.APPROVED)
    )
    return Notice(
        bureau=service.bureau(),
        date_from=date_from,
        date_to=date_to,
        posted_on=posted_on or date.today(),
        receptions=tuple(published),
        internal=internal,
        classified_count=len(classified),
        classified_total=sum((r.total for r in classified), ZERO),
        ledger_count=ledger_count,
        ledger_total=ledger_total,
        calendar=_calendar(service),
    )


def _calendar(service: object) -> WorkCalendar:
    work_calendar = getattr(service, "work_calendar", None)
    return work_calendar() if callable(work_calendar) else DEFAULT_CALENDAR


def load_single_notice(service: _LedgerReader, reception_id: int, *, posted_on: date | None = None) -> Notice:
    """The notice of one approved reception, posted right after its approval."""
    reception = service.get(reception_id)
    if reception.status != Status.APPROVED:
        raise NoticeError(
            tr("{ref} 状态为“{status}”：只有已审核的接待才能公示").format(
                ref=reception.ref, status=reception.status.label
            )
        )
    if reception.classified:
        raise NoticeError(tr("{ref} 为涉密接待，按规定不公示").format(ref=reception.ref))
    on = reception.reception_date
    return Notice(
        bureau=service.bureau(),
        date_from=on,
        date_to=reception.end_date or on,
        posted_on=posted_on or date.today(),
        receptions=(reception,),
        single=True,
        ledger_count=1,
        ledger_total=reception.total,
        calendar=_calendar(service),
    )


# ------------------------------------------------------------------------------ layout
CELL_SIZE = 8.5
PAD = 2.0
# (header, width) in the order of the columns
# the meal apart: 餐费 and 人均餐费 (the meal ÷ its diners), then the other costs and the total;
# no per-person figure mixes lodging or transport into the meal (a reader holds it to the cap)
COLUMNS: tuple[tuple[str, float], ...] = (
    (tr("编号"), 20 * mm),
    (tr("接待日期"), 17 * mm),
    (tr("来访单位"), 25 * mm),
    (tr("公务活动"), 24 * mm),
    (tr("接待\n对象\n（人）"), 11 * mm),  # (a 11 mm column holds three characters a line)
    (tr("陪餐\n（人）"), 10 * mm),
    (tr("就餐场所"), 18 * mm),
    (tr("餐费\n（元）"), 16 * mm),
    (tr("人均餐费\n（元）"), 14 * mm),
    (tr("其他费用\n（元）"), 15 * mm),
    (tr("合计\n（元）"), 16 * mm),
)
WIDTHS = [w for _, w in COLUMNS]
INNER = [w - 2 * PAD for w in WIDTHS]


def _date_text(r: Reception) -> str:
    if r.end_date and r.end_date != r.reception_date:
        end = r.end_date.isoformat() if r.end_date.year != r.reception_date.year else f"{r.end_date:%m-%d}"
        return f"{r.reception_date.isoformat()}\n{tr('至')}{end}"
    return r.reception_date.isoformat()


def notice_rows(receptions: Sequence[Reception], cell: CellMaker) -> list[list[object]]:
    """The body rows of the table: plain strings, broken into lines where they must wrap."""
    w_unit, w_activity, w_venue = INNER[2], INNER[3], INNER[6]
    rows: list[list[object]] = []
    append = rows.append
    for r in receptions:
        append(
            [
                r.ref,
                _date_text(r),
                cell(r.visiting_unit, w_unit),
                cell(r.activity, w_activity),
                str(r.guest_count),
                str(r.companion_count),
                cell(r.venue_summary or "—", w_venue),
                fmt(r.meal_total),
                fmt(r.meal_per_person) if r.meals else "—",
                fmt(r.other_costs_total),
                fmt(r.total),
            ]
        )
    return rows


def render_notice(notice: Notice, stamp: Stamp | None = None) -> bytes:
    """The notice sheet as PDF bytes; ``stamp``: the ledger fingerprint at its foot."""
    font = register_cjk_font()
    title_style = cjk_style("notice-title", 16, leading=22, align=CENTER)
    subtitle_style = cjk_style("notice-subtitle", 10.5, leading=15, align=CENTER)
    body = cjk_style("notice-body", 10, leading=15)
    header_style = cjk_style("notice-header", 8, leading=10, align=CENTER)
    cell = CellMaker(CELL_SIZE)

    header = [para(h, header_style) for h, _ in COLUMNS]
    rows = notice_rows(notice.receptions, cell)
    guests = sum(r.guest_count for r in notice.receptions)
    companions = sum(r.companion_count for r in notice.receptions)
    total = notice.published_total
    meals = sum((r.meal_total for r in notice.receptions), ZERO)
    diners = sum(r.meal_diners for r in notice.receptions)
    # few style commands: reportlab applies each to every cell again at every page split
    common: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, CELL_SIZE, CELL_SIZE * 1.25),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ]
    numbers = [("ALIGN", (4, 0), (10, -1), "RIGHT"), ("ALIGN", (6, 0), (6, -1), "LEFT")]
    # the body: no spans, so reportlab splits a 1,000-row table over pages cheaply
    table = Table([header, *rows], colWidths=WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle([*common, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")), *numbers])
    )
    # the total row: a one-row table of the same columns right under it
    if rows:
        total_row: list[object] = [
            tr("合计（{n} 批次）").format(n=len(rows)),
            "",
            "",
            "",
            str(guests),
            str(companions),
            "",
            fmt(meals),
            fmt(per_person(meals, diners)) if diners else "—",
            fmt(total - meals),
            fmt(total),
        ]
        span = [("SPAN", (0, 0), (3, 0)), ("ALIGN", (0, 0), (3, 0), "CENTER"), *numbers]
    else:
        total_row = [tr("本期无应公示的公务接待"), *([""] * (len(COLUMNS) - 1))]
        span = [("SPAN", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "CENTER")]
    totals = Table([total_row], colWidths=WIDTHS)
    totals.setStyle(
        TableStyle([*common, *span, ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f3f3"))])
    )

    title = notice.title + (tr("（内部核对本）") if notice.internal else "")
    story: list[object] = [
        para(title, title_style),
        para(tr("接待期间：{period}").format(period=notice.period), subtitle_style),
        Spacer(1, 4 * mm),
        table,
        totals,
        Spacer(1, 5 * mm),
    ]
    closing: list[object] = [
        para(
            tr("公示期：{a}至{b}（{n}个工作日）").format(
                a=long_date(notice.posting_start),
                b=long_date(notice.posting_until),
                n=notice.bureau.posting_days,
            ),
            body,
        ),
        *([para(notice.calendar_note, body)] if notice.calendar_note else []),
        para(
            tr("人均餐费 = 餐费 ÷ 就餐人数；住宿、交通等其他费用另列，不计入人均餐费。"),
            body,
        ),
        para(
            tr(
                "以上公务接待均已经分管领导审核。涉密事项按规定不予公示。"
                "如对公示内容有异议，请在公示期内向本单位反映。"
            ),
            body,
        ),
        para(
            tr("监督电话：{phone}").format(phone=notice.bureau.supervision_phone or "________________"),
            body,
        ),
    ]
    if notice.internal:
        ok = tr("核对相符") if notice.reconciles else tr("核对不符，请检查台账")
        closing += [
            Spacer(1, 2 * mm),
            para(
                tr(
                    "内部核对：公示合计 {pub} 元（{pn} 批次）+ 涉密接待合计 {cls} 元（{cn} 批次）"
                    "= 台账合计 {all} 元（{an} 批次），{ok}。本核对本仅供内部留存，不得张贴。"
                ).format(
                    pub=fmt(notice.published_total),
                    pn=len(notice.receptions),
                    cls=fmt(notice.classified_total),
                    cn=notice.classified_count,
                    all=fmt(notice.ledger_total),
                    an=notice.ledger_count,
                    ok=ok,
                ),
                body,
            ),
        ]
    closing += [
        Spacer(1, 8 * mm),
        para(
            tr("制表人：________________　　审核人：________________　　公示日期：{day}").format(
                day=long_date(notice.posted_on)
            ),
            body,
        ),
    ]
    story.append(KeepTogether(closing))

    return a4_pdf(
        story,
        title=f"{title} {notice.period}",
        author=notice.bureau.name,
        footer=f"{notice.title}（{notice.period}）",
        font_size=CELL_SIZE,
        stamp=stamp,
    )
