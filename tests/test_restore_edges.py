"""Backup and restore at the edges: damaged files, older backups, read-only media, kill -9."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger import backup
from ledger.backup import BackupError, OlderBackup
from ledger.db import Database
from ledger.models import HistoryRow, ReceptionRow
from ledger.records import LedgerQuery
from ledger.service import LedgerService
from tests.cli import ROOT, run_cli
from tests.conftest import PASSWORD, Team, make_team, sample_reception
from ui.cli import run

ADMIN = ("--user", "admin", "--password", PASSWORD)


def fill(service: LedgerService, team: Team, n: int = 3, attachment_mb: int = 0) -> None:
    for i in range(n):
        r = service.save(team.clerk, sample_reception(unit=f"来访单位{i}"))
        if attachment_mb:
            content = random.Random(i).randbytes(attachment_mb * 1024 * 1024)
            service.add_attachment(team.clerk, r.id, f"函{i}.pdf", content, "letter")  # type: ignore[arg-type]


def fingerprint(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime


@dataclass(frozen=True)
class State:
    receptions: tuple[tuple[str, int, int], ...]
    history: tuple[tuple[int, str, str], ...]


def state(url: str) -> State:
    db = Database(url, migrate=False)
    try:
        with db.read() as s:
            receptions = tuple(
                (r.ref, r.total_fen, r.version)
                for r in s.scalars(select(ReceptionRow).order_by(ReceptionRow.id))
            )
            entries = tuple(
                (h.id, h.hash, h.action) for h in s.scalars(select(HistoryRow).order_by(HistoryRow.id))
            )
    finally:
        db.dispose()
    return State(receptions, entries)


def is_old_or_new(now: State, old: State, restored_from: State) -> bool:
    if now == old:
        return True
    return (
        now.receptions == restored_from.receptions
        and now.history[:-1] == restored_from.history
        and now.history[-1][2] == "restore"
    )


# ---------------------------------------------------------------------------- the file is only read
def test_restore_reads_a_read_only_backup_through_a_private_copy(
    tmp_path: Path, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(service, team)
    media = tmp_path / "光盘"
    media.mkdir()
    source = media / "b.sqlite3"
    service.backup(source)
    source.chmod(0o444)
    media.chmod(0o555)
    before = fingerprint(source)
    opened: list[str] = []
    copied: list[str] = []
    real_connect, real_copy = sqlite3.connect, shutil.copyfile

    def spy_connect(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    def spy_copy(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        copied.append(str(src))
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", spy_connect)
    monkeypatch.setattr(shutil, "copyfile", spy_copy)
    try:
        fresh = LedgerService(Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
        done = fresh.restore(None, source)
        assert done.counts["receptions"] == 3 and done.auto_backup is None  # nothing was replaced
        with pytest.raises(Exception, match="--replace"):
            fresh.restore(None, source)  # a failed attempt reads it the same way
    finally:
        media.chmod(0o755)
    assert fingerprint(source) == before
    assert copied.count(str(source)) == 2
    assert not [
        p for p in opened if Path(p.split("?")[0].removeprefix("file:")).resolve() == source.resolve()
    ]
    assert fresh.verify().ok


def test_checking_a_backup_leaves_this_machines_anchors_alone(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    fill(service, team)
    service.backup(tmp_path / "b.sqlite3")
    anchors = Path(os.environ["LEDGER_ANCHOR_DIR"])
    known = set(anchors.iterdir())
    fresh = LedgerService(Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
    fresh.restore(None, tmp_path / "b.sqlite3")
    assert set(anchors.iterdir()) - known == {fresh._anchor_path()}  # the live ledger's, nothing else


# ---------------------------------------------------------------------------- damaged or foreign files
def _edit(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


def _damaged_corpus(good: Path, folder: Path) -> dict[str, Path]:
    data = good.read_bytes()
    corpus: dict[str, Path] = {}

    def put(name: str, content: bytes) -> None:
        corpus[name] = folder / f"{name}.sqlite3"
        corpus[name].write_bytes(content)

    for cut in (100, 4096, 3 * 4096 + 17, len(data) // 2, len(data) - 4096):
        put(f"truncated-{cut}", data[:cut])
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        damaged = bytearray(data)
        for _ in range(64):
            at = rng.randrange(len(data) // 4, 3 * len(data) // 4)
            damaged[at] ^= 1 + rng.randrange(255)
        put(f"flipped-{seed}", bytes(damaged))
    put("header-only", data[:100])
    put("zero-bytes", b"")
    put("text", "这不是备份".encode())
    other = folder / "other-app.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
    conn.close()
    corpus["other-app"] = other
    for name, sql in {
        "history-edited": "UPDATE history SET comment = '改过' WHERE id = 3",
        "history-row-deleted": "DELETE FROM history WHERE id = 4",
        "record-edited": "UPDATE receptions SET total_fen = total_fen + 100 WHERE id = 1",
        "newer-program": "UPDATE alembic_version SET version_num = 'ffffffffffff'",
    }.items():
        corpus[name] = folder / f"{name}.sqlite3"
        shutil.copyfile(good, corpus[name])
        _edit(corpus[name], sql)
    corpus["a-folder"] = folder / "a-folder"
    corpus["a-folder"].mkdir()
    corpus["missing"] = folder / "nope.sqlite3"
    return corpus


def test_damaged_or_foreign_backups_are_refused_in_one_line_and_the_ledger_is_untouched(
    tmp_path: Path, service: LedgerService, team: Team, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(service, team, n=6)
    good = tmp_path / "good.sqlite3"
    service.backup(good)
    service.save(team.clerk, sample_reception(unit="备份之后"))
    folder = tmp_path / "corpus"
    folder.mkdir()
    corpus = _damaged_corpus(good, folder)
    assert len(corpus) == 18
    live = state(db_url)
    for name, path in corpus.items():
        before = fingerprint(path) if path.is_file() else None
        code = run(["restore", str(path), "--replace", "--db", db_url, *ADMIN])
        out = capsys.readouterr()
        assert code == 2, (name, out)
        assert out.err.startswith("错误: ") and out.err.count("\n") == 1, (name, out.err)
        assert "Traceback" not in out.err and not out.out, name
        assert state(db_url) == live, name
        if before is not None:
            assert fingerprint(path) == before, name
    assert not list((tmp_path / backup.AUTO_FOLDER).glob("*"))  # refused before anything was saved


def test_what_the_refusals_say(tmp_path: Path, service: LedgerService, team: Team) -> None:
    fill(service, team)
    good = tmp_path / "good.sqlite3"
    service.backup(good)
    corpus = _damaged_corpus(good, tmp_path)
    expected = {
        "zero-bytes": "不是台账备份文件",
        "other-app": "不是台账备份文件",
        "truncated-4096": "备份文件已损坏",
        "history-edited": "未通过完整性校验",
        "history-row-deleted": "未通过完整性校验",
        "record-edited": "当前内容与最后一条历史记录不符",
        "newer-program": "更新版本的程序",
        "a-folder": "是一个文件夹",
        "missing": "找不到备份文件",
    }
    for name, text in expected.items():
        with pytest.raises(BackupError, match=text):
            service.restore(team.admin, corpus[name], replace_existing=True)


# ---------------------------------------------------------------------------- older backups
def _cut_newest(path: Path, keep: int) -> None:
    """An attacker's backup: the newest entries cut off together with the records they created."""
    with sqlite3.connect(path) as conn:
        gone = [r[0] for r in conn.execute("SELECT entity_id FROM history WHERE id > ?", (keep,))]
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executemany("DELETE FROM receptions WHERE id = ?", [(g,) for g in gone])
        conn.execute("DELETE FROM history WHERE id > ?", (keep,))
    conn.close()


