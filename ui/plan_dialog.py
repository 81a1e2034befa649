"""The pre-approval form (接待审批单): write, submit, withdraw, void or delete a plan; approve
or return it.

The fields are ``ui.plan_fields``; this module puts them beside the check and runs the writes.
As the clerk types, the plan is checked (one ``plan_problems`` and one ``plan_breaches`` per
check): each problem under its field, the plan's own breaches of the standard (companions,
the meal standard, the venue, the number of meals) in the panel at the side, where the leader
sees them before approving; and the letter number is looked up at once
(``ui.reception.plan_panel.LetterUseWatch``): a letter already cited by another plan or
reception is said beneath it, with the refs (一函一事). A submitted, approved or void plan is locked; a returned one shows the leader's
comment. While it has unsaved changes the form is autosaved (``ui.autosave``, kind ``plan``):
a crash loses seconds, and after the next login the plan is offered back (``restore_autosaved``).
An approver reopens an approved plan not yet used (重新打开…, with a reason).
``changed(plan_id)`` after each write; ``reception_requested(reception)`` when the
clerk starts the reception from the approved plan (the main window opens the reception form).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.policy import RULES
from ledger.preapproval import PLAN_STATUS, Plan
from ledger.records import Role, Status, User, Violation
from ledger.service import InvalidReception, LedgerError, LedgerService, StaleEdit
from ui.autosave import PLAN, AutosavedDraft, Autosaver
from ui.hub import ChangeHub
from ui.operations import run
from ui.plan_actions import PlanActions, start_refusal
from ui.plan_fields import PlanFields
from ui.reception.fields import STYLE, FieldIndex, mark
from ui.reception.plan_panel import LetterUseWatch
from ui.screen_fit import fit_window, scrolling

CHECK_DELAY_MS = 150
BANNER = {
    "info": "background: #e3f2fd; color: #0d47a1;",
    "warn": "background: #fff3e0; color: #8a4b00;",
    "error": "background: #ffebee; color: #b71c1c;",
}


class BreachPanel(QGroupBox):
    """What the plan itself would breach, in red; the leader reads it before approving."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("对照接待标准"), parent)
        outer = QVBoxLayout(self)
        # a long plan has many breaches: they scroll inside the panel, never off the screen
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        self.scroll.setWidget(holder)
        outer.addWidget(self.scroll)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.verdict)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color: #555;")
        v.addWidget(self.facts)
        v.addStretch(1)
        self.breaches: tuple[Violation, ...] = ()

    def show_breaches(self, breaches: tuple[Violation, ...], meal_budget: str) -> None:
        self.breaches = breaches
        e = html.escape
        if not breaches:
            self.verdict.setText(f"<p style='color:#2e7d32'><b>{e(tr('未发现超出接待标准的安排。'))}</b></p>")
        else:
            lines = [
                f"<p style='color:#b71c1c'><b>{e(tr('超出接待标准 {n} 项').format(n=len(breaches)))}</b></p>"
            ]
            lines += [
                f"<p style='margin:2px 0'><b style='color:#b71c1c'>{e(RULES.get(v.rule, v.rule))}</b>："
                f"{e(v.message)}</p>"
                for v in breaches
            ]
            self.verdict.setText("".join(lines))
        self.facts.setText(tr("计划餐费（餐标 × 人数）：{m} 元").format(m=meal_budget))

    def text(self) -> str:
        return self.verdict.text()


