"""verify() finds what was changed, inserted or deleted behind the application's back."""

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.db import Database
from ledger.records import Bureau
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


@pytest.fixture
def ledger(service: LedgerService, team: Team, db_url: str) -> tuple[LedgerService, str]:
    a = service.save(
        team.clerk,
        sample_reception(
            unit="市教育局", guests=10, companions=4, explanations={"companions_over_cap": "临时增加"}
        ),
    )
    service.approve(team.approver, service.submit(team.clerk, a).id)  # type: ignore[arg-type]
    service.save(team.clerk, sample_reception(unit="邻县教育局"))
    assert service.verify().ok
    return service, db_url.removeprefix("sqlite:///")


def tamper(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)


CASES: list[tuple[str, tuple[str, ...], str]] = [
    (
        "amount changed",
        ("UPDATE reception_meals SET amount_fen = amount_fen + 100 WHERE reception_id = 1",),
        "JD-2025-0001",
    ),
    ("unit changed", ("UPDATE receptions SET visiting_unit = '某公司' WHERE id = 2",), "JD-2025-0002"),
    ("status forged", ("UPDATE receptions SET status = 'approved' WHERE id = 2",), "JD-2025-0002"),
    ("total column forged", ("UPDATE receptions SET total_fen = 1 WHERE id = 1",), "JD-2025-0001"),
    ("reception deleted", ("DELETE FROM receptions WHERE id = 2",), "JD-2025-0002"),
    (
        "reception inserted",
        (
            "INSERT INTO receptions (year, seq, ref, reception_date, status, version, created_at, visiting_unit,"
            " activity, activity_kind, letter_no, letter_title, phone_record, guest_count, companion_count,"
            " accommodation_fen, transport_fen, other_cost_fen, gift_fen, gift_description, payment_method,"
            " classified, classified_reason, remarks, clerk_name, created_by, submitted_by, approved_by,"
            " review_comment, meal_fen, tobacco_fen, total_fen, over_standard_fen, violation_count,"
            " canteen_meals, meal_count, search_text) VALUES (2025, 99, 'JD-2025-0099', '2025-05-01',"
            " 'approved', 1, '2025-05-01', 'x', 'x', '其他', '', '', '', 1, 0, 0, 0, 0, 0, '', '公务卡', 0, '', '',"
            " '', '', '', '', '', 0, 0, 0, 0, 0, 0, 0, '')",
        ),
        "JD-2025-0099",
    ),
    (
        "history entry edited",
        ("UPDATE history SET username = 'zhang' WHERE action = 'create' AND ref = 'JD-2025-0002'",),
        "历史记录第",
    ),
    ("history entry deleted", ("DELETE FROM history WHERE action = 'approve'",), "前一条被改动或删除"),
    ("explanation added", ("INSERT INTO reception_explanations VALUES (1, 'gift', '补写')",), "JD-2025-0001"),
    (
        "policy loosened",
        (
            "UPDATE policies SET params = replace(params, '\"companion_base_cap\":3', '\"companion_base_cap\":9')",
        ),
        "接待标准",
    ),
    (
        "breach rewritten",
        ("UPDATE reception_violations SET message = '已合规', excess_fen = 0",),
        "JD-2025-0001",
    ),
    (
        "compliance forged",
        ("UPDATE receptions SET violation_count = 0, over_standard_fen = 0 WHERE id = 1",),
        "JD-2025-0001",
    ),
    ("target slipped in", ("INSERT INTO targets VALUES (2026, '0.01')",), "2026 年的压减目标"),
    (
        "supervision phone changed",
        ("UPDATE settings SET value = '110' WHERE key = 'supervision_phone'",),
        "单位信息",
    ),
    ("user promoted", ("UPDATE users SET roles = 'clerk,approver' WHERE username = 'li'",), "li"),
    ("policy date moved", ("UPDATE policies SET effective_from = '1999-01-01'",), "接待标准"),
]


@pytest.mark.parametrize(("case", "statements", "named"), CASES, ids=[c[0] for c in CASES])
def test_verify_names_the_first_bad_entry(
    ledger: tuple[LedgerService, str], case: str, statements: tuple[str, ...], named: str
) -> None:
    service, path = ledger
    tamper(path, *statements)
    result = service.verify()
    assert not result.ok
    assert named in result.problems[0], result.problems


def test_changes_through_the_service_keep_the_ledger_intact(
    ledger: tuple[LedgerService, str], team: Team
) -> None:
    service, _ = ledger
    draft = service.get(2)
    service.add_attachment(team.clerk, draft.id, "菜单.jpg", b"menu", "menu")  # type: ignore[arg-type]
    service.set_reduction(team.admin, 2025, Decimal("0.3"))
    service.update_user(team.admin, "li", display_name="李敏")
    assert service.verify().ok


def test_history_entries_carry_before_and_after(ledger: tuple[LedgerService, str]) -> None:
    service, _ = ledger
    entries = service.history(1)
    approve = next(e for e in entries if e.action == "approve")
    assert approve.username == "zhang"
    assert ("status", "submitted", "approved") in approve.changes()
    assert approve.action_label == "审核通过"


