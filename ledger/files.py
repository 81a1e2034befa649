"""What to tell the user when the operating system refuses to write a file."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from ledger.i18n import tr


def write_failure(exc: OSError, target: Path) -> str:
    """One Chinese line for an OSError met while writing ``target``: what happened, what to do."""
    return _said(
        exc,
        target,
        {
            (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)): tr(
                "磁盘空间不足，未能写入 {path}：请腾出空间或换一个位置后重试"
            ),
            (errno.EACCES, errno.EPERM, errno.EROFS): tr(
                "没有权限写入 {path}（文件夹只读，或文件正被其他程序打开）：请换一个位置或关闭该文件后重试"
            ),
            (errno.ENOENT,): tr("文件夹不存在，未能写入 {path}：请先创建该文件夹或换一个位置"),
            (errno.EISDIR,): tr("{path} 是一个文件夹：请给出文件名"),
            (errno.ENAMETOOLONG,): tr("文件名太长，未能写入 {path}：请换一个短一些的名字"),
        },
        tr("未能写入 {path}：{error}，请换一个位置后重试"),
    )


def read_failure(exc: OSError, source: Path) -> str:
    """One Chinese line for an OSError met while reading ``source`` (the system's own words,
    "No such file or directory", are English on most systems)."""
    return _said(
        exc,
        source,
        {
            # its folder, or a link's target, gone
            (errno.ENOENT, errno.ENOTDIR, errno.ELOOP): tr("找不到文件 {path}：请检查文件名和位置（它可能已被移动、改名或删除）"),
            # a network share dropped, a USB stick pulled, a failing disk
            (errno.EIO,): tr("读取 {path} 时出错（磁盘、U 盘或网络共享出现故障）：请检查后重试"),
            (errno.EACCES, errno.EPERM): tr(
                "没有权限读取 {path}（或文件正被其他程序独占打开）：请关闭该文件或检查权限后重试"
            ),
            (errno.EISDIR,): tr("{path} 是一个文件夹：请选择一个文件"),
            (errno.ENAMETOOLONG,): tr("文件名或路径过长，系统无法打开：{path}"),
        },
        tr("无法读取 {path}：{error}"),
    )


def _said(exc: OSError, path: Path, messages: dict[tuple[int, ...], str], otherwise: str) -> str:
    """The message of the first group of error codes that holds ``exc``'s, else ``otherwise``."""
    message = next((m for codes, m in messages.items() if exc.errno in codes), otherwise)
    return message.format(path=path, error=" ".join(str(exc.strerror or exc).split()))


def not_a_file_message(target: Path) -> str | None:
    """Why ``target`` cannot be replaced by a new file, if it is something other than a regular
    file (a folder, a device such as /dev/full, a pipe): renaming over it would destroy it."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return None  # absent (or unreadable: the write itself will say why)
    if stat.S_ISDIR(mode):
        return tr("{path} 是一个文件夹：请给出文件名").format(path=target)
    if not stat.S_ISREG(mode):
        return tr("{path} 不是普通文件（设备或管道）：请给出一个文件名").format(path=target)
    return None
