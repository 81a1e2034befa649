"""What to tell the user when the operating system refuses to write a file."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from ledger.i18n import tr


def write_failure(exc: OSError, target: Path) -> str:
    """One Chinese line for an OSError met while writing ``target``: what happened, what to do."""
    code = exc.errno
    detail = " ".join(str(exc.strerror or exc).split())
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        message = tr("磁盘空间不足，未能写入 {path}：请腾出空间或换一个位置后重试")
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = tr(
            "没有权限写入 {path}（文件夹只读，或文件正被其他程序打开）：请换一个位置或关闭该文件后重试"
        )
    elif code == errno.ENOENT:
        message = tr("文件夹不存在，未能写入 {path}：请先创建该文件夹或换一个位置")
    elif code == errno.EISDIR:
        message = tr("{path} 是一个文件夹：请给出文件名")
    elif code == errno.ENAMETOOLONG:
        message = tr("文件名太长，未能写入 {path}：请换一个短一些的名字")
    else:
        message = tr("未能写入 {path}：{error}，请换一个位置后重试")
    return message.format(path=target, error=detail)


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


def read_failure(exc: OSError, source: Path) -> str:
    """One Chinese line for an OSError met while reading ``source`` (the system's own words,
    "No such file or directory", are English on most systems)."""
    code = exc.errno
    if code in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):  # (its folder, or a link's target, gone)
        message = tr("找不到文件 {path}：它可能已被移动、改名或删除，请重新选择")
    elif code == errno.EIO:  # a network share dropped, a USB stick pulled, a failing disk
        message = tr("读取 {path} 时出错（磁盘、U 盘或网络共享出现故障）：请检查后重试")
    elif code in (errno.EACCES, errno.EPERM):
        message = tr("没有权限读取 {path}（或文件正被其他程序独占打开）：请关闭该文件或检查权限后重试")
    elif code == errno.EISDIR:
        message = tr("{path} 是一个文件夹：请选择一个文件")
    elif code == errno.ENAMETOOLONG:
        message = tr("文件名或路径过长，系统无法打开：{path}")
    else:
        message = tr("无法读取 {path}：{error}")
    return message.format(path=source, error=" ".join(str(exc.strerror or exc).split()))