def test_cutting_the_newest_entries_is_found_against_the_last_verification(
    ledger: tuple[LedgerService, str],
) -> None:
    service, path = ledger
    assert service.verify().ok  # remembers the head of the history on this machine
    # outside the app: undo the approval of JD-2025-0001 and cut its history entry
    tamper(
        path,
        "UPDATE receptions SET status = 'submitted', approved_by = '', approved_at = NULL, version = version - 1,"
        " review_comment = '' WHERE id = 1",
        "DELETE FROM history WHERE id = (SELECT MAX(id) FROM history)",
    )
    result = service.verify()
    assert not result.ok
    assert any("截断或改写" in p for p in result.problems), result.problems


def test_a_new_ledger_where_another_was_verified_is_not_called_tampered(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    first = LedgerService(Database(f"sqlite:///{path}"))
    first.setup(Bureau(name="甲局", supervision_phone="0000-12345678"), "a1", "甲", "secret123")
    assert first.verify().ok
    first.db.dispose()
    path.unlink()
    second = LedgerService(Database(f"sqlite:///{path}"))
    second.setup(Bureau(name="乙局", supervision_phone="0000-12345678"), "b1", "乙", "secret123")
    result = second.verify()
    assert result.ok, result.problems
    assert "另一个账本" in result.notes[0]
    assert second.verify().notes == []  # remembered now
    second.db.dispose()


def test_verify_builds_each_snapshot_as_the_record_does(
    ledger: tuple[LedgerService, str], team: Team
) -> None:
    """verify compares a million receptions through mapping.snapshot_from_storage, which skips
    building the record: it gives exactly ``to_record(...).snapshot()`` for every reception."""
    from datetime import date

    from sqlalchemy import select

    from ledger.mapping import children_of, snapshot_from_storage, to_record
    from ledger.models import AttachmentRow, ReceptionRow
    from ledger.records import Attachment, Meal, Person

    service, _ = ledger
    odd = sample_reception(
        date(2025, 3, 6),
        end_date=date(2025, 3, 7),
        staff=(Person("司机甲", "本局", "司机"),),
        meals=(
            Meal(date(2025, 3, 6), "dinner", "定点饭店", "定点饭店", 8, Decimal("480.05"), Decimal("0.99"), "F1"),
            Meal(date(2025, 3, 7), "breakfast", "局机关食堂", "机关食堂", 8, Decimal("40.10")),
        ),
        accommodation=Decimal("1234.56"),
        transport=Decimal("0.07"),
        gift_description="纪念册",
        classified=True,
        classified_reason="涉密",
        guest_origin="外地",
        lodging_persons=2,
        lodging_nights=1,
        remarks="备注",
    )
    saved = service.save(team.clerk, odd)
    service.add_attachment(team.clerk, saved.id, "菜单.jpg", b"menu", "menu")  # type: ignore[arg-type]
    table = ReceptionRow.__table__
    with service.db.read() as s:
        rows = [dict(r._mapping) for r in s.execute(select(table))]
        people, meals, explanations = children_of(s, lambda column: column.is_not(None))
        files: dict[int, list[Attachment]] = {}
        for a in s.scalars(select(AttachmentRow).order_by(AttachmentRow.id)):
            files.setdefault(a.reception_id, []).append(
                Attachment(a.id, a.kind, a.filename, a.sha256, a.size, a.added_at)
            )
    assert len(rows) == 3
    for row in rows:
        rid = row["id"]
        parts = (people.get(rid, ()), meals.get(rid, ()), explanations.get(rid, ()), tuple(files.get(rid, ())))
        assert snapshot_from_storage(row, *parts) == to_record(row, *parts).snapshot()
    assert service.verify().ok


def test_verify_finds_letters_deleted_inserted_or_altered_across_id_ranges(
    ledger: tuple[LedgerService, str], team: Team
) -> None:
    """The letter register is compared a range of ids at a time (a million letters are never
    held at once): a letter deleted, one inserted without its entry and one altered are each
    named, also far apart in ids."""
    from ledger.preapproval import Letter

    service, path = ledger
    for i in range(3):
        service.register_letter(team.clerk, Letter(f"教函〔2026〕{i}号", "市教育局"))
    assert service.verify().ok
    tamper(
        path,
        "DELETE FROM letters WHERE letter_no = '教函〔2026〕0号'",
        "UPDATE letters SET sending_unit = '某公司' WHERE letter_no = '教函〔2026〕1号'",
        "UPDATE letters SET id = 987654 WHERE letter_no = '教函〔2026〕2号'",
    )
    problems = service.verify().problems
    assert "记录 教函〔2026〕0号 已在程序外被删除" in problems
    assert "公函登记 教函〔2026〕1号 与历史记录不符（在程序外被改动）" in problems
    # moved to an id of its own: not in the history there, and gone from where it was
    assert "公函登记 教函〔2026〕2号 与历史记录不符（在程序外被改动）" in problems
    assert "记录 教函〔2026〕2号 已在程序外被删除" in problems
