"""Sharing one SQLite ledger: reads never wait for a writer, a writer that waits in vain
says so in one line, a full disk is one line, and a read-only ledger can still be read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from ledger import db as dbmod
from ledger.db import Database, DiskFull, LedgerBusy, ReadOnlyLedger, sqlite_access
from ledger.records import LedgerQuery
from ledger.service import AuthError, LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, make_team, sample_reception

BUSY = "账本正由另一处写入（如导入），请稍后再试"
READ_ONLY = "账本文件或其文件夹是只读的，不能写入：只能查看和导出"


def filled_ledger(path: Path) -> Path:
    """A ledger with a team and one approved reception in 2025, closed (no -wal left)."""
    db = Database(f"sqlite:///{path}")
    service = LedgerService(db)
    team = make_team(service)
    saved = service.submit(team.clerk, service.save(team.clerk, sample_reception(date(2025, 3, 5))))
    service.approve(team.approver, saved.id, "同意")  # type: ignore[arg-type]
    db.dispose()
    return path


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process holds the ledger's SQLite write lock (as a long import does)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute(\"INSERT INTO settings(key, value) VALUES ('held', '1')\")\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_reads_go_on_and_logins_wait_while_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = filled_ledger(tmp_path / "shared.sqlite3")
    url = f"sqlite:///{path}"
    monkeypatch.setattr(dbmod, "WAIT_SECONDS", 1)  # a writer of this process gives up after 1 s
    with write_lock_held(path):
        verify = run_cli("verify", "--db", url)
        assert verify.returncode == 0 and "历史记录完整" in verify.stdout, verify.stderr
        targets = run_cli("targets", "--year", "2025", "--db", url)
        assert targets.returncode == 0 and "2025" in targets.stdout, targets.stderr
        export = run_cli("export", "--year", "2025", "-o", str(tmp_path / "2025.xlsx"), "--db", url)
        assert export.returncode == 0 and "1 条已审核接待" in export.stdout, export.stderr
        db = Database(url)  # opening checks the migrations with a read
        service = LedgerService(db)
        # a password is judged only once no other desk writes (a wrong one must be counted
        # first, so no guess is answered uncounted): the right one waits too, then says so
        for password in (PASSWORD, "wrong-password"):
            with pytest.raises(LedgerBusy, match=BUSY):
                service.authenticate("li", password)
        with pytest.raises(LedgerBusy, match=BUSY):
            service.save(service.user("li"), sample_reception())
    assert service.count_and_total(LedgerQuery())[0] == 1
    with pytest.raises(AuthError, match="用户名或密码不正确"):  # the lock is gone: recorded now
        service.authenticate("li", "wrong-password")
    assert service.authenticate("li", PASSWORD).username == "li"
    db.dispose()


def test_a_full_disk_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = filled_ledger(tmp_path / "full.sqlite3")
    db = Database(f"sqlite:///{path}")
    service = LedgerService(db)
    clerk = service.user("li")
    draft = service.save(clerk, sample_reception(date(2025, 4, 1)))
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(db.write_engine, "connect")
    def _small_disk(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    db.write_engine.dispose()
    with pytest.raises(DiskFull, match="磁盘已满，未写入任何数据"):
        service.add_attachment(clerk, draft.id, "公函.pdf", os.urandom(512 * 1024), "letter")
    with pytest.raises(DiskFull):
        with db.write():
            raise OSError(28, "No space left on device")
    assert service.get(draft.id).attachments == ()
    db.dispose()


def test_a_lock_timeout_inside_a_write_is_the_busy_message(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    with pytest.raises(LedgerBusy, match=BUSY):
        with db.write():
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    db.dispose()


def test_read_only_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "l.sqlite3"
    path.write_bytes(b"")
    writable: set[Path] = {path, tmp_path}
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) in writable)
    assert sqlite_access(path) == "rw"
    writable = {tmp_path}  # a read-only file in a writable folder: SQLite can make -wal/-shm
    assert sqlite_access(path) == "ro"
    writable = set()  # a read-only folder without -wal/-shm: read the file as it is
    assert sqlite_access(path) == "immutable"
    Path(f"{path}-wal").write_bytes(b"")
    Path(f"{path}-shm").write_bytes(b"")
    assert sqlite_access(path) == "ro"  # a writer elsewhere keeps them: share its WAL index
    assert sqlite_access(tmp_path / "new.sqlite3") == "rw"  # to be created: opening will say


@pytest.mark.parametrize("access", ["ro", "immutable"])
def test_a_read_only_ledger_reads_and_refuses_writes_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, access: str
) -> None:
    original = filled_ledger(tmp_path / "made.sqlite3")
    folder = tmp_path / "copy"
    folder.mkdir()
    path = Path(shutil.copy(original, folder / "ledger.sqlite3"))
    monkeypatch.setattr(dbmod, "sqlite_access", lambda p: access)
    db = Database(f"sqlite:///{path}")
    assert db.read_only and ("mode=ro" if access == "ro" else "immutable=1") in str(db.engine.url)
    service = LedgerService(db)
    assert service.verify().ok
    assert service.count_and_total(LedgerQuery(year=2025))[0] == 1
    assert service.authenticate("li", PASSWORD).username == "li"
    with pytest.raises(AuthError, match="用户名或密码不正确"):  # nothing to record it in, same answer
        service.authenticate("li", "wrong-password")
    with pytest.raises(ReadOnlyLedger, match=READ_ONLY):
        service.save(service.user("li"), sample_reception())
    db.dispose()
    assert path.read_bytes() == original.read_bytes()


def test_a_read_only_ledger_that_needs_an_upgrade_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = filled_ledger(tmp_path / "old.sqlite3")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    monkeypatch.setattr(dbmod, "sqlite_access", lambda p: "ro")
    with pytest.raises(ReadOnlyLedger, match="需要升级"):
        Database(f"sqlite:///{path}")


def read_commands(url: str, out: Path) -> list[subprocess.CompletedProcess[str]]:
    return [
        run_cli("verify", "--db", url),
        run_cli("targets", "--year", "2025", "--db", url),
        run_cli("export", "--year", "2025", "-o", str(out / "2025.xlsx"), "--db", url),
        run_cli("user", "list", "--db", url),
    ]


def assert_read_only_behaviour(url: str, out: Path) -> None:
    for result in read_commands(url, out):
        assert result.returncode == 0, (result.args, result.stderr)
    write = run_cli(
        "user", "add", "new", "--role", "clerk", "--new-password", PASSWORD,
        "--user", "admin", "--password", PASSWORD, "--db", url,
    )  # fmt: skip
    assert write.returncode == 2 and write.stderr.strip() == f"错误: {READ_ONLY}"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_folder_as_a_normal_user(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = filled_ledger(folder / "ledger.sqlite3")
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        assert_read_only_behaviour(f"sqlite:///{path}", tmp_path)
    finally:
        folder.chmod(0o755)


def test_a_read_only_mount(tmp_path: Path) -> None:
    """Through a read-only bind mount (Linux, needs mount rights: skipped elsewhere)."""
    source, mounted = tmp_path / "data", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    filled_ledger(source / "ledger.sqlite3")
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {source} {mounted} && mount -o remount,ro,bind {mounted}"],
        capture_output=True,
    ) if shutil.which("unshare") else None  # fmt: skip
    if probe is None or probe.returncode != 0:
        pytest.skip("no read-only bind mount here (needs unshare and mount rights)")
    script = (
        "import sys; sys.path.insert(0, {root!r});"
        "from tests.test_db_access import assert_read_only_behaviour;"
        "from pathlib import Path;"
        "assert_read_only_behaviour('sqlite:///{db}', Path({out!r}))"
    ).format(
        root=str(Path(__file__).resolve().parent.parent), db=mounted / "ledger.sqlite3", out=str(tmp_path)
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c",
         f"mount --bind {source} {mounted} && mount -o remount,ro,bind {mounted} && "
         f"{sys.executable} -c \"{script}\""],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
