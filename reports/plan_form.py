"""The pre-approval form (公务接待审批单) of one plan, A4 PDF, as bureaus print it.

The title (bureau + 公务接待审批单), the plan's number and status; the visit: visiting unit,
activity and its kind, the letter (with what the register knows of it: sending unit, title,
date) or the phone record, the planned dates; the guests and companions (counts and names);
the planned meals (date, kind, venue, venue type, diners, standard per person, amount);
lodging and the budget (in figures and in capitals); the remarks; what the plan itself would
breach (``LedgerService.plan_breaches``) in a box; and the signature lines 经办人 / 科室负责人 /
分管领导审批意见, with the approver's name, comment and date once approved. A plan not approved
carries 未审批 across each page, a void one 已作废 with its reason. Same font and foot as every
sheet (``common.a4_pdf``: page numbers, the ledger fingerprint and its QR code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from ledger.i18n import tr
from ledger.money import capital, fmt
from ledger.policy import RULES
from ledger.preapproval import PLAN_STATUS, Letter, Plan
from ledger.records import Bureau, Person, Status, User, Violation
from ledger.trust import Stamp
from reports.common import CENTER, FORM_WIDTH, GREY, a4_pdf, cjk_style, grid, long_date, para
from reports.fonts import register_cjk_font


class _PlanReader(Protocol):
    def bureau(self) -> Bureau: ...
    def plan(self, plan_id: int) -> Plan: ...
    def plan_by_ref(self, ref: str) -> Plan: ...
    def plan_breaches(self, plan: Plan) -> tuple[Violation, ...]: ...
    def find_letter(self, letter_no: str) -> Letter | None: ...
    def users(self) -> list[User]: ...


WIDTH = FORM_WIDTH



@dataclass(frozen=True)
class PlanForm:
    bureau: Bureau
    plan: Plan
    breaches: tuple[Violation, ...]
    letter: Letter | None = None  # the register's entry of the plan's letter
    names: tuple[tuple[str, str], ...] = ()  # username → display name

    @property
    def title(self) -> str:
        return (self.bureau.name or "") + tr("公务接待审批单")

    def name_of(self, username: str) -> str:
        return dict(self.names).get(username, username)


def load_plan_form(service: _PlanReader, plan: Plan | int | str) -> PlanForm:
    """The form of a plan given as a record, an id, or a number such as ``SP-2026-0001``."""
    if isinstance(plan, int):
        plan = service.plan(plan)
    elif isinstance(plan, str):
        plan = service.plan_by_ref(plan)
    letter = service.find_letter(plan.letter_no) if plan.letter_no else None
    names = tuple((u.username, u.label) for u in service.users())
    return PlanForm(service.bureau(), plan, tuple(service.plan_breaches(plan)), letter, names)


def status_label(status: Status) -> str:
    return PLAN_STATUS.get(status, status.label)


def _people(group: tuple[Person, ...]) -> str:
    return "、".join(p.name for p in group if p.name)


def _watermark(text: str, rgb: tuple[float, float, float]) -> Any:
    """Draws ``text`` large and light across the middle of each page (未审批, 已作废)."""
    font = register_cjk_font()

    def draw(canvas: Any, doc: Any) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColorRGB(*rgb)
        canvas.setFont(font, 96)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -30, text)
        canvas.restoreState()

    return draw


def render_plan_form(form: PlanForm, stamp: Stamp | None = None) -> bytes:
    """The 接待审批单 as PDF bytes; ``stamp``: the ledger fingerprint at its foot."""
    font = register_cjk_font()
    plan = form.plan
    size = 9
    title_style = cjk_style("plan-title", 16, leading=22, align=CENTER)
    small_right = cjk_style("plan-right", 9, leading=13, align=TA_RIGHT)
    cell = cjk_style("plan-cell", size, leading=size * 1.35)
    section = cjk_style("plan-section", 10.5, leading=16)
    body = cjk_style("plan-body", 10, leading=16)
    void_style = cjk_style("plan-void", 14, leading=20, align=CENTER)
    void_style.textColor = colors.HexColor("#b71c1c")

    def p(text: str) -> object:
        return para(text, cell)

    story: list[object] = [para(form.title, title_style)]
    state = tr("编号：{ref}　　状态：{status}").format(ref=plan.ref or "—", status=status_label(plan.status))
    if plan.status not in (Status.APPROVED, Status.VOID):
        state += tr("（未经审批，不能据此接待）")
    story += [para(state, small_right)]
    if plan.status == Status.VOID:
        story.append(para(tr("已作废　理由：{reason}").format(reason=plan.void_reason or "—"), void_style))
    story.append(Spacer(1, 2 * mm))
    story += _visit(form, p, font, size)
    story += _people_section(plan, p, font, size, section, body)
    story += _meals_section(plan, p, font, size, section, body)
    story += _budget_section(plan, p, font, size, section)
    story += _breach_box(form, p, font, size, section)
    if plan.remarks:
        story.append(para(tr("备注：{text}").format(text=plan.remarks), body))
    if plan.receptions:
        story.append(para(tr("据此登记的接待：{refs}").format(refs="、".join(plan.receptions)), body))
    story.append(KeepTogether(_signatures(form, body)))

    on_page = None
    if plan.status == Status.VOID:
        on_page = _watermark(tr("已作废"), (0.96, 0.82, 0.82))
    elif plan.status != Status.APPROVED:
        on_page = _watermark(tr("未审批"), (0.9, 0.9, 0.9))
    return a4_pdf(
        story,
        title=f"{form.title} {plan.ref}",
        author=form.bureau.name,
        footer=f"{form.title} {plan.ref}",
        font_size=size,
        stamp=stamp,
        on_page=on_page,
    )


def _visit(form: PlanForm, p: Any, font: str, size: float) -> list[object]:
    plan = form.plan
    when = long_date(plan.start_date)
    if plan.end_date and plan.end_date != plan.start_date:
        when += tr("至") + long_date(plan.end_date)
    letter = plan.letter_no or tr("无")
    registered = "—"
    if form.letter is not None:
        parts = []
        if form.letter.sending_unit:
            parts.append(tr("来文单位 {unit}").format(unit=form.letter.sending_unit))
        if form.letter.title:
            parts.append(tr("《{title}》").format(title=form.letter.title))
        if form.letter.letter_date:
            parts.append(tr("发文日期 {day}").format(day=long_date(form.letter.letter_date)))
        if form.letter.scan_size:
            parts.append(tr("已存扫描件"))
        registered = "，".join(parts) or tr("已登记（未填来文详情）")
    rows = [
        [tr("来访单位"), p(plan.visiting_unit), tr("活动类型"), p(plan.activity_kind)],
        [tr("公务活动"), p(plan.activity), "", ""],
        [tr("公函文号"), p(letter), tr("拟接待日期"), p(when)],
        [tr("公函登记"), p(registered), "", ""],
        [tr("电话记录"), p(plan.phone_record or tr("无")), "", ""],
        [
            tr("接待对象"),
            tr("{n} 人").format(n=plan.guest_count),
            tr("陪餐人员"),
            tr("{n} 人").format(n=plan.companion_count),
        ],
        [
            tr("来宾类别"),
            p(plan.guest_origin or tr("按本地单位名单")),
            tr("经办人"),
            p(form.name_of(plan.created_by) or "—"),
        ],
    ]
    style = grid(font, size) + [("BACKGROUND", (0, 0), (0, -1), GREY)]
    for row in (0, 2, 5, 6):
        style.append(("BACKGROUND", (2, row), (2, row), GREY))
    for row in (1, 3, 4):
        style.append(("SPAN", (1, row), (3, row)))
    table = Table(rows, colWidths=[26 * mm, 72 * mm, 24 * mm, 64 * mm])
    table.setStyle(TableStyle(style))
    return [table, Spacer(1, 2 * mm)]


def _people_section(plan: Plan, p: Any, font: str, size: float, section: Any, body: Any) -> list[object]:
    out: list[object] = [para(tr("一、人员名单"), section)]
    rows: list[list[object]] = [[tr("类别"), tr("序号"), tr("姓名"), tr("单位"), tr("职务")]]
    for label, group in ((tr("接待对象"), plan.guests), (tr("陪餐人员"), plan.companions)):
        for i, person in enumerate(group, start=1):
            rows.append([label, str(i), p(person.name), p(person.unit), p(person.title)])
    if len(rows) > 1:
        table = Table(rows, colWidths=[22 * mm, 12 * mm, 32 * mm, 78 * mm, 42 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                grid(font, size)
                + [("BACKGROUND", (0, 0), (-1, 0), GREY), ("ALIGN", (1, 0), (1, -1), "CENTER")]
            )
        )
        out.append(table)
    else:
        out.append(para(tr("未列接待对象和陪餐人员的姓名。"), body))
    notes = []
    for label, count, group in (
        (tr("接待对象"), plan.guest_count, plan.guests),
        (tr("陪餐人员"), plan.companion_count, plan.companions),
    ):
        named = sum(1 for x in group if x.name)
        if named < count:
            notes.append(tr("{label} {n} 人，名单只列了 {k} 人").format(label=label, n=count, k=named))
    if notes:
        out.append(para(tr("注：") + "；".join(notes) + tr("。"), body))
    out.append(Spacer(1, 2 * mm))
    return out


def _meals_section(plan: Plan, p: Any, font: str, size: float, section: Any, body: Any) -> list[object]:
    out: list[object] = [para(tr("二、拟安排用餐"), section)]
    if not plan.meals:
        out += [para(tr("不安排用餐。"), body), Spacer(1, 2 * mm)]
        return out
    rows: list[list[object]] = [
        [
            tr("日期"),
            tr("餐别"),
            tr("就餐场所"),
            tr("场所类型"),
            tr("人数"),
            tr("餐标（元/人）"),
            tr("金额"),
        ]
    ]
    for m in plan.meals:
        rows.append(
            [
                m.date.isoformat(),
                m.kind_label,
                p(m.venue or "—"),
                p(m.venue_type or "—"),
                str(m.diners),
                fmt(m.standard),
                fmt(m.amount),
            ]
        )
    rows.append([tr("用餐预算合计"), "", "", "", "", "", fmt(plan.meal_budget)])
    table = Table(
        rows,
        colWidths=[22 * mm, 14 * mm, 54 * mm, 26 * mm, 14 * mm, 26 * mm, 30 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            grid(font, size)
            + [
                ("BACKGROUND", (0, 0), (-1, 0), GREY),
                ("BACKGROUND", (0, -1), (-1, -1), GREY),
                ("SPAN", (0, -1), (5, -1)),
                ("ALIGN", (4, 1), (6, -1), "RIGHT"),
            ]
        )
    )
    out += [table, Spacer(1, 2 * mm)]
    return out


def _budget_section(plan: Plan, p: Any, font: str, size: float, section: Any) -> list[object]:
    lodging = (
        tr("{persons} 人 × {nights} 晚").format(persons=plan.lodging_persons, nights=plan.lodging_nights)
        if plan.lodging_persons and plan.lodging_nights
        else tr("不安排住宿")
    )
    rows = [
        [tr("住宿"), p(lodging)],
        [tr("预算合计"), p(f"{fmt(plan.budget)} 元　{capital(plan.budget)}")],
    ]
    table = Table(rows, colWidths=[26 * mm, WIDTH - 26 * mm])
    table.setStyle(TableStyle(grid(font, size) + [("BACKGROUND", (0, 0), (0, -1), GREY)]))
    return [para(tr("三、住宿及预算"), section), table, Spacer(1, 2 * mm)]


def _breach_box(form: PlanForm, p: Any, font: str, size: float, section: Any) -> list[object]:
    out: list[object] = [para(tr("四、按接待标准核对"), section)]
    if form.breaches:
        lines: list[list[object]] = [[p(tr("按现行接待标准，本审批单所列安排有以下问题，请审批时注意："))]]
        for i, v in enumerate(form.breaches, start=1):
            lines.append([p(f"{i}. {RULES.get(v.rule, v.rule)}：{v.message}")])
        border = colors.HexColor("#b71c1c")
    else:
        lines = [[p(tr("经核对，本审批单所列安排符合现行接待标准。"))]]
        border = colors.black
    box = Table(lines, colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("BOX", (0, 0), (-1, -1), 1.2, border),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    out += [box, Spacer(1, 2 * mm)]
    return out


def _signatures(form: PlanForm, body: Any) -> list[object]:
    plan = form.plan
    blank_day = tr("____年__月__日")
    submitted = long_date(plan.submitted_at.date()) if plan.submitted_at else blank_day
    approved = plan.status == Status.APPROVED
    approver = form.name_of(plan.approved_by) if approved and plan.approved_by else ""
    day = long_date(plan.approved_at.date()) if approved and plan.approved_at else blank_day
    comment = (plan.review_comment or tr("同意")) if approved else ""
    if not approved and plan.status == Status.RETURNED and plan.review_comment:
        comment = tr("退回：{text}").format(text=plan.review_comment)
    clerk = form.name_of(plan.submitted_by or plan.created_by)
    return [
        Spacer(1, 5 * mm),
        para(
            tr("经办人：{name}　　签字：________________　　日期：{day}").format(
                name=clerk or "________", day=submitted
            ),
            body,
        ),
        Spacer(1, 3 * mm),
        para(
            tr("科室负责人意见：______________　　签字：______________　　日期：{day}").format(day=blank_day),
            body,
        ),
        Spacer(1, 3 * mm),
        para(
            tr("分管领导审批意见：{comment}").format(comment=comment or "________________________________"),
            body,
        ),
        Spacer(1, 2 * mm),
        para(
            tr("分管领导：{name}　　签字：________________　　审批日期：{day}").format(
                name=approver or "________", day=day
            ),
            body,
        ),
    ]
