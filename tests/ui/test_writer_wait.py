"""A write while another desk holds the write lock (an import storing 100,000 rows takes it for
half a minute) waits behind a dialog instead of freezing the window, and may be given up with
nothing written (ui/operations.py: wait_for_writer; LedgerService.writer_busy)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot

import ledger.importing as importing
from ledger.db import Database
from ledger.records import LedgerQuery, Reception, Status, User
from ledger.service import AuthError, LedgerService
from ledger.writing import ImportNote
from tests.conftest import Team, make_team, sample_reception
from tests.workbooks import good_row, write_template
from ui.import_result import ImportResultDialog
from ui.main_window import MainWindow
from ui.review_dialogs import ApproveConfirm


@pytest.fixture(params=["sqlite", "postgresql"])
def desks(request: pytest.FixtureRequest, db_url: str) -> Iterator[tuple[LedgerService, LedgerService, Team, Reception]]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    here, other = LedgerService(Database(url)), LedgerService(Database(url))
    team = make_team(here)
    submitted = here.submit(
        team.clerk,
        sample_reception(guests=10, companions=4, explanations={"companions_over_cap": "分管股室负责人临时陪同汇报工作"}),
    )
    yield here, other, team, submitted
    here.db.dispose()
    other.db.dispose()


@pytest.fixture(autouse=True)
def confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))


class Holding:
    """Another desk inside a write transaction until released: an import storing its rows (with
    its note, as ledger.importing keeps it) or, with ``importing`` None, an ordinary save."""

    def __init__(self, other: LedgerService, importing: User | None = None) -> None:
        self.block: AbstractContextManager[Any] | None = other.db.write()
        session = self.block.__enter__()
        self.note = None
        if importing is not None:
            self.note = ImportNote(other.db, session, importing.id, 100_000)
            self.note.update(42_000)

    def release(self) -> None:
        if self.block is not None:
            if self.note is not None:
                self.note.__exit__(None)
            self.block.__exit__(None, None, None)
            self.block = None


def approve_from_queue(qtbot: QtBot, here: LedgerService, team: Team, submitted: Reception) -> MainWindow:
    window = MainWindow(here, team.approver)
    qtbot.addWidget(window)
    window.show()
    window.show_queue()
    queue = window.approval_view
    assert queue is not None and queue.select_reception(submitted.id)  # type: ignore[arg-type]
    return window


def while_waiting(ms: int, then: Callable[[QProgressDialog], None], seen: dict[str, Any]) -> None:
    def look() -> None:
        dialog = QApplication.activeModalWidget()
        seen["dialog"] = dialog.labelText() if isinstance(dialog, QProgressDialog) else repr(dialog)
        if isinstance(dialog, QProgressDialog):
            then(dialog)

    QTimer.singleShot(ms, look)


def test_a_save_waits_for_another_desks_import_and_then_goes_through(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception]
) -> None:
    here, other, team, submitted = desks
    window = approve_from_queue(qtbot, here, team, submitted)
    holding = Holding(other, importing=team.clerk)
    assert here.writer_busy()
    seen: dict[str, Any] = {}

    def release(_dialog: QProgressDialog) -> None:
        seen["status while waiting"] = here.get(submitted.id).status  # type: ignore[arg-type]
        holding.release()

    try:
        while_waiting(900, release, seen)
        qtbot.mouseClick(window.approval_view.approve_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    finally:
        holding.release()
    assert "账本正由另一处写入（如导入）" in seen["dialog"] and "已等待" in seen["dialog"]
    assert "李会计 自 " in seen["dialog"] and "正在导入接待，已处理 42,000 / 100,000 行" in seen["dialog"]
    assert seen["status while waiting"] == Status.SUBMITTED
    assert here.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert not here.writer_busy()
    assert QApplication.activeModalWidget() is None


def test_giving_up_the_wait_writes_nothing_and_says_nothing_more(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception]
) -> None:
    here, other, team, submitted = desks
    window = approve_from_queue(qtbot, here, team, submitted)
    holding = Holding(other)
    seen: dict[str, Any] = {}

    def give_up(dialog: QProgressDialog) -> None:
        button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "不再等待")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    try:
        while_waiting(500, give_up, seen)
        qtbot.mouseClick(window.approval_view.approve_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
        assert "不再等待" in seen["dialog"] and "正在导入" not in seen["dialog"]  # a save says nothing
        assert QApplication.activeModalWidget() is None  # no error box after giving up
        assert here.writer_busy()  # the other desk still writes
    finally:
        holding.release()
    assert here.get(submitted.id).status == Status.SUBMITTED  # type: ignore[arg-type]


def test_a_read_only_ledger_is_never_busy(db_url: str) -> None:
    service = LedgerService(Database(db_url, read_only=True))
    try:
        assert service.writer_busy() is False
    finally:
        service.db.dispose()


def test_a_window_import_waits_for_an_import_begun_elsewhere_while_it_checked_its_rows(
    qtbot: QtBot,
    desks: tuple[LedgerService, LedgerService, Team, Reception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window asks before an import (as before any write), but the rows are then checked
    without the lock, minutes for a big file: another desk may begin to store its own import
    meanwhile. The checked rows then wait for it in the progress dialog, which says who imports
    (the window froze for the lock's 30 s and then threw the whole check away)."""
    here, other, team, _ = desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 2)  # progress is reported while checking
    monkeypatch.setattr(ImportResultDialog, "present", classmethod(lambda cls, s, parent=None: None))
    rows = [good_row(接待日期=f"2025-04-{day:02d}", 来访单位=f"邻县{day}局") for day in range(1, 7)]
    path = write_template(tmp_path / "rows.xlsx", rows)
    window = MainWindow(here, team.clerk)
    qtbot.addWidget(window)
    holding: list[Holding] = []
    labels: list[str] = []
    made = window._progress

    def watched_progress(label: str, maximum: int):  # type: ignore[no-untyped-def]
        dialog, report = made(label, maximum)

        def watched(done: int, total: int) -> bool:
            if label.startswith("正在导入") and not holding:  # the rows are being checked
                holding.append(Holding(other, importing=team.both))
            elif holding and holding[0].block is not None and "另一处写入" in dialog.labelText():
                labels.append(dialog.labelText())
                if len(labels) == 3:
                    holding[0].release()
            return report(done, total)

        return dialog, watched

    monkeypatch.setattr(window, "_progress", watched_progress)
    try:
        summary = window.import_workbook(path)
    finally:
        for hold in holding:
            hold.release()
    assert len(labels) == 3, labels
    assert "账本正由另一处写入（如导入），检查完毕的各行在其完成后写入。" in labels[0]
    assert "王主任 自 " in labels[0] and "正在导入接待，已处理 42,000 / 100,000 行" in labels[0]
    assert summary is not None and summary.imported == 6
    assert len(here.receptions(LedgerQuery())) == 7  # the six and the one submitted before


