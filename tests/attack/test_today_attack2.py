"""Attack round 2 on today's changes: the sealed year, verify's new checks, login while another
desk writes, policy versions and plans, the Chinese command line.

Each test is a defect an attacker demonstrated against the README's promises or the commit
messages, written as what the user should see, and kept so that it stays mended.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from ledger.db import Database, StoppedWaiting
from ledger.errors import LedgerError
from ledger.models import HistoryRow, LetterRow, ReceptionRow, SignatureRow
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import LedgerQuery, Reception, Status
from ledger.service import AuthError, LedgerService, LoginThrottled
from tests.conftest import PASSWORD, Team, make_team, sample_reception


def _moved(r: Reception, day: date) -> Reception:
    """The reception with its date (and its meals' dates) moved to ``day``."""
    return replace(r, reception_date=day, meals=tuple(replace(m, date=day) for m in r.meals))


def _plan(day: date, **changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=day,
        visiting_unit="市教育局",
        activity="督导检查",
        letter_no="市教函〔2025〕5号",
        guest_count=3,
        companion_count=1,
        meals=(PlannedMeal(day, "lunch", "局机关食堂", "机关食堂", 4, Decimal("45")),),
        budget=Decimal("500"),
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


# ============================================================================ the sealed year
def test_a_sealed_years_correction_moved_into_the_next_year_is_approved_by_a_plain_leader(
    service: LedgerService, team: Team
) -> None:
    """README: after archiving, "approving one of them — a correction after such a reopening …
    — needs an administrator who is also 分管领导". The administrator reopens JD-2025-0001
    (dated 2025-12-30) for a correction; the clerk corrects its date to 2026-01-02 and submits;
    the approval now asks the *new* date's year (2026, not sealed), so a plain 分管领导 approves it
    and the sealed year silently loses an approved reception the archive holds."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2025, 12, 30))).id)
    service.seal_year(team.admin, 2025, "ab" * 32)
    back = service.reopen(team.admin, r.id, "日期有误")  # type: ignore[arg-type]
    moved = service.submit(team.clerk, _moved(back, date(2026, 1, 2)))

    with pytest.raises(LedgerError, match="2025 年已封存"):
        service.approve(team.approver, moved.id)  # type: ignore[arg-type]
    assert service.get(moved.id).status == Status.SUBMITTED  # type: ignore[arg-type]


def test_an_open_years_reception_reopened_by_a_plain_leader_is_moved_into_the_sealed_year_and_submitted(
    service: LedgerService, team: Team
) -> None:
    """README: "no reception dated in it can be entered, submitted or imported any more"; only a
    reception the *administrator* reopened is corrected there. ``_save_in`` lets through any
    reception that was ever approved: a 2026 reception reopened by a plain 分管领导 (2026 is not
    sealed) has its date changed to 2025-12-30 and is saved and submitted into the sealed 2025."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2026, 2, 1))).id)
    service.seal_year(team.admin, 2025, "ab" * 32)
    back = service.reopen(team.approver, r.id, "日期有误")  # type: ignore[arg-type]

    with pytest.raises(LedgerError, match="2025 年已封存"):
        service.submit(team.clerk, _moved(back, date(2025, 12, 30)))


def test_a_plan_of_the_sealed_year_is_still_submitted_and_approved_by_a_plain_leader(
    service: LedgerService, team: Team
) -> None:
    """The archive holds "the 接待审批单 of every plan of the year that went to the leader", and
    reopening a sealed year's plan needs an administrator (README). Yet after 2025 is sealed a
    clerk submits a new SP-2025 plan and a plain 分管领导 approves it: a plan of the closed year
    the archive does not hold, approved without an administrator (and one no reception can ever
    use, since no reception dated 2025 may be entered)."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    service.seal_year(team.admin, 2025, "ab" * 32)
    try:
        plan = service.submit_plan(team.clerk, _plan(date(2025, 12, 20)))
        service.approve_plan(team.approver, plan.id)  # type: ignore[arg-type]
    except LedgerError:
        pass  # refused: the sealed year stays as archived
    assert [p.ref for p in service.plans(2025) if p.status == Status.APPROVED] == []


def test_an_attachment_is_still_added_to_a_draft_of_the_sealed_year(service: LedgerService, team: Team) -> None:
    """README: "no reception dated in it can be entered …; a draft left in it can be deleted or
    voided". Saving such a draft is refused at its date, but 添加附件 still writes it: a new
    version and an "attach" entry on a reception of the closed year."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    draft = service.save(team.clerk, sample_reception(date(2025, 12, 28)))
    service.seal_year(team.admin, 2025, "ab" * 32)
    with pytest.raises(LedgerError):
        service.save(team.clerk, replace(draft, remarks="封存后修改"))  # refused, as documented

    with pytest.raises(LedgerError):
        service.add_attachment(team.clerk, draft.id, "发票.pdf", b"%PDF-1.4 invoice", "invoice")  # type: ignore[arg-type]
    assert service.get(draft.id).attachments == ()  # type: ignore[arg-type]


# ============================================================================ verify
def test_a_forged_restore_entry_named_after_the_clerk_hides_a_truncated_history(
    service: LedgerService, team: Team
) -> None:
    """README: a computer that verified the ledger before "reports a history that no longer
    contains" the head it saw; only "a restore on another computer replaces that head legitimately".
    A restore over a ledger in use needs an administrator, and is not signed. The ledger's holder
    (here the clerk) removes a reception and its tail of history, then appends ONE chained
    "restore" entry under his own name naming the head the leader's computer saw: that computer's
    verify says 历史记录完整 … 未发现程序外的改动 (ok, exit 0) with a warning, and remembers the
    new head, so the next verify says nothing at all. Nobody with the administrator role ever
    restored: it must be reported as tampering."""
    service.clock = lambda: datetime(2026, 7, 1, 10, 0)
    service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2026, 3, 5))).id)
    assert service.verify().ok
    with service.db.read() as s:
        kept_up_to = s.scalar(select(HistoryRow.id).order_by(HistoryRow.id.desc()).limit(1))
    gone = service.submit(
        team.clerk, sample_reception(date(2026, 4, 5), unit="省厅", letter_no="省函〔2026〕1号")
    )
    gone = service.approve(team.approver, gone.id)  # type: ignore[arg-type]
    assert service.verify().ok  # the leader's computer saw this head
    with service.db.read() as s:
        seen = s.scalars(select(HistoryRow).order_by(HistoryRow.id.desc()).limit(1)).first().hash  # type: ignore[union-attr]

    with service.db.write() as s:  # the holder, with the program's own code
        cut = list(s.scalars(select(HistoryRow.id).where(HistoryRow.id > kept_up_to)))
        s.execute(delete(SignatureRow).where(SignatureRow.history_id.in_(cut)))
        s.execute(delete(HistoryRow).where(HistoryRow.id > kept_up_to))
        s.delete(s.get(ReceptionRow, gone.id))
        s.execute(delete(LetterRow).where(LetterRow.letter_no == "省函〔2026〕1号"))
        s.flush()
        service._desk.log(
            s,
            username=team.clerk.username,  # no administrator
            action="restore",
            entity="ledger",
            entity_id=None,
            before={"replaced_head": seen, "replaced_entries": 12, "auto_backup": ""},
            after={"backup_head": "", "backup_entries": 8},
            comment="备份.sqlite3",
        )
    assert [r.ref for r in service.receptions(LedgerQuery())] == ["JD-2026-0001"]  # the reception is gone

    result = service.verify()
    assert not result.ok, result.warnings


