"""Build the one-folder application with PyInstaller, then check it as a bureau would use it.

    python packaging/build_bundle.py            # build into dist/reception-ledger and check
    python packaging/build_bundle.py --check-only

Needs the ``bundle`` extra (``pip install -e ".[bundle]"``). The checks, on the built
folder and without the source tree: the window starts (offscreen) and shows its first
window; ``check`` reads a sample workbook; ``demo`` fills a fresh ledger and ``notice``
prints the notice PDF. Prints the folder's size and the start time. Not part of the test
run: a build takes minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
APP = DIST / "reception-ledger"


def build() -> None:
    shutil.rmtree(APP, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(ROOT / "packaging" / "reception_ledger.spec")],
        check=True,
        cwd=ROOT,
    )


def executable() -> Path:
    name = "reception-ledger.exe" if os.name == "nt" else "reception-ledger"
    return APP / name


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def sample_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    sys.path.insert(0, str(ROOT))
    from reports.template import HEADERS

    rows = [
        {"接待日期": "2025-03-05", "来访单位": "市教育局", "公务活动": "督导检查", "公函文号": "市教函〔2025〕12号",
         "接待对象人数": 6, "接待对象名单": "王伟、李娜", "陪餐人数": 2, "就餐场所": "局机关食堂",
         "场所类型": "机关食堂", "餐费": 300},
        {"接待日期": "2025-03-06", "来访单位": "省教育厅", "公务活动": "调研", "公函文号": "省教函〔2025〕3号",
         "接待对象人数": 3, "接待对象名单": "赵强", "陪餐人数": 5, "就餐场所": "局机关食堂",
         "场所类型": "机关食堂", "餐费": 900},
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(HEADERS))
    for row in rows:
        ws.append([row.get(h) for h in HEADERS])
    wb.save(path)
    return path


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(executable()), *args], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    print(f"$ reception-ledger {' '.join(args)}  → {result.returncode}")
    print("  " + (result.stdout + result.stderr).strip().replace("\n", "\n  "))
    return result


def check() -> None:
    if not executable().exists():
        sys.exit(f"no bundle at {APP}: build it first")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "PYTHON"))}
        env.update(QT_QPA_PLATFORM="offscreen", LEDGER_DB=str(work / "ledger.sqlite"), HOME=str(work),
                   XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"))
        # the window: first start on an empty ledger shows the setup dialog
        start = time.perf_counter()
        shown = run([], {**env, "LEDGER_EXIT_WHEN_SHOWN": "1"}, work)
        first = time.perf_counter() - start
        assert shown.returncode == 0 and "shown:" in shown.stdout, "the window did not start"
        start = time.perf_counter()
        run([], {**env, "LEDGER_EXIT_WHEN_SHOWN": "1"}, work)
        warm = time.perf_counter() - start
        checked = run(["check", str(sample_workbook(work / "样例.xlsx"))], env, work)
        assert checked.returncode in (0, 1) and "行" in checked.stdout + checked.stderr, "check failed"
        demo = run(["demo"], env, work)
        assert demo.returncode == 0, "demo failed"
        pdf = work / "公示表.pdf"
        notice = run(["notice", "--from", "2025-01-01", "--to", "2025-12-31", "-o", str(pdf)], env, work)
        assert notice.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), "notice failed"
        print(f"notice PDF: {pdf.stat().st_size / 1024:.0f} KiB")
    print(f"bundle: {APP}  {folder_size(APP) / 2**20:.0f} MiB, "
          f"{sum(1 for _ in APP.rglob('*'))} files")
    print(f"window shown after {first:.1f} s (first start), {warm:.1f} s (second start)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true", help="check an existing build")
    options = parser.parse_args()
    if not options.check_only:
        started = time.perf_counter()
        build()
        print(f"built in {time.perf_counter() - started:.0f} s")
    check()


if __name__ == "__main__":
    main()