def test_a_restore_and_a_password_change_wait_for_another_desks_import_too(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception], tmp_path: Path
) -> None:
    from tests.conftest import PASSWORD
    from ui.backup_dialog import BackupDialog
    from ui.login_dialog import ChangePasswordDialog

    here, other, team, _ = desks
    here.backup(tmp_path / "copy.sqlite3")
    here.save(team.clerk, sample_reception(unit="备份之后"))
    restore = BackupDialog(here, team.admin, None)
    qtbot.addWidget(restore)
    restore.ask = lambda title, text: True  # type: ignore[method-assign]
    change = ChangePasswordDialog(here, team.clerk)
    qtbot.addWidget(change)
    for edit, text in ((change.old_edit, PASSWORD), (change.new_edit, "another-pass-1"), (change.confirm_edit, "another-pass-1")):
        edit.setText(text)
    holding = Holding(other, importing=team.both)
    seen: dict[str, Any] = {}

    def give_up(dialog: QProgressDialog) -> None:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # as 不再等待

    try:
        while_waiting(600, give_up, seen)
        assert restore.restore_from(str(tmp_path / "copy.sqlite3")) is False
        restored_while_waiting = seen.pop("dialog")
        while_waiting(600, give_up, seen)
        change.accept()
    finally:
        holding.release()
    assert "王主任 自 " in restored_while_waiting and "正在导入接待" in restored_while_waiting
    assert "王主任 自 " in seen["dialog"]
    assert "备份之后" in {r.visiting_unit for r in here.receptions(LedgerQuery())}  # nothing replaced
    assert here.authenticate("li", PASSWORD).username == "li"  # the password is the old one
    assert change.isVisible() or not change.result()  # the dialog was not accepted


