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
