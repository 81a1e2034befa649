"""Attack on ``verify`` in worker processes (ledger/history.py: _verify_in_parallel, _ranges,
verify_chain_range): edits made outside the program that the parallel path misses, names
differently from one pass, or trips over; and another desk's ordinary write while ``verify``
runs on PostgreSQL, named as tampering.

The parallel path is forced on a small ledger with ``PARALLEL_FROM = 0``, one pass with
``PARALLEL_FROM = 10**9``; both must name the same problems in the same order (README, Speed
and size: "the problems come in the order of one pass").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import history
from ledger.db import Database
from ledger.history import VerifyResult
from ledger.records import Role
from ledger.service import LedgerService
from tests.conftest import PASSWORD, built_once, copied_ledger, make_team, sample_reception
from tests.ledger.test_scale import fill

LARGEST_SQLITE_ID = 2**63 - 1


def outside(service: LedgerService, *statements: str) -> None:
    """Statements run on the ledger file with sqlite3, as someone outside the program."""
    with sqlite3.connect(service.db.url.removeprefix("sqlite:///")) as c:
        for sql in statements:
            c.execute(sql)


def parallel_and_single(service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> tuple[VerifyResult, VerifyResult]:
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    parallel = service.verify()
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify()
    return parallel, single


def _filled(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    service = LedgerService(db)
    fill(service, make_team(service))
    db.dispose()


@pytest.fixture
def ledger(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LedgerService]:
    """A copy of one ledger filled for the run (tests.ledger.test_scale.fill), verified clean."""
    db = Database(copied_ledger(built_once(tmp_path_factory, "verify-ranges.sqlite3", _filled), tmp_path))
    service = LedgerService(db)
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    assert service.verify().ok
    yield service
    db.dispose()


def test_kept_totals_and_a_user_changed_are_named_in_the_order_of_one_pass(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One pass names the monthly totals right after the receptions, before the users; the
    workers' totals came after the users (they were added with the register)."""
    outside(
        ledger,
        "UPDATE reception_totals SET receptions = receptions + 1"
        " WHERE rowid = (SELECT min(rowid) FROM reception_totals)",
        "UPDATE users SET display_name = '假名' WHERE username = 'li'",
    )
    parallel, single = parallel_and_single(ledger, monkeypatch)
    assert len(single.problems) == 2
    assert parallel.problems == single.problems


