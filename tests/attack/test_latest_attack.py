"""Attack round 3 on the latest mends (adea9fe): login while another desk writes, the sealed
year, ``verify --accept-restore``.

Each test is a defect demonstrated against the README's promises or the commit message,
written as what the user should see, and kept so that it stays mended.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

import ledger.db as dbmod
from ledger.db import Database, LedgerBusy
from ledger.errors import LedgerError
from ledger.records import Status
from ledger.service import AuthError, LedgerService, LoginThrottled
from tests.attack.test_today_attack2 import _plan
from tests.conftest import PASSWORD, Team, make_team, sample_reception


# ============================================================================ login while another desk writes
@pytest.fixture(params=["sqlite", "postgresql"])
def two_desks(
    request: pytest.FixtureRequest, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LedgerService, LedgerService, Team]]:
    # the command line's writer waits WAIT_SECONDS (30) for the lock; 1 s here, same code path
    monkeypatch.setattr(dbmod, "WAIT_SECONDS", 1)
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    here, other = LedgerService(Database(url)), LedgerService(Database(url))
    team = make_team(here)
    yield here, other, team
    here.db.dispose()
    other.db.dispose()


def test_the_command_line_login_answers_guesses_uncounted_while_another_desk_imports(
    two_desks: tuple[LedgerService, LedgerService, Team],
) -> None:
    """README: "At login, while another desk imports, the login waits … before the password is
    judged (a wrong one must be counted under the lock) … giving up the wait never answers a
    guess nor bypasses the login throttle." Only the window passes ``wait``: the command line
    (``acting_user`` → ``service.authenticate(name, password)``, i.e. ``--password`` /
    LEDGER_PASSWORD) judges the password first. While another desk imports, a wrong password
    cannot write its failure and ends in LedgerBusy ("账本正由另一处写入") — never counted — while
    the right one, which only reads, logs straight in. ``bureau set --user li --password X`` (no
    field given: nothing to write) therefore answers each guess at argon2 speed: exit 2 at once
    for the right password, the busy message after the lock's wait for a wrong one (a guesser
    simply stops the process after a second). After five wrong guesses the right password must
    not simply log in as if none had been typed, and must not answer differently from them."""
    from tests.ui.test_writer_wait import Holding

    here, other, team = two_desks
    holding = Holding(other, importing=team.both)
    try:
        answers = []
        for guess in range(5):
            try:
                here.authenticate("li", f"guess-{guess}")  # as the command line calls it
                answers.append("logged in")
            except LedgerBusy:
                answers.append("busy")
            except (AuthError, LoginThrottled):
                answers.append("wrong")
        try:
            here.authenticate("li", PASSWORD)
            right = "logged in"
        except LedgerBusy:
            right = "busy"
        except (AuthError, LoginThrottled):
            right = "wrong"
    finally:
        holding.release()
    assert answers == ["busy"] * 5  # no wrong guess was counted: each needs the lock
    assert right == "busy", "five uncounted wrong guesses answered 'busy'; the right password logs in"


def test_a_user_whose_last_try_was_a_typo_can_never_log_in_to_a_read_only_ledger(
    db_url: str,
) -> None:
    """README (read-only ledger): "reading, verify, exports … and logging in go on"; ledger/login.py:
    on a read-only ledger "no throttle, but the same answer". A right password with a failure
    row stored must forget it (``clear_failures``) — a write — and on a read-only ledger that
    write raises ReadOnlyLedger out of ``attempt``. The failure row is never forgotten there
    (nothing can be written), so a user whose last try on the ledger was a typo — even months
    ago — can never log in to that copy (a county's read-only share, a copy on a read-only
    mount), while every other user can. And the right password answers differently from a
    wrong one ("只读" vs "用户名或密码不正确")."""
    writable = LedgerService(Database(db_url))
    make_team(writable)
    with pytest.raises(AuthError):
        writable.authenticate("li", "typo-before-leaving")
    writable.db.dispose()

    copy = LedgerService(Database(db_url, read_only=True))
    try:
        assert copy.db.read_only
        assert copy.authenticate("zhang", PASSWORD).username == "zhang"  # no failure stored: fine
        try:
            who = copy.authenticate("li", PASSWORD).username
        except LedgerError as exc:
            who = f"{type(exc).__name__}: {exc}"
    finally:
        copy.db.dispose()
    assert who == "li"


# ============================================================================ the sealed year
def test_a_plain_leader_voids_an_approved_plan_of_the_sealed_year(service: LedgerService, team: Team) -> None:
    """README: the sealed year holds its 接待审批单 too — "none is filled in or submitted any more,
    and approving one needs an administrator"; reopening one needs an administrator
    (``_reopen_refusal``). ``Plans.void`` of an *approved* plan asks only for 分管领导: a plain
    leader voids SP-2025-0001, approved before the seal and held in the sealed archive
    (接待审批单/SP-2025-0001.pdf), straight from 已批准 — no administrator, no reopening. (An
    approved reception cannot be voided at all before it is reopened, which in a sealed year
    needs an administrator.)"""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    plan = service.approve_plan(team.approver, service.submit_plan(team.clerk, _plan(date(2025, 11, 5))).id)  # type: ignore[arg-type]
    service.seal_year(team.admin, 2025, "ab" * 32)

    with pytest.raises(LedgerError):
        service.void_plan(team.approver, plan.id, "不再使用")  # type: ignore[arg-type]
    assert service.plan(plan.id).status == Status.APPROVED  # type: ignore[arg-type]


def test_a_clerk_rewrites_the_reimbursement_voucher_of_a_sealed_years_reception(
    service: LedgerService, team: Team
) -> None:
    """README: after archiving "only a reception approved in it and reopened by an administrator is
    corrected there"; the archive holds the year's workbook (台账 with 凭证号 and 报销日期) and each
    reception list ("报销：凭证号 X，日期 Y"). ``record_reimbursement`` asks no sealed year: a
    plain 经办人 *corrects* (更正) the voucher number and date of JD-2025-0001 after 2025 was
    sealed, so the ledger no longer says what the sealed archive says, without an
    administrator."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2025, 12, 10))).id)  # type: ignore[arg-type]
    r = service.record_reimbursement(team.clerk, r.id, "记-2025-12-031", date(2025, 12, 20))  # type: ignore[arg-type]
    service.seal_year(team.admin, 2025, "ab" * 32)

    with pytest.raises(LedgerError, match="已封存年度（2025 年）"):
        service.record_reimbursement(team.clerk, r.id, "记-2026-02-999", date(2026, 2, 1))  # type: ignore[arg-type]
    assert service.get(r.id).reimbursement_no == "记-2025-12-031"  # type: ignore[arg-type]


