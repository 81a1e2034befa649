"""Approve, return and reopen: the dialogs and the flows, once, for the queue and the form.

``ApproveConfirm`` asks before approving a reception with breaches; ``CommentDialog`` asks a
comment or reason (``ReturnDialog`` is it, set up for a return). ``Review`` runs each decision
the same way wherever it is taken: refuse what may not be done, ask, write through
``ui.operations.run`` (which announces the change to every screen).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import fmt
from ledger.records import Reception, User
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.operations import Outcome, run
from ui.screen_fit import fit_window
from ui.widgets import ok_cancel_buttons

REQUIRED = tr("此项必须填写")


class CommentDialog(QDialog):
    """A comment or reason for approving, returning or reopening; a required one cannot be empty."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        *,
        required: bool,
        placeholder: str = "",
        hint: str = REQUIRED,
        ok_text: str = tr("确定"),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._required = required
        self._hint = hint
        layout = QVBoxLayout(self)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        layout.addWidget(self.prompt)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(placeholder)
        self.text.setMinimumSize(380, 110)
        layout.addWidget(self.text)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #c62828;")
        layout.addWidget(self.error)
        self.buttons = ok_cancel_buttons(self, ok_text, reject=super().reject)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(self.buttons)
        fit_window(self, "comment", QSize(460, 0))
        # a prompt over several lines (the voucher of a reimbursed reception): tall enough for it
        self.setMinimumHeight(layout.totalHeightForWidth(self.width()))
        self.text.textChanged.connect(self._update)
        self._update()

    @property
    def comment(self) -> str:
        return self.text.toPlainText().strip()

    def _update(self) -> None:
        missing = self._required and not self.comment
        self.ok_button.setEnabled(not missing)
        self.error.setText(self._hint if missing else "")
        self.error.setVisible(missing)

    def accept(self) -> None:
        if self._required and not self.comment:
            self._update()
            self.text.setFocus()
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, prompt: str, *, required: bool) -> str | None:
        dialog = cls(parent, title, prompt, required=required)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.comment


class ReturnDialog(CommentDialog):
    """The comment a reception goes back with: required, the clerk reads it."""

    def __init__(self, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            tr("退回 {ref}").format(ref=ref),
            tr("审核意见（必填）："),
            required=True,
            placeholder=tr("请写明退回原因和需要补充或更正的内容"),
            hint=tr("退回时必须填写审核意见。"),
            ok_text=tr("退回"),
        )
        self.comment_edit = self.text
        self.message = self.error
        fit_window(self, "return", QSize(460, 240))

    @classmethod
    def ask(cls, ref: str, parent: QWidget | None = None) -> str | None:  # type: ignore[override]
        dialog = cls(ref, parent)
        return dialog.comment if dialog.exec() == QDialog.DialogCode.Accepted else None


class ApproveConfirm(QMessageBox):
    """Ask before approving a reception with breaches; replaceable in tests through ``ask``."""

    def __init__(self, ref: str, breaches: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(tr("审核通过 {ref}").format(ref=ref))
        self.setText(tr("此接待有 {n} 处违规，确认审核通过？").format(n=breaches))
        self.setInformativeText(tr("审核通过后记录锁定，如需更正须重新打开。"))
        self.approve_button = self.addButton(tr("审核通过"), QMessageBox.ButtonRole.AcceptRole)
        self.cancel_button = self.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.cancel_button)
        self.setEscapeButton(self.cancel_button)

    @classmethod
    def ask(cls, ref: str, breaches: int, parent: QWidget | None = None) -> bool:
        dialog = cls(ref, breaches, parent)
        dialog.exec()
        return dialog.clickedButton() is dialog.approve_button