@pytest.mark.parametrize("seq", ["'7'||'x'", "1.5"])
def test_a_sequence_number_made_text_in_the_database_crashes_verify(
    service: LedgerService, team: Team, seq: str
) -> None:
    """verify's new check of the year and sequence kept beside each number formats them with
    ``ref(year, seq)``. A reception's ``seq`` set with sqlite3 to a text or a fraction (SQLite
    keeps what it is given in an INTEGER column) makes ``verify`` die with ValueError (a
    traceback on the command line) instead of naming the changed reception."""
    service.clock = lambda: datetime(2026, 7, 1, 10, 0)
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2026, 3, 5))).id)
    path = service.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE receptions SET seq = {seq} WHERE id = {r.id}")
    conn.close()

    result = service.verify()
    assert not result.ok
    assert any(r.ref in p for p in result.problems)


# ============================================================================ login while another desk writes
@pytest.fixture
def two_desks(db_url: str) -> Iterator[tuple[LedgerService, LedgerService, Team]]:
    here, other = LedgerService(Database(db_url)), LedgerService(Database(db_url))
    team = make_team(here)
    yield here, other, team
    here.db.dispose()
    other.db.dispose()


def test_stopping_the_wait_after_each_wrong_password_guesses_without_any_throttle(
    two_desks: tuple[LedgerService, LedgerService, Team],
) -> None:
    """README / commit d67bb41: "giving up logs nobody in and tells nothing of the password" and
    the throttle allows 3 wrong passwords in a row before any wait. While another desk imports
    (holds the write lock) a wrong password must write its failure, so it waits (the dialog) —
    but a right password with no failure stored only reads and logs in at once. Whoever stops
    every wait therefore guesses as often as argon2 allows: each wrong guess shows the wait
    (and is never counted), the right one logs straight in. After ten wrong guesses the right
    password must not simply log in."""
    from tests.ui.test_writer_wait import Holding

    here, other, team = two_desks
    holding = Holding(other, importing=team.both)
    try:
        stopped = []
        for guess in range(10):
            try:
                here.authenticate("li", f"guess-{guess}", lambda: False)  # the user stops the wait
            except StoppedWaiting:
                stopped.append(guess)
            except AuthError:
                pass
        assert len(stopped) == 10  # every wrong guess: the wait, given up

        try:
            user = here.authenticate("li", PASSWORD, lambda: False)  # the same, with the right one
        except (StoppedWaiting, AuthError, LoginThrottled):
            user = None
    finally:
        holding.release()
    assert user is None, "ten wrong guesses, none counted, and the eleventh logs in without a wait"


