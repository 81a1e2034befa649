"""tests.conftest.built_once: a build that failed half-way is never the start of the next."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import built_once


def test_a_build_that_failed_half_way_leaves_nothing_the_next_build_starts_from(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    calls: list[Path] = []

    def build(path: Path) -> None:
        calls.append(path)
        with sqlite3.connect(path) as c:
            c.execute("CREATE TABLE IF NOT EXISTS receptions (n)")
            c.execute("INSERT INTO receptions VALUES (1)")
        c.close()
        if len(calls) == 1:
            raise RuntimeError("killed half-way (a worker's KeyboardInterrupt, a failing fill)")

    with pytest.raises(RuntimeError):
        built_once(tmp_path_factory, "review-half-built.sqlite3", build)
    path = built_once(tmp_path_factory, "review-half-built.sqlite3", build)  # the next test, or another worker
    with sqlite3.connect(path) as c:
        count = c.execute("SELECT count(*) FROM receptions").fetchone()[0]
    c.close()
    assert count == 1, "the second build went on from the first one's half-built file"