def test_a_backup_older_than_this_machine_has_verified_needs_a_confirmation(
    tmp_path: Path, service: LedgerService, team: Team, db_url: str
) -> None:
    fill(service, team, n=3)
    entries = len(service.history())
    fill(service, team, n=2)
    assert service.verify().ok  # this machine has now seen the newest entries
    cut = tmp_path / "cut.sqlite3"
    service.backup(cut)
    _cut_newest(cut, keep=entries)
    live = state(db_url)
    before = fingerprint(cut)

    with pytest.raises(OlderBackup, match="比本机上次校验.*少 2 条.*--accept-older"):
        service.restore(team.admin, cut, replace_existing=True)
    assert state(db_url) == live

    done = service.restore(team.admin, cut, replace_existing=True, accept_older=True)
    assert "少 2 条" in done.older
    assert done.auto_backup is not None and done.auto_backup.parent == tmp_path / backup.AUTO_FOLDER
    assert fingerprint(cut) == before
    assert service.count_and_total(LedgerQuery())[0] == 3
    entry = service.history()[-1]
    assert entry.action == "restore" and "少 2 条" in entry.comment
    assert entry.before == {
        "replaced_head": live.history[-1][1],
        "replaced_entries": len(live.history),
        "auto_backup": str(done.auto_backup),
    }
    assert entry.after == {"backup_head": state(f"sqlite:///{cut}").history[-1][1], "backup_entries": entries}
    assert service.verify().ok  # truthful: the history itself says what happened
    # the automatic backup is the replaced ledger, whole: restoring it brings everything back
    service.restore(team.admin, done.auto_backup, replace_existing=True)
    assert [r for r in state(db_url).receptions] == list(live.receptions)


