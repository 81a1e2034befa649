"""The reception form (接待登记): state, header, permissions, writes and closing.

The tabs (``basic_tab``, ``people_tab``, ``costs_tab``, ``attachments_tab``) each load their
part of a ``Reception``, give back its ``values()`` and turn read-only; ``check_panel`` shows
the live check. This module puts them together: it builds the record from the tabs, checks it
(one ``assess`` and one ``validate`` per check, reused by the write that follows), writes
through ``ui.operations`` and listens to the change hub, so a form whose reception was changed
elsewhere reloads itself (or, with unsaved edits, says so).

The tabs' widgets are reachable as attributes of the form (``form.visiting_unit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import Assessment, Reception, Role, Status, User
from ledger.service import LedgerError, LedgerService
from ui.autosave import AutosavedDraft, Autosaver
from ui.hub import ChangeHub, concerns
from ui.operations import run
from ui.reception.attachments_tab import AttachmentsTab
from ui.reception.basic_tab import BasicTab
from ui.reception.check import LiveCheck
from ui.reception.check_panel import CheckPanel
from ui.reception.costs_tab import CostsTab
from ui.reception.fields import STYLE, FieldIndex
from ui.reception.header import Header
from ui.reception.life import LifeActions
from ui.reception.people_tab import PeopleTab
from ui.reception.plan_panel import LetterUseWatch, PlanPanel
from ui.review_dialogs import Review
from ui.screen_fit import fit_window, scrolling

CHECK_DELAY_MS = 150
RELOADED_FROM_ELSEWHERE = tr("此接待刚在别处被修改（现在是第 {b} 版），窗口已显示最新内容。")
CHANGED_ELSEWHERE = tr(
    "此接待已在别处被修改（现在是第 {b} 版），您的修改尚未保存；可在新窗口打开最新版本对照。"
)


class UnsavedPrompt:
    """Closing with unsaved changes: 保存 / 不保存 / 取消."""

    SAVE, DISCARD, CANCEL = "save", "discard", "cancel"

    @classmethod
    def ask(cls, parent: QWidget) -> str:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("尚未保存"))
        box.setText(tr("此接待登记有未保存的修改，是否保存？"))
        save = box.addButton(tr("保存"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(tr("不保存"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        if box.clickedButton() is save:
            return cls.SAVE
        if box.clickedButton() is discard:
            return cls.DISCARD
        return cls.CANCEL


class ReceptionDialog(QDialog):
    """Create, edit, submit, approve, return or reopen one reception.

    ``changed(reception_id)`` fires after each write of this form; every screen hears of it
    (and of writes elsewhere) through the hub.
    """

    changed = Signal(int)

    def __init__(
        self,
        service: LedgerService,
        user: User,
        reception_id: int | None = None,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub or ChangeHub(self)
        if reception_id is None:
            self._reception = Reception(reception_date=date.today(), clerk_name=user.label)
        else:
            self._reception = service.get(reception_id)
        self._version = self._reception.version
        self._dirty = False
        self._loading = False
        self._message_about_fields = False
        self._focused_once = False
        self._writing = False  # the hub's echo of this form's own write is not news
        self._latest_dialog: ReceptionDialog | None = None
        self.fields = FieldIndex()
        self.review = Review(service, user, self.hub, self)
        try:
            self._bureau_name = service.bureau().name
        except LedgerError:
            self._bureau_name = ""

        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setStyleSheet(STYLE)
        fit_window(self, "reception", QSize(1200, 800))
        self._build()
        self.live = LiveCheck(self)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.refresh_check)
        self._autosaver = Autosaver(
            service,
            user,
            self._reception.id,
            lambda: self.current_reception(all_explanations=True),
            lambda: self._version,
            self,
        )
        self._load(self._reception)
        for part in (self.basic, self.people, self.costs, self.check):
            part.edited.connect(self._edited)
        self.basic.date_moved.connect(self.costs.move_meals)
        self.people.persons_changed.connect(self.costs.meals_model.follow_persons)
        self.costs.meals_model.refused.connect(self._meal_refused)
        self.hub.receptions_changed.connect(self._receptions_changed)
        self.hub.settings_changed.connect(self._settings_changed)
        self._update_actions()
        self.refresh_check()

    def __getattr__(self, name: str) -> Any:
        """The tabs' widgets as the form's own (``form.transport``), as a user sees one form."""
        for part in ("basic", "people", "costs", "attachments", "check", "header", "life"):
            owner = self.__dict__.get(part)
            if owner is not None and name in dir(owner):
                return getattr(owner, name)
        raise AttributeError(name)

    # ------------------------------------------------------------------ public
    @property
    def reception_id(self) -> int | None:
        return self._reception.id

    @property
    def reception(self) -> Reception:
        """The stored record this form was opened at (or last saved as)."""
        return self._reception

    @property
    def version(self) -> int:
        return self._version

    @property
    def assessment(self) -> Assessment | None:
        return self.live.assessment

    @property
    def autosaver(self) -> Autosaver:
        return self._autosaver

    @property
    def _field_error(self) -> dict[str, QLabel]:
        return self.fields.error

    def is_dirty(self) -> bool:
        return self._dirty

    def is_editable(self) -> bool:
        return self.user.has(Role.CLERK) and self._reception.status in (Status.DRAFT, Status.RETURNED)

    def current_reception(self, *, all_explanations: bool = False) -> Reception:
        """A Reception built from the tabs (refused texts keep their last good value).

        Explanations are those of the breaches present (from the live check, run now if
        edits are pending), or every one typed when ``all_explanations`` (the autosave).
        """
        r = replace(self._reception, **self.basic.values(), **self.people.values(), **self.costs.values())
        r = replace(r, explanations={}, version=self._version)
        if all_explanations:
            return replace(r, explanations=self.check.explanations())
        if self._check_timer.isActive() or self.live.assessment is None:
            self.refresh_check()
        rules = list(self.live.assessment.rules) if self.live.assessment else []
        return replace(r, explanations=self.check.explanations(rules))

    def explanation_for(self, rule: str):  # type: ignore[no-untyped-def]
        """The explanation box of a rule (after checking the form as it stands)."""
        self.refresh_check()
        return self.check.rule_box(rule).explanation

    def restore_autosaved(self, draft: AutosavedDraft) -> None:
        """Fill the form with an autosaved state (after a crash); it stays marked unsaved."""
        self._autosaver.path = draft.path
        if draft.record_id is not None and draft.version:
            self._version = draft.version
        recovered = replace(
            draft.reception, id=self._reception.id, ref=self._reception.ref, status=self._reception.status
        )
        self._load(recovered)
        note = tr("已恢复 {t} 自动保存的内容，尚未保存到台账。").format(
            t=draft.saved_at.strftime("%Y-%m-%d %H:%M:%S")
        )
        if self._reception.id is not None and self._reception.version != self._version:
            note += tr("注意：此接待在自动保存之后已在别处被修改（第 {a} 版 → 第 {b} 版）。").format(
                a=self._version, b=self._reception.version
            )
        if not self.is_editable():
            note += tr("此接待当前为“{s}”，不能保存这些修改。").format(s=self._reception.status.label)
        self.header.show_banner(note, "warn")
        self._set_dirty(True)
        self._autosaver.changed()
        self.refresh_check()

    def start_from(self, filled: Reception) -> None:
        """A new form filled in from elsewhere (据此登记接待: an approved plan), unsaved yet."""
        self._reception = replace(filled, clerk_name=filled.clerk_name or self.user.label)
        self._load(self._reception)
        self._set_dirty(True)
        self._autosaver.changed()
        self.refresh_check()

    def problems(self) -> dict[str, str]:
        """What the form currently refuses or the service reported, by field."""
        return dict(self.live.problems)

    def typed_problems(self) -> dict[str, str]:
        """What the fields refuse as typed (a date that is none, text that is no money, a bad
        meal cell), by field: no service asked."""
        return self.basic.problems() | self.costs.problems()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.header = Header(self)
        outer.addLayout(self.header.layout)
        self.plan_panel = PlanPanel(self.service)  # the approved plan against what is typed
        outer.addWidget(self.plan_panel)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.basic = BasicTab(self.fields)
        self.people = PeopleTab(
            self.fields, lambda: self.basic.visiting_unit.text().strip(), lambda: self._bureau_name
        )
        self.costs = CostsTab(self.fields, self.basic.day, self.people.persons)
        self.attachments = AttachmentsTab(self, self.fields)
        self.letter_watch = LetterUseWatch(  # 一函一事 beneath the letter number
            self.service,
            self.basic.letter_no,
            lambda: (self._reception.id, self._reception.plan_id),
            self.hub,
        )
        # each page scrolls on a small screen; the buttons below stay on it
        self.tabs.addTab(scrolling(self.basic), tr("基本信息"))
        self.tabs.addTab(scrolling(self.people), tr("人员"))
        self.tabs.addTab(scrolling(self.costs), tr("用餐与费用"))
        self.tabs.addTab(scrolling(self.attachments), tr("附件"))
        self.check = CheckPanel()
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.check)
        # the form takes seven parts in ten: the meals' eight columns fit beside the check panel
        # on a 1366×768 laptop at 150 % (the panel wraps its lines and scrolls)
        splitter.setStretchFactor(0, 7)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([840, 360])
        outer.addWidget(splitter, 1)

        self.life = LifeActions(self, self)  # 撤回, 删除草稿, 作废…, 报销
        outer.addLayout(self.life.reimbursement_row)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        outer.addWidget(self.message_label)
        self.refusal_label = QLabel()
        self.refusal_label.setObjectName("refusal")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.hide()
        outer.addWidget(self.refusal_label)

        buttons = QHBoxLayout()
        self.history_button = self._button(tr("历史记录"), self.show_history)
        buttons.addWidget(self.history_button)
        for b in self.life.buttons:
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.save_button = self._button(tr("保存草稿"), self.save_draft)
        self.submit_button = self._button(tr("提交审核"), self.submit)
        self.approve_button = self._button(tr("审核通过"), self.approve)
        self.return_button = self._button(tr("退回"), self.return_to_clerk)
        self.reopen_button = self._button(tr("重新打开"), self.reopen)
        self.close_button = self._button(tr("关闭"), self.reject)
        for b in (self.save_button, self.submit_button, self.approve_button, self.return_button):
            buttons.addWidget(b)
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.close_button)
        outer.addLayout(buttons)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self._save_shortcut)
        self.submit_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self.submit_shortcut.activated.connect(self._submit_shortcut)
        self.submit_shortcut_keypad = QShortcut(QKeySequence("Ctrl+Enter"), self)
        self.submit_shortcut_keypad.activated.connect(self._submit_shortcut)

    @staticmethod
    def _button(text: str, slot: Callable[[], object]) -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.setDefault(False)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    # ------------------------------------------------------------------ loading and editing
    def _load(self, r: Reception) -> None:
        self._loading = True
        try:
            self.basic.load(r)
            self.people.load(r)
            self.costs.load(r)
            self.check.load(r.explanations)
            self.attachments.load(self._reception)
        finally:
            self._loading = False
        self.header.update()
        self.check.show_risks(self.service.risks_of(r), r.ref)

    def _edited(self) -> None:
        if self._loading:
            return
        self._set_dirty(True)
        self._autosaver.changed()
        self._check_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        changed = dirty != self._dirty
        self._dirty = dirty
        self.header.show_title()
        if changed:
            self.life.update()  # 作废 waits for unsaved edits to be saved or dropped

    def _meal_refused(self, row: int, column: int, message: str) -> None:
        self.tabs.setCurrentIndex(self.fields.tab["meals"])
        self.costs.meals_view.setCurrentIndex(self.costs.meals_model.index(row, column))

    def refresh_check(self) -> None:
        """Check the form as it stands: one assess, one validate; figures, marks and problems."""
        self._check_timer.stop()
        typed = self.current_reception(all_explanations=True)
        self.live.run(typed)
        self.plan_panel.show_for(typed)
        self.letter_watch.refresh()
        self._message_still_applies()

    # ------------------------------------------------------------------ writes
    def _save_shortcut(self) -> None:
        if self.save_button.isVisible() and self.save_button.isEnabled():
            self.save_draft()

    def _submit_shortcut(self) -> None:
        if self.submit_button.isVisible() and self.submit_button.isEnabled():
            self.submit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:  # the keyboard starts in the first field, not on the tab bar
            self._focused_once = True
            self.tabs.setCurrentIndex(0)
            first = self.basic.reception_date if self.is_editable() else self.close_button
            QTimer.singleShot(0, first.setFocus)

    def _refused_locally(self, doing: str) -> bool:
        """Refuse before writing while a field holds text that is not a value (no service asked)."""
        bad = self.typed_problems()
        if not bad:
            return False
        self.live.show_problems({**self.live.problems, **bad})
        self.say(
            tr("未{doing}：以下内容填写有误，请先改正标红处：{list}").format(
                doing=doing, list="；".join(bad.values())
            ),
            error=True,
            about_fields=True,
        )
        self.live.focus(next(iter(bad)))
        return True

    def save_draft(self) -> bool:
        """Save a draft (new or changed); True when saved."""
        if not self.is_editable() or self._refused_locally(tr("保存")):
            return False
        return self._write(
            tr("保存"),
            lambda: self.service.save(self.user, self.current_reception(), self.attachments.pending()),
            tr("已保存草稿 {ref}（第 {v} 版）"),
        )

    def submit(self) -> bool:
        if not self.is_editable() or self._refused_locally(tr("提交")):
            return False
        if not self.live.submit_tried:
            self.live.submit_tried = True
            self._check_timer.start()  # the submit check (explanations required) runs before the write
        return self._write(tr("提交"), self._submit_now, tr("{ref} 已提交审核，等待分管领导审核"))

    def _submit_now(self) -> Reception:
        saved = self.service.submit(self.user, self.current_reception(), self.attachments.pending())
        self.live.submit_tried = False  # before the form is checked again, as a submitted record
        return saved

    def approve(self) -> bool:
        return self.review.approve(
            self._reception,
            version=self._version,
            not_allowed=lambda why: self.say(why, error=True),
            refused=lambda exc: self.refused(exc, tr("审核")),
            done=lambda saved: self._after_write(saved, tr("{ref} 已审核通过").format(ref=saved.ref)),
        ).ok

    def return_to_clerk(self) -> bool:
        return self.review.return_to_clerk(
            self._reception,
            version=self._version,
            refused=lambda exc: self.refused(exc, tr("退回")),
            done=lambda saved: self._after_write(saved, tr("{ref} 已退回经办人").format(ref=saved.ref)),
        ).ok

    def reopen(self) -> bool:
        return self.review.reopen(
            self._reception,
            version=self._version,
            refused=lambda exc: self.refused(exc, tr("重新打开")),
            done=lambda saved: self._after_write(
                saved, tr("{ref} 已重新打开，退回经办人更正").format(ref=saved.ref)
            ),
        ).ok

    def _write(self, doing: str, write: Callable[[], Reception], done: str) -> bool:
        """One write of the form through the operations layer; True when it went through."""
        return run(
            write,
            parent=self,
            hub=self.hub,
            refused=lambda exc: self.refused(exc, doing),
            done=lambda saved: self._after_write(saved, done.format(ref=saved.ref, v=saved.version)),
            changed=lambda saved: [saved.id],
        ).ok

    def after_write(self, saved: Reception, message: str) -> None:
        self._after_write(saved, message)

    def deleted(self) -> None:
        """The draft was deleted here: the form closes, nothing is left to save."""
        self._autosaver.discard()
        self._set_dirty(False)
        self._writing = True
        self._check_timer.stop()
        super().reject()

    def _after_write(self, saved: Reception, message: str) -> None:
        """Show the stored record; its check is the one the write was made with."""
        self._take(saved)
        self._autosaver.set_record_id(saved.id)
        self._autosaver.saved()
        self.header.hide_banner()
        self.header.update()
        self.live.show_written()
        self.say(message)
        self._writing = True  # the hub announces this write next: it is not news to this form
        if saved.id is not None:
            self.changed.emit(saved.id)

    def _take(self, stored: Reception) -> None:
        """Make ``stored`` the record of the form: its fields, version, permissions."""
        self._reception = stored
        self._version = stored.version
        self.live.service_problems = {}
        self._load(stored)
        self._set_dirty(False)
        self._update_actions()

    def after_attachment(self, stored: Reception, message: str) -> None:
        """Take the new version and file list; the fields being typed stay as they are."""
        self._reception = replace(stored)
        self._version = stored.version
        self.attachments.load(stored)
        self.header.update()
        self.say(message)
        self._writing = True
        if stored.id is not None:
            self.changed.emit(stored.id)

    def file_pending(self, message: str) -> None:
        """A file was added to (or left out of) a form not saved yet: it is unsaved input."""
        self._set_dirty(True)
        self.refresh_check()  # the documents line counts the files waiting to be saved
        self.say(message)

    def refused(self, exc: LedgerError, doing: str) -> None:
        """Show why a write was refused; the form keeps everything typed."""
        self.live.refused(exc, doing)

    def say(self, message: str, *, error: bool = False, about_fields: bool = False) -> None:
        """A line under the form; one ``about_fields`` goes once the fields it names are right."""
        self.message_label.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message_label.setText(message)
        self.message_label.show()
        self._message_about_fields = about_fields

    def _message_still_applies(self) -> None:
        if self._message_about_fields and not self.live.problems:
            self._message_about_fields = False
            self.message_label.clear()
            self.message_label.hide()

    def show_history(self) -> None:
        if self._reception.id is None:
            return
        from ui.history_dialog import HistoryDialog

        HistoryDialog(self.service, self._reception.id, self).exec()

    def open_latest(self) -> None:
        if self._reception.id is None:
            return
        latest = ReceptionDialog(self.service, self.user, self._reception.id, self.parentWidget(), self.hub)
        latest.show()
        self._latest_dialog = latest

    # ------------------------------------------------------------------ hearing of changes
    def _receptions_changed(self, ids: frozenset[int]) -> None:
        """A write elsewhere: reload if it changed this reception and nothing is unsaved, else say so."""
        if self._writing:
            self._writing = False
            return
        rid = self._reception.id
        if rid is None or not concerns(ids, rid):
            return
        try:
            stored = self.service.get(rid)
        except LedgerError:
            return
        if stored.version == self._version:
            return
        if self._dirty:
            self.header.show_banner(CHANGED_ELSEWHERE.format(b=stored.version), "warn")
            self.header.open_latest_button.show()
            return
        self._take(stored)
        self.header.hide_banner()
        # said where the user looks before typing, so nobody types over a record they did not see
        self.header.show_banner(RELOADED_FROM_ELSEWHERE.format(b=stored.version), "info")
        self.header.update()
        self.refresh_check()

    def _settings_changed(self) -> None:
        """Users, the bureau or the policy changed: names and the check may read differently."""
        self.header.forget_users()
        self.header.update()
        self.refresh_check()

    # ------------------------------------------------------------------ permissions
    def _update_actions(self) -> None:
        r = self._reception
        status = r.status
        is_clerk = self.user.has(Role.CLERK)
        is_approver = self.user.has(Role.APPROVER)
        editable = self.is_editable()
        for part in (self.basic, self.people, self.costs, self.attachments, self.check):
            part.set_read_only(not editable)

        # the record's own lock comes first, whoever opens it; the role only for an open record
        lock_reason = ""
        if status == Status.SUBMITTED:
            lock_reason = tr("已提交审核，等待分管领导审核，不能修改")
        elif status == Status.APPROVED:
            lock_reason = tr("已审核，记录已锁定；如需更正，须由分管领导重新打开")
        elif status == Status.VOID:
            lock_reason = tr("已作废，记录已锁定，不计入任何合计")
        elif not is_clerk:
            lock_reason = tr("您没有“经办人”角色，只能查看")
        for b in (self.save_button, self.submit_button):
            b.setVisible(is_clerk)
            b.setEnabled(editable)
            b.setToolTip(lock_reason if not editable else "")
        self.save_button.setToolTip(tr("保存草稿（Ctrl+S）") if editable else lock_reason)
        self.submit_button.setToolTip(tr("提交审核（Ctrl+Enter）") if editable else lock_reason)

        approvable = is_approver and status == Status.SUBMITTED
        self.approve_button.setVisible(approvable)
        self.return_button.setVisible(approvable)
        refusal = self.service.approval_refusal(self.user, r) if approvable else None
        self.approve_button.setEnabled(approvable and refusal is None)
        self.approve_button.setToolTip(refusal or "")
        self.return_button.setEnabled(approvable and refusal is None)  # a return is a review too
        self.return_button.setToolTip(refusal or "")
        self.reopen_button.setVisible(is_approver and status == Status.APPROVED)
        self.reopen_button.setToolTip(tr("已审核的记录如需更正，由分管领导写明理由后重新打开"))
        self.history_button.setVisible(r.id is not None)
        self.life.update()

        reasons = []
        if refusal:
            reasons.append(tr("不能审核：{why}").format(why=refusal))
        if lock_reason and (is_clerk or not approvable):
            reasons.append(lock_reason)
        self.refusal_label.setText("；".join(reasons))
        self.refusal_label.setVisible(bool(reasons))

    # ------------------------------------------------------------------ closing
    def reject(self) -> None:
        """Closing (Esc, 关闭, the window's ×): unsaved changes are asked about."""
        if self._dirty:
            answer = UnsavedPrompt.ask(self)
            if answer == UnsavedPrompt.CANCEL:
                return
            if answer == UnsavedPrompt.SAVE:
                if not self.save_draft():
                    return
            else:
                self._autosaver.discard()
                self._set_dirty(False)
        self._check_timer.stop()
        super().reject()
