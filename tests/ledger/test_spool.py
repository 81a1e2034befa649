"""The import's spool: a full temporary folder is said as such (it is not the ledger's disk)."""

from __future__ import annotations

import errno
import tempfile

import pytest

from ledger.db import DiskFull
from ledger.spool import Spool


class _FullDisk:
    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_full_temporary_folder_names_itself_and_tmpdir() -> None:
    spool = Spool()
    spool.file.close()
    spool.file = _FullDisk()  # type: ignore[assignment]
    with pytest.raises(DiskFull) as refused:
        spool.put([1, 2, 3])
    assert str(refused.value) == (
        f"临时文件夹 {tempfile.gettempdir()} 所在磁盘已满，未写入任何数据："
        "请腾出空间（或用环境变量 TMPDIR 另选临时文件夹）后再试"
    )


def test_a_report_too_large_for_a_full_temporary_folder_says_the_same() -> None:
    """The report's rows spill into the temporary folder past 16 MB; a full one there said the
    ledger's disk was full (import) or "No space left on device" and a traceback (check)."""
    from ui.cli_report import Report

    report = Report(as_json=False, imported=False)
    report.spool.close()
    report.spool = _FullDisk()  # type: ignore[assignment]
    with pytest.raises(DiskFull) as refused:
        report.add(2, None, [], [])
    assert str(refused.value).startswith(f"临时文件夹 {tempfile.gettempdir()} 所在磁盘已满")
