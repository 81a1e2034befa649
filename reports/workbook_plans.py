"""The ledger workbook's sheets about what comes before the meal (reports.workbook writes them):

- **审批与实际**: one row per plan (接待审批) of the year — number, dates, unit, status, approver,
  what was approved (guests, companions, meals, meal budget, budget) — next to the reception
  started from it (its number, date, status, guests, companions, meals, meal amount, total) and
  the figures that exceed the plan (超出审批); a plan with no reception says so. Then the
  approved receptions of the year not started from a plan of the year: without any plan
  (无接待审批, and 违规 when the policy's ``check_pre_approval`` made it a breach), or started from
  a plan of another year (compared with it all the same).
- **公函登记**: the letter register as far as it concerns the year: number, sending unit, title,
  date, scan yes/no, who registered it and when, and the plans and receptions citing it.

Both are streamed: the plans a chunk at a time with their receptions read in one query per
chunk, the receptions without plan as the 台账 pass meets them, the letters a chunk at a time.
Every text goes through the workbook's ``append`` (a string cell, never a formula). This module
imports nothing of ``reports.workbook``: the workbook hands in its ``prepare`` (sheet, widths →
styles).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.errors import NotFound
from ledger.i18n import tr
from ledger.preapproval import PLAN_STATUS, Actual, Letter, Plan, comparison
from ledger.records import Reception, Status, Violation

SHEET_PLANS = "审批与实际"
SHEET_LETTERS = "公函登记"

Prepare = Callable[[Any, list[float]], Any]


PLAN_HEADERS = (
    "审批编号",
    "拟接待日期",
    "结束日期",
    "来访单位",
    "审批状态",
    "审批人",
    "批准日期",
    "审批接待对象",
    "审批陪餐人数",
    "审批用餐次数",
    "审批餐费",
    "审批预算",
    "接待编号",
    "接待日期",
    "接待状态",
    "实际接待对象",
    "实际陪餐人数",
    "实际用餐次数",
    "实际餐费",
    "实际合计",
    "超出审批",
    "说明",
)
PLAN_WIDTHS = [14, 12, 12, 26, 9, 10, 12, 8, 8, 8, 12, 12, 14, 12, 9, 8, 8, 8, 12, 12, 22, 36]
_MONEY_AT = frozenset(PLAN_HEADERS.index(h) for h in ("审批餐费", "审批预算", "实际餐费", "实际合计"))
_DATE_AT = frozenset(PLAN_HEADERS.index(h) for h in ("拟接待日期", "结束日期", "批准日期", "接待日期"))


class PlanSheet:
    """审批与实际: ``plans`` writes the year's plans, ``reception`` each approved reception of the
    year as the 台账 pass meets it (only those not started from one of those plans are written),
    ``close`` the closing note."""

    def __init__(
        self, sheet: Any, prepare: Prepare, service: Any, year: int, reviewers: dict[str, str]
    ) -> None:
        self.styles = prepare(sheet, PLAN_WIDTHS)
        self.styles.append([self.styles.cell(tr(h), self.styles.header) for h in PLAN_HEADERS])
        self.service = service
        self.year = year
        self.reviewers = reviewers
        self.plan_ids: set[int] = set()
        self.plans_written = 0
        self.without_plan = 0
        self._other_years: dict[int, Plan | None] = {}
        self._second_part = False

    # ------------------------------------------------------------------ the plans of the year
    def plans(self) -> int:
        for chunk in self.service.plans_in_chunks(self.year):
            for plan, found in chunk:
                assert plan.id is not None
                self.plan_ids.add(plan.id)
                self._write(plan, found[0] if found else None, self._plan_note(plan, found))
                self.plans_written += 1
        if not self.plans_written:
            self.styles.append([tr("本年没有接待审批单。")])
        return self.plans_written

    def _plan_note(self, plan: Plan, found: list[Actual]) -> str:
        if plan.status == Status.VOID:
            return tr("已作废：{reason}").format(reason=plan.void_reason)
        if not found:
            return tr("尚无据此登记的接待") if plan.status == Status.APPROVED else tr("未批准")
        if len(found) > 1:
            return tr("据此登记的接待另有：{refs}").format(refs="、".join(r.ref for r in found[1:]))
        return ""

    # ------------------------------------------------------------------ receptions without a plan of the year
    def reception(self, r: Reception, violations: list[Violation]) -> None:
        if r.plan_id is not None and r.plan_id in self.plan_ids:
            return
        if not self._second_part:
            self._second_part = True
            self.styles.append([])
            self.styles.append(
                [self.styles.cell(tr("本年已审核、未据本年接待审批单登记的接待"), self.styles.bold)]
            )
        plan = self._plan_of_another_year(r.plan_id)
        if plan is not None:
            self._write(plan, Actual.of(r), tr("据 {year} 年的接待审批单登记").format(year=plan.start_date.year))
            return
        note = tr("无接待审批")
        if any(v.rule == "pre_approval_missing" for v in violations):
            note += tr("（违规：按现行标准须事前审批）")
        self._write(None, Actual.of(r), note, r.visiting_unit)
        self.without_plan += 1

    def _plan_of_another_year(self, plan_id: int | None) -> Plan | None:
        if plan_id is None:
            return None
        if plan_id not in self._other_years:
            try:
                self._other_years[plan_id] = self.service.plan(plan_id)
            except NotFound:
                self._other_years[plan_id] = None
        return self._other_years[plan_id]

    def close(self) -> None:
        self.styles.append([])
        self.styles.append(
            [
                tr(
                    "说明：每份本年接待审批单一行（按编号），右侧为据此登记的接待（作废的除外，草稿也列出并注明状态）；"
                    "“超出审批”列出实际超过审批的项目。其后为本年已审核、未据本年审批单登记的接待。"
                )
            ]
        )

    # ------------------------------------------------------------------ one row
    def _write(self, plan: Plan | None, r: Actual | None, note: str, unit: str = "") -> None:
        values: list[Any] = [None] * len(PLAN_HEADERS)
        if plan is not None:
            values[0:12] = [
                plan.ref,
                plan.start_date,
                plan.end_date,
                plan.visiting_unit,
                PLAN_STATUS.get(plan.status, plan.status.label),
                self.reviewers.get(plan.approved_by, plan.approved_by) or None,
                plan.approved_at.date() if plan.approved_at else None,
                plan.guest_count,
                plan.companion_count,
                len(plan.meals),
                plan.meal_budget,
                plan.budget,
            ]
        if r is not None:
            if plan is None:
                values[3] = unit
            values[12:20] = [
                r.ref,
                r.reception_date,
                r.status.label,
                r.guest_count,
                r.companion_count,
                r.meal_count,
                r.meal_total,
                r.total,
            ]
        if plan is not None and r is not None:
            values[20] = "、".join(line.label for line in comparison(r, plan) if line.over) or None
        values[21] = note or None
        styles = self.styles
        for i in _MONEY_AT:
            if values[i] is not None:
                values[i] = styles.cell(values[i], styles.money)
        for i in _DATE_AT:
            if isinstance(values[i], date):
                values[i] = styles.cell(values[i], styles.date)
        styles.append(values)


# ---------------------------------------------------------------------------- the letter register
LETTER_HEADERS = (
    "公函文号",
    "来文单位",
    "公函标题",
    "发文日期",
    "扫描件",
    "登记人",
    "登记日期",
    "引用次数",
    "引用",
)


def _of_year(letter: Letter, year: int) -> bool:
    """A letter concerns the year when a plan or reception of the year cites it, or (cited by
    none) when it is dated or was registered in the year."""
    if letter.uses:
        return any(u.day.year == year for u in letter.uses)
    day = letter.letter_date or (letter.created_at.date() if letter.created_at else None)
    return day is not None and day.year == year


def write_letters(sheet: Any, prepare: Prepare, service: Any, year: int, reviewers: dict[str, str]) -> int:
    """公函登记: the register's letters concerning ``year``, oldest registration first."""
    styles = prepare(sheet, [24, 24, 36, 12, 8, 10, 12, 8, 60])
    styles.append([styles.cell(tr(h), styles.header) for h in LETTER_HEADERS])
    count = 0
    for chunk in service.letters_in_chunks(year=year):
        for letter in chunk:
            if not _of_year(letter, year):
                continue
            styles.append(
                [
                    letter.letter_no,
                    letter.sending_unit or None,
                    letter.title or None,
                    styles.cell(letter.letter_date, styles.date) if letter.letter_date else None,
                    tr("有") if letter.scan_size else tr("无"),
                    reviewers.get(letter.created_by, letter.created_by) or None,
                    styles.cell(letter.created_at.date(), styles.date) if letter.created_at else None,
                    len(letter.uses),
                    "；".join(u.label for u in letter.uses) or tr("未被引用"),
                ]
            )
            count += 1
    if not count:
        styles.append([tr("本年没有登记或引用的公函。")])
    return count