class BatchApproveConfirm(QDialog):
    """One confirmation for approving several receptions together: each is listed; an optional
    comment goes with every one. ``ask`` gives the comment, or None when cancelled."""

    def __init__(self, receptions: list[Reception], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("批量审核通过"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                tr("确认一并审核通过以下 {n} 条接待？每条各记一条签名的审核记录，审核后记录锁定。").format(
                    n=len(receptions)
                )
            )
        )
        self.table = QTableWidget(len(receptions), 4)
        self.table.setHorizontalHeaderLabels([tr("编号"), tr("接待日期"), tr("来访单位"), tr("金额（元）")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, r in enumerate(receptions):
            for col, text in enumerate((r.ref, r.reception_date.isoformat(), r.visiting_unit, fmt(r.total))):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(tr("审核意见（可不填，记入每一条）：")))
        self.comment_edit = QLineEdit()
        layout.addWidget(self.comment_edit)
        self.buttons = ok_cancel_buttons(
            self, tr("审核通过 {n} 条").format(n=len(receptions)), reject=super().reject
        )
        layout.addWidget(self.buttons)
        fit_window(self, "batch_approve", QSize(560, 360))

    @property
    def refs(self) -> list[str]:
        return [self.table.item(row, 0).text() for row in range(self.table.rowCount())]

    @classmethod
    def ask(cls, receptions: list[Reception], parent: QWidget | None = None) -> str | None:
        dialog = cls(receptions, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.comment_edit.text().strip()


Refused = Callable[[LedgerError], None] | None
Done = Callable[[Reception], None] | None


class Review:
    """The leader's decisions on one stored reception, as the queue and the form take them."""

    def __init__(self, service: LedgerService, user: User, hub: ChangeHub | None, parent: QWidget) -> None:
        self.service = service
        self.user = user
        self.hub = hub
        self.parent = parent

    def _write(
        self,
        write: Callable[[], Reception],
        title: str,
        confirm: Callable[[], bool],
        refused: Refused,
        done: Done,
    ) -> Outcome[Reception]:
        return run(
            write,
            parent=self.parent,
            hub=self.hub,
            title=title,
            confirm=confirm,
            refused=refused,
            done=done,
            changed=lambda saved: [saved.id],
        )

    def approve(
        self,
        r: Reception,
        *,
        version: int,
        comment: str | None = None,
        not_allowed: Callable[[str], None],
        refused: Refused = None,
        done: Done = None,
    ) -> Outcome[Reception]:
        """Approve; breaches are confirmed first; ``comment`` None asks for one (it may stay empty)."""
        rid = r.id
        refusal = self.service.approval_refusal(self.user, r) if rid is not None else tr("接待记录尚未保存")
        if refusal or rid is None:
            not_allowed(refusal or tr("接待记录尚未保存"))
            return Outcome(False)
        said = [comment]

        def confirm() -> bool:
            breaches = len(self.service.violations_of([rid]).get(rid, []))
            if breaches and not ApproveConfirm.ask(r.ref, breaches, self.parent):
                return False
            if said[0] is None:
                said[0] = CommentDialog.ask(
                    self.parent, tr("审核通过"), tr("审核意见（可不填）："), required=False
                )
            return said[0] is not None

        return self._write(
            lambda: self.service.approve(self.user, rid, said[0] or "", version=version),
            tr("未能审核"),
            confirm,
            refused,
            done,
        )

    def return_to_clerk(
        self, r: Reception, *, version: int, refused: Refused = None, done: Done = None
    ) -> Outcome[Reception]:
        """Send back to the clerk with a required comment."""
        return self._with_comment(
            r,
            lambda: ReturnDialog.ask(r.ref, self.parent),
            lambda rid, comment: self.service.return_reception(self.user, rid, comment, version=version),
            tr("未能退回"),
            refused,
            done,
        )

    def reopen(
        self, r: Reception, *, version: int, refused: Refused = None, done: Done = None
    ) -> Outcome[Reception]:
        """Open an approved reception again for correction, with a required reason (and, when
        its reimbursement is registered, a word about the voucher its figures went into)."""
        prompt = tr("重新打开的理由（必填，记入历史记录）：")
        if r.reimbursement_no:
            prompt = (
                tr(
                    "注意：此接待已登记报销（凭证号 {no}，日期 {on}），重新打开后金额可以改动；"
                    "如有改动，须按财务规定另行更正凭证，报销登记仍保留在历史记录中。"
                ).format(no=r.reimbursement_no, on=r.reimbursed_on.isoformat() if r.reimbursed_on else "")
                + "\n"
                + prompt
            )
        return self._with_comment(
            r,
            lambda: CommentDialog.ask(self.parent, tr("重新打开"), prompt, required=True),
            lambda rid, reason: self.service.reopen(self.user, rid, reason, version=version),
            tr("未能重新打开"),
            refused,
            done,
        )

    def _with_comment(
        self,
        r: Reception,
        ask: Callable[[], str | None],
        write: Callable[[int, str], Reception],
        title: str,
        refused: Refused,
        done: Done,
    ) -> Outcome[Reception]:
        """A review step that needs a written comment: ask for it, then write (nothing if cancelled)."""
        rid = r.id
        if rid is None:
            return Outcome(False)
        said: list[str | None] = [None]

        def confirm() -> bool:
            said[0] = ask()
            return said[0] is not None

        return self._write(lambda: write(rid, said[0] or ""), title, confirm, refused, done)
