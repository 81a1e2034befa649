"""Import and check against bare openpyxl read-only (SPEC §8, issue 15). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_import.py [--sizes 10000,100000] [--engine sqlite|postgresql]
                                           [--cores both|2|1] [--repeat 1] [--formats xlsx,xlsb,ods,xls]

For each size, a template workbook (bench/import_workbooks.py, cached in bench/.cache/) is
read by bare openpyxl read-only (every cell's value), checked (`check --json`) and imported
(`import --json`, a fresh ledger each time, all rows with their history in one transaction).
Each run is a fresh process, so its peak RSS (the larger of the process's VmHWM and any child
it started) is its own. Everything is measured on two cores and again under `taskset -c 0`
(one core: a helper process working in parallel is not free there). Ratios compare wall
times of the same run mode; the CPU-time ratio (user + system of the process and its
children) is printed too, since other work on a shared machine stretches wall times.

With ``--formats xlsx,xlsb,ods,xls`` the same rows are also checked and imported as an .xlsb, an
.ods and an .xls (built once beside the .xlsx; the .ods and the .xls by LibreOffice; an .xls for
65,535 rows at most), against the same openpyxl figure.

Two parts of a check are measured alone, as the floors it cannot go below in Python: our reader
reading every row ("reading"), and reading with the parsing of the rows into receptions
("+ parsing"), in one process. For an import the bench also prints how long the rows were stored
under the write lock (what another desk waits for) and, of that, the database's own time: its
statements as the driver runs them and the commit (on PostgreSQL the rows' COPY, which streams
them from Python, is not in it).

Bars: check <= 0.3x, import <= 0.75x bare openpyxl; peak RSS < 300 MB; cost linear in rows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_workbooks import template_in, template_workbook  # noqa: E402

CHECK_BAR, IMPORT_BAR, RSS_BAR = 0.3, 0.75, 300

# one measured run in a fresh process: prints {"wall", "cpu", "rss"} on its last line
_RUN = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
what, path, url = sys.argv[1], sys.argv[2], sys.argv[3]
if what == "openpyxl":
    from openpyxl import load_workbook
    def work():
        book = load_workbook(path, read_only=True)
        for row in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()
elif what in ("read", "parse"):  # the floors of a check: our reader alone, then with the parsing
    from pathlib import Path
    from reports.sheets import open_workbook
    from reports.template import iter_import
    def work():
        if what == "read":
            book = open_workbook(Path(path))
            for row in book.rows():
                pass
            book.close()
        else:
            for row in iter_import(Path(path)):
                pass
else:
    from ui.cli import run
    import reports.template, ledger.service, ledger.importing  # imported before the clock starts
    if what == "import":
        from ledger.db import Database
        from ledger.records import Role
        from ledger.service import LedgerService
        service = LedgerService(Database(url))
        service.add_user(None, "bench", "基准", {{Role.ADMIN, Role.CLERK, Role.APPROVER}}, "bench-password")
        service.db.dispose()
        os.environ.update(LEDGER_USER="bench", LEDGER_PASSWORD="bench-password")
        argv = ["--db", url, "import", path, "--json"]
        # the storing under the write lock, and of it the database's own time: its statements
        # (cursor executes, as the driver runs them) and the commit
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.engine.default import DefaultDialect
        from ledger.importing import Importer
        store, started = {{"locked": 0.0, "db": 0.0, "on": False}}, []
        @event.listens_for(Engine, "before_cursor_execute")
        def _before(*args):
            started.append(time.perf_counter())
        @event.listens_for(Engine, "after_cursor_execute")
        def _after(*args):
            if started:
                spent = time.perf_counter() - started.pop()
                if store["on"]:
                    store["db"] += spent
        store_all, do_commit = Importer._store_all, DefaultDialect.do_commit
        def _store_all(*args, **kwargs):
            begin, store["on"] = time.perf_counter(), True
            try:
                return store_all(*args, **kwargs)
            finally:
                store["on"] = False
                store["locked"] += time.perf_counter() - begin
        def _do_commit(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return do_commit(*args, **kwargs)
            finally:
                if store["on"]:
                    store["db"] += time.perf_counter() - begin
        Importer._store_all, DefaultDialect.do_commit = _store_all, _do_commit
    else:
        argv = ["check", path, "--json"]
    def work():
        sys.stdout = open(os.devnull, "w")
        code = run(argv)
        sys.stdout = sys.__stdout__
        if code not in (0, 1):
            raise SystemExit(f"exit {{code}}")
start, cpu = time.perf_counter(), os.times()
work()
wall, end = time.perf_counter() - start, os.times()
used = (end.user - cpu.user) + (end.system - cpu.system)
used += (end.children_user - cpu.children_user) + (end.children_system - cpu.children_system)
# this process's own peak (VmHWM: ru_maxrss keeps the peak of the bench that forked it), and its
# children's (the reading process, forked here)
with open("/proc/self/status") as status:
    own = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
rss = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
figures = {{"wall": wall, "cpu": used, "rss": rss // 1024}}
if what == "import":
    figures |= {{"locked": store["locked"], "db": store["db"]}}
print(json.dumps(figures))
"""


