"""Writing a file for the user (PDF, workbook, a saved copy) all at once or not at all.

The content goes to a temporary file in the same folder, is flushed to the disk, and only
then renamed over the target (os.replace, atomic on one file system). A full disk, a
read-only folder or a write killed half-way therefore never leaves a 0-byte or partial
file under the target's name, and an older file of that name stays as it was until the
new one is complete. Failures become an OutputError whose text is one Chinese line.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ledger.files import not_a_file_message, write_failure

Content = bytes | Callable[[BinaryIO], object]


class OutputError(OSError):
    """A file could not be written; ``str()`` is the one-line message for the user."""

    def __init__(self, message: str, code: int | None = None, filename: str | None = None) -> None:
        super().__init__(code, message, filename)
        self.message = message

    def __str__(self) -> str:
        return self.message


def output_error(exc: OSError, target: Path) -> OutputError:
    """The user's message for an OSError met while writing ``target``."""
    if isinstance(exc, OutputError):
        return exc
    return OutputError(write_failure(exc, target), exc.errno, str(target))


def _new_file_mode(target: Path) -> int:
    """The permissions of the file being replaced, else the usual ones for a new file."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | Path, content: Content) -> Path:
    """Write ``content`` (bytes, or a function writing into a binary file) to ``path``.

    Either the complete new file is at ``path`` afterwards, or ``path`` is as it was before
    (absent, or the old file untouched) and OutputError says why.
    """
    target = Path(path)
    refusal = not_a_file_message(target)
    if refusal:
        raise OutputError(refusal, errno.EISDIR if target.is_dir() else errno.EINVAL, str(target))
    mode = _new_file_mode(target)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=".~", suffix=".part", dir=target.parent or ".")
    except OSError as exc:
        raise output_error(exc, target) from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as fh:
            if isinstance(content, bytes | bytearray | memoryview):
                fh.write(content)
            else:
                content(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(temp, mode)
        except OSError:
            pass  # a file system without permissions: the new file keeps what it got
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise output_error(exc, target) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target
