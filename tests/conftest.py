"""Shared fixtures: a fresh ledger per test, on SQLite by default.

``pg_url`` gives a database of its own on the PostgreSQL server at 127.0.0.1:5432 when
it answers, and skips with the reason when none does (CI sets LEDGER_REQUIRE_POSTGRES=1,
which turns that skip into a failure).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt's own settings (the file dialogs' QtProject.conf) go to a folder of the run, not the home
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ledger-tests-config-")
os.environ.pop("LEDGER_DB", None)
os.environ.pop("LEDGER_USER", None)
os.environ.pop("LEDGER_PASSWORD", None)

from ledger.db import Database
from ledger.records import Bureau, Meal, Person, Reception, Role, User
from ledger.service import LedgerService

PASSWORD = "secret123"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Team:
    admin: User
    clerk: User
    approver: User
    both: User  # clerk and approver at once


def pytest_configure(config: pytest.Config) -> None:
    """The project's modules compiled once, before any test: the suite starts the command line
    in a few hundred subprocesses, and where PYTHONDONTWRITEBYTECODE is set (as on the CI
    machine) each of them would compile every module again (0.3 s of each start)."""
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller did it
        return
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("ledger", "reports", "ui"):
        compileall.compile_dir(root / package, quiet=1)
    compileall.compile_file(root / "main.py", quiet=1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 at its production cost makes every test user take ~0.1 s; tests need no strength."""
    from argon2 import PasswordHasher

    from ledger import auth

    production = auth._hasher
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    auth._hasher = production


@pytest.fixture(scope="session", autouse=True)
def _anchors_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """verify() remembers the history head per ledger; tests keep that out of the user's folder."""
    os.environ["LEDGER_ANCHOR_DIR"] = str(tmp_path_factory.mktemp("anchors"))


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly migrated empty ledger, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "ledger.sqlite3"
    db = Database(f"sqlite:///{path}")
    LedgerService(db)  # seeds the default policy
    db.dispose()
    return path


def copied_ledger(template: Path, folder: Path, name: str = "ledger.sqlite3") -> str:
    """The URL of a copy of the SQLite ledger ``template`` in ``folder``."""
    path = folder / name
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(path)`` run once for the whole run, even across pytest-xdist's workers (a lock
    file in their common folder): for ledgers that take long to fill and that tests only copy."""
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    path = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = shared / f"{name}.partial"
            for left in (partial, *(Path(f"{partial}{end}") for end in ("-wal", "-shm", "-journal"))):
                left.unlink(missing_ok=True)  # what a build that failed half-way left: never a start
            build(partial)
            os.replace(partial, path)
    return path


def _fill_demo(path: Path) -> None:
    from ledger.demo import fill_demo

    db = Database(f"sqlite:///{path}")
    fill_demo(LedgerService(db))
    db.dispose()


@pytest.fixture
def demo_service(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LedgerService]:
    """A copy of the demo ledger of this year and the last (``python main.py demo``), filled
    once for the run: the demo takes half a minute, and several tests read it."""
    template = built_once(tmp_path_factory, f"demo-{date.today().isoformat()}.sqlite3", _fill_demo)
    db = Database(copied_ledger(template, tmp_path))
    yield LedgerService(db)
    db.dispose()


@pytest.fixture
def db_url(tmp_path: Path, _migrated_template: Path) -> str:
    return copied_ledger(_migrated_template, tmp_path)


@pytest.fixture
def service(db_url: str) -> Iterator[LedgerService]:
    db = Database(db_url)
    yield LedgerService(db)
    db.dispose()


def make_team(service: LedgerService) -> Team:
    admin = service.setup(
        Bureau(name="XX县教育局", supervision_phone="0000-12345678"), "admin", "管理员", PASSWORD
    )
    clerk = service.add_user(admin, "li", "李会计", {Role.CLERK}, PASSWORD)
    approver = service.add_user(admin, "zhang", "张副局长", {Role.APPROVER}, PASSWORD)
    both = service.add_user(admin, "wang", "王主任", {Role.CLERK, Role.APPROVER}, PASSWORD)
    return Team(admin, clerk, approver, both)


@pytest.fixture
def team(service: LedgerService) -> Team:
    return make_team(service)


def sample_reception(
    on: date = date(2025, 3, 5),
    *,
    guests: int = 6,
    companions: int = 2,
    amount: str = "300.00",
    unit: str = "市教育局",
    venue_type: str = "机关食堂",
    **changes: object,
) -> Reception:
    """A compliant reception unless the arguments say otherwise."""
    values: dict[str, object] = dict(
        reception_date=on,
        visiting_unit=unit,
        activity="义务教育均衡发展督导检查",
        activity_kind="检查指导",
        letter_no="市教函〔2025〕12号",
        guest_count=guests,
        guests=tuple(Person(f"客人{i}", unit, "科员") for i in range(guests)),
        companion_count=companions,
        companions=tuple(Person(f"陪同{i}", "XX县教育局", "股长") for i in range(companions)),
        meals=(Meal(on, "lunch", "局机关食堂", venue_type, guests + companions, Decimal(amount)),),
    )
    values.update(changes)
    return Reception(**values)  # type: ignore[arg-type]


def _postgres_admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    from sqlalchemy import text

    try:
        engine = _postgres_admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server answers
        reason = f"no PostgreSQL server answers at 127.0.0.1:5432 ({type(exc).__name__})"
        if os.environ.get("LEDGER_REQUIRE_POSTGRES"):
            pytest.fail(reason + "; LEDGER_REQUIRE_POSTGRES is set")
        pytest.skip(reason)
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test, dropped afterwards."""
    with new_pg_database() as url:
        yield url


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without the interpreter's final teardown once everything is reported.

    PySide6 objects destroyed by the last garbage collection at interpreter exit sometimes abort
    the process ("Fatal Python error: bool_dealloc") after every test has passed, turning a green
    run red. The results are printed by now; the exit status is pytest's own.
    """
    if _EXIT_STATUS and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])


def downgrade_ledger(url: str, revision: str) -> None:
    """Turn the ledger at ``url`` into one of an earlier schema (as an older program left it)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from ledger.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
    engine.dispose()


# ---------------------------------------------------------------------------- two desks on one ledger
@pytest.fixture(params=["sqlite", "postgresql"])
def two_desks(request: pytest.FixtureRequest, db_url: str) -> tuple[LedgerService, LedgerService, Team]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    importer, other = LedgerService(Database(url)), LedgerService(Database(url))
    request.addfinalizer(importer.db.dispose)
    request.addfinalizer(other.db.dispose)
    return importer, other, make_team(importer)


def once(action: Callable[[], None]) -> Callable[[int, int], bool]:
    """A progress callback that does ``action`` (another desk's work) after the first batch is
    checked, in a thread that must finish within 20 s: a desk kept waiting by the import (for
    the 30 s of the lock timeout) fails."""
    done: list[bool] = []

    def progress(checked: int, total: int) -> bool:
        if not done:
            done.append(True)
            errors: list[BaseException] = []

            def work() -> None:
                try:
                    action()
                except BaseException as exc:  # reported below
                    errors.append(exc)

            worker = threading.Thread(target=work)
            worker.start()
            worker.join(20)
            assert not worker.is_alive(), "the other desk was kept waiting while the import checked its rows"
            assert not errors, errors
        return True

    return progress


