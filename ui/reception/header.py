"""The head of the reception form: its title, who did what, and the banner with the news."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ledger.i18n import tr
from ledger.records import Reception, Status, User
from ledger.service import LedgerError, LedgerService


class Titled(Protocol):
    """What the header reads of the form it heads."""

    service: LedgerService

    @property
    def reception(self) -> Reception: ...
    @property
    def version(self) -> int: ...
    def is_dirty(self) -> bool: ...
    def setWindowTitle(self, title: str) -> None: ...
    def open_latest(self) -> None: ...


BANNER_COLOURS = {
    "error": "background: #ffebee; color: #b71c1c;",
    "warn": "background: #fff8e1; color: #6d4c00;",
    "info": "background: #e8f5e9; color: #1b5e20;",
}


class Header:
    """Title (编号 and status), the line of who entered, submitted and approved, the banner."""

    def __init__(self, form: Titled) -> None:
        self._form = form
        self._users: list[User] | None = None
        self.layout = QVBoxLayout()
        head = QHBoxLayout()
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        head.addWidget(self.title_label)
        head.addStretch(1)
        self.people_line = QLabel()
        self.people_line.setStyleSheet("color: #555;")
        head.addWidget(self.people_line)
        self.layout.addLayout(head)

        banner_row = QHBoxLayout()
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        banner_row.addWidget(self.banner, 1)
        self.open_latest_button = QPushButton(tr("在新窗口打开最新版本"))
        self.open_latest_button.setAutoDefault(False)
        self.open_latest_button.hide()
        self.open_latest_button.clicked.connect(lambda _checked=False: form.open_latest())
        banner_row.addWidget(self.open_latest_button)
        self.layout.addLayout(banner_row)

    def show_title(self) -> None:
        self._form.setWindowTitle(self.title_label.text() + (" *" if self._form.is_dirty() else ""))

    def update(self) -> None:
        r = self._form.reception
        ref = r.ref or tr("新登记（保存后编号）")
        self.title_label.setText(tr("接待登记 {ref}（{status}）").format(ref=ref, status=r.status.label))
        self.show_title()
        names = {u.username: u.label for u in self._known_users()}
        parts = []
        if r.created_by:
            parts.append(tr("录入：{who}").format(who=names.get(r.created_by, r.created_by)))
        if r.submitted_by:
            when = f" {r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else ""
            parts.append(
                tr("提交：{who}{when}").format(who=names.get(r.submitted_by, r.submitted_by), when=when)
            )
        if r.approved_by:
            when = f" {r.approved_at:%Y-%m-%d %H:%M}" if r.approved_at else ""
            parts.append(
                tr("审核：{who}{when}").format(who=names.get(r.approved_by, r.approved_by), when=when)
            )
        if r.id is not None:
            parts.append(tr("第 {v} 版").format(v=self._form.version))
        self.people_line.setText("　".join(parts))
        if r.status == Status.RETURNED and r.review_comment:
            self.show_banner(tr("已退回，分管领导意见：{c}").format(c=r.review_comment), "warn")
        elif r.status == Status.APPROVED:
            self.show_banner(self._review_text(names), "info")
        elif r.status == Status.VOID:
            when = f"{r.voided_at:%Y-%m-%d %H:%M}" if r.voided_at else ""
            self.show_banner(
                tr("已作废（{who}，{when}）：{why}。编号保留、不再使用，不计入任何合计。").format(
                    who=names.get(r.voided_by, r.voided_by), when=when, why=r.void_reason
                ),
                "error",
            )

    def _review_text(self, names: dict[str, str]) -> str:
        """The leader's decision on an approved reception: comment, who and when."""
        r = self._form.reception
        when = f"{r.approved_at:%Y-%m-%d}" if r.approved_at else ""
        who = "，".join(x for x in (names.get(r.approved_by, r.approved_by), when) if x)
        signed = tr("（{who}）").format(who=who) if who else ""
        if r.review_comment:
            return tr("审核意见：{c}{signed}").format(c=r.review_comment, signed=signed)
        return tr("已审核通过，未填写审核意见{signed}").format(signed=signed)

    def _known_users(self) -> list[User]:
        if self._users is None:
            try:
                self._users = self._form.service.users()
            except LedgerError:
                self._users = []
        return self._users

    def forget_users(self) -> None:
        """Users changed in 设置: read them again next time."""
        self._users = None

    def show_banner(self, text: str, kind: str) -> None:
        self.banner.setStyleSheet(BANNER_COLOURS.get(kind, ""))
        self.banner.setText(text)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()
        self.open_latest_button.hide()
