"""Paper and spreadsheets in the window: the 打印 menu and 文件 → 导出台账工作簿….

- 打印 → 本月公示表… (Ctrl+P): preview of this month's notice, posted today;
- 打印 → 公示表…: choose the period, the posting date and the internal copy;
- 打印 → 公示此接待: the notice of the selected approved reception alone (right after approval);
- 打印 → 接待清单: the reception list of the selected reception;
- 文件 → 导出台账工作簿…: the ledger workbook of a year;
- ``print_plan_form``: the pre-approval form (接待审批单) of a plan, for the plans tab.

A notice printed or saved from the preview marks its receptions as posted on the posting
date (LedgerService.mark_posted), so the ledger shows when each was made public. The
internal copy is not posted on the board and marks nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import fmt
from ledger.preapproval import Plan
from ledger.records import User
from ledger.service import LedgerError, LedgerService
from ledger.trust import Stamp
from ledger.workdays import DEFAULT_CALENDAR, FIRST_DAY, LAST_DAY, WorkCalendar
from ui.dates import DateEdit
from ui.hub import ChangeHub
from ui.operations import run
from ui.pdf_preview import PdfPreviewDialog
from ui.prefs import app_settings
from ui.screen_fit import fit_window
from ui.widgets import ok_cancel_buttons, show_ledger_error

if TYPE_CHECKING:
    from reports.notice import Notice

EXPORT_DIR_KEY = "export/last_dir"


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the month ``day`` falls in (as reports.notice.month_bounds;
    reports.notice, with reportlab, is imported only when a notice is made: the window starts
    without it)."""
    import calendar as months

    return day.replace(day=1), day.replace(day=months.monthrange(day.year, day.month)[1])


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


@dataclass(frozen=True)
class NoticeRequest:
    date_from: date
    date_to: date
    posted_on: date
    internal: bool = False