# ============================================================================ policy versions and plans
def test_a_voided_plan_with_a_mistyped_year_blocks_every_new_policy_version(
    service: LedgerService, team: Team
) -> None:
    """Commit 424a650: no version may take effect on an *approved* (or submitted) plan's days.
    The check counts every plan not a draft — a voided or returned one too. A plan typed with
    the year 2036 instead of 2026, submitted, returned by the leader and voided (its year cannot
    be corrected: "只能改在 2036 年内") refuses every policy version effective before 2036-05-06,
    saying a plan "按现行标准报批或批准" that nobody will ever use."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    typo = service.submit_plan(team.clerk, _plan(date(2036, 5, 6), letter_no="市教函〔2026〕5号"))
    typo = service.return_plan(team.approver, typo.id, "年份写错了")  # type: ignore[arg-type]
    service.void_plan(team.clerk, typo.id, "年份写错，重新填写")  # type: ignore[arg-type]

    current = service.policy_for(date(2026, 6, 1))
    added = service.add_policy(
        team.admin, replace(current, effective_from=date(2026, 6, 1), name="2026年新标准")
    )
    assert added.name == "2026年新标准"


# ============================================================================ the Chinese command line
def test_a_wrong_choice_names_the_argument_by_its_english_dest(tmp_path: Path) -> None:
    """Commit e432980: argparse's messages said in Chinese, naming the option. ``crypto foo``
    says ``choice：没有“foo”这一项…`` — "choice" is the Python variable, shown nowhere in the
    help (which lists ``{default,gm}``) and not Chinese."""
    from tests.cli import run_cli

    done = run_cli("--db", str(tmp_path / "l.sqlite3"), "crypto", "foo")
    assert done.returncode == 2
    assert "choice" not in done.stdout + done.stderr, done.stderr


def test_a_value_holding_argparses_own_words_is_quoted_wrongly(tmp_path: Path) -> None:
    """The translation finds the typed value in argparse's English message by a pattern; a value
    that itself holds `` (choose from `` is cut there: ``crypto "gm (choose from x)"`` is quoted
    as “'gm” — not what was typed."""
    from tests.cli import run_cli

    done = run_cli("--db", str(tmp_path / "l.sqlite3"), "crypto", "gm (choose from x)")
    assert done.returncode == 2
    assert "“gm (choose from x)”" in done.stdout + done.stderr, done.stderr


def test_the_sealed_archive_leaves_out_the_history_of_a_reception_dated_in_the_year_but_numbered_in_the_next(
    service: LedgerService, team: Team
) -> None:
    """Today the sealed year is "counted by the reception's date (not the year in its number,
    which is the year it was first typed in)" (README). The archive's history (README: "the
    history entries of the year's receptions") still picks the receptions by their number
    (JD-2025-…): JD-2026-0001, first typed 2026-01-05 and corrected to 2025-12-20 before it was
    submitted, is in 2025's workbook and totals and is closed with 2025, but its submission and
    signed approval are not in 2025's archive — the auditor cannot check that decision."""
    service.clock = lambda: datetime(2026, 1, 10, 10, 0)
    draft = service.save(team.clerk, sample_reception(date(2026, 1, 5)))
    corrected = service.save(team.clerk, replace(sample_reception(date(2025, 12, 20)), id=draft.id, version=draft.version))
    approved = service.approve(team.approver, service.submit(team.clerk, corrected).id)  # type: ignore[arg-type]
    assert approved.ref == "JD-2026-0001"
    assert [r.ref for r in service.receptions(LedgerQuery(year=2025), approved_only=True)] == ["JD-2026-0001"]

    archived = service.year_history(2025)
    actions = [e["action"] for e in archived["entries"] if e.get("ref") == approved.ref]
    assert "approve" in actions, "the year's only approved reception has no history in its archive"
