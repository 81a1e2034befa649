"""The history's two writers of canonical JSON write the same text: orjson's (``canonical_plain``,
for snapshots) and the standard library's (``canonical``). A byte of difference would make
``verify`` call every stored entry tampered with."""

import json

from hypothesis import given
from hypothesis import strategies as st

from ledger.history import canonical, canonical_plain
from tests.conftest import sample_reception

# what a snapshot is made of: text of any character (lone surrogates too), integers of any size,
# booleans, None, lists and dicts with text keys
plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(plain)
def test_the_same_text_for_every_plain_value(value: object) -> None:
    assert canonical_plain(value) == canonical(value)


def test_characters_that_need_escaping_are_escaped_alike() -> None:
    every = "".join(chr(c) for c in range(0x800)) + "\u2028\u2029\ufeff\U0001f600"
    value = {every: [every, "\ud800", 2**64, -(2**63)], "b": {"\x00": "\x7f"}}
    assert canonical_plain(value) == canonical(value)
    assert json.loads(canonical_plain(value)) == value


def test_a_reception_snapshot_is_written_alike() -> None:
    snapshot = sample_reception(unit="某县\u200b教育局", explanations={"companions_over_cap": "临时\n增加"}).snapshot()
    assert canonical_plain(snapshot) == canonical(snapshot)


@given(st.datetimes(timezones=st.none() | st.timezones()))
def test_a_time_is_hashed_and_kept_to_the_second_as_before(moment: object) -> None:
    """An entry's time and a snapshot's times are written to the second without making a new
    datetime (``isoformat(timespec="seconds")``): the text the ledgers written before hold."""
    from datetime import datetime

    from ledger.history import _hash_of
    from ledger.records import _moment_text

    assert isinstance(moment, datetime)
    before = moment.replace(microsecond=0).isoformat()
    assert _moment_text(moment) == before
    fields = ("alice", "import", "reception", 7, "JD-2025-0001", "第 2 行", "", "{}", "")
    assert _hash_of("0" * 64, moment, *fields) == _hash_of("0" * 64, before, *fields)