class NoticeDialog(QDialog):
    """Choose the period of a notice sheet, its posting date and whether it is the internal copy."""

    def __init__(
        self,
        posting_days: int,
        today: date | None = None,
        parent: QWidget | None = None,
        calendar: WorkCalendar = DEFAULT_CALENDAR,
    ) -> None:
        super().__init__(parent)
        self.calendar = calendar
        self.setWindowTitle(tr("公示表"))
        self.posting_days = posting_days
        today = today or date.today()
        first, last = month_bounds(today)
        self.from_edit = self._date_edit(first)
        self.to_edit = self._date_edit(last)
        self.posted_edit = self._date_edit(today)
        self.internal_box = QCheckBox(tr("内部核对本（加上“公示合计 + 涉密合计 = 台账合计”核对行，不张贴）"))
        self.this_month = QPushButton(tr("本月"))
        self.last_month = QPushButton(tr("上月"))
        self.this_month.clicked.connect(lambda: self._set_month(today))
        self.last_month.clicked.connect(lambda: self._set_month(date.fromordinal(first.toordinal() - 1)))
        self.period_error = QLabel()
        self.period_error.setStyleSheet("color: #c62828")
        self.posting_label = QLabel()

        quick = QHBoxLayout()
        quick.addWidget(self.this_month)
        quick.addWidget(self.last_month)
        quick.addStretch(1)
        form = QFormLayout()
        form.addRow(tr("接待日期从"), self.from_edit)
        form.addRow(tr("至"), self.to_edit)
        form.addRow("", quick)
        form.addRow("", self.period_error)
        form.addRow(tr("公示日期"), self.posted_edit)
        form.addRow("", self.posting_label)
        form.addRow("", self.internal_box)
        self.buttons = ok_cancel_buttons(self, tr("预览"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        fit_window(self, "notice_period", QSize(480, 0))
        for edit in (self.from_edit, self.to_edit, self.posted_edit):
            edit.dateChanged.connect(lambda _d: self._check())
            edit.message.connect(lambda _text: self._check())
        self._check()

    @staticmethod
    def _date_edit(day: date) -> DateEdit:
        edit = DateEdit(_qdate(day))
        edit.setDateRange(_qdate(FIRST_DAY), _qdate(LAST_DAY))  # a posting period stays in the calendar
        return edit

    def _set_month(self, day: date) -> None:
        first, last = month_bounds(day)
        self.from_edit.setDate(_qdate(first))
        self.to_edit.setDate(_qdate(last))

    def _check(self) -> None:
        refused = [e.refusal() for e in (self.from_edit, self.to_edit, self.posted_edit) if e.refusal()]
        ok = self.to_edit.date() >= self.from_edit.date()
        text = "；".join(refused) if refused else ("" if ok else tr("结束日期不能早于开始日期"))
        self.period_error.setText(text)
        self.period_error.setVisible(bool(text))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        posted = _pydate(self.posted_edit.date())
        until = self.calendar.posting_end(posted, self.posting_days)
        unknown = self.calendar.unknown_years(posted, until)
        rule = (
            tr("{years}年节假日安排未收录，按周一至周五计算").format(years="、".join(map(str, unknown)))
            if unknown
            else tr("按国务院节假日安排，不含法定节假日和周末，含调休上班日")
        )
        self.posting_label.setText(
            tr("公示期 {n} 个工作日，至 {until}（{rule}）").format(
                n=self.posting_days, until=until.isoformat(), rule=rule
            )
        )

    def request(self) -> NoticeRequest:
        return NoticeRequest(
            _pydate(self.from_edit.date()),
            _pydate(self.to_edit.date()),
            _pydate(self.posted_edit.date()),
            self.internal_box.isChecked(),
        )

    @classmethod
    def ask(
        cls, posting_days: int, parent: QWidget | None = None, calendar: WorkCalendar = DEFAULT_CALENDAR
    ) -> NoticeRequest | None:
        dialog = cls(posting_days, parent=parent, calendar=calendar)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.request()


class PrintActions(QObject):
    """The printing and export actions, given what they need: the service, the user, the widget
    their dialogs belong to, the change hub, the selected reception and a place for messages."""

    def __init__(
        self,
        service: LedgerService,
        user: User,
        parent: QWidget,
        hub: ChangeHub | None,
        selected: Callable[[], int | None],
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.parent_widget = parent
        self.hub = hub
        self.selected_reception_id = selected
        self.show_status = status
        self.this_month_action = self._action(
            tr("本月公示表…"), self.this_month_notice, "Ctrl+P", tr("预览并打印本月已审核接待的公示表")
        )
        self.notice_action = self._action(
            tr("公示表…"), self.notice_for_period, None, tr("选择期间和公示日期，预览并打印公示表")
        )
        self.single_notice_action = self._action(
            tr("公示此接待"), self.notice_for_selected, None, tr("所选已审核接待单独公示（审核后即时公示）")
        )
        self.slip_action = self._action(
            tr("接待清单"), self.slip_for_selected, "Ctrl+L", tr("所选接待的接待清单，报销用")
        )
        self.export_action = self._action(
            tr("导出台账工作簿…"),
            self.export_workbook,
            "Ctrl+E",
            tr("导出一年的台账、月度对比、违规情况和年度目标"),
        )
        self.template_action = self._action(
            tr("保存导入模板…"),
            self.save_import_template,
            None,
            tr("空白的导入模板（带填写说明）：按它填写后用“导入工作簿…”导入"),
        )
        if hub is not None:
            hub.receptions_changed.connect(lambda _ids: self.update_actions())
        self.update_actions()

    def install(self, print_menu: QMenu, file_menu: QMenu, before: QAction) -> None:
        """Put the notices and the reception list in 打印, the workbook export and the blank
        import template in 文件 (before ``before``)."""
        print_menu.addAction(self.this_month_action)
        print_menu.addAction(self.notice_action)
        print_menu.addAction(self.single_notice_action)
        print_menu.addSeparator()
        print_menu.addAction(self.slip_action)
        file_menu.insertAction(before, self.export_action)
        file_menu.insertAction(before, self.template_action)

    def _action(self, text: str, slot: Callable[[], object], shortcut: str | None, tip: str) -> QAction:
        action = QAction(text, self.parent_widget)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def update_actions(self) -> None:
        selected = self.selected_reception_id() is not None
        self.slip_action.setEnabled(selected)
        self.single_notice_action.setEnabled(selected)

    # ------------------------------------------------------------------ notices
    def this_month_notice(self, today: date | None = None) -> Notice | None:
        today = today or date.today()
        first, last = month_bounds(today)
        from reports.notice import load_notice

        return self._notice(lambda: load_notice(self.service, first, last, posted_on=today))

    def notice_for_period(self) -> Notice | None:
        request = NoticeDialog.ask(
            self.service.bureau().posting_days, self.parent_widget, calendar=self.service.work_calendar()
        )
        if request is None:
            return None
        from reports.notice import load_notice

        return self._notice(
            lambda: load_notice(
                self.service,
                request.date_from,
                request.date_to,
                posted_on=request.posted_on,
                internal=request.internal,
            )
        )

    def notice_for_selected(self) -> Notice | None:
        rid = self._selected()
        if rid is None:
            return None
        from reports.notice import load_single_notice

        return self._notice(lambda: load_single_notice(self.service, rid))

    def _notice(self, load: Callable[[], Notice]) -> Notice | None:
        from reports.notice import NoticeError, render_notice

        try:
            with _busy():
                notice = load()
                stamp = self.service.print_stamp("notice", notice.period, self.user, register=False)
                pdf = render_notice(notice, stamp)
        except NoticeError as exc:
            QMessageBox.information(self.parent_widget, tr("公示表"), str(exc))
            return None
        except LedgerError as exc:
            show_ledger_error(self.parent_widget, exc)
            return None
        if not notice.receptions and not notice.internal:
            answer = QMessageBox.question(
                self.parent_widget,
                tr("公示表"),
                tr("{period}没有应公示的已审核接待。仍要预览空白公示表吗？").format(period=notice.period),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return notice
        title = notice.title + (tr("（内部核对本）") if notice.internal else "")
        name = f"{title}（{notice.period}）.pdf"

        def on_output() -> None:
            _register(self.parent_widget, self.service, stamp, self.user)
            if not notice.internal:
                self._mark_posted(notice)

        PdfPreviewDialog.preview(
            pdf, f"{title} — {notice.period}", name, self.parent_widget, on_output=on_output
        )
        return notice

    def _mark_posted(self, notice: Notice) -> None:
        def done(count: int) -> None:
            if count:
                self.show_status(
                    tr("{n} 条接待已记为于 {day} 公示").format(n=count, day=notice.posted_on.isoformat()),
                    8000,
                )

        run(
            lambda: self.service.mark_posted(self.user, notice.reception_ids, notice.posted_on),
            parent=self.parent_widget,
            hub=self.hub,
            done=done,
            changed=lambda count: notice.reception_ids if count else None,
        )

    # ------------------------------------------------------------------ reception list
    def slip_for_selected(self) -> bool:
        from reports.slip import load_slip, render_slip

        rid = self._selected()
        if rid is None:
            return False
        try:
            with _busy():
                slip = load_slip(self.service, rid)
                stamp = self.service.print_stamp("slip", slip.reception.ref, self.user, register=False)
                pdf = render_slip(slip, stamp)
        except LedgerError as exc:
            show_ledger_error(self.parent_widget, exc)
            return False
        ref = slip.reception.ref
        PdfPreviewDialog.preview(
            pdf,
            f"{slip.title} {ref}",
            f"{slip.title}_{ref}.pdf",
            self.parent_widget,
            on_output=lambda: _register(self.parent_widget, self.service, stamp, self.user),
        )
        return True

    def _selected(self) -> int | None:
        rid = self.parent_widget.selected_reception_id()
        if rid is None:
            QMessageBox.information(self.parent_widget, tr("打印"), tr("请先在台账中选择一条接待。"))
        return rid

    # ------------------------------------------------------------------ workbook
    def export_workbook(self, year: int | None = None, path: str | Path | None = None) -> Path | None:
        from reports.output import output_error
        from reports.workbook import export_year

        service = self.service
        if year is None:
            years = service.years()
            default = date.today().year if not years or date.today().year in years else years[0]
            chosen, ok = QInputDialog.getInt(
                self.parent_widget, tr("导出台账工作簿"), tr("年份："), default, FIRST_DAY.year, LAST_DAY.year
            )
            if not ok:
                return None
            year = chosen
        settings = app_settings()
        if path is None:
            start = Path(str(settings.value(EXPORT_DIR_KEY, "") or Path.home()))
            suggested = start / tr("{bureau}{year}年公务接待台账.xlsx").format(
                bureau=service.bureau().name, year=year
            )
            chosen_path, _ = QFileDialog.getSaveFileName(
                self.parent_widget, tr("导出台账工作簿"), str(suggested), tr("Excel 工作簿 (*.xlsx)")
            )
            if not chosen_path:
                return None
            path = chosen_path
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        try:
            with _busy():
                summary = export_year(service, year, target)
        except OSError as exc:
            QMessageBox.warning(self.parent_widget, tr("导出台账工作簿"), str(output_error(exc, target)))
            return None
        settings.setValue(EXPORT_DIR_KEY, str(target.parent))
        self.show_status(
            tr("已导出 {year} 年台账到 {path}：{n} 条已审核接待，合计 ¥{total}").format(
                year=year, path=target, n=summary.receptions, total=fmt(summary.total)
            ),
            10000,
        )
        return target


    def save_import_template(self, path: str | Path | None = None) -> Path | None:
        """Write the blank import template (reports.blank_template) where the user chooses."""
        from reports.blank_template import write_template
        from reports.output import output_error

        settings = app_settings()
        if path is None:
            start = Path(str(settings.value(EXPORT_DIR_KEY, "") or Path.home()))
            chosen, _ = QFileDialog.getSaveFileName(
                self.parent_widget, tr("保存导入模板"), str(start / tr("公务接待导入模板.xlsx")), tr("Excel 工作簿 (*.xlsx)")
            )
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_name(target.name + ".xlsx")
        try:
            write_template(target)
        except OSError as exc:
            QMessageBox.warning(self.parent_widget, tr("保存导入模板"), str(output_error(exc, target)))
            return None
        settings.setValue(EXPORT_DIR_KEY, str(target.parent))
        self.show_status(tr("已保存导入模板到 {path}：填写“台账”表后用“导入工作簿…”导入").format(path=target), 10000)
        return target


def print_plan_form(parent: QWidget, service: LedgerService, user: User, plan: Plan | int | str) -> bool:
    """Preview the 接待审批单 of ``plan`` (a record, an id or its number), to print or save as
    PDF; its fingerprint is entered in the register as printed by ``user``. False when the plan
    cannot be read (the refusal is shown)."""
    from reports.plan_form import load_plan_form, render_plan_form

    try:
        with _busy():
            form = load_plan_form(service, plan)
            stamp = service.print_stamp("preapproval", form.plan.ref, user, register=False)
            pdf = render_plan_form(form, stamp)
    except LedgerError as exc:
        show_ledger_error(parent, exc, tr("接待审批单"))
        return False
    ref = form.plan.ref
    PdfPreviewDialog.preview(
        pdf,
        f"{form.title} {ref}",
        f"{form.title}_{ref}.pdf",
        parent,
        on_output=lambda: _register(parent, service, stamp, user),
    )
    return True


def _register(parent: QWidget, service: LedgerService, stamp: Stamp, user: User) -> None:
    """A previewed page printed or saved: its fingerprint entered in the register (a preview
    closed unprinted leaves none)."""
    try:
        service.register_printed(stamp, user)
    except LedgerError as exc:
        show_ledger_error(parent, exc, tr("登记账本指纹"))


@contextmanager
def _busy() -> Iterator[None]:
    """The wait cursor while a report is built."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()
