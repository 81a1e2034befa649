"""Benchmarks for the quality bars of SPEC §8 at a ledger's scale. Prints figures next to
their bars; asserts nothing.

    .venv/bin/python bench/bench_ledger.py [--engine sqlite|postgresql]
        [--receptions 100000 1000000] [--skip window queries ...] [--build-only]

The first run builds each ledger (100,000 receptions over two years; 1,000,000 over ten)
with its whole history, in bench/.cache/ for SQLite and in a database of its own
(bench_ledger_<count>) on the PostgreSQL server at 127.0.0.1:5432 (user postgres); both
are reused afterwards. Each figure is the median of several runs. Bars:
- main window usable: <= 1.5 s from process start; every page, sort, filter and search of
  the ledger view: <= 150 ms; year_figures <= 100 ms; the dashboard <= 300 ms;
- verify of the whole history: <= 60 s;
- export of a year: ours / openpyxl write-only writing the same cells <= 1.1, and under 300 MB;
- notice: ours / a bare reportlab table of the same cells (bar: <= 1.5).
Import and check are measured by bench/bench_import.py.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.register_rows import letter_rows, plan_rows  # noqa: E402
from ledger import history  # noqa: E402
from ledger.db import Database  # noqa: E402
from ledger.mapping import derived, normalized, ref, storage  # noqa: E402
from ledger.models import (  # noqa: E402
    ExplanationRow,
    HistoryRow,
    LetterRow,
    MealRow,
    PersonRow,
    PlanRow,
    ReceptionRow,
    ViolationRow,
)
from ledger.records import LedgerQuery, Meal, Person, Reception, Role, Status  # noqa: E402
from ledger.service import LedgerService  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# a measured child's own peak memory in MB: its VmHWM (ru_maxrss is carried over from the bench
# process it was forked from, and would show the bench's memory instead)
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) // 1024"
PG_PREFIX = "bench_ledger_"
UNITS = [
    f"{city}{kind}"
    for city in ("市", "省", "邻县", "对口县", "区")
    for kind in ("教育局", "财政局", "审计局", "教研院", "督导组")
]
VENUES = [
    ("局机关食堂", "机关食堂"),
    ("县一中食堂", "学校食堂"),
    ("定点饭店", "定点饭店"),
    ("实验小学食堂", "学校食堂"),
]


def median_time(work: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fake_reception(rng: random.Random, on: date, i: int) -> Reception:
    guests = rng.randint(1, 14)
    companions = rng.randint(0, 5)
    venue, venue_type = rng.choice(VENUES)
    return Reception(
        reception_date=on,
        visiting_unit=rng.choice(UNITS),
        activity=f"督导检查第{i}批",
        activity_kind="检查指导",
        letter_no=f"函〔{on.year}〕{i}号" if rng.random() > 0.05 else "",
        guest_count=guests,
        guests=(Person("王伟", "市教育局", "科长"),),
        companion_count=companions,
        meals=(
            Meal(
                on,
                "lunch",
                venue,
                venue_type,
                guests + companions,
                Decimal(rng.randint(20, 60) * (guests + companions)),
            ),
        ),
    )


def _copy_to_postgres(source: str, url: str, count: int) -> str:
    """The PostgreSQL bench ledger: the SQLite one of the same size, every table copied with
    COPY into a new ledger made by the migrations, its triggers held meanwhile (the monthly
    totals are copied as they are)."""
    import sqlite3

    import psycopg

    from ledger.models import Base, reception_totals

    _fresh(url)
    print(f"copying {source} to PostgreSQL ...", flush=True)
    began = time.perf_counter()
    Database(url).dispose()  # the schema, by the migrations
    with (
        sqlite3.connect(source.removeprefix("sqlite:///")) as lite,
        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=" + url.rsplit("/", 1)[1]) as pg,
    ):
        pg.execute("SET session_replication_role = replica")  # no triggers, no foreign-key checks
        for table in [*Base.metadata.sorted_tables, reception_totals]:
            quoted = ", ".join(f'"{c.name}"' for c in table.columns)
            pg.execute(f"DELETE FROM {table.name}")
            with pg.cursor().copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                cursor = lite.execute(f"SELECT {quoted} FROM {table.name}")
                while rows := cursor.fetchmany(10_000):
                    for row in rows:
                        copy.write_row(row)
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].autoincrement and pk[0].type.python_type is int:
                pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                )
            print(f"  {table.name}  {time.perf_counter() - began:6.0f} s", flush=True)
        pg.commit()
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=" + url.rsplit("/", 1)[1], autocommit=True
    ) as pg:
        pg.execute("VACUUM ANALYZE")
    _marker("postgresql", count).write_text(date.today().isoformat())
    print(f"built in {time.perf_counter() - began:.0f} s", flush=True)
    return url


def ledger_url(engine: str, count: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{CACHE / f'ledger-{count}.sqlite3'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_PREFIX}{count}"


def _stored_count(url: str) -> int | None:
    """The receptions of a cached bench ledger, or None when there is none (or a broken one)."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        if not Path(url.removeprefix("sqlite:///")).exists():
            return None
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
            if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                return None
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(text("SELECT count(*) FROM receptions")).scalar_one())
    except Exception:
        return None
    finally:
        engine.dispose()


