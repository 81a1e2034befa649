"""Benchmarks for the quality bars of SPEC §8. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_ledger.py [--receptions 100000] [--rows 10000]

The first run builds a ledger of 100,000 approved receptions over two years in
bench/.cache/ (a few minutes; reused afterwards). Each figure is the median of several
runs. Ratios compare against the bare library doing the same work:
- export: ours / openpyxl write-only writing the same cells (bar: <= 1.3);
- import: ours (read + check + store) / openpyxl read-only reading the same workbook (bar: <= 2);
- notice: ours / a bare reportlab table of the same cells (bar: <= 1.5).
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
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ledger.db import Database  # noqa: E402
from ledger.records import ImportRow, LedgerQuery, Meal, Person, Reception, Role, Status  # noqa: E402
from ledger.service import LedgerService  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
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


def build_ledger(count: int) -> str:
    path = CACHE / f"ledger-{count}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"building a ledger of {count:,} receptions in {path} ...", flush=True)
    service = LedgerService(Database(url))
    admin = service.add_user(None, "bench", "基准", {Role.ADMIN, Role.CLERK, Role.APPROVER}, "bench-password")
    rng = random.Random(7)
    this_year = date.today().year
    start = date(this_year - 1, 1, 1)
    span = (date.today() - start).days
    batch: list[ImportRow] = []
    for i in range(count):
        on = start + timedelta(days=rng.randint(0, span))
        batch.append(ImportRow(i + 2, fake_reception(rng, on, i), approved_by="张副局长", approved_on=on))
        if len(batch) == 5000:
            service.import_rows(admin, batch, historical=True, allow_duplicates=True)
            batch = []
    if batch:
        service.import_rows(admin, batch, historical=True, allow_duplicates=True)
    service.db.dispose()
    return url


def bench_queries(service: LedgerService) -> None:
    from ledger.targets import dashboard_figures, year_figures

    year = date.today().year
    print("\n== ledger view queries (100 rows page + count/total), ms ==")
    cases = {
        "open: newest first": LedgerQuery(),
        "sort by total": LedgerQuery(sort="total"),
        "sort by visiting unit asc": LedgerQuery(sort="visiting_unit", descending=False),
        "sort by per person": LedgerQuery(sort="per_person"),
        "sort by meal per person": LedgerQuery(sort="meal_per_person"),
        "filter year+month": LedgerQuery(year=year, month=3),
        "filter breaches": LedgerQuery(compliance="breach"),
        "filter status approved": LedgerQuery(status=Status.APPROVED),
        "search text": LedgerQuery(text="教研院"),
        "page at row 50,000": LedgerQuery(sort="total"),
    }
    for name, query in cases.items():
        offset = 50_000 if "50,000" in name else 0

        def work(query: LedgerQuery = query, offset: int = offset) -> None:
            service.ledger_rows(query, offset, 100)
            service.count_and_total(query)

        print(f"  {name:28s} {median_time(work) * 1000:8.1f}  (bar 150)")
    print("\n== targets, ms ==")
    print(
        f"  year_figures                 {median_time(lambda: year_figures(service, year)) * 1000:8.1f}  (bar 100)"
    )
    print(
        f"  dashboard_figures            {median_time(lambda: dashboard_figures(service, year)) * 1000:8.1f}"
    )


def bench_window(url: str) -> None:
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
assert model.rowCount() > 0
print(f'{{time.perf_counter() - start:.3f}}')
import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, flush=True)
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
    print(f"  process start to usable window {statistics.median(runs):6.2f} s  (bar 1.5)  peak RSS {rss} MB")


def bench_export(service: LedgerService) -> None:
    from openpyxl import Workbook, load_workbook

    from reports.workbook import export_year

    year = date.today().year - 1
    with tempfile.TemporaryDirectory() as tmp:
        ours_path = Path(tmp) / "ours.xlsx"
        ours = median_time(lambda: export_year(service, year, ours_path), repeat=3)
        book = load_workbook(ours_path, read_only=True)
        # the same cells: values and their number formats (money #,##0.00, dates)
        sheets = {
            ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
            for ws in book.worksheets
        }
        cells = sum(len(r) for rows in sheets.values() for r in rows)

        def bare() -> None:
            from openpyxl.cell import WriteOnlyCell

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

        base = median_time(bare, repeat=3)
    print(f"\n== export a year ({len(sheets['台账']) - 1:,} receptions, {cells:,} cells) ==")
    print(f"  ours {ours:.2f} s, bare openpyxl write-only {base:.2f} s, ratio {ours / base:.2f}  (bar 1.3)")


def bench_import(service: LedgerService, rows: int) -> None:
    from openpyxl import load_workbook

    from reports.template import stream_import
    from reports.workbook import export_year

    year = date.today().year - 1
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.xlsx"
        export_year(service, year, full)
        # the first `rows` rows of the 台账 sheet, as a template workbook
        from openpyxl import Workbook

        source = load_workbook(full, read_only=True)["台账"]
        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        for i, values in enumerate(source.iter_rows(values_only=True)):
            if i > rows:
                break
            sheet.append(values)
        path = Path(tmp) / "import.xlsx"
        book.save(path)

        def bare() -> None:
            wb = load_workbook(path, read_only=True)
            for _ in wb.worksheets[0].iter_rows(values_only=True):
                pass
            wb.close()

        base = median_time(bare, repeat=3)
        times = []
        for n in range(3):
            target = LedgerService(Database(f"sqlite:///{Path(tmp) / f'empty{n}.sqlite3'}"))
            clerk = target.add_user(None, "bench", "", {Role.ADMIN, Role.CLERK}, "bench-password")
            start = time.perf_counter()
            target.import_rows(clerk, stream_import(path), historical=True)
            times.append(time.perf_counter() - start)
            target.db.dispose()
        ours = statistics.median(times)

        def check() -> None:
            import contextlib
            import io

            from ui.cli import run

            with contextlib.redirect_stdout(io.StringIO()):
                run(["check", str(path), "--json"])

        checked = median_time(check, repeat=3)
    print(f"\n== import {rows:,} rows (read in a second process; check, store with history) ==")
    print(f"  ours {ours:.2f} s, bare openpyxl read-only {base:.2f} s, ratio {ours / base:.2f}  (bar 2.0)")
    print(f"  check (read, normalise, validate, policy) {checked:.2f} s, ratio {checked / base:.2f}")


def bench_notice(service: LedgerService) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--receptions", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the import benchmark")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["queries", "window", "export", "import", "notice"]
    )
    args = parser.parse_args()
    url = build_ledger(args.receptions)
    service = LedgerService(Database(url))
    print(f"ledger: {service.count_and_total(LedgerQuery())[0]:,} receptions")
    for name, run in (
        ("queries", lambda: bench_queries(service)),
        ("window", lambda: bench_window(url)),
        ("export", lambda: bench_export(service)),
        ("import", lambda: bench_import(service, args.rows)),
        ("notice", lambda: bench_notice(service)),
    ):
        if name not in args.skip:
            run()
    print(
        f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB (bar 400)"
    )


if __name__ == "__main__":
    main()
