"""The hostile-workbook generator (tests/hostile.py) at length: thousands of files through
``check``, each in a fresh process for its peak memory. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_hostile.py [--files 2000] [--workers 2]

crashes (a traceback, an exit code other than 0/1/2, or rows other than the expected) must be 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import bombs, hostile_workbook  # noqa: E402

# reads one file as `check` does and prints the JSON result plus peak RSS (MB) on the last line
_RUN = """
import contextlib, io, json, resource, sys, time
sys.path.insert(0, {root!r})
from ui.cli import run
import reports.template, ledger.service  # imported before the clock starts
out, err = io.StringIO(), io.StringIO()
start = time.perf_counter()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    code = run(["check", sys.argv[1], "--json"])
print(json.dumps({{"code": code, "out": out.getvalue(), "err": err.getvalue(),
    "seconds": time.perf_counter() - start,
    "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}))
"""


def check(path: Path) -> tuple[dict[str, object], float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(root=str(ROOT)), str(path)], capture_output=True, text=True
    )
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return result, float(result["seconds"])
    except (ValueError, IndexError):
        return {"code": -1, "out": done.stdout, "err": done.stderr, "rss": 0}, time.perf_counter() - start


def judge(result: dict[str, object], expected: dict[int, str | None] | None) -> str:
    text = str(result["out"]) + str(result["err"])
    if "Traceback" in text or result["code"] not in (0, 1, 2):
        return "crash"
    if expected is None:
        return "" if result["code"] == 2 and len(str(result["err"]).strip().splitlines()) == 1 else "wrong"
    if result["code"] == 2:
        return "wrong"
    rows = json.loads(str(result["out"]))["rows"]
    if [r["row"] for r in rows] != sorted(expected):
        return "wrong"
    for r in rows:
        column = expected[r["row"]]
        columns = {e["column"] for e in r["errors"]}
        if (column is None and (columns or r["violations"])) or (
            column is not None and column not in columns
        ):
            return "wrong"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = []
        for seed in range(args.files):
            path = folder / f"h{seed}.xlsx"
            cases.append((path, hostile_workbook(path, 100_000 + seed)))
        with ThreadPoolExecutor(args.workers) as pool:
            results = list(pool.map(lambda case: check(case[0]), cases))
        verdicts = [
            judge(result, expected) for (result, _), (_, expected) in zip(results, cases, strict=True)
        ]
        rows = sum(len(e) for _, e in cases if e)
        print(f"== {args.files:,} hostile workbooks, {rows:,} data rows, through `check` ==")
        print(f"  crashes {verdicts.count('crash')}, wrong verdicts {verdicts.count('wrong')}")
        print(f"  unusable files (exit 2, one line) {sum(1 for _, e in cases if e is None)}")
        print(
            f"  max seconds per file {max(s for _, s in results):.2f} (reading and checking, in its process)"
        )
        print(f"  max peak RSS {max(int(r['rss']) for r, _ in results)} MB")
        print("\n== small files that claim much ==")
        for name, path in bombs(folder / "bombs").items():
            result, seconds = check(path)
            first = (str(result["err"]).strip() or f"exit {result['code']}").splitlines()[0][:60]
            print(
                f"  {name:22s} {path.stat().st_size / 1e6:6.2f} MB file: exit {result['code']}, "
                f"{seconds:5.2f} s, peak RSS {result['rss']} MB  {first}"
            )


if __name__ == "__main__":
    main()
