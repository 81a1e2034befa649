"""Attack on 30 Nov 2026's changes: the .xls reader, the import's indexes set aside on SQLite,
the reading process's batches parsed by either process.

Each test is a defect an attacker demonstrated, written as what the user should see, and kept
so that it stays mended.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from ledger.models import build_indexes, set_aside_indexes


def _indexes(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return sorted(c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
    finally:
        engine.dispose()


def test_an_index_added_by_hand_with_a_quote_in_its_name_is_set_aside_and_built_again(db_url: str) -> None:
    """An index someone added to the receptions by hand, named with a double quote: the import
    that sets the indexes aside dropped it with 'DROP INDEX "my"ix"', a syntax error, and no
    large import into an empty ledger could be made (a traceback)."""
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.exec_driver_sql('CREATE INDEX "my""ix" ON receptions (remarks)')
    before = _indexes(db_url)
    with engine.begin() as c:
        statements = set_aside_indexes(c, 1000)
        assert statements
        names = {name for name, in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert 'my"ix' not in names
        build_indexes(c, statements)
    engine.dispose()
    assert _indexes(db_url) == before


def test_a_unique_index_added_by_hand_is_not_set_aside(db_url: str) -> None:
    """ledger/models.py says the unique indexes are never set aside: one added by hand (a bureau
    refusing two receptions of one unit, day and activity) was dropped, so an import broke it
    only at the rebuilding, after every row was stored; it must refuse at the row, as a smaller
    import does."""
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE UNIQUE INDEX ux_hand ON receptions (visiting_unit, reception_date, activity)")
    with engine.begin() as c:
        statements = set_aside_indexes(c, 1000)
        names = {name for name, in c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "ux_hand" in names
        assert not any("ux_hand" in sql for sql in statements)
        build_indexes(c, statements)
    engine.dispose()
    assert Path(db_url.removeprefix("sqlite:///")).exists()
