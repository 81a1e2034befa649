"""Before the window opens on Linux: a screen to open it on, and the X11 libraries Qt needs.

Without them Qt's xcb plugin aborts the process (exit 134) with "xcb-cursor0 or libxcb-cursor0
is needed", whichever library is missing, or "could not connect to display". This says in one
line what is missing and the Debian/Ubuntu packages that bring it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

from ledger.i18n import tr

# what Qt 6's xcb platform plugin loads (ldd of libqxcb.so and libQt6XcbQpa.so), by the Debian
# package that brings each
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def desktop_problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    loads: Callable[[str], bool] = _loads,
) -> str:
    """Why the window cannot open here ("" when it can, or when Qt will not use X11)."""
    env = os.environ if env is None else env
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if not platform.startswith("linux") or chosen not in ("", "xcb"):
        return ""
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return ""  # Qt opens it on Wayland
    if not env.get("DISPLAY"):
        return tr(
            "无法打开窗口：没有可用的图形界面（未设置 DISPLAY）。请在桌面中运行；"
            "命令行功能无需图形界面（python main.py --help）"
        )
    missing = [name for name in XCB_LIBRARIES if not loads(name)]
    if not missing:
        return ""
    return tr("无法打开窗口：缺少 Qt 所需的系统库 {libs}。在 Debian/Ubuntu 上安装：sudo apt install {packages}").format(
        libs="、".join(missing), packages=" ".join(dict.fromkeys(XCB_LIBRARIES[n] for n in missing))
    )