def _marker(engine: str, count: int) -> Path:
    """Written when a build finished (rows, sequences, statistics): a cut build is rebuilt."""
    return CACHE / f"built-{engine}-{count}"


def _fresh(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def build_ledger(engine: str, count: int) -> str:
    """A ledger of ``count`` receptions with their history, built once and cached.

    The rows are made by the project's own mapping (normalised record, the policy's
    assessment, ``storage``, the history snapshot and ``history._entry_hash``) and written with
    Core bulk inserts in chunks: the ledger ``verify`` reads is consistent, as an import would
    leave it, at a fraction of the import's cost. Up to 200,000 receptions span last year and
    this year; above, a province's decade (about 100,000 a year) ending today.
    """
    url = ledger_url(engine, count)
    if _marker(engine, count).exists() and _stored_count(url) == count:
        return url
    _marker(engine, count).unlink(missing_ok=True)
    if engine == "postgresql":
        return _copy_to_postgres(build_ledger("sqlite", count), url, count)
    _fresh(url)
    print(f"building a ledger of {count:,} receptions ({engine}) ...", flush=True)
    began = time.perf_counter()
    service = LedgerService(Database(url))
    admin = service.add_user(None, "bench", "基准", {Role.ADMIN, Role.CLERK, Role.APPROVER}, "bench-password")
    service.policies()
    rng = random.Random(7)
    today = date.today()
    years = 2 if count <= 200_000 else max(2, count // 100_000)
    start = date(today.year - years + 1, 1, 1)
    span = (today - start).days
    now = service.clock()
    dates = sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(count))
    seqs: dict[int, int] = {}
    reception_t = ReceptionRow.__table__
    with service.db.write() as s:
        connection = s.connection()
        next_id = connection.execute(select(func.coalesce(func.max(reception_t.c.id), 0))).scalar_one() + 1
        last = connection.execute(select(HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1)).scalar()
    prev = last or history.GENESIS
    chunk = 20_000
    letter_id = plan_id = plan_seq = 0
    for first in range(0, count, chunk):
        receptions: list[dict[str, Any]] = []
        registers: dict[str, list[dict[str, Any]]] = {"letters": [], "plans": []}
        children: dict[str, list[dict[str, Any]]] = {
            "people": [],
            "meals": [],
            "violations": [],
            "explanations": [],
        }
        entries: list[dict[str, Any]] = []
        for i in range(first, min(first + chunk, count)):
            on = dates[i]
            r = normalized(fake_reception(rng, on, i))
            year = on.year
            seqs[year] = seq = seqs.get(year, 0) + 1
            reference = ref(year, seq)
            approved = rng.random() > 0.03
            at = datetime.combine(on, datetime.min.time())
            workflow: dict[str, Any] = {
                "clerk_name": admin.label,
                "ref": reference,
                "status": Status.APPROVED if approved else Status.DRAFT,
                "version": 1,
                "created_by": admin.username,
                "created_at": now,
                "submitted_by": admin.label if approved else "",
                "submitted_at": at if approved else None,
                "approved_by": "张副局长" if approved else "",
                "approved_at": at if approved else None,
                "review_comment": "",
                "posted_on": None,
            }
            # the letter it cites is registered; half of last year's were started from a plan
            cited, started_from = None, None
            if r.letter_no:
                letter_id = cited = letter_id + 1
                letter, letter_entry = letter_rows(r, cited, admin.username, now)
                registers["letters"].append(letter)
                letter_entry |= {"prev_hash": prev}
                letter_entry["hash"] = prev = history._entry_hash(letter_entry)
                entries.append(letter_entry)
            if approved and year == today.year - 1 and i % 2 == 0:
                plan_id, plan_seq = plan_id + 1, plan_seq + 1
                started_from = plan_id
                plan, plan_entry = plan_rows(r, plan_id, plan_seq, cited, admin.username, "zhang")
                registers["plans"].append(plan)
                plan_entry |= {"prev_hash": prev}
                plan_entry["hash"] = prev = history._entry_hash(plan_entry)
                entries.append(plan_entry)
            record = Reception.from_storage(
                **(r.__dict__ | workflow | {"id": None, "attachments": (), "plan_id": started_from})
            )
            columns, kids = storage(record, service.assess(record), reference)
            del workflow["clerk_name"]
            rid = next_id + i
            columns |= workflow | {
                "id": rid,
                "status": workflow["status"].value,
                "year": year,
                "seq": seq,
                "clerk_name": record.clerk_name,
                "letter_id": cited,
            }
            receptions.append(columns)
            for kind, rows in kids.items():
                children[kind].extend(c | {"reception_id": rid} for c in rows)
            entry = {
                "at": now,
                "username": admin.username,
                "action": "import_historical" if approved else "import",
                "entity": "reception",
                "entity_id": rid,
                "ref": reference,
                "before": "",
                "after": history.canonical(
                    record.snapshot() | {"derived": derived(columns, kids["violations"])}
                ),
                "comment": f"第 {i + 2} 行",
                "prev_hash": prev,
            }
            entry["hash"] = prev = history._entry_hash(entry)
            entries.append(entry)
        with service.db.write() as s:
            connection = s.connection()
            for table, rows in ((LetterRow.__table__, registers["letters"]), (PlanRow.__table__, registers["plans"])):
                if rows:
                    connection.execute(insert(table), rows)
            connection.execute(insert(reception_t), receptions)
            for kind, table in (
                ("people", PersonRow.__table__),
                ("meals", MealRow.__table__),
                ("violations", ViolationRow.__table__),
                ("explanations", ExplanationRow.__table__),
            ):
                if children[kind]:
                    connection.execute(insert(table), children[kind])
            connection.execute(insert(HistoryRow.__table__), entries)
        print(f"  {min(first + chunk, count):>9,}  {time.perf_counter() - began:6.0f} s", flush=True)
    with service.db.engine.connect() as c:  # (PostgreSQL's is a copy of this one: _copy_to_postgres)
        c.execute(text("ANALYZE"))
        c.commit()
    service.db.dispose()
    _marker(engine, count).write_text(date.today().isoformat())
    print(f"built in {time.perf_counter() - began:.0f} s", flush=True)
    return url


def bench_queries(service: LedgerService, url: str) -> None:
    """What the ledger view does for each action, through its own model: a new filter or
    search (count and total for the status bar, then the first page), a sort (the first page
    in the new order), a jump (the page under the scroll bar)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.ledger_model import COLUMN_KEYS, LedgerTableModel

    QApplication.instance() or QApplication([])
    year = date.today().year
    model = LedgerTableModel(service, LedgerQuery())
    print(f"\n== ledger view (model: status bar + first page), ms ==  [{model_summary(model)}]")
    filters = {
        "filter year": LedgerQuery(year=year - 1),
        "filter year+month": LedgerQuery(year=year - 1, month=3),
        "filter breaches": LedgerQuery(compliance="breach"),
        "filter status draft": LedgerQuery(status=Status.DRAFT),
        "filter status approved": LedgerQuery(status=Status.APPROVED),
        "search unit 教研院": LedgerQuery(text="教研院"),
        "search ref JD-2025-00012": LedgerQuery(text=f"JD-{year - 1}-00012"),
        "search letter 〔": LedgerQuery(text=f"〔{year - 1}〕99"),
        "search rare text 第77777批": LedgerQuery(text="第77777批"),
        "search + year": LedgerQuery(year=year - 1, text="督导组"),
        "no filter (reset)": LedgerQuery(),
    }
    for name, query in filters.items():
        times: list[float] = []
        for _ in range(5):
            model.set_query(LedgerQuery(year=1900))  # not the same query: set_query reads again
            started = time.perf_counter()
            model.set_query(query)
            model.row_at(0)
            times.append(time.perf_counter() - started)
        print(f"  {name:32s} {statistics.median(times) * 1000:8.1f}  (bar 150)  {model_summary(model)}")
    model.set_query(LedgerQuery())
    for key in (
        "total",
        "visiting_unit",
        "activity",
        "guest_count",
        "meal_amount",
        "meal_per_person",
        "status",
        "violation_count",
        "ref",
        "reception_date",
    ):
        column = COLUMN_KEYS.index(key)
        times = []
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder) * 3:
            started = time.perf_counter()
            model.sort(column, order)
            model.row_at(0)
            times.append(time.perf_counter() - started)
        print(f"  sort by {key:24s} {statistics.median(times) * 1000:8.1f}  (bar 150)")
    for key in ("reception_date", "total", "visiting_unit"):
        model.sort(COLUMN_KEYS.index(key), Qt.SortOrder.DescendingOrder)
        for where in ("50,000", "middle", "end"):
            rows = model.rowCount()
            row = {"50,000": min(50_000, rows - 1), "middle": rows // 2, "end": rows - 1}[where]
            times = []
            for _ in range(3):
                model._pages.clear()
                started = time.perf_counter()
                model.row_at(row)
                times.append(time.perf_counter() - started)
            print(
                f"  page at {where:7s} sorted by {key:14s} {statistics.median(times) * 1000:8.1f}  (bar 150)"
            )


def model_summary(model: Any) -> str:
    from ui.ledger_model import summary_text

    return summary_text(model.count, model.total)


def bench_targets(service: LedgerService, url: str) -> None:
    from ledger.targets import dashboard_figures, year_figures

    year = date.today().year
    print("\n== targets and dashboard, ms ==")
    print(
        f"  year_figures                     {median_time(lambda: year_figures(service, year)) * 1000:8.1f}  (bar 100)"
    )
    print(
        f"  dashboard_figures                {median_time(lambda: dashboard_figures(service, year)) * 1000:8.1f}  (bar 300)"
    )


def bench_verify(service: LedgerService, url: str) -> None:
    os.environ["LEDGER_ANCHOR_DIR"] = str(CACHE / "anchors")
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    result = service.verify()
    took = time.perf_counter() - started
    cpu = time.process_time() - cpu + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - children
    print("\n== verify the whole history ==")
    print(
        f"  {result.entries:,} entries, {result.records:,} receptions: {took:6.1f} s  (bar 60)  CPU {cpu:.0f} s"
        f"  {'ok' if result.ok else 'PROBLEMS: ' + '; '.join(result.problems[:3])}"
    )


def bench_window(service: LedgerService, url: str) -> None:
    """Process start to a shown main window with its first page of rows, in a fresh process."""
    script = f"""
import os, sys, time
start = time.perf_counter()
sys.path.insert(0, {str(ROOT)!r})
os.environ['QT_QPA_PLATFORM'] = 'offscreen'
from PySide6.QtWidgets import QApplication
from ledger.db import Database
from ledger.service import LedgerService
from ui.fonts import install_cjk_font
from ui.main_window import MainWindow
app = QApplication([])
install_cjk_font(app)
service = LedgerService(Database({url!r}))
window = MainWindow(service, service.user('bench'))
window.show()
app.processEvents()
model = window.ledger_view.model
assert model.rowCount() > 0 and model.row_at(0) is not None
print(f'{{time.perf_counter() - start:.3f}}')
print({PEAK}, flush=True)
os._exit(0)
"""
    runs = []
    rss = 0
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append(float(out[0]))
        rss = max(rss, int(out[1]))
    print("\n== main window ==")
    print(
        f"  process start to usable window {statistics.median(runs):6.2f} s  (bar 1.5)  peak RSS {rss} MB (bar 300)"
    )


def bench_export(service: LedgerService, url: str) -> None:
    """Our export in a fresh process (time and its peak memory), then bare openpyxl
    write-only writing the same cells (values and number formats)."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.cell import WriteOnlyCell

    year = date.today().year - 1
    with tempfile.TemporaryDirectory() as tmp:
        ours_path = Path(tmp) / "ours.xlsx"
        script = f"""
import os, sys, time, resource
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from ledger.db import Database
from ledger.service import LedgerService
from reports.workbook import export_year
service = LedgerService(Database({url!r}))
start, cpu = time.perf_counter(), time.process_time()
export_year(service, {year}, Path({str(ours_path)!r}))
print(time.perf_counter() - start, {PEAK}, time.process_time() - cpu, flush=True)
os._exit(0)
"""
        runs, rss, cpus = [], 0, []
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True
            ).stdout.split()
            runs.append(float(out[0]))
            rss = max(rss, int(out[1]))
            cpus.append(float(out[2]))
        ours, ours_cpu = statistics.median(runs), statistics.median(cpus)
        book = load_workbook(ours_path, read_only=True)
        sheets = {
            ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
            for ws in book.worksheets
        }
        book.close()
        cells = sum(len(r) for rows in sheets.values() for r in rows)

        def bare() -> None:
            wb = Workbook(write_only=True)
            for title, rows in sheets.items():
                ws = wb.create_sheet(title)
                for row in rows:
                    out = []
                    for value, number_format in row:
                        cell = WriteOnlyCell(ws, value)
                        if number_format not in ("General", None):
                            cell.number_format = number_format
                        out.append(cell)
                    ws.append(out)
            wb.save(Path(tmp) / "bare.xlsx")

        cpu = time.process_time()
        base = median_time(bare, repeat=2)
        base_cpu = (time.process_time() - cpu) / 2
        receptions = len(sheets["台账"]) - 1
    print(f"\n== export a year ({receptions:,} receptions, {cells:,} cells) ==")
    print(
        f"  ours {ours:.2f} s, bare openpyxl write-only {base:.2f} s, ratio {ours / base:.2f}  (bar 1.1)"
        f"  peak RSS {rss} MB (bar 300)\n"
        f"  CPU: ours {ours_cpu:.1f} s, bare {base_cpu:.1f} s, ratio {ours_cpu / base_cpu:.2f}  (bar 1.1)"
        " [the bench itself holds every cell read back to give the bare writer the same cells]"
    )


