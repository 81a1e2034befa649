"""Before the window opens on Linux: a missing screen or X11 library is said in one line (Qt
itself aborts the process, naming libxcb-cursor0 whichever library is missing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ui.desktop_check import XCB_LIBRARIES, desktop_problem

ROOT = Path(__file__).resolve().parents[2]


def test_missing_libraries_are_named_with_the_packages_that_bring_them() -> None:
    gone = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    said = desktop_problem({"DISPLAY": ":0"}, "linux", lambda name: name not in gone)
    assert said == (
        "无法打开窗口：缺少 Qt 所需的系统库 libxcb-icccm.so.4、libxcb-keysyms.so.1。"
        "在 Debian/Ubuntu 上安装：sudo apt install libxcb-icccm4 libxcb-keysyms1"
    )


def test_nothing_is_said_where_the_window_can_open() -> None:
    every = lambda name: True  # noqa: E731
    assert desktop_problem({"DISPLAY": ":0"}, "linux", every) == ""
    nothing = lambda name: False  # noqa: E731
    assert desktop_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", nothing) == ""  # not X11
    assert desktop_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", nothing) == ""
    assert desktop_problem({}, "win32", nothing) == ""
    assert set(XCB_LIBRARIES) >= {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"}


def test_no_screen_ends_the_window_with_one_line_not_an_abort(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", f"sqlite:///{tmp_path / 'l.db'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "无法打开窗口：没有可用的图形界面（未设置 DISPLAY）。请在桌面中运行；命令行功能无需图形界面（python main.py --help）"
    ]
