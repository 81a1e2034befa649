"""设置 → 单位信息: the bureau's name, supervision telephone, address, posting period and local
holidays. Saving writes only the details changed here since they were read, onto the details as
stored (``LedgerService.change_bureau``): another desk's change to another detail stays, and one
to the same detail is said at that field instead of being overwritten."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ledger.errors import ChangedElsewhere
from ledger.i18n import tr
from ledger.records import Bureau, User
from ledger.service import InvalidReception, LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.operations import run
from ui.settings_users import OK_STYLE
from ui.widgets import FieldMessages, show_ledger_error

BUREAU_FIELDS = ("name", "supervision_phone", "address", "posting_days", "local_holidays")


def parse_days(text: str) -> tuple[date, ...] | str:
    """Dates written YYYY-MM-DD, separated by 、 , ; or spaces; or the message for a bad one."""
    out: list[date] = []
    for part in text.replace("，", " ").replace(",", " ").replace("、", " ").replace("；", " ").replace(";", " ").split():
        try:
            out.append(date.fromisoformat(part))
        except ValueError:
            return tr("“{v}”不是日期：请写成 YYYY-MM-DD，多个日期用顿号分隔").format(v=part[:20])
    return tuple(sorted(set(out)))


class BureauTab(QWidget):
    """The bureau's details. Saving writes only the details changed here since they were read
    (``loaded``), onto the details as stored: another desk's change to another detail stays, and
    one to the same detail is said at that field instead of being overwritten."""

    changed = Signal()

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
        self.name_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.address_edit = QLineEdit()
        self.posting_spin = QSpinBox()
        self.posting_spin.setRange(1, 30)
        self.posting_spin.setSuffix(tr(" 个工作日"))
        self.posting_spin.setMaximumWidth(160)
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("单位名称"), self.name_edit, "name")
        self.messages.add_row(form, tr("监督电话"), self.phone_edit, "supervision_phone")
        self.messages.add_row(form, tr("地址"), self.address_edit, "address")
        self.messages.add_row(form, tr("公示期"), self.posting_spin, "posting_days")
        self.holidays_edit = QLineEdit()
        self.holidays_edit.setPlaceholderText(tr("如：2025-03-10、2025-11-20（本地放假、不计入工作日的日子）"))
        self.messages.add_row(form, tr("本地假日"), self.holidays_edit, "local_holidays")
        self.loaded = service.bureau()  # the details as this tab read them
        for field in BUREAU_FIELDS:
            self._show(field, getattr(self.loaded, field))
        this_year = date.today().year
        known = service.work_calendar().knows(this_year)
        form.addRow(
            "",
            QLabel(
                tr("工作日按国务院节假日安排计算（法定节假日不计、调休上班日计入）；{y} 年安排{state}。").format(
                    y=this_year,
                    state=tr("已收录") if known else tr("尚未收录，暂按周一至周五计算"),
                )
            ),
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton(tr("保存单位信息"))
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        row.addStretch(0)  # the button keeps its size when the status is hidden
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addStretch(1)
        if hub is not None:  # another desk's change shows in the details not being edited here
            hub.settings_changed.connect(self.refresh)

    def _show(self, field: str, value: object) -> None:
        if field == "posting_days":
            self.posting_spin.setValue(int(value))  # type: ignore[call-overload]
        elif field == "local_holidays":
            self.holidays_edit.setText("、".join(d.isoformat() for d in value))  # type: ignore[attr-defined]
        else:
            self._edits()[field].setText(str(value))

    def _edits(self) -> dict[str, QLineEdit]:
        return {"name": self.name_edit, "supervision_phone": self.phone_edit, "address": self.address_edit}

    def shown(self) -> dict[str, object]:
        """The details as the fields show them; the holidays as typed when they are not dates."""
        values: dict[str, object] = {f: edit.text().strip() for f, edit in self._edits().items()}
        values["posting_days"] = self.posting_spin.value()
        values["local_holidays"] = parse_days(self.holidays_edit.text())
        return values

    def edits(self) -> dict[str, object]:
        """The details changed here since they were read."""
        return {f: v for f, v in self.shown().items() if v != getattr(self.loaded, f)}

    def refresh(self, stored: Bureau | None = None, taken: tuple[str, ...] = ()) -> None:
        """Show the details as stored where nothing was changed here; a detail changed here keeps
        what was typed (and what it was read as, unless ``taken``: the user has seen the other
        desk's value at the field, so the next save is meant)."""
        stored = stored if stored is not None else self.service.bureau()
        edited = self.edits()
        for field in BUREAU_FIELDS:
            if field not in edited:
                self._show(field, getattr(stored, field))
        kept = {f: getattr(self.loaded, f) for f in edited if f not in taken}
        self.loaded = replace(stored, **kept)

    def save(self) -> bool:
        self.messages.clear()
        self.status.clear()  # an earlier 已保存 never stands beside a refusal
        self.status.setStyleSheet("")
        changes = self.edits()
        if isinstance(changes.get("local_holidays"), str):
            self.messages.show({"local_holidays": str(changes["local_holidays"])}, self.status)
            return False
        if not changes:
            self.refresh()
            self.status.setText(tr("没有修改，无需保存"))
            return True

        def refused(exc: LedgerError) -> None:
            if not isinstance(exc, InvalidReception):
                show_ledger_error(self, exc)
                return
            if isinstance(exc, ChangedElsewhere) and isinstance(exc.current, Bureau):
                self.refresh(exc.current, taken=tuple(exc.problems))
            self.messages.show(exc.problems, self.status)
            if isinstance(exc, ChangedElsewhere):
                self.status.setText(tr("未保存：单位信息已在别处被修改，与此处的修改冲突之处已在栏目下标出"))
                self.status.show()
            self.status.setStyleSheet("color: #c62828;")

        loaded = self.loaded
        if not run(
            lambda: self.service.change_bureau(self.user, since=loaded, **changes),
            parent=self,
            hub=self.hub,
            refused=refused,
            settings=True,
        ):
            return False
        self.loaded = self.service.bureau()
        for field in BUREAU_FIELDS:
            self._show(field, getattr(self.loaded, field))
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(tr("已保存"))
        self.status.show()
        self.changed.emit()
        return True