# ============================================================================ verify --accept-restore
@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, db_url: str) -> Iterator[tuple[LedgerService, Team]]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    service.clock = lambda: datetime(2026, 7, 1, 10, 0)
    yield service, make_team(service)
    service.db.dispose()


def test_a_restore_after_more_work_than_this_computer_saw_can_never_be_accepted(
    desk: tuple[LedgerService, Team], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: a computer that verified before "names the restore and fails until a person confirms
    it …; verify --accept-restore then says it as a warning and remembers the new head". The
    restore records only the head *it* replaced (``head_of``), and ``compared_with_seen`` looks
    for a restore replacing exactly the head this computer saw. The ordinary case — the clerk's
    computer verified on Monday, the other desks went on working on Tuesday, the administrator
    restored Monday morning's backup on Wednesday — finds none: the clerk's computer says
    "历史记录在程序外被截断或改写" and ``--accept-restore`` changes nothing, on every verify from
    then on (only deleting the remembered head by hand would end it)."""
    service, team = desk
    service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2026, 3, 5))).id)  # type: ignore[arg-type]
    backup = tmp_path / "backup.sqlite3"
    service.backup(backup)  # Monday morning
    service.submit(team.clerk, sample_reception(date(2026, 4, 1), unit="省教育厅", letter_no="省教函〔2026〕1号"))
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))
    assert service.verify().ok  # Monday: the clerk's computer remembers this head
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "admins-computer"))
    service.submit(team.clerk, sample_reception(date(2026, 4, 2), unit="市财政局", letter_no="市财函〔2026〕2号"))  # Tuesday
    service.restore(team.admin, backup, replace_existing=True)  # Wednesday
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))

    (problem,) = service.verify().problems
    assert "用备份整体替换了账本" in problem, problem  # the restore is named, not cried as tampering
    confirmed = service.verify(accept_restore=True)
    assert confirmed.ok, confirmed.problems
