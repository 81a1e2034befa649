"""After the first submission: withdraw (撤回), void (作废), reimbursement (报销), and the
leader's approval of several receptions at once.

- **Withdraw.** A clerk takes a submitted reception back before the leader acts: it is a
  draft again (its first submission stays in the history and in ``submitted_at``), may be
  edited and submitted again. Once the leader approved or returned it, it is refused.
- **Void.** A reception that was ever submitted carries a number that went out: it is never
  deleted but voided with a reason. Allowed for a draft or a returned reception (an approved
  one is reopened by the leader first, a submitted one withdrawn first), and for a draft never
  submitted when the user prefers it to deleting. A void reception keeps its number (never
  given out again), is locked, and counts nowhere: not in totals, targets, notices, warnings
  or the ledger workbook's 台账 sheet.
- **Reimbursement.** After approval a clerk records the voucher (记账凭证号 / 报销单号) and its
  date; the figures stay locked. Recording it again is a correction: a new history entry.
- **Approve many.** Compliant receptions (no breach, no missing document), none the leader's
  own, approved in one transaction with one signed entry each; one that cannot be approved
  refuses the whole batch, named.

Each write is one transaction through the workflow's ``_transition`` / ``_record_change``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from ledger import limits, queries
from ledger.desk import require, sealed
from ledger.errors import InvalidReception, LedgerError, PermissionDenied, StaleEdit, WorkflowError
from ledger.i18n import tr
from ledger.lifecycle import check_version
from ledger.mapping import record_of, snapshot
from ledger.policy import RULES
from ledger.queries import reception_row
from ledger.records import ATTACHMENT_KINDS, Reception, Role, Status, User
from ledger.text import clean_line, clean_prose
from ledger.workflow import Workflow

REIMBURSEMENT_NO_MAX = 64  # the column's width (schema 0007)


class Corrections:
    def __init__(self, workflow: Workflow) -> None:
        self.flow = workflow
        self.desk = workflow.desk

    # ------------------------------------------------------------------ withdraw
    def withdraw(
        self, actor: User, reception_id: int, *, version: int | None = None, reason: str = ""
    ) -> Reception:
        """Take a submitted reception back to a draft before the leader acts on it."""
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("撤回接待"))
            row = reception_row(s, reception_id, lock=True)
            status = Status(row.status)
            if status != Status.SUBMITTED:
                raise WorkflowError(withdraw_refusal(row.ref, status))
            check_version(row, version)
            return self.flow._transition(s, row, actor, "withdraw", Status.DRAFT, comment=clean_prose(reason))

    # ------------------------------------------------------------------ void
    def void(self, actor: User, reception_id: int, reason: str, *, version: int | None = None) -> Reception:
        """作废: the reception keeps its number and its figures, is locked and counts nowhere."""
        reason = clean_prose(reason)
        if not reason:
            raise InvalidReception({"void_reason": tr("作废时请写明理由")})
        if len(reason) > limits.PROSE:
            raise InvalidReception({"void_reason": tr("作废理由不能超过 {n} 个字").format(n=limits.PROSE)})
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("作废接待"))
            row = reception_row(s, reception_id, lock=True)
            refusal = void_refusal(row.ref, Status(row.status), row.reimbursement_no)
            if refusal:
                raise WorkflowError(refusal)
            check_version(row, version)
            return self.flow._transition(
                s,
                row,
                actor,
                "void",
                Status.VOID,
                comment=reason,
                void_reason=reason,
                voided_by=actor.username,
                voided_at=self.desk.clock(),
            )

    # ------------------------------------------------------------------ reimbursement
    def record_reimbursement(
        self, actor: User, reception_id: int, number: str, on: date | None, *, version: int | None = None
    ) -> Reception:
        """Record (or correct) the voucher of an approved reception: 记账凭证号 / 报销单号 and date."""
        number = clean_line(number)
        problems: dict[str, str] = {}
        if not number:
            problems["reimbursement_no"] = tr("请填写记账凭证号或报销单号")
        elif len(number) > REIMBURSEMENT_NO_MAX:
            problems["reimbursement_no"] = tr("凭证号不能超过 {n} 个字符").format(n=REIMBURSEMENT_NO_MAX)
        today = self.desk.clock().date()
        if on is None:
            problems["reimbursed_on"] = tr("请填写报销日期")
        elif on > today:
            problems["reimbursed_on"] = tr("报销日期 {d} 晚于今天").format(d=on.isoformat())
        if problems:
            raise InvalidReception(problems)
        assert on is not None
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("登记报销"))
            row = reception_row(s, reception_id, lock=True)
            refusal = reimbursement_refusal(row.ref, Status(row.status))
            if refusal:
                raise WorkflowError(refusal)
            check_version(row, version)
            if on < row.reception_date:
                raise InvalidReception(
                    {
                        "reimbursed_on": tr("报销日期 {d} 早于接待日期 {r}").format(
                            d=on.isoformat(), r=row.reception_date.isoformat()
                        )
                    }
                )
            if row.reimbursement_no == number and row.reimbursed_on == on:
                return record_of(row)  # nothing changed: no new version, no entry
            correcting = bool(row.reimbursement_no)
            if correcting and sealed(s, row.reception_date.year):
                # the archive prints the voucher: a late first one is recorded, a change is not a clerk's
                require(s, actor, Role.ADMIN, tr("更正已封存年度（{year} 年）接待的报销凭证").format(year=row.reception_date.year))
            before = snapshot(row)
            row.reimbursement_no = number
            row.reimbursed_on = on
            row.reimbursed_by = actor.username
            comment = tr("凭证号 {n}，日期 {d}").format(n=number, d=on.isoformat())
            if correcting:
                comment = tr("更正：") + comment
            return self.flow._record_change(s, row, actor, "reimburse", before=before, comment=comment)

    # ------------------------------------------------------------------ approve many
    def approve_many(
        self,
        actor: User,
        items: Sequence[tuple[int, int]],
        missing_documents: Callable[[Reception], tuple[str, ...]],
        comment: str = "",
    ) -> list[Reception]:
        """Approve (id, version) pairs in one transaction, one signed entry each, or none of
        them: the first that cannot be approved is named."""
        if not items:
            raise WorkflowError(tr("请先选择要审核通过的接待"))
        wanted = dict(items)
        if len(wanted) != len(items):
            raise WorkflowError(tr("所选接待有重复"))
        # read and judge first (the documents may be read from elsewhere in the ledger); the
        # write below checks each version again, so what was judged is what is approved
        with self.desk.db.read() as s:
            records = [queries.get(s, rid) for rid, _ in items]
            breaches = queries.violations_of(s, list(wanted))
        for r in records:
            version = wanted[r.id or 0]
            if r.version != version:
                raise _whole_batch(StaleEdit(_stale(r.ref, version, r.version)))
            refusal = self.flow.approval_refusal(actor, r)
            if refusal:
                raise _whole_batch(PermissionDenied(tr("{ref}：{why}").format(ref=r.ref, why=refusal)))
            found = breaches.get(r.id or 0, [])
            if found:
                raise _whole_batch(
                    WorkflowError(
                        tr("{ref} 有违规（{rules}），须逐条审核").format(
                            ref=r.ref, rules="、".join(RULES.get(v.rule, v.rule) for v in found)
                        )
                    )
                )
            lacking = missing_documents(r)
            if lacking:
                raise _whole_batch(
                    WorkflowError(
                        tr("{ref} 缺少单据：{kinds}").format(
                            ref=r.ref, kinds="、".join(ATTACHMENT_KINDS.get(k, k) for k in lacking)
                        )
                    )
                )
        comment = clean_prose(comment)
        done: list[Reception] = []
        with self.desk.db.write() as s:
            require(s, actor, Role.APPROVER, tr("审核接待"))
            for rid, version in items:
                row = reception_row(s, rid, lock=True)
                try:
                    check_version(row, version)
                except StaleEdit as exc:
                    raise _whole_batch(exc) from None
                refusal = self.flow._approval_refusal(s, row, actor)
                if refusal:
                    raise _whole_batch(PermissionDenied(refusal))
                done.append(
                    self.flow._transition(
                        s,
                        row,
                        actor,
                        "approve",
                        Status.APPROVED,
                        comment=comment,
                        approved_by=actor.username,
                        approved_at=self.desk.clock(),
                        review_comment=comment,
                    )
                )
        return done


# ---------------------------------------------------------------------------- why not (also for the GUI)
def withdraw_refusal(ref: str, status: Status) -> str | None:
    if status == Status.SUBMITTED:
        return None
    if status == Status.APPROVED:
        return tr("{ref} 已由分管领导审核通过，不能撤回；如需更正，请分管领导重新打开").format(ref=ref)
    if status == Status.RETURNED:
        return tr("{ref} 已被分管领导退回，无需撤回，可直接修改").format(ref=ref)
    if status == Status.VOID:
        return tr("{ref} 已作废").format(ref=ref)
    return tr("{ref} 尚未提交审核，无需撤回").format(ref=ref)


def void_refusal(ref: str, status: Status, reimbursement_no: str = "") -> str | None:
    if reimbursement_no and status != Status.VOID:
        return tr("{ref} 已登记报销（凭证号 {no}）：报销过的接待不能作废").format(ref=ref, no=reimbursement_no)
    if status in (Status.DRAFT, Status.RETURNED):
        return None
    if status == Status.SUBMITTED:
        return tr("{ref} 正在等待审核：请先撤回，再作废").format(ref=ref)
    if status == Status.APPROVED:
        return tr("{ref} 已审核通过：须由分管领导重新打开后才能作废").format(ref=ref)
    return tr("{ref} 已作废").format(ref=ref)


def reimbursement_refusal(ref: str, status: Status) -> str | None:
    if status == Status.APPROVED:
        return None
    if status == Status.VOID:
        return tr("{ref} 已作废，不能登记报销").format(ref=ref)
    return tr("{ref} 状态为“{status}”：审核通过后才能登记报销").format(ref=ref, status=status.label)


def delete_refusal(r: Reception, actor: User) -> str | None:
    """Why ``actor`` may not delete this draft (the GUI's tooltip; the service says the same)."""
    if r.id is None:
        return tr("接待记录尚未保存")
    if r.status != Status.DRAFT or r.submitted_at is not None:
        return tr("{ref} 已提交过审核，编号已用出，不能删除；不再使用时请作废（写明理由）").format(ref=r.ref)
    if r.created_by != actor.username and not actor.has(Role.ADMIN):
        return tr("只能删除自己录入的草稿")
    return None


def _stale(ref: str, mine: int, theirs: int) -> str:
    return tr(
        "{ref} 已在别处被修改（您打开的是第 {mine} 版，现在是第 {theirs} 版）。请刷新后再审核。"
    ).format(ref=ref, mine=mine, theirs=theirs)


def _whole_batch(exc: LedgerError) -> LedgerError:
    """The refusal of one reception as the refusal of the batch: nothing was approved."""
    return type(exc)(tr("批量审核未执行（一条也未审核）：{why}").format(why=exc))