def test_a_history_entry_at_the_largest_sqlite_id_is_named_in_parallel_too(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry inserted with id 2**63-1: one pass names its broken link; the workers were
    given one past it as the end of the last range, which SQLite cannot take (OverflowError:
    verify stopped with a traceback and named nothing)."""
    outside(
        ledger,
        "INSERT INTO history (id, at, username, action, entity, entity_id, ref, before, after,"
        " comment, prev_hash, hash, algo) SELECT 9223372036854775807, at, username, action, entity,"
        " entity_id, ref, before, after, comment, prev_hash, hash, algo FROM history"
        " WHERE id = (SELECT max(id) FROM history)",
    )
    parallel, single = parallel_and_single(ledger, monkeypatch)
    assert [p.split("（")[0] for p in single.problems] == [f"历史记录第 {LARGEST_SQLITE_ID} 条"]
    assert parallel.problems == single.problems


def test_a_fractional_entity_id_of_the_newest_reception_is_named_in_parallel_too(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last entry of the reception with the largest id given entity_id N + 0.5 (SQLite keeps
    a REAL in an INTEGER column): one pass names the entry and the reception; the workers' ranges
    were cut from a float bound (TypeError: verify stopped with a traceback)."""
    outside(
        ledger,
        "UPDATE history SET entity_id = entity_id + 0.5 WHERE id = (SELECT max(id) FROM history"
        " WHERE entity = 'reception' AND entity_id = (SELECT max(entity_id) FROM history"
        " WHERE entity = 'reception'))",
    )
    parallel, single = parallel_and_single(ledger, monkeypatch)
    assert len(single.problems) == 2
    assert parallel.problems == single.problems


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "single"])
def test_a_text_entity_id_in_the_history_is_named_not_a_crash(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """A reception's last entry given entity_id 'x' (SQLite keeps text in an INTEGER column):
    verify stopped with "'>' not supported between instances of 'str' and 'int'" in both paths,
    naming nothing, instead of naming the changed entry."""
    outside(
        ledger,
        "UPDATE history SET entity_id = 'x' WHERE id = (SELECT max(id) FROM history WHERE entity = 'reception')",
    )
    monkeypatch.setattr(history, "PARALLEL_FROM", 0 if parallel else 10**9)
    result = ledger.verify()
    assert any("内容与校验值不符" in p for p in result.problems)


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "single"])
def test_a_reception_moved_to_the_largest_sqlite_id_is_named_not_a_crash(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """A reception's id changed to 2**63-1 outside the program: a chunk's end one past it (or
    2000 past it) is more than SQLite can take, and verify stopped with "Python int too large to
    convert to SQLite INTEGER" instead of naming the reception."""
    with sqlite3.connect(ledger.db.url.removeprefix("sqlite:///")) as c:
        ref = c.execute("SELECT ref FROM receptions ORDER BY id DESC LIMIT 1").fetchone()[0]
    outside(ledger, f"UPDATE receptions SET id = {LARGEST_SQLITE_ID} WHERE ref = '{ref}'")
    monkeypatch.setattr(history, "PARALLEL_FROM", 0 if parallel else 10**9)
    result = ledger.verify()
    assert any(p.startswith(f"接待 {ref}") for p in result.problems)


def _after(function: Callable[..., Any], then: Callable[[], None]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out = function(*args, **kwargs)
        then()
        return out

    return wrapped


@pytest.mark.parametrize("parallel", [True, False], ids=["parallel", "single"])
def test_a_user_added_by_another_desk_while_verify_runs_on_postgresql_is_no_tampering(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    """README: verify goes on while another process writes. On PostgreSQL verify_ledger reads in
    READ COMMITTED (db.read): the chain is checked up to the entries it saw first (the workers
    up to the largest id read at the start), the users are read later and see a user another
    desk added meanwhile — named as changed outside the program (a million receptions: a minute
    in which any change of a user, a target, a standard or the bureau's details is a false alarm)."""
    service = LedgerService(Database(pg_url))
    other = LedgerService(Database(pg_url))
    try:
        team = make_team(service)
        monkeypatch.setattr(history, "PARALLEL_FROM", 0 if parallel else 10**9)
        assert service.verify().ok
        added: list[bool] = []

        def another_desk_adds_a_user() -> None:
            if not added:
                added.append(True)
                other.add_user(team.admin, "zhao", "赵会计", {Role.CLERK}, PASSWORD)

        name = "_verify_in_parallel" if parallel else "_verify_receptions"
        monkeypatch.setattr(history, name, _after(getattr(history, name), another_desk_adds_a_user))
        result = service.verify()
        assert added
        assert result.problems == []
    finally:
        other.db.dispose()
        service.db.dispose()


def _killed(*_args: Any) -> None:
    """A worker's task that dies as the out-of-memory killer or a `kill -9` ends it."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_from_outside_ends_verify_with_one_line_and_writes_nothing(
    ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the pool's BrokenProcessPool reached the user as a traceback."""
    from ledger.errors import LedgerError

    service = ledger
    service.save(service.user("li"), sample_reception())  # a new head the next clean verify would remember
    anchor = service._anchor_path()
    remembered = anchor.read_bytes()
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    monkeypatch.setattr(history, "verify_register_apart", _killed)
    with pytest.raises(LedgerError, match="核对进程意外结束.*核对未完成.*请重新运行 verify"):
        service.verify()
    assert anchor.read_bytes() == remembered  # the head this computer saw is not moved on
    monkeypatch.undo()
    result = service.verify()
    assert result.ok, result.problems