def bench_notice(service: LedgerService, url: str) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate, Table

    from reports.common import CellMaker
    from reports.fonts import register_cjk_font
    from reports.notice import CELL_SIZE, COLUMNS, WIDTHS, load_notice, notice_rows, render_notice

    year = date.today().year - 1
    rows = service.ledger_rows(
        LedgerQuery(year=year, status=Status.APPROVED, sort="reception_date", descending=False), 0, 1000
    )
    first, last = rows[0].reception_date, rows[-1].reception_date
    notice = load_notice(service, first, last, posted_on=last)
    receptions = notice.receptions[:1000]
    notice = notice.__class__(**{**notice.__dict__, "receptions": receptions})
    ours = median_time(lambda: render_notice(notice), repeat=3)
    font = register_cjk_font()
    cells = [[h for h, _ in COLUMNS], *notice_rows(receptions, CellMaker(CELL_SIZE))]

    def bare() -> None:
        import io

        doc = SimpleDocTemplate(io.BytesIO(), pagesize=landscape(A4))
        table = Table(cells, colWidths=WIDTHS, repeatRows=1)
        table.setStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE)])
        doc.build([table])

    base = median_time(bare, repeat=3)
    print(f"\n== notice PDF of {len(receptions):,} rows ==")
    print(f"  ours {ours:.2f} s, bare reportlab table {base:.2f} s, ratio {ours / base:.2f}  (bar 1.5)")


