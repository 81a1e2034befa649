"""The reception list (公务接待清单) of one reception, for reimbursement, A4 PDF (SPEC §6).

Everything SPEC §3 records for the reception: the visit and its letter, every guest and
companion with unit and title, the meals, the other costs, each breach with its
explanation, the total in figures and in capitals (人民币大写), the over-standard amount
the bureau may not reimburse, and signature lines for 经办人 and 分管领导 with the
approval date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from ledger.i18n import tr
from ledger.money import capital, fmt
from ledger.policy import RULES
from ledger.preapproval import PLAN_STATUS, Letter, Plan, PlanLine
from ledger.records import ATTACHMENT_KINDS, Assessment, Bureau, Reception, Status, User
from ledger.trust import Stamp
from reports.common import CENTER, FORM_WIDTH, GREY, a4_pdf, cjk_style, grid, long_date, para
from reports.fonts import register_cjk_font


class _LedgerReader(Protocol):
    def bureau(self) -> Bureau: ...
    def get(self, reception_id: int) -> Reception: ...
    def get_by_ref(self, ref: str) -> Reception: ...
    def assess(self, reception: Reception) -> Assessment: ...
    def users(self) -> list[User]: ...
    def plan_comparison(self, reception: Reception) -> tuple[Plan, list[PlanLine]] | None: ...
    def find_letter(self, letter_no: str) -> Letter | None: ...


@dataclass(frozen=True)
class Slip:
    bureau: Bureau
    reception: Reception
    assessment: Assessment
    approver_name: str = ""  # the approver's display name, or the paper reviewer's name
    # before the meal: the plan it was started from and its figures against the plan's, the
    # register's entry of its letter
    plan: Plan | None = None
    plan_lines: tuple[PlanLine, ...] = ()
    letter: Letter | None = None

    @property
    def title(self) -> str:
        return (self.bureau.name or "") + tr("公务接待清单")


def load_slip(service: _LedgerReader, reception: Reception | int | str) -> Slip:
    """The slip of a reception given as a record, an id, or a reference such as ``JD-2025-0007``."""
    if isinstance(reception, int):
        reception = service.get(reception)
    elif isinstance(reception, str):
        reception = service.get_by_ref(reception)
    names = {u.username: u.label for u in service.users()}
    approver = names.get(reception.approved_by, reception.approved_by) if reception.approved_by else ""
    slip = Slip(service.bureau(), reception, service.assess(reception), approver)
    return _with_plan_and_letter(service, slip)


def _with_plan_and_letter(service: _LedgerReader, slip: Slip) -> Slip:
    from dataclasses import replace

    r = slip.reception
    compared = service.plan_comparison(r)
    letter = service.find_letter(r.letter_no) if r.letter_no else None
    if compared is None:
        return replace(slip, letter=letter)
    return replace(slip, plan=compared[0], plan_lines=tuple(compared[1]), letter=letter)


# ------------------------------------------------------------------------------ layout
WIDTH = FORM_WIDTH


def _money_or_dash(amount: Decimal) -> str:
    return fmt(amount) if amount else "—"


def render_slip(slip: Slip, stamp: Stamp | None = None) -> bytes:
    """The reception list as PDF bytes; ``stamp``: the ledger fingerprint at its foot.

    A list one page cannot hold at the usual size (many guests, several meals) is set tighter
    when that brings it onto fewer pages; the signatures always stay with what stands before them."""
    pdf, pages = _render_slip(slip, stamp, tight=False)
    if pages > 1:
        tight, fewer = _render_slip(slip, stamp, tight=True)
        if fewer < pages:
            return tight
    return pdf


def _render_slip(slip: Slip, stamp: Stamp | None, *, tight: bool) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    font = register_cjk_font()
    r = slip.reception
    a = slip.assessment
    size = 8 if tight else 9
    gap = (1 if tight else 2) * mm
    lead = 13 if tight else 16
    title_style = cjk_style("slip-title", 16, leading=22, align=CENTER)
    small_right = cjk_style("slip-right", 9, leading=13, align=TA_RIGHT)
    cell = cjk_style("slip-cell", size, leading=size * 1.35)
    section = cjk_style("slip-section", 10.5, leading=lead)
    body = cjk_style("slip-body", 10, leading=lead)

    def ruled() -> list[tuple[object, ...]]:
        padding = [("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        return grid(font, size) + (padding if tight else [])

    def p(text: str) -> object:
        return para(text, cell)

    story: list[object] = [para(slip.title, title_style)]
    state = tr("编号：{ref}　　状态：{status}").format(ref=r.ref or "—", status=r.status.label)
    if r.status == Status.VOID:
        state += tr("（已作废：{reason}）").format(reason=r.void_reason)
    elif r.status != Status.APPROVED:
        state += tr("（未经审核，不能作为报销凭证）")
    story += [para(state, small_right)]
    if r.reimbursement_no:
        on = long_date(r.reimbursed_on) if r.reimbursed_on else "—"
        story.append(
            para(tr("报销：凭证号 {no}，日期 {on}").format(no=r.reimbursement_no, on=on), small_right)
        )
    story.append(Spacer(1, gap))

    # -- the visit ---------------------------------------------------------------------
    when = long_date(r.reception_date)
    if r.end_date and r.end_date != r.reception_date:
        when += tr("至") + long_date(r.end_date)
    letter = r.letter_no or tr("无")
    phone = r.phone_record or tr("无")
    classified = tr("是（{reason}）").format(reason=r.classified_reason) if r.classified else tr("否")
    visit = [
        [tr("接待日期"), p(when), tr("活动类型"), p(r.activity_kind)],
        [tr("来访单位"), p(r.visiting_unit), "", ""],
        [tr("公务活动"), p(r.activity), "", ""],
        [tr("公函文号"), p(letter), tr("公函标题"), p(r.letter_title or "—")],
        [tr("电话记录"), p(phone), "", ""],
        [
            tr("接待对象"),
            tr("{n} 人").format(n=r.guest_count),
            tr("陪餐人员"),
            tr("{n} 人").format(n=r.companion_count),
        ],
        [
            tr("工作保障人员"),
            tr("{n} 人").format(n=len(r.staff)),
            tr("来宾类别"),
            p(r.guest_origin or tr("按本地单位名单")),
        ],
        [tr("支付方式"), r.payment_method, tr("涉密"), p(classified)],
    ]
    visit_style = ruled() + [
        ("BACKGROUND", (0, 0), (0, -1), GREY),
        ("BACKGROUND", (2, 0), (2, 0), GREY),
        ("BACKGROUND", (2, 3), (2, 3), GREY),
        ("BACKGROUND", (2, 5), (2, 5), GREY),
        ("BACKGROUND", (2, 6), (2, 6), GREY),
        ("BACKGROUND", (2, 7), (2, 7), GREY),
    ]
    for row in (1, 2, 4):
        visit_style.append(("SPAN", (1, row), (3, row)))
    visit_table = Table(visit, colWidths=[26 * mm, 67 * mm, 24 * mm, 69 * mm])
    visit_table.setStyle(TableStyle(visit_style))
    story += [visit_table, *_letter_line(slip, body), Spacer(1, gap)]

    # -- people ------------------------------------------------------------------------
    people: list[list[object]] = [[tr("类别"), tr("序号"), tr("姓名"), tr("单位"), tr("职务")]]
    groups = ((tr("接待对象"), r.guests), (tr("陪餐人员"), r.companions), (tr("工作保障"), r.staff))
    for label, group in groups:
        for i, person in enumerate(group, start=1):
            people.append([label, str(i), p(person.name), p(person.unit), p(person.title)])
    story.append(para(tr("一、人员名单"), section))
    if len(people) > 1:
        people_table = Table(people, colWidths=[22 * mm, 12 * mm, 32 * mm, 78 * mm, 42 * mm], repeatRows=1)
        people_table.setStyle(
            TableStyle(
                ruled()
                + [("BACKGROUND", (0, 0), (-1, 0), GREY), ("ALIGN", (1, 0), (1, -1), "CENTER")]
            )
        )
        story.append(people_table)
    else:
        story.append(para(tr("未登记接待对象和陪餐人员的姓名。"), body))
    named = sum(1 for g in r.guests if g.name.strip())
    if named < r.guest_count:
        story.append(
            para(
                tr("注：接待对象 {n} 人，名单只列了 {k} 人的姓名。").format(n=r.guest_count, k=named),
                body,
            )
        )
    story.append(Spacer(1, gap))

    # -- meals -------------------------------------------------------------------------
    story.append(para(tr("二、用餐情况"), section))
    if r.meals:
        meals: list[list[object]] = [
            [
                tr("日期"),
                tr("餐别"),
                tr("就餐场所"),
                tr("场所类型"),
                tr("人数"),
                tr("餐费"),
                tr("烟酒费"),
                tr("发票号"),
            ]
        ]
        for m in r.meals:
            meals.append(
                [
                    m.date.isoformat(),
                    m.kind_label,
                    p(m.venue or "—"),
                    p(m.venue_type),
                    str(m.diners),
                    fmt(m.amount),
                    _money_or_dash(m.tobacco_alcohol),
                    p(m.invoice_no or "—"),
                ]
            )
        meal_table = Table(
            meals,
            colWidths=[20 * mm, 12 * mm, 42 * mm, 24 * mm, 11 * mm, 22 * mm, 18 * mm, 37 * mm],
            repeatRows=1,
        )
        meal_table.setStyle(
            TableStyle(
                ruled()
                + [("BACKGROUND", (0, 0), (-1, 0), GREY), ("ALIGN", (4, 1), (6, -1), "RIGHT")]
            )
        )
        story.append(meal_table)
    else:
        story.append(para(tr("本次接待未安排用餐。"), body))
    story.append(Spacer(1, gap))

    # -- costs -------------------------------------------------------------------------
    story.append(para(tr("三、费用（元）"), section))
    gift = _money_or_dash(r.gift_amount)
    if r.gift_description:
        gift = f"{gift}（{r.gift_description}）" if r.gift_amount else r.gift_description
    over = fmt(a.over_standard_amount)
    if a.over_standard_amount:
        over = tr("{x}（超标准部分由个人承担，不予报销）").format(x=over)
    costs = [
        [tr("餐费"), tr("烟酒费"), tr("住宿费"), tr("交通费"), tr("其他费用"), tr("礼品"), tr("合计")],
        [
            fmt(r.meal_total),
            _money_or_dash(r.tobacco_alcohol_total),
            _money_or_dash(r.accommodation),
            _money_or_dash(r.transport),
            _money_or_dash(r.other_cost),
            p(gift),
            fmt(r.total),
        ],
        [tr("合计（大写）"), p(capital(r.total)), "", "", "", "", ""],
        [tr("超标金额"), p(over), "", "", "", "", ""],
        [tr("可报销金额"), p(f"{fmt(a.reimbursable)}　{capital(a.reimbursable)}"), "", "", "", "", ""],
    ]
    cost_table = Table(costs, colWidths=[26 * mm, 26 * mm, 26 * mm, 26 * mm, 26 * mm, 30 * mm, 26 * mm])
    cost_table.setStyle(
        TableStyle(
            ruled()
            + [
                ("BACKGROUND", (0, 0), (-1, 0), GREY),
                ("BACKGROUND", (0, 2), (0, -1), GREY),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("ALIGN", (0, 1), (-1, 1), "RIGHT"),
                ("SPAN", (1, 2), (-1, 2)),
                ("SPAN", (1, 3), (-1, 3)),
                ("SPAN", (1, 4), (-1, 4)),
            ]
        )
    )
    story += [cost_table, Spacer(1, gap)]

    # -- breaches ----------------------------------------------------------------------
    story.append(para(tr("四、违规情况及情况说明"), section))
    if a.violations:
        breaches: list[list[object]] = [
            [tr("序号"), tr("违规事项"), tr("具体情况"), tr("超标金额"), tr("情况说明")]
        ]
        for i, v in enumerate(a.violations, start=1):
            breaches.append(
                [
                    str(i),
                    p(RULES.get(v.rule, v.rule)),
                    p(v.message),
                    _money_or_dash(v.excess),
                    p(r.explanations.get(v.rule, "") or tr("（未填写）")),
                ]
            )
        breach_table = Table(breaches, colWidths=[11 * mm, 25 * mm, 62 * mm, 20 * mm, 68 * mm], repeatRows=1)
        breach_table.setStyle(
            TableStyle(
                ruled()
                + [
                    ("BACKGROUND", (0, 0), (-1, 0), GREY),
                    ("ALIGN", (0, 1), (0, -1), "CENTER"),
                    ("ALIGN", (3, 1), (3, -1), "RIGHT"),
                ]
            )
        )
        story.append(breach_table)
    else:
        story.append(para(tr("经核对，本次接待符合接待标准，无违规事项。"), body))
    story.append(Spacer(1, gap))

    story += _plan_section(slip, ruled, gap, section, body)

    # -- remarks and attachments -------------------------------------------------------
    if r.remarks:
        story.append(para(tr("备注：{text}").format(text=r.remarks), body))
    if r.attachments:
        listed = "；".join(f"{ATTACHMENT_KINDS.get(x.kind, x.kind)} {x.filename}" for x in r.attachments)
        story.append(para(tr("附件：{list}").format(list=listed), body))

    # -- signatures --------------------------------------------------------------------
    submitted = long_date(r.submitted_at.date()) if r.submitted_at else tr("____年__月__日")
    approved = (
        long_date(r.approved_at.date())
        if r.approved_at and r.status == Status.APPROVED
        else tr("____年__月__日")
    )
    approver = slip.approver_name if r.status == Status.APPROVED else ""
    comment = r.review_comment if r.status == Status.APPROVED else ""
    signatures = [
        Spacer(1, 2.5 * gap),
        para(
            tr("经办人：{name}　　签字：________________　　日期：{day}").format(
                name=r.clerk_name or "________", day=submitted
            ),
            body,
        ),
        Spacer(1, gap),
        para(
            tr("分管领导审核意见：{comment}").format(comment=comment or "________________________________"),
            body,
        ),
        Spacer(1, gap),
        para(
            tr("分管领导：{name}　　签字：________________　　审核日期：{day}").format(
                name=approver or "________", day=approved
            ),
            body,
        ),
    ]
    # with what stands before them (when it is short: a long 备注 kept with them would leave half a
    # page blank), so they never stand alone at the top of a page
    before: list[object] = []
    while story and isinstance(story[-1], Spacer):
        before.insert(0, story.pop())
    if story:
        before.insert(0, story.pop())
    if sum(f.wrap(FORM_WIDTH, 1000 * mm)[1] for f in before if isinstance(f, Paragraph)) > 60 * mm:
        story += before
        before = []
    story.append(KeepTogether([*before, *signatures]))

    pages: list[int] = []
    pdf = a4_pdf(
        story,
        title=f"{slip.title} {r.ref}",
        author=slip.bureau.name,
        footer=f"{slip.title} {r.ref}",
        font_size=size,
        stamp=stamp,
        pages=pages,
    )
    return pdf, pages[0]


# ------------------------------------------------------------------------------ before the meal
def _letter_line(slip: Slip, body: object) -> list[object]:
    """The register's entry of the reception's letter: number, sending unit, date, scan."""
    letter = slip.letter
    if letter is None:
        return []
    parts = [letter.letter_no]
    if letter.sending_unit:
        parts.append(tr("来文单位 {unit}").format(unit=letter.sending_unit))
    if letter.letter_date:
        parts.append(tr("发文日期 {day}").format(day=long_date(letter.letter_date)))
    parts.append(tr("已存扫描件") if letter.scan_size else tr("未存扫描件"))
    return [Spacer(1, 1 * mm), para(tr("公函登记：{text}").format(text="，".join(parts)), body)]


def _plan_section(
    slip: Slip, ruled: Callable[[], list[tuple[object, ...]]], gap: float, section: object, body: object
) -> list[object]:
    """五、与接待审批对比: each figure planned against what happened, 超出审批 where it is more;
    ``接待审批：无`` for a reception not started from a plan."""
    plan = slip.plan
    if plan is None:
        return [para(tr("接待审批：无"), body), Spacer(1, gap)]
    approved = (
        tr("，{day}批准").format(day=long_date(plan.approved_at.date()))
        if plan.status == Status.APPROVED and plan.approved_at
        else tr("，{status}").format(status=PLAN_STATUS[plan.status])
    )
    out: list[object] = [
        para(tr("五、与接待审批对比（{ref}{approved}）").format(ref=plan.ref, approved=approved), section)
    ]
    rows: list[list[object]] = [[tr("项目"), tr("审批"), tr("实际"), tr("对比")]]
    over_rows = []
    for i, line in enumerate(slip.plan_lines, start=1):
        rows.append([line.label, line.planned, line.actual, tr("超出审批") if line.over else "—"])
        if line.over:
            over_rows.append(i)
    table = Table(rows, colWidths=[46 * mm, 46 * mm, 46 * mm, 48 * mm])
    style = ruled() + [
        ("BACKGROUND", (0, 0), (-1, 0), GREY),
        ("ALIGN", (1, 1), (2, -1), "RIGHT"),
        ("ALIGN", (3, 0), (3, -1), "CENTER"),
    ]
    for i in over_rows:
        style.append(("TEXTCOLOR", (3, i), (3, i), colors.HexColor("#b71c1c")))
    table.setStyle(TableStyle(style))
    return [KeepTogether([*out, table]), Spacer(1, gap)]  # a short table: never split