def test_cli_older_backup_refused_then_accepted(
    tmp_path: Path, service: LedgerService, team: Team, db_url: str
) -> None:
    fill(service, team, n=2)
    entries = len(service.history())
    fill(service, team, n=1)
    cut = tmp_path / "cut.sqlite3"
    service.backup(cut)
    _cut_newest(cut, keep=entries)
    assert run_cli("verify", "--db", db_url).returncode == 0
    refused = run_cli("restore", str(cut), "--replace", "--db", db_url, *ADMIN)
    assert refused.returncode == 2, refused.stderr
    assert "备份只包含到第" in refused.stderr and "少 1 条" in refused.stderr
    assert "--accept-older" in refused.stderr and refused.stderr.count("\n") == 1
    done = run_cli("restore", str(cut), "--replace", "--accept-older", "--db", db_url, *ADMIN)
    assert done.returncode == 0, done.stderr
    assert "少 1 条" in done.stdout and "被替换的账本已自动备份到" in done.stdout
    assert run_cli("verify", "--db", db_url).returncode == 0


def test_a_backup_holding_what_this_machine_verified_just_restores(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    fill(service, team, n=2)
    assert service.verify().ok
    service.backup(tmp_path / "b.sqlite3")
    fill(service, team, n=2)  # newer work, not yet verified here
    done = service.restore(team.admin, tmp_path / "b.sqlite3", replace_existing=True)
    assert not done.older and done.auto_backup is not None and done.auto_backup.is_file()
    assert service.count_and_total(LedgerQuery())[0] == 2
    assert service.verify().ok


# ---------------------------------------------------------------------------- kill -9
def _spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")} | env
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=full,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_when(proc: subprocess.Popen[bytes], started: Callable[[], bool], delay: float) -> None:
    deadline = time.monotonic() + 60
    while proc.poll() is None and not started() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.fixture
def big(service: LedgerService) -> Team:
    """A ledger whose backup and restore take a moment (large attachments)."""
    team = make_team(service)
    fill(service, team, n=3, attachment_mb=4)
    return team


def _killed_backup(tmp_path: Path, service: LedgerService, team: Team, url: str) -> None:
    target = tmp_path / "out" / "b.sqlite3"
    service.backup(target)
    previous = fingerprint(target)[0]
    fill(service, team, n=1)
    anchors = {"LEDGER_ANCHOR_DIR": os.environ["LEDGER_ANCHOR_DIR"]}
    for delay in (0.0, 0.05, 0.2):
        proc = _spawn("backup", "-o", str(target), "--db", url, env=anchors)
        _kill_when(proc, lambda: any(target.parent.glob(backup.TEMP_PREFIX + "*")), delay)
        assert proc.returncode == -signal.SIGKILL
        if fingerprint(target)[0] != previous:  # the kill came after the rename: a whole new backup
            with backup.checked_backup(target, lambda db, _: LedgerService(db).verify()) as checked:
                assert checked.entries == len(service.history())
    assert any(target.parent.glob(backup.TEMP_PREFIX + "*")), "no kill landed while the backup was written"
    again = run_cli("backup", "-o", str(tmp_path / "out" / "c.sqlite3"), "--db", url)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.sqlite3", "c.sqlite3"]
    assert run_cli("verify", "--db", url, env=anchors).returncode == 0


def test_a_killed_backup_leaves_the_previous_backup_and_no_temporary_files(
    tmp_path: Path, service: LedgerService, big: Team, db_url: str
) -> None:
    _killed_backup(tmp_path, service, big, db_url)


def test_a_killed_backup_of_a_postgres_ledger_leaves_no_temporary_files(tmp_path: Path, pg_url: str) -> None:
    db = Database(pg_url)
    try:
        service = LedgerService(db)
        team = make_team(service)
        fill(service, team, n=3, attachment_mb=4)
        _killed_backup(tmp_path, service, team, pg_url)
    finally:
        db.dispose()


def _restore_killed_mid_way(
    tmp_path: Path, service: LedgerService, team: Team, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "b.sqlite3"
    service.backup(source)
    restored_from = state(f"sqlite:///{source}")
    fill(service, team, n=1)  # the live ledger differs from the backup
    scratch, auto = tmp_path / "scratch", tmp_path / "auto"
    scratch.mkdir()
    phases = {  # kill while the backup is checked, while the live ledger is saved, while it is replaced
        "checking": lambda: any(scratch.glob(backup.RESTORE_PREFIX + "*")),
        "saving": lambda: any(auto.glob(backup.TEMP_PREFIX + "*")),
        "replacing": lambda: any(auto.glob("*.sqlite3")),
    }
    killed = []
    for i, (phase, started) in enumerate(phases.items()):
        anchors = str(tmp_path / f"anchors-{i}")
        env = {"LEDGER_ANCHOR_DIR": anchors, "LEDGER_AUTO_BACKUP_DIR": str(auto), "TMPDIR": str(scratch)}
        old = state(url)
        for leftover in auto.glob("*.sqlite3"):
            leftover.unlink()
        proc = _spawn("restore", str(source), "--replace", "--db", url, *ADMIN, env=env)
        _kill_when(proc, started, 0.0)
        if proc.returncode == -signal.SIGKILL:
            killed.append(phase)
        now = state(url)
        assert is_old_or_new(now, old, restored_from), phase
        if phase in killed and phase != "replacing":
            assert now == old, phase  # killed before the transaction could commit
        monkeypatch.setenv("LEDGER_ANCHOR_DIR", anchors)
        assert run(["verify", "--db", url]) == 0, phase
    assert {"checking", "saving"} <= set(killed), killed


def test_a_killed_restore_leaves_the_old_or_the_new_ledger_sqlite(
    tmp_path: Path, service: LedgerService, big: Team, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _restore_killed_mid_way(tmp_path, service, big, db_url, monkeypatch)


def test_a_killed_restore_leaves_the_old_or_the_new_ledger_postgres(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg = LedgerService(Database(pg_url))
    team = make_team(pg)
    fill(pg, team, n=3, attachment_mb=4)
    try:
        _restore_killed_mid_way(tmp_path, pg, team, pg_url, monkeypatch)
    finally:
        pg.db.dispose()


def test_backup_failures_are_one_line(
    tmp_path: Path, service: LedgerService, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "a-folder").mkdir()
    for target, text in (
        (tmp_path / "a-file" / "b.sqlite3", "未能写入"),
        (tmp_path / "a-folder", "是一个文件夹"),
    ):
        assert run(["backup", "-o", str(target), "--db", db_url]) == 2
        err = capsys.readouterr().err
        assert text in err and err.count("\n") == 1 and "Traceback" not in err


def test_only_dead_writers_leftovers_are_removed(tmp_path: Path, service: LedgerService) -> None:
    running = tmp_path / f"{backup.TEMP_PREFIX}{backup._tag()}{backup.TEMP_SUFFIX}"  # this very process
    old = tmp_path / f"{backup.TEMP_PREFIX}1-other-host-abcd{backup.TEMP_SUFFIX}"
    fresh_elsewhere = tmp_path / f"{backup.TEMP_PREFIX}1-other-host-beef{backup.TEMP_SUFFIX}"
    for path in (running, old, fresh_elsewhere):
        path.write_bytes(b"partial")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    service.backup(tmp_path / "b.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [running.name, fresh_elsewhere.name, "b.sqlite3", "ledger.sqlite3", *_wal(tmp_path)]
    )


def _wal(folder: Path) -> list[str]:
    return [p.name for p in folder.glob("ledger.sqlite3-*")]
