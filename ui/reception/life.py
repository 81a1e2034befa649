"""The form's steps after the first save: 撤回, 删除草稿, 作废…, and the 报销 area with 登记报销….

Each button is enabled only when the step is allowed, its tooltip says why not otherwise (the
same words the service would refuse with, ``ledger.corrections``); each write goes through
``ui.operations.run`` and is announced on the change hub like every other write of the form.
``LifeSteps`` is the steps without the buttons: the ledger's context menu (``ui.ledger_menu``)
takes them on a row with the same refusals, questions and writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from PySide6.QtCore import QDate, QSize
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger.corrections import delete_refusal, reimbursement_refusal, void_refusal, withdraw_refusal
from ledger.i18n import tr
from ledger.records import Reception, Role, Status, User
from ledger.service import InvalidReception, LedgerError, LedgerService
from ui.dates import DateEdit
from ui.hub import ChangeHub
from ui.operations import run
from ui.review_dialogs import CommentDialog
from ui.screen_fit import fit_window
from ui.widgets import ok_cancel_buttons

NOT_SAVED = tr("接待记录尚未保存")
STEPS = ("withdraw", "delete", "void", "reimburse")
TIPS = {  # what each step does, when it may be taken
    "withdraw": tr("在分管领导审核前撤回，改为草稿，可修改后重新提交"),
    "delete": tr("删除从未提交过的草稿（编号不再使用）"),
    "void": tr("作废：编号保留、不再使用，须写明理由"),
    "reimburse": tr("登记记账凭证号或报销单号及报销日期"),
}


class LifeHost(Protocol):
    """What the steps need of the form they sit in."""

    service: LedgerService
    user: User
    hub: ChangeHub

    @property
    def reception(self) -> Reception: ...
    @property
    def version(self) -> int: ...
    def is_dirty(self) -> bool: ...
    def after_write(self, saved: Reception, message: str) -> None: ...
    def refused(self, exc: LedgerError, doing: str) -> None: ...
    def say(self, message: str, *, error: bool = False) -> None: ...
    def deleted(self) -> None: ...


class Confirm:
    """Yes/No questions of these steps (replaceable in tests)."""

    @classmethod
    def ask(cls, parent: QWidget, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes


class VoidDialog(CommentDialog):
    """作废 with its required reason."""

    def __init__(self, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            tr("作废 {ref}").format(ref=ref),
            tr("作废后编号保留、不再使用，记录锁定，不计入任何合计。作废理由（必填，记入历史记录）："),
            required=True,
            placeholder=tr("如：来访取消；重复登记，以 JD-2026-0012 为准"),
            hint=tr("作废时必须写明理由。"),
            ok_text=tr("作废"),
        )

    @classmethod
    def ask_reason(cls, ref: str, parent: QWidget | None = None) -> str | None:
        dialog = cls(ref, parent)
        return dialog.comment if dialog.exec() == QDialog.DialogCode.Accepted else None


class ReimbursementDialog(QDialog):
    """登记报销: 记账凭证号 / 报销单号 and the date; the service's refusal is shown at its field."""

    def __init__(
        self, r: Reception, write: Callable[[str, date | None], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("登记报销 {ref}").format(ref=r.ref))
        self._write = write
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                tr("登记财务报销的凭证。登记不改动接待的内容和金额；再次登记即为更正，均记入历史记录。")
                if not r.reimbursement_no
                else tr("已登记凭证号 {no}。再次登记即为更正，原登记保留在历史记录中。").format(
                    no=r.reimbursement_no
                )
            )
        )
        form = QFormLayout()
        self.number = QLineEdit(r.reimbursement_no)
        self.number.setPlaceholderText(tr("记账凭证号或报销单号，如 记-2026-0318"))
        self.number_error = _error_label()
        on = r.reimbursed_on or date.today()
        self.day = DateEdit(QDate(on.year, on.month, on.day))
        self.day_error = _error_label()
        self.day.message.connect(lambda text: _show(self.day_error, text))
        form.addRow(tr("凭证号："), self.number)
        form.addRow("", self.number_error)
        form.addRow(tr("报销日期："), self.day)
        form.addRow("", self.day_error)
        layout.addLayout(form)
        self.buttons = ok_cancel_buttons(self, tr("登记"), reject=super().reject)
        layout.addWidget(self.buttons)
        fit_window(self, "reimbursement", QSize(440, 0))

    def accept(self) -> None:
        if self.day.refusal():
            return
        d = self.day.date()
        if self._write(self.number.text(), date(d.year(), d.month(), d.day())):
            super().accept()

    @staticmethod
    def present(dialog: ReimbursementDialog) -> bool:
        """Show the dialog until it is written or cancelled (replaceable in tests)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def show_problems(self, problems: dict[str, str]) -> None:
        _show(self.number_error, problems.get("reimbursement_no", ""))
        _show(self.day_error, problems.get("reimbursed_on", ""))


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setStyleSheet("color: #c62828;")
    label.hide()
    return label


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class LifeSteps:
    """撤回, 删除草稿, 作废… and 登记报销… of one reception: why not, the question, the write."""

    def __init__(self, host: LifeHost, parent: QWidget) -> None:
        self.host = host
        self.parent = parent

    # ------------------------------------------------------------------ permissions
    def refusals(self) -> dict[str, str | None]:
        """Why each step may not be taken now (None: it may)."""
        r = self.host.reception
        user = self.host.user
        if r.id is None:
            return dict.fromkeys(STEPS, NOT_SAVED)
        clerk = None if user.has(Role.CLERK) else tr("您没有“经办人”角色")
        unsaved = tr("请先保存或放弃未保存的修改") if self.host.is_dirty() else None
        return {
            "withdraw": clerk or withdraw_refusal(r.ref, r.status),
            "delete": clerk or delete_refusal(r, user),
            "void": clerk or void_refusal(r.ref, r.status, r.reimbursement_no) or unsaved,
            "reimburse": clerk or reimbursement_refusal(r.ref, r.status),
        }

    # ------------------------------------------------------------------ steps
    def _write(self, doing: str, write: Callable[[], Reception], done: str) -> bool:
        host = self.host
        return run(
            write,
            parent=self.parent,
            hub=host.hub,
            refused=lambda exc: host.refused(exc, doing),
            done=lambda saved: host.after_write(saved, done.format(ref=saved.ref)),
            changed=lambda saved: [saved.id],
        ).ok

    def withdraw(self) -> bool:
        r = self.host.reception
        if r.id is None or self.refusals()["withdraw"]:
            return False
        if not Confirm.ask(
            self.parent,
            tr("撤回 {ref}").format(ref=r.ref),
            tr("撤回后改为草稿，分管领导的待审核队列中不再有它；修改后可重新提交。撤回吗？"),
        ):
            return False
        rid, version = r.id, self.host.version
        return self._write(
            tr("撤回"),
            lambda: self.host.service.withdraw(self.host.user, rid, version=version),
            tr("{ref} 已撤回，现为草稿，可修改后重新提交"),
        )

    def delete(self) -> bool:
        r = self.host.reception
        if r.id is None or self.refusals()["delete"]:
            return False
        if not Confirm.ask(
            self.parent,
            tr("删除草稿 {ref}").format(ref=r.ref),
            tr("删除此草稿？删除记入历史记录，编号 {ref} 不再使用。").format(ref=r.ref),
        ):
            return False
        rid = r.id

        def write() -> Reception:
            self.host.service.delete_draft(self.host.user, rid)
            return r

        host = self.host
        return run(
            write,
            parent=self.parent,
            hub=host.hub,
            refused=lambda exc: host.refused(exc, tr("删除")),
            done=lambda _r: host.deleted(),
            changed=lambda _r: [rid],
        ).ok

    def void(self) -> bool:
        r = self.host.reception
        if r.id is None or self.refusals()["void"]:
            return False
        reason = VoidDialog.ask_reason(r.ref, self.parent)
        if reason is None:
            return False
        rid, version = r.id, self.host.version
        return self._write(
            tr("作废"),
            lambda: self.host.service.void(self.host.user, rid, reason, version=version),
            tr("{ref} 已作废，编号保留、不再使用"),
        )

    def reimburse(self) -> bool:
        r = self.host.reception
        if r.id is None or self.refusals()["reimburse"]:
            return False
        rid = r.id
        holder: list[ReimbursementDialog] = []

        def write(number: str, on: date | None) -> bool:
            def refused(exc: LedgerError) -> None:
                if isinstance(exc, InvalidReception):
                    holder[0].show_problems(exc.problems)
                else:
                    self.host.refused(exc, tr("登记报销"))

            return run(
                lambda: self.host.service.record_reimbursement(
                    self.host.user, rid, number, on, version=self.host.version
                ),
                parent=self.parent,
                hub=self.host.hub,
                refused=refused,
                done=lambda saved: self.host.after_write(
                    saved,
                    tr("{ref} 已登记报销：凭证号 {no}").format(ref=saved.ref, no=saved.reimbursement_no),
                ),
                changed=lambda saved: [saved.id],
            ).ok

        holder.append(ReimbursementDialog(r, write, self.parent))
        return ReimbursementDialog.present(holder[0])


class LifeActions(LifeSteps):
    """The buttons and the 报销 line of one form."""

    def __init__(self, host: LifeHost, parent: QWidget) -> None:
        super().__init__(host, parent)
        self.withdraw_button = _button(tr("撤回"), self.withdraw)
        self.delete_button = _button(tr("删除草稿"), self.delete)
        self.void_button = _button(tr("作废…"), self.void)
        self.reimburse_button = _button(tr("登记报销…"), self.reimburse)
        self.buttons = (self.withdraw_button, self.delete_button, self.void_button, self.reimburse_button)
        self.reimbursement_label = QLabel()
        self.reimbursement_label.setObjectName("reimbursement")
        self.reimbursement_label.setStyleSheet("background: #e3f2fd; color: #0d47a1; padding: 4px;")
        self.reimbursement_label.hide()
        self.reimbursement_row = QHBoxLayout()
        self.reimbursement_row.addWidget(self.reimbursement_label, 1)

    def update(self) -> None:
        r = self.host.reception
        is_clerk = self.host.user.has(Role.CLERK)
        refusals = self.refusals()
        offered = is_clerk and r.id is not None
        # a step that can never apply to this record is not offered at all
        applies = {
            "withdraw": r.status == Status.SUBMITTED,
            "delete": r.submitted_at is None and r.status == Status.DRAFT,
            "void": r.status != Status.VOID,
            "reimburse": r.status == Status.APPROVED,
        }
        for key, button in zip(STEPS, self.buttons, strict=True):
            button.setVisible(offered and applies[key])
            button.setEnabled(refusals[key] is None)
            button.setToolTip(refusals[key] or TIPS[key])
        self._show_reimbursement(r)

    def _show_reimbursement(self, r: Reception) -> None:
        if r.status != Status.APPROVED and not r.reimbursement_no:
            self.reimbursement_label.hide()
            return
        if r.reimbursement_no:
            names = {u.username: u.label for u in self.host.service.users()}
            text = tr("报销：凭证号 {no}，日期 {on}（{who}登记）").format(
                no=r.reimbursement_no,
                on=r.reimbursed_on.isoformat() if r.reimbursed_on else "—",
                who=names.get(r.reimbursed_by, r.reimbursed_by),
            )
        else:
            text = tr("报销：尚未登记记账凭证号")
        self.reimbursement_label.setText(text)
        self.reimbursement_label.show()


def _button(text: str, slot: Callable[[], object]) -> QPushButton:
    b = QPushButton(text)
    b.setAutoDefault(False)
    b.setDefault(False)
    b.clicked.connect(lambda _checked=False: slot())
    return b
