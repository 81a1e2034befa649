"""The decisions on a stored pre-approval (接待审批单), once, for the 接待审批 tab and the plan dialog.

``PlanActions`` refuses what may not be done (saying why), asks what must be asked (a
comment, a reason, a confirmation), writes through ``ui.operations.run`` (which announces
``plans_changed`` on the hub) and hands the stored plan to ``done``. Starting a reception from
an approved plan and printing the 接待审批单 are here too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from ledger.i18n import tr
from ledger.preapproval import PLAN_STATUS, Plan
from ledger.records import Reception, Role, Status, User
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.operations import Outcome, run
from ui.review_dialogs import CommentDialog, ReturnDialog
from ui.widgets import show_ledger_error

Done = Callable[[Plan], None] | None
Refused = Callable[[LedgerError], None] | None


def start_refusal(plan: Plan) -> str | None:
    """Why no reception may be started from this plan now (None: it may)."""
    if plan.status != Status.APPROVED:
        return tr("只有已批准的审批单可以据此登记接待（{ref} 为“{s}”）").format(
            ref=plan.ref, s=PLAN_STATUS[plan.status]
        )
    if plan.receptions:
        return tr("{ref} 已用于接待 {refs}（一事一批）").format(ref=plan.ref, refs="、".join(plan.receptions))
    return None


class PlanActions:
    """What a user may do with a stored plan, as the tab and the dialog do it."""

    def __init__(self, service: LedgerService, user: User, hub: ChangeHub | None, parent: QWidget) -> None:
        self.service = service
        self.user = user
        self.hub = hub
        self.parent = parent

    def _write(
        self,
        write: Callable[[], Plan],
        title: str,
        confirm: Callable[[], bool] | None,
        refused: Refused,
        done: Done,
    ) -> Outcome[Plan]:
        return run(
            write,
            parent=self.parent,
            hub=self.hub,
            title=title,
            confirm=confirm,
            refused=refused,
            done=done,
            plans=True,
        )

    # ------------------------------------------------------------------ the leader
    def approval_refusal(self, plan: Plan) -> str | None:
        if plan.id is None:
            return tr("审批单尚未保存")
        return self.service.plan_approval_refusal(self.user, plan)

    def approve(
        self, plan: Plan, *, not_allowed: Callable[[str], None], refused: Refused = None, done: Done = None
    ) -> Outcome[Plan]:
        """Approve a submitted plan; its breaches are confirmed first; a comment may be given."""
        refusal = self.approval_refusal(plan)
        if refusal or plan.id is None:
            not_allowed(refusal or tr("审批单尚未保存"))
            return Outcome(False)
        pid = plan.id
        said: list[str | None] = [None]

        def confirm() -> bool:
            try:
                breaches = self.service.plan_breaches(plan)
            except LedgerError:
                breaches = ()
            if breaches:
                answer = QMessageBox.question(
                    self.parent,
                    tr("批准 {ref}").format(ref=plan.ref),
                    tr("此审批单有 {n} 处超出接待标准的安排：\n{lines}\n确认批准？").format(
                        n=len(breaches), lines="\n".join(f"· {v.message}" for v in breaches)
                    ),
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return False
            said[0] = CommentDialog.ask(
                self.parent, tr("批准 {ref}").format(ref=plan.ref), tr("审批意见（可不填）："), required=False
            )
            return said[0] is not None

        return self._write(
            lambda: self.service.approve_plan(self.user, pid, said[0] or "", version=plan.version),
            tr("未能批准"),
            confirm,
            refused,
            done,
        )

    def return_plan(self, plan: Plan, *, refused: Refused = None, done: Done = None) -> Outcome[Plan]:
        """Send a submitted plan back to the clerk with a required comment."""
        if plan.id is None:
            return Outcome(False)
        pid = plan.id
        said: list[str | None] = [None]

        def confirm() -> bool:
            said[0] = ReturnDialog.ask(plan.ref, self.parent)
            return said[0] is not None

        return self._write(
            lambda: self.service.return_plan(self.user, pid, said[0] or "", version=plan.version),
            tr("未能退回"),
            confirm,
            refused,
            done,
        )

    def reopen_refusal(self, plan: Plan) -> str | None:
        """Why this user may not reopen the plan now (the service's words), None when they may."""
        return self.service.plan_reopen_refusal(self.user, plan)

    def may_offer_reopen(self, plan: Plan) -> bool:
        """重新打开… is shown on an approved plan to an approver (or an administrator: sealed years)."""
        return (
            plan.id is not None
            and plan.status == Status.APPROVED
            and (self.user.has(Role.APPROVER) or self.user.has(Role.ADMIN))
        )

    def reopen(
        self, plan: Plan, *, not_allowed: Callable[[str], None], refused: Refused = None, done: Done = None
    ) -> Outcome[Plan]:
        """Send an approved plan not yet used back to the clerk, with a required reason."""
        refusal = self.reopen_refusal(plan)
        if refusal or plan.id is None:
            not_allowed(refusal or tr("审批单尚未保存"))
            return Outcome(False)
        pid = plan.id
        return self._with_reason(
            tr("重新打开 {ref}").format(ref=plan.ref),
            tr("重新打开的理由（必填，记入历史记录；审批单退回经办人，修改后须重新报批）："),
            lambda reason: self.service.reopen_plan(self.user, pid, reason, version=plan.version),
            tr("未能重新打开"),
            refused,
            done,
        )

    def _with_reason(
        self,
        title: str,
        prompt: str,
        write: Callable[[str], Plan],
        failed: str,
        refused: Refused,
        done: Done,
    ) -> Outcome[Plan]:
        """A write that needs a reason: asked first (required), then written."""
        said: list[str | None] = [None]

        def confirm() -> bool:
            said[0] = CommentDialog.ask(self.parent, title, prompt, required=True)
            return said[0] is not None

        return self._write(lambda: write(said[0] or ""), failed, confirm, refused, done)

    # ------------------------------------------------------------------ the clerk
    def withdraw(self, plan: Plan, *, refused: Refused = None, done: Done = None) -> Outcome[Plan]:
        """Take back a submitted plan before the leader acts on it."""
        if plan.id is None:
            return Outcome(False)
        pid = plan.id

        def confirm() -> bool:
            answer = QMessageBox.question(
                self.parent,
                tr("撤回 {ref}").format(ref=plan.ref),
                tr("撤回后审批单回到草稿，可修改后再提交。确认撤回？"),
            )
            return answer == QMessageBox.StandardButton.Yes

        return self._write(
            lambda: self.service.withdraw_plan(self.user, pid, version=plan.version),
            tr("未能撤回"),
            confirm,
            refused,
            done,
        )

    def void(self, plan: Plan, *, refused: Refused = None, done: Done = None) -> Outcome[Plan]:
        """Void a plan that will not be used, with a required reason; it keeps its number."""
        if plan.id is None:
            return Outcome(False)
        pid = plan.id
        return self._with_reason(
            tr("作废 {ref}").format(ref=plan.ref),
            tr("作废理由（必填，记入历史记录；编号保留，不再使用）："),
            lambda reason: self.service.void_plan(self.user, pid, reason, version=plan.version),
            tr("未能作废"),
            refused,
            done,
        )

    def delete(self, plan: Plan, *, refused: Refused = None) -> bool:
        """Delete a draft never submitted (its number is not given out again)."""
        if plan.id is None:
            return False
        pid = plan.id

        def confirm() -> bool:
            answer = QMessageBox.question(
                self.parent,
                tr("删除 {ref}").format(ref=plan.ref),
                tr("删除此草稿？删除记入历史记录，编号 {ref} 不再使用。").format(ref=plan.ref),
            )
            return answer == QMessageBox.StandardButton.Yes

        def write() -> Plan:
            self.service.delete_plan(self.user, pid)
            return plan

        return self._write(write, tr("未能删除"), confirm, refused, None).ok

    def may_delete(self, plan: Plan) -> bool:
        return (
            plan.id is not None
            and plan.status == Status.DRAFT
            and plan.submitted_at is None
            and self.user.has(Role.CLERK)
        )

    def may_void(self, plan: Plan) -> bool:
        if plan.id is None or plan.receptions or self.may_delete(plan):
            return False
        if plan.status == Status.APPROVED:
            return self.user.has(Role.APPROVER)
        return plan.status in (Status.DRAFT, Status.RETURNED) and self.user.has(Role.CLERK)

    # ------------------------------------------------------------------ after approval
    def start_reception(self, plan: Plan) -> Reception | None:
        """A new reception filled in from an approved plan not yet used (None: said why)."""
        if plan.id is None:
            return None
        try:
            return self.service.reception_from_plan(plan.id)
        except LedgerError as exc:
            show_ledger_error(self.parent, exc, tr("不能据此登记接待"))
            return None

    def print_form(self, plan: Plan) -> None:
        """The 接待审批单 as an A4 PDF (ui.print_actions)."""
        from ui.print_actions import print_plan_form  # reportlab: loaded when first printing

        print_plan_form(self.parent, self.service, self.user, plan)
