"""Output files are written all at once or not at all (reports.output.write_atomic), and the
command line refuses dates and years outside the calendar it can handle, in one line."""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pytest

from ledger.records import Reception
from ledger.service import LedgerService
from reports.output import OutputError, write_atomic
from reports.workbook import export_year
from tests.cli import run_cli
from tests.conftest import Team, sample_reception
from ui import cli

OLD = b"the old file, which must survive"


def disk_full(fh: BinaryIO) -> None:
    """A writer that gets half-way and finds the disk full."""
    fh.write(b"%PDF-1.4 half a document")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_complete_file_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(OLD)
    assert write_atomic(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.pdf"]  # no temporary file left beside it


def test_a_failure_midway_leaves_no_file_and_the_old_one_untouched(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pdf"
    with pytest.raises(OutputError) as caught:
        write_atomic(fresh, disk_full)
    assert str(caught.value) == f"磁盘空间不足，未能写入 {fresh}：请腾出空间或换一个位置后重试"
    assert os.listdir(tmp_path) == []

    old = tmp_path / "old.pdf"
    old.write_bytes(OLD)
    with pytest.raises(OutputError):
        write_atomic(old, disk_full)
    assert old.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["old.pdf"]


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    def interrupted(fh: BinaryIO) -> None:
        fh.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.xlsx", interrupted)
    assert os.listdir(tmp_path) == []


def test_a_failing_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old.xlsx"
    old.write_bytes(OLD)

    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError) as caught:
        write_atomic(old, b"new")
    assert str(caught.value).startswith(f"没有权限写入 {old}")
    assert old.read_bytes() == OLD and os.listdir(tmp_path) == ["old.xlsx"]


def test_a_missing_folder_or_a_folder_as_target_is_one_chinese_line(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path / "nope" / "x.pdf", b"x")
    assert str(caught.value).startswith("文件夹不存在")
    with pytest.raises(OutputError) as caught:
        write_atomic(tmp_path, b"x")
    assert str(caught.value) == f"{tmp_path} 是一个文件夹：请给出文件名"


def test_the_new_file_gets_the_old_files_permissions(tmp_path: Path) -> None:
    old = tmp_path / "shared.pdf"
    old.write_bytes(OLD)
    old.chmod(0o640)
    write_atomic(old, b"new")
    assert old.stat().st_mode & 0o777 == 0o640
    fresh = write_atomic(tmp_path / "fresh.pdf", b"new")
    assert fresh.stat().st_mode & 0o777 != 0o600  # not mkstemp's private mode


@pytest.fixture
def approved(service: LedgerService, team: Team) -> Reception:
    submitted = service.submit(team.clerk, sample_reception(date(2025, 3, 5)))
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


def test_export_that_fails_midway_leaves_the_old_workbook(
    service: LedgerService, approved: Reception, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "台账.xlsx"
    target.write_bytes(OLD)
    written: list[int] = []

    def full(fd: int) -> None:  # the bytes went out, the disk could not keep them
        written.append(os.fstat(fd).st_size)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError):
        export_year(service, 2025, target)
    assert written and written[0] > 1000
    assert target.read_bytes() == OLD and os.listdir(folder) == ["台账.xlsx"]


# ------------------------------------------------------------------ command line
def test_cli_disk_full_is_one_line_exit_2_and_no_file(
    db_url: str,
    approved: Reception,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    folder = tmp_path / "out"
    folder.mkdir()
    old = folder / "old.pdf"
    old.write_bytes(OLD)
    for args in (
        ["notice", "--from", "2025-03-01", "--to", "2025-03-31", "-o", str(folder / "n.pdf")],
        ["slip", approved.ref, "-o", str(old)],
        ["export", "--year", "2025", "-o", str(folder / "x.xlsx")],
    ):
        assert cli.run(["--db", db_url, *args]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("错误: 磁盘空间不足，未能写入"), err
    assert os.listdir(folder) == ["old.pdf"] and old.read_bytes() == OLD


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_cli_read_only_folder_is_one_line_exit_2(db_url: str, approved: Reception, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run_cli(
            "--db",
            db_url,
            "notice",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "-o",
            str(folder / "n.pdf"),
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 2
    assert (
        result.stderr.strip().startswith("错误: 没有权限写入")
        and len(result.stderr.strip().splitlines()) == 1
    )
    assert os.listdir(folder) == []


def test_cli_read_only_folder_simulated(
    db_url: str,
    approved: Reception,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same as above where the tests run as root: creating a file in the folder is refused."""
    import tempfile

    def read_only(*_args: object, **_kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))

    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert cli.run(["--db", db_url, "slip", approved.ref, "-o", str(folder / "x.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"错误: 没有权限写入 {folder / 'x.pdf'}") and len(err.splitlines()) == 1
    assert os.listdir(folder) == []


@pytest.mark.parametrize(
    "args",
    [
        ("notice", "--from", "2025-03-01", "--to", "2025-03-31", "--posted", "9999-12-31"),
        ("notice", "--from", "0001-01-01", "--to", "2025-03-31"),
        ("notice", "--from", "2025-03-01", "--to", "9999-12-31"),
        ("export", "--year", "9999"),
        ("export", "--year", "1"),
        ("export", "--year", "-5"),
        ("export", "--year", "二〇二五"),
        ("targets", "--year", "0"),
        ("targets", "--year", "2025", "--as-of", "9999-12-31"),
        ("targets", "--year", "2025", "--as-of", "0001-01-01"),
        ("demo", "--year", "1"),
        ("demo", "--year", "10000"),
    ],
)
def test_dates_and_years_outside_the_calendar_are_one_line_exit_2(
    db_url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = ["-o", str(folder / ("n.pdf" if args[0] == "notice" else "x.xlsx"))]
    result = run_cli("--db", db_url, *args, *(out if args[0] in ("notice", "export") else []))
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "之间" in lines[0] or "整数" in lines[0]
    assert os.listdir(folder) == []


def test_the_last_date_accepted_still_has_a_posting_period(
    db_url: str, approved: Reception, tmp_path: Path
) -> None:
    out = tmp_path / "n.pdf"
    result = run_cli(
        "--db",
        db_url,
        "notice",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--posted",
        "9998-12-31",
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "公示期至 9999-01-" in result.stdout and out.read_bytes().startswith(b"%PDF")


def test_cli_backup_on_a_full_disk_is_one_line_and_leaves_nothing(
    db_url: str,
    approved: Reception,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import ledger.backup

    def full(_src: object, _dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(ledger.backup.os, "replace", full)
    assert cli.run(["--db", db_url, "backup", "-o", str(folder / "b.sqlite3")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"错误: 磁盘空间不足，未能写入 {folder / 'b.sqlite3'}：请腾出空间或换一个位置后重试"
    assert os.listdir(folder) == []


def test_a_device_is_never_replaced_by_an_output(tmp_path: Path) -> None:
    from tests.cli import run_cli

    ledger = tmp_path / "x.sqlite3"
    assert (
        run_cli(
            "user", "add", "a1", "--role", "admin", "--new-password", "secret123", "--db", str(ledger)
        ).returncode
        == 0
    )
    before = os.stat("/dev/full")
    result = run_cli("backup", "-o", "/dev/full", "--db", str(ledger))
    assert result.returncode == 2 and "不是普通文件" in result.stderr
    assert os.stat("/dev/full").st_rdev == before.st_rdev  # still the device