# another desk during an import: every 0.2 s it takes the write lock (as a save does) and
# measures how long it waited; prints {"longest", "writes"} when its stdin closes
_DESK = """
import json, select, sys, time
sys.path.insert(0, {root!r})
from sqlalchemy import text
from ledger.db import Database, LedgerBusy
url = sys.argv[1]
db = None
while db is None:  # until the importing process has made the ledger and its user
    if select.select([sys.stdin], [], [], 0.1)[0]:
        raise SystemExit  # the import ended first
    try:
        db = Database(url, migrate=False, create=False)
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM users WHERE username = 'bench'")).scalar() == 1
    except Exception:
        db = None
longest, writes, failed = 0.0, 0, 0
while not select.select([sys.stdin], [], [], 0.2)[0]:
    start = time.perf_counter()
    try:
        with db.write():
            pass
    except LedgerBusy:  # waited the whole lock timeout (30 s) in vain
        failed += 1
    longest, writes = max(longest, time.perf_counter() - start), writes + 1
print(json.dumps({{"longest": longest, "writes": writes, "failed": failed}}))
"""


def measure(what: str, path: Path, url: str, *, one_core: bool, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        command = [sys.executable, "-c", _RUN.format(root=str(ROOT)), what, str(path), url]
        desk = None
        if what == "import":  # another desk writing meanwhile, on the other core when there is one
            desk = subprocess.Popen(
                [sys.executable, "-c", _DESK.format(root=str(ROOT)), url],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        if one_core:
            command = ["taskset", "-c", "0", *command]
        try:
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{what} failed: {done.stderr.strip()[-2000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if desk is not None:
                waited = json.loads(desk.communicate("stop\n", timeout=120)[0].strip().splitlines()[-1])
                runs[-1] |= {"desk_wait": waited["longest"], "desk_failed": waited["failed"]}
        finally:
            if desk is not None and desk.poll() is None:
                desk.kill()
        if what == "import":  # each run into an empty ledger
            url = fresh_postgres(url) if url.startswith("postgresql") else fresh_sqlite_again(url)
    keys = [k for k in ("wall", "cpu", "rss", "desk_wait", "desk_failed", "locked", "db") if k in runs[0]]
    return {key: statistics.median(r[key] for r in runs) for key in keys}


def fresh_sqlite(folder: Path, n: int) -> str:
    path = folder / f"ledger{n}.sqlite3"
    for p in folder.glob(f"ledger{n}.sqlite3*"):
        p.unlink()
    return f"sqlite:///{path}"


def fresh_sqlite_again(url: str) -> str:
    """The SQLite ledger of ``url`` removed (with its journal files) for the next run."""
    path = Path(url.removeprefix("sqlite:///"))
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    return url


def fresh_postgres(url: str) -> str:
    """A new empty database on the server of ``url`` (dropped and created again)."""
    import sqlalchemy as sa

    base = url.rsplit("/", 1)[0]
    name = "ledger_bench_import"
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{base}/{name}"


_FLOORS = {"read": "reading", "parse": "+ parsing"}


def line(label: str, ours: dict[str, float], base: dict[str, float] | None, bar: float | None) -> str:
    """A figure, with its ratio to ``base`` against ``bar`` (no bar: a part of a check)."""
    text = f"    {label:13s} {ours['wall']:8.2f} s  cpu {ours['cpu']:8.2f} s"
    if base is not None and bar is None:
        text += f"  ratio {ours['wall'] / base['wall']:5.2f} (cpu {ours['cpu'] / base['cpu']:5.2f})  (part of check)"
    elif base is not None:
        text += (
            f"  ratio {ours['wall'] / base['wall']:5.2f} (cpu {ours['cpu'] / base['cpu']:5.2f})"
            f"  bar {bar:.2f} {'ok' if ours['wall'] / base['wall'] <= bar else 'OVER'}"
        )
    else:
        text += " " * 42
    text += f"  peak RSS {ours['rss']:5.0f} MB (bar {RSS_BAR}) {'ok' if ours['rss'] < RSS_BAR else 'OVER'}"
    if "locked" in ours and base is not None:
        text += (
            f"\n              stored under the write lock {ours['locked']:6.2f} s, of which the database's"
            f" statements and commit {ours['db']:6.2f} s ({ours['db'] / base['wall']:.2f}x openpyxl)"
        )
    if "desk_wait" in ours:
        text += f"\n              another desk's longest wait for the write lock: {ours['desk_wait']:6.2f} s"
        if ours.get("desk_failed"):
            text += f" (it gave up {ours['desk_failed']:.0f} times after 30 s: 账本正由另一处写入)"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="rows, comma-separated (e.g. 10000,100000,1000000)"
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cores", choices=["both", "2", "1"], default="both")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (the median is shown)")
    parser.add_argument(
        "--formats",
        default="xlsx",
        help="xlsx,xlsb,ods,xls: the same rows checked and imported in each (compared with openpyxl reading the .xlsx)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    modes = {"both": [False, True], "2": [False], "1": [True]}[args.cores]
    if True in modes and not shutil.which("taskset"):
        raise SystemExit("taskset is needed for the one-core figures (util-linux)")
    per_row: dict[tuple[bool, str], list[tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in sizes:
            path = template_workbook(size)
            print(f"\n== {size:,} rows ({path.stat().st_size / 1e6:.1f} MB .xlsx), engine {args.engine} ==")
            for one_core in modes:
                print(f"  {'one core (taskset -c 0)' if one_core else 'two cores'}:")
                base = measure("openpyxl", path, "", one_core=one_core, repeat=args.repeat)
                print(line("openpyxl", base, None, None))
                for floor in ("read", "parse"):  # parts of a check, in one process: no bar
                    figures = measure(floor, path, "", one_core=one_core, repeat=args.repeat)
                    print(line(_FLOORS[floor], figures, base, None))
                checked = measure("check", path, "", one_core=one_core, repeat=args.repeat)
                print(line("check", checked, base, CHECK_BAR))
                url = fresh_postgres(args.pg) if args.engine == "postgresql" else fresh_sqlite(folder, size)
                imported = measure("import", path, url, one_core=one_core, repeat=args.repeat)
                print(line("import", imported, base, IMPORT_BAR))
                for what, figures in (("openpyxl", base), ("check", checked), ("import", imported)):
                    per_row.setdefault((one_core, what), []).append((size, figures["cpu"] / size * 1e6))
                for kind in [k for k in args.formats.split(",") if k.strip() not in ("", "xlsx")]:
                    other = template_in(kind.strip(), size)
                    figures = measure("check", other, "", one_core=one_core, repeat=args.repeat)
                    print(line(f"check .{kind}", figures, base, CHECK_BAR))
                    url = fresh_postgres(args.pg) if args.engine == "postgresql" else fresh_sqlite(folder, size)
                    figures = measure("import", other, url, one_core=one_core, repeat=args.repeat)
                    print(line(f"import .{kind}", figures, base, IMPORT_BAR))
    if len(sizes) > 1:
        print("\n== linearity: CPU microseconds per row (flat = linear) ==")
        for (one_core, what), points in per_row.items():
            shown = "  ".join(f"{size:>9,}: {us:7.1f}" for size, us in points)
            print(f"  {'1 core ' if one_core else '2 cores'} {what:9s} {shown}")


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
