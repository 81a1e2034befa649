"""Benchmark of the supervision figures at 100,000 receptions in one year. Prints figures.

    .venv/bin/python bench/bench_supervision.py [--receptions 100000] [--year 2025]

The first run builds bench/.cache/supervision-<n>.sqlite3: <n> receptions in one year (via a
historical import, then dated like a real ledger: entered 0-20 days after the reception,
approved a day later, posted 0-9 days after that, 3 % paid in cash, 1 % sharing a letter).
Then it times, cold (no cache), the year's warnings (``ledger.risks.year_risks``), the
disclosure and one rollup row, each the median of 3 runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import text  # noqa: E402

from bench.bench_ledger import fake_reception  # noqa: E402
from ledger.db import Database  # noqa: E402
from ledger.disclosure import year_disclosure  # noqa: E402
from ledger.records import ImportRow, Role  # noqa: E402
from ledger.risks import counts, params_for, year_risks  # noqa: E402
from ledger.rollup import bureau_figures  # noqa: E402
from ledger.service import LedgerService  # noqa: E402
from ledger.workdays import WorkCalendar  # noqa: E402

CACHE = ROOT / "bench" / ".cache"


def median_time(work: Callable[[], object], repeat: int = 3) -> str:
    """Median wall time and median CPU time of this process (the CPU figure is what the work
    costs when other programs share the machine), in ms."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return f"{statistics.median(wall) * 1000:7.0f} ms wall, {statistics.median(cpu) * 1000:7.0f} ms CPU"


def build(count: int, year: int) -> str:
    path = CACHE / f"supervision-{count}-{year}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"building {count:,} receptions of {year} in {path} ...", flush=True)
    service = LedgerService(Database(url))
    admin = service.add_user(None, "bench", "基准", {Role.ADMIN, Role.CLERK, Role.APPROVER}, "bench-password")
    rng = random.Random(11)
    batch: list[ImportRow] = []
    for i in range(count):
        on = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        batch.append(ImportRow(i + 2, fake_reception(rng, on, i), approved_by="张副局长", approved_on=on))
        if len(batch) == 5000:
            service.import_rows(admin, batch, historical=True, allow_duplicates=True)
            batch = []
    if batch:
        service.import_rows(admin, batch, historical=True, allow_duplicates=True)
    with service.db.write() as s:
        rows = s.execute(text("SELECT id, reception_date FROM receptions")).all()
        updates = []
        for rid, day in rows:
            on = day if isinstance(day, date) else date.fromisoformat(str(day))
            created = on + timedelta(days=rng.randint(0, 20))
            approved = created + timedelta(days=1)
            posted = approved + timedelta(days=rng.randint(0, 9))
            updates.append(
                {
                    "i": rid,
                    "c": f"{created} 10:00:00",
                    "a": f"{approved} 11:00:00",
                    "p": str(posted),
                    "pay": "现金" if rng.random() < 0.03 else "公务卡",
                    "letter": "市教函〔2025〕1号" if rng.random() < 0.01 else None,
                }
            )
        s.execute(
            text(
                "UPDATE receptions SET created_at = :c, approved_at = :a, posted_on = :p, payment_method = :pay,"
                " letter_no = COALESCE(:letter, letter_no) WHERE id = :i"
            ),
            updates,
        )
    service.db.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receptions", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    url = build(args.receptions, args.year)
    db = Database(url)
    service = LedgerService(db)
    params = params_for(service.policies(), args.year)
    calendar = WorkCalendar()
    today = date(args.year + 1, 3, 1)
    with db.read() as s:
        n = s.scalar(text("SELECT count(*) FROM receptions"))
    print(f"\n== supervision at {n:,} receptions in {args.year} (SQLite) ==")

    found: list[object] = []

    def risks() -> None:
        with db.read() as s:
            found[:] = year_risks(s, args.year, params, calendar, today)

    print(f"year's warnings (all codes), cold: {median_time(risks)}")
    print("  occurrences by code:", counts(found))  # type: ignore[arg-type]

    def disclosure() -> None:
        with db.read() as s:
            year_disclosure(s, args.year)

    print(f"disclosure figures:               {median_time(disclosure)}")
    service.clock = lambda: datetime.combine(today, dtime(12))
    service.risks(args.year)
    print(f"service.risks again (cached):     {median_time(lambda: service.risks(args.year))}")
    print(f"one rollup row (read-only open):  {median_time(lambda: bureau_figures(url, args.year, today))}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