class PlanDialog(QDialog):
    """Create, edit, submit, withdraw, void, delete, approve or return one plan."""

    changed = Signal(int)
    reception_requested = Signal(object)  # a Reception filled in from the approved plan

    def __init__(
        self,
        service: LedgerService,
        user: User,
        plan_id: int | None = None,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub or ChangeHub(self)
        self.actions = PlanActions(service, user, self.hub, self)
        self._plan = service.plan(plan_id) if plan_id is not None else Plan(start_date=service.clock().date())
        self._dirty = False
        self._loading = False
        self._submit_tried = False
        # a field's problem shows once the user changed it, or everywhere once a save or a
        # submission was tried (and on a stored or restored plan): never on an untouched new form
        self._show_all = False
        self._touched: set[str] = set()
        self._baseline: dict[str, object] = {}
        self._focused_once = False
        self.service_problems: dict[str, str] = {}
        self.problems: dict[str, str] = {}
        self.fields = FieldIndex()
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setStyleSheet(STYLE)
        self._build()
        fit_window(self, "plan", QSize(1220, 760))
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.refresh_check)
        self.form.edited.connect(self._edited)
        self.hub.plans_changed.connect(self._plans_changed)
        self.autosaver = Autosaver(
            service, user, self._plan.id, self.current_plan, lambda: self._plan.version, self, kind=PLAN
        )
        self._load(self._plan)

    # ------------------------------------------------------------------ public
    @property
    def plan(self) -> Plan:
        """The stored plan this dialog shows (or the new one)."""
        return self._plan

    @property
    def plan_id(self) -> int | None:
        return self._plan.id

    def is_dirty(self) -> bool:
        return self._dirty

    def is_editable(self) -> bool:
        return self.user.has(Role.CLERK) and self._plan.status in (Status.DRAFT, Status.RETURNED)

    def current_plan(self) -> Plan:
        return replace(self._plan, **self.form.values())

    def restore_autosaved(self, draft: AutosavedDraft) -> None:
        """Fill the form with an autosaved plan (after a crash); it stays marked unsaved."""
        self.autosaver.path = draft.path
        stored = self._plan
        if stored.id is not None and draft.version:
            self._plan = replace(stored, version=draft.version)  # saving then finds a newer version
        self._load(replace(self._plan, **{k: getattr(draft.plan, k) for k in self.form.values()}))
        self._show_all = True  # what was typed before the crash: its problems are shown
        self.refresh_check()
        note = tr("已恢复 {t} 自动保存的内容，尚未保存到台账。").format(
            t=draft.saved_at.strftime("%Y-%m-%d %H:%M:%S")
        )
        if stored.id is not None and stored.version != self._plan.version:
            note += tr("注意：此审批单在自动保存之后已在别处被修改（第 {a} 版 → 第 {b} 版）。").format(
                a=self._plan.version, b=stored.version
            )
        if not self.is_editable():
            note += tr("此审批单当前为“{s}”，不能保存这些修改。").format(s=PLAN_STATUS[stored.status])
        self._dirty = True
        self._show_header()
        self.show_banner(note, "warn")
        self.autosaver.changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.form_area.viewport():
            self.form.fit_width(self.form_area.viewport().width())
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.who_label = QLabel()
        self.who_label.setStyleSheet("color: #555;")
        self.who_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addWidget(self.who_label, 1)
        outer.addLayout(top)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.form = PlanFields(self.fields)
        self.letter_watch = LetterUseWatch(
            self.service, self.form.letter_no, lambda: (None, self._plan.id), self.hub
        )
        self.form_area = scrolling(self.form)
        self.form_area.viewport().installEventFilter(self)  # the form fits its width (eventFilter)
        splitter.addWidget(self.form_area)
        self.breach_panel = BreachPanel()
        self.breach_panel.setMinimumWidth(240)
        splitter.addWidget(self.breach_panel)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 300])
        outer.addWidget(splitter, 1)

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
        self.print_button = self._button(tr("打印审批单"), lambda: self.actions.print_form(self._plan))
        self.start_button = self._button(tr("据此登记接待"), self.start_reception)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        self.delete_button = self._button(tr("删除草稿"), self.delete)
        self.void_button = self._button(tr("作废…"), self.void)
        self.withdraw_button = self._button(tr("撤回"), self.withdraw)
        self.save_button = self._button(tr("保存草稿"), self.save_draft)
        self.submit_button = self._button(tr("提交审批"), self.submit)
        self.approve_button = self._button(tr("批准"), self.approve)
        self.return_button = self._button(tr("退回…"), self.return_plan)
        self.reopen_button = self._button(tr("重新打开…"), self.reopen)
        self.close_button = self._button(tr("关闭"), self.reject)
        for b in (
            self.delete_button,
            self.void_button,
            self.withdraw_button,
            self.save_button,
            self.submit_button,
            self.approve_button,
            self.return_button,
            self.reopen_button,
            self.close_button,
        ):
            buttons.addWidget(b)
        outer.addLayout(buttons)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(
            lambda: (
                self.save_draft() if self.save_button.isVisible() and self.save_button.isEnabled() else None
            )
        )

    @staticmethod
    def _button(text: str, slot: Callable[[], object]) -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.setDefault(False)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    # ------------------------------------------------------------------ loading and checking
    def _load(self, p: Plan) -> None:
        self._loading = True
        try:
            self.form.load(p)
        finally:
            self._loading = False
        self._baseline = self.form.values()
        self._touched = set()
        self._show_all = p.id is not None
        self._show_header()
        self._update_actions()
        self.refresh_check()
        self.letter_watch.refresh(force=True)

    def _show_header(self) -> None:
        p = self._plan
        ref = p.ref or tr("新审批单（保存后自动编号）")
        self.title_label.setText(
            tr("接待审批单 {ref}　{status}").format(ref=ref, status=PLAN_STATUS[p.status] if p.id else "")
            + (" *" if self._dirty else "")
        )
        self.setWindowTitle(tr("接待审批单 {ref}").format(ref=p.ref) if p.ref else tr("新建接待审批单"))
        names = {u.username: u.label for u in self.service.users()} if p.id else {}
        parts = []
        if p.created_by:
            parts.append(tr("填写：{who}").format(who=names.get(p.created_by, p.created_by)))
        if p.submitted_by and p.status != Status.DRAFT:
            parts.append(tr("提交：{who}").format(who=names.get(p.submitted_by, p.submitted_by)))
        if p.approved_by:
            at = p.approved_at.strftime("%Y-%m-%d %H:%M") if p.approved_at else ""
            parts.append(tr("批准：{who} {at}").format(who=names.get(p.approved_by, p.approved_by), at=at))
        if p.receptions:
            parts.append(tr("据此登记的接待：{refs}").format(refs="、".join(p.receptions)))
        self.who_label.setText("　".join(parts))
        if p.status == Status.RETURNED and p.review_comment:
            self.show_banner(tr("已退回，审批意见：{c}").format(c=p.review_comment), "warn")
        elif p.status == Status.VOID:
            self.show_banner(tr("已作废，理由：{c}").format(c=p.void_reason), "error")
        elif p.status == Status.APPROVED and p.review_comment:
            self.show_banner(tr("审批意见：{c}").format(c=p.review_comment), "info")
        else:
            self.banner.hide()

    def show_banner(self, text: str, kind: str) -> None:
        self.banner.setStyleSheet(BANNER[kind] + " padding: 6px; border-radius: 3px;")
        self.banner.setText(text)
        self.banner.show()

    def _edited(self) -> None:
        if self._loading:
            return
        self._touch()
        if not self._dirty:
            self._dirty = True
            self._show_header()
        self.autosaver.changed()
        self._check_timer.start()

    def refresh_check(self) -> None:
        """Check the plan as typed: problems at their fields, breaches in the panel."""
        self._check_timer.stop()
        plan = self.current_plan()
        problems = self.form.problems()  # what a cell refused as it was typed
        self._touch()
        for key, message in self.service.plan_problems(plan, for_submit=self._submit_tried).items():
            if self._show_all or key.split(".")[0] in self._touched:
                problems.setdefault(key, message)
        for key, message in self.service_problems.items():
            problems.setdefault(key, message)
        try:
            breaches = self.service.plan_breaches(plan)
        except LedgerError:
            breaches = ()
        self.show_problems(problems)
        self.breach_panel.show_breaches(breaches, f"{plan.meal_budget:.2f}")
        rules = {v.rule for v in breaches}
        mark(self.form.companion_count, "breach", "companions_over_cap" in rules)
        self.form.companion_count.setToolTip(
            "\n".join(v.message for v in breaches if v.rule == "companions_over_cap")
        )
        mark(self.form.meals_view, "breach", "too_many_meals" in rules)
        by_meal: dict[int, list[str]] = {}
        for v in breaches:
            if v.meal_index is not None:
                by_meal.setdefault(v.meal_index, []).append(v.message)
        rows = {int(k.split(".")[1]): m for k, m in problems.items() if k.startswith("meals.")}
        self.form.meals_model.set_marks(rows, by_meal)
        self.form.meal_total_label.setText(tr("计划餐费 {m} 元").format(m=f"{plan.meal_budget:.2f}"))

    def show_problems(self, problems: dict[str, str]) -> None:
        for key, label in self.fields.error.items():
            message = problems.get(key, "")
            if key == "meals":
                message = "\n".join(m for k, m in problems.items() if k.startswith("meals"))
            if key == "lodging_persons":
                message = problems.get("lodging_persons") or problems.get("lodging_nights", "")
            mark(self.fields.widget[key], "problem", bool(message))
            label.setText(message)
            label.setVisible(bool(message))
        self.problems = problems

    # ------------------------------------------------------------------ writes
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            first = self.form.visiting_unit if self.is_editable() else self.close_button
            QTimer.singleShot(0, first.setFocus)

    def _refused_locally(self, doing: str) -> bool:
        bad = self.form.problems()
        if not bad:
            return False
        self.show_problems({**self.problems, **bad})
        self.say(
            tr("未{doing}：请先改正标红处：{list}").format(doing=doing, list="；".join(bad.values())),
            error=True,
        )
        return True

    def _touch(self) -> None:
        """The fields changed since the plan was loaded are touched, for good."""
        values = self.form.values()
        self._touched |= {k for k, v in values.items() if v != self._baseline.get(k)}

    def _tried(self) -> None:
        """A save or a submission was tried: every field's problem is shown from now on."""
        if not self._show_all:
            self._show_all = True
            self.refresh_check()

    def save_draft(self) -> bool:
        if self.is_editable():
            self._tried()
        if not self.is_editable() or self._refused_locally(tr("保存")):
            return False
        return self._write(
            tr("保存"),
            lambda: self.service.save_plan(self.user, self.current_plan()),
            tr("已保存草稿 {ref}"),
        )

    def submit(self) -> bool:
        if self.is_editable():
            self._tried()
        if not self.is_editable() or self._refused_locally(tr("提交")):
            return False
        self._submit_tried = True
        return self._write(
            tr("提交"),
            lambda: self.service.submit_plan(self.user, self.current_plan()),
            tr("{ref} 已提交审批，等待分管领导审批"),
        )

    def _write(self, doing: str, write: Callable[[], Plan], done: str) -> bool:
        return run(
            write,
            parent=self,
            hub=self.hub,
            refused=lambda exc: self.refused(exc, doing),
            done=lambda saved: self._after_write(saved, done.format(ref=saved.ref)),
            plans=True,
        ).ok

    def _after_write(self, saved: Plan, message: str) -> None:
        self._plan = saved
        self._dirty = False
        self.autosaver.set_record_id(saved.id)
        self.autosaver.saved()
        self._submit_tried = False
        self.service_problems = {}
        self._load(saved)
        self.say(message)
        if saved.id is not None:
            self.changed.emit(saved.id)

    def refused(self, exc: LedgerError, doing: str) -> None:
        """Show why a write was refused; everything typed stays."""
        if isinstance(exc, StaleEdit):
            self.show_banner(str(exc) + tr("您填写的内容仍保留在此窗口中。"), "error")
        if isinstance(exc, InvalidReception):
            self.service_problems = dict(exc.problems)
            self.refresh_check()
            self.say(
                tr("未{doing}：").format(doing=doing) + "；".join(dict.fromkeys(exc.problems.values())),
                error=True,
            )
            key = next(iter(exc.problems))
            widget = self.fields.widget.get("meals" if key.startswith("meals") else key)
            if widget is not None:
                widget.setFocus()
            return
        self.say(tr("未{doing}：{reason}").format(doing=doing, reason=exc), error=True)

    def say(self, message: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message_label.setText(message)
        self.message_label.show()

    def _decided(self, message: str) -> Callable[[Plan], None]:
        return lambda saved: self._after_write(saved, message.format(ref=saved.ref))

    def approve(self) -> bool:
        return self.actions.approve(
            self._plan,
            not_allowed=lambda why: self.say(tr("不能批准：{why}").format(why=why), error=True),
            refused=lambda exc: self.refused(exc, tr("批准")),
            done=self._decided(tr("{ref} 已批准")),
        ).ok

    def return_plan(self) -> bool:
        return self.actions.return_plan(
            self._plan,
            refused=lambda exc: self.refused(exc, tr("退回")),
            done=self._decided(tr("{ref} 已退回经办人")),
        ).ok

    def withdraw(self) -> bool:
        return self.actions.withdraw(
            self._plan,
            refused=lambda exc: self.refused(exc, tr("撤回")),
            done=self._decided(tr("{ref} 已撤回，可修改后再提交")),
        ).ok

    def reopen(self) -> bool:
        return self.actions.reopen(
            self._plan,
            not_allowed=lambda why: self.say(tr("不能重新打开：{why}").format(why=why), error=True),
            refused=lambda exc: self.refused(exc, tr("重新打开")),
            done=self._decided(tr("{ref} 已重新打开，退回经办人修改")),
        ).ok

    def void(self) -> bool:
        return self.actions.void(
            self._plan,
            refused=lambda exc: self.refused(exc, tr("作废")),
            done=self._decided(tr("{ref} 已作废")),
        ).ok

    def delete(self) -> bool:
        if not self.actions.delete(self._plan, refused=lambda exc: self.refused(exc, tr("删除"))):
            return False
        self.autosaver.discard()
        self._dirty = False
        self.done(QDialog.DialogCode.Accepted)
        return True

    def start_reception(self) -> None:
        filled = self.actions.start_reception(self._plan)
        if filled is not None:
            self.reception_requested.emit(filled)

    # ------------------------------------------------------------------ changes elsewhere
    def _plans_changed(self) -> None:
        """A plan was written (here or at another desk): take it when it is this one and newer."""
        if self._plan.id is None:
            return
        try:
            stored = self.service.plan(self._plan.id)
        except LedgerError:
            return
        if stored.version == self._plan.version and stored.receptions == self._plan.receptions:
            return
        if self._dirty:
            self.show_banner(
                tr("此审批单已在别处被修改（现在是第 {v} 版），您的修改尚未保存。").format(v=stored.version),
                "warn",
            )
            return
        self._plan = stored
        self._load(stored)
        if stored.status not in (Status.RETURNED, Status.VOID):
            self.show_banner(tr("此审批单刚在别处被修改，窗口已显示最新内容。"), "info")

    # ------------------------------------------------------------------ permissions
    def _update_actions(self) -> None:
        p = self._plan
        is_clerk = self.user.has(Role.CLERK)
        is_approver = self.user.has(Role.APPROVER)
        editable = self.is_editable()
        self.form.set_read_only(not editable)
        stored = p.id is not None
        for b in (self.save_button, self.submit_button):
            b.setVisible(is_clerk and p.status in (Status.DRAFT, Status.RETURNED))
        self.withdraw_button.setVisible(is_clerk and p.status == Status.SUBMITTED)
        self.delete_button.setVisible(self.actions.may_delete(p))
        self.void_button.setVisible(self.actions.may_void(p))
        approvable = is_approver and p.status == Status.SUBMITTED
        refusal = self.actions.approval_refusal(p) if approvable else None
        self.approve_button.setVisible(approvable)
        self.approve_button.setEnabled(approvable and refusal is None)
        self.approve_button.setToolTip(refusal or tr("批准后审批单锁定，可据此登记接待"))
        self.return_button.setVisible(approvable)
        self.return_button.setEnabled(approvable and refusal is None)  # a return is a review too
        self.return_button.setToolTip(refusal or "")
        reopen = self.actions.reopen_refusal(p) if p.status == Status.APPROVED else None
        self.reopen_button.setVisible(self.actions.may_offer_reopen(p))
        self.reopen_button.setEnabled(reopen is None)
        self.reopen_button.setToolTip(reopen or tr("写明理由后重新打开，审批单退回经办人修改后再报批"))
        start = start_refusal(p) if stored else tr("审批单尚未保存")
        self.start_button.setVisible(is_clerk and p.status == Status.APPROVED)
        self.start_button.setEnabled(start is None)
        self.start_button.setToolTip(start or tr("打开接待登记，按审批单填好"))
        self.print_button.setVisible(stored)

        lock = ""
        if p.status == Status.SUBMITTED:
            lock = tr("已提交审批，等待分管领导审批，不能修改")
        elif p.status == Status.APPROVED:
            lock = tr("已批准，审批单已锁定")
        elif p.status == Status.VOID:
            lock = tr("已作废")
        elif not is_clerk:
            lock = tr("您没有“经办人”角色，只能查看")
        reasons = [tr("不能批准：{why}").format(why=refusal)] if refusal else []
        if lock and not approvable:
            reasons.append(lock)
        self.refusal_label.setText("；".join(reasons))
        self.refusal_label.setVisible(bool(reasons))

    # ------------------------------------------------------------------ closing
    def reject(self) -> None:
        """Closing with unsaved changes asks: save, discard or stay."""
        if self._dirty and self.is_editable():
            answer = QMessageBox.question(
                self,
                tr("尚未保存"),
                tr("此审批单有未保存的修改，是否保存？"),
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.save_draft():
                return
        if self._dirty:  # thrown away (or, on a locked plan, impossible to save): not offered again
            self.autosaver.discard()
            self._dirty = False
        self._check_timer.stop()
        super().reject()