def bench_import_stage(service: LedgerService, url: str) -> None:
    """Import and check, measured by bench/bench_import.py (its own workbooks of 10k and 100k
    rows, its own empty ledgers on the same engine, two cores and one), run as its own process."""
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    print("\n== import / check (bench/bench_import.py) ==", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_import.py"),
            "--sizes",
            "10000,100000",
            "--engine",
            engine,
        ],
        check=False,
    )


STAGES: dict[str, Callable[[LedgerService, str], None]] = {
    "window": bench_window,
    "queries": bench_queries,
    "targets": bench_targets,
    "verify": bench_verify,
    "export": bench_export,
    "import": bench_import_stage,
    "notice": bench_notice,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--receptions", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--build-only", action="store_true", help="build (or find) the ledgers, measure nothing"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=list(STAGES))
    args = parser.parse_args()
    for count in args.receptions:
        url = build_ledger(args.engine, count)
        if args.build_only:
            continue
        started = time.perf_counter()
        service = LedgerService(Database(url))
        print(f"\n######## {args.engine}, {count:,} receptions ########")
        print(f"  opened (with any migration) in {time.perf_counter() - started:.1f} s")
        for name, run in STAGES.items():
            if name not in args.skip:
                run(service, url)
        service.db.dispose()
    print(
        f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB (bar 300)",
        flush=True,
    )
    os._exit(0)  # PySide6 objects may abort the interpreter's final teardown


if __name__ == "__main__":
    main()