def login_while_held(
    qtbot: QtBot, here: LedgerService, holding: Holding, username: str, password: str, then: Callable[[QProgressDialog], None]
) -> tuple[Any, dict[str, Any]]:
    from ui.login_dialog import LoginDialog

    dialog = LoginDialog(here)
    qtbot.addWidget(dialog)
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(password)
    seen: dict[str, Any] = {}
    try:
        while_waiting(600, then, seen)
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    finally:
        holding.release()
    return dialog, seen


def test_a_wrong_password_during_another_desks_import_waits_behind_the_dialog_and_is_counted(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception]
) -> None:
    from ledger import login

    here, other, team, _ = desks
    holding = Holding(other, importing=team.both)
    dialog, seen = login_while_held(qtbot, here, holding, "li", "not-the-password", lambda _d: holding.release())
    assert "王主任 自 " in seen["dialog"] and "正在导入接待" in seen["dialog"]  # not a frozen window
    assert dialog.message_text == "用户名或密码不正确"
    with here.db.read() as s:
        assert s.get(login.LoginFailureRow, login.failure_key("li")).count == 1  # counted once free


def test_stopping_the_wait_at_login_logs_nobody_in_and_tells_nothing_of_the_password(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception]
) -> None:
    from ledger import login
    from tests.conftest import PASSWORD

    here, other, team, _ = desks
    said = []
    for password in ("not-the-password", PASSWORD):
        holding = Holding(other, importing=team.both)
        if password == PASSWORD:  # a right password with failures to forget must write too
            holding.release()
            with pytest.raises(AuthError):
                here.authenticate("li", "wrong-again")
            holding = Holding(other, importing=team.both)
        dialog, seen = login_while_held(
            qtbot, here, holding, "li", password, lambda d: qtbot.keyClick(d, Qt.Key.Key_Escape)
        )
        assert "正在导入接待" in seen["dialog"]
        assert dialog.user is None and dialog.result() != dialog.DialogCode.Accepted
        said.append(dialog.message_text)
    assert said == ["登录未完成：账本正由另一处写入，已不再等待；请稍后再试"] * 2  # the same either way
    with here.db.read() as s:  # the stopped wrong try was not counted, nor the failure forgotten
        assert s.get(login.LoginFailureRow, login.failure_key("li")).count == 1


def test_a_login_that_makes_a_new_signing_key_waits_for_another_desks_import(
    qtbot: QtBot, desks: tuple[LedgerService, LedgerService, Team, Reception]
) -> None:
    from tests.conftest import PASSWORD

    here, other, team, _ = desks
    here.set_crypto(team.admin, "gm")  # every user's next login makes an SM2 key
    holding = Holding(other, importing=team.both)
    dialog, seen = login_while_held(qtbot, here, holding, "li", PASSWORD, lambda _d: holding.release())
    assert "正在导入接待" in seen["dialog"]
    assert dialog.user is not None and dialog.user.username == "li"
    # the key made once the lock was free, not skipped: a submission (signed) goes through
    assert here.submit(dialog.user, sample_reception(unit="新来的单位")).status == Status.SUBMITTED
