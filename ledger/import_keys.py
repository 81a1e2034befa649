"""What an import remembers of a file's rows and the ledger's numbers, in bounded memory:
``FileDuplicates`` (the rows seen, to refuse one that repeats an earlier row: date, visiting
unit and total) in a temporary SQLite file, and ``TakenRefs`` (the numbers taken) as a bitmap
per year. Used by ``ledger.importing`` and by ``check`` on the command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date

from ledger.i18n import tr
from ledger.mapping import ref
from ledger.money import to_fen
from ledger.records import Reception
from ledger.text import person_key


def duplicate_message(row: int) -> str:
    return tr("与本表第 {row} 行重复（日期、来访单位、金额相同）").format(row=row)


RENUMBERED_NAMED = 3  # rows stored under another 编号 than they carry, named in what the clerk is told


def renumbered_message(count: int, named: list[tuple[int, str, str]]) -> str:
    """What the clerk is told of the ``count`` rows stored under another 编号 than they carry (the
    number was taken, is not of the reception's year, or not one the ledger gives: JD-2025-00007,
    JD-2025-99999 beyond the year's numbering): the first (row, carried, given) named.
    Their paper vouchers carry the number the file gave."""
    rows = tr("；").join(
        tr("第 {row} 行 {written} → {given}").format(row=row, written=written, given=given)
        for row, written, given in named
    )
    return tr(
        "{k} 行填写的编号不能沿用（已被占用、不是该接待年度的编号，或不是账本给出的编号），已另给编号：{named}{more}。"
        "纸质单据上的编号请相应更正。"
    ).format(k=count, named=rows, more=tr("等") if count > len(named) else "")


def duplicate_key(day: date, unit: str, total_fen: int) -> tuple[int, str, int]:
    """What makes two rows the same reception (``FileDuplicates``): date, visiting unit, total."""
    return day.toordinal(), person_key(unit), total_fen


class FileDuplicates:
    """The rows of one file that are the same reception twice: the same date, visiting unit and
    total — unless both carry a 编号 and the numbers differ (an exported ledger's two receptions
    of one unit on one day for the same amount are two receptions). ``import`` refuses such a
    row and ``check`` reports it, with the same words.

    The rows seen are kept in a temporary SQLite database (a file the library removes when it is
    closed), not in dictionaries: a million rows' keys held as Python objects took about 400 MB;
    here the memory is the page cache's few megabytes at any size. A bitmap of the keys' hashes
    (2 MB) answers most rows without asking that database — a key whose bit is not set was never
    seen — and the rows seen are written to it a thousand at a time, before it is asked."""

    _BITS = 1 << 24  # a million keys set about one bit in sixteen: 94 % of new keys are answered here
    _FLUSH = 1000

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False)  # "": a temporary file
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -8192")  # KiB
        self._db.execute("CREATE TABLE seen (day INTEGER, unit TEXT, fen INTEGER, row INTEGER, ref TEXT)")
        self._db.execute("CREATE INDEX seen_key ON seen (day, unit, fen)")
        self._hashes = bytearray(self._BITS >> 3)
        self._pending: list[tuple[int, str, int, int, str]] = []
        self._last: Reception | None = None
        self._last_key = (0, "", 0)

    def _key(self, r: Reception) -> tuple[int, str, int]:
        if r is not self._last:  # add() follows earlier() with the same reception
            self._last = r
            self._last_key = duplicate_key(r.reception_date, r.visiting_unit, to_fen(r.total))
        return self._last_key

    def earlier(self, r: Reception) -> int | None:
        """The row this reception repeats, or None."""
        return self.earlier_at(self._key(r), r.ref)

    def add(self, r: Reception, row: int) -> None:
        self.add_at(self._key(r), r.ref, row)

    def earlier_at(self, key: tuple[int, str, int], number: str) -> int | None:
        """The row that repeats a reception of this ``duplicate_key`` carrying this 编号, or None."""
        bit = hash(key) & (self._BITS - 1)
        if not self._hashes[bit >> 3] & (1 << (bit & 7)):
            return None  # never seen
        self._flush()
        found = self._db.execute("SELECT row, ref FROM seen WHERE day = ? AND unit = ? AND fen = ? ORDER BY rowid", key)
        for row, ref_no in found:
            if not (number and ref_no and number != ref_no):
                return int(row)
        return None

    def add_at(self, key: tuple[int, str, int], number: str, row: int) -> None:
        bit = hash(key) & (self._BITS - 1)
        self._hashes[bit >> 3] |= 1 << (bit & 7)
        self._pending.append((*key, row, number))
        if len(self._pending) >= self._FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?, ?)", self._pending)
            self._pending.clear()

    def __del__(self) -> None:
        self._db.close()  # the temporary file goes with it


class TakenRefs:
    """The numbers taken in the ledger or given by this import: a number as the ledger writes it
    (``JD-2025-0007``) is one bit of its year's bitmap, any other text is kept in a set. A
    million numbers take about 125 KB instead of some 100 MB of strings."""

    _MAX_SEQ = 10_000_000  # beyond (a typed JD-2025-99999999): in the set, not a 1 MB bitmap

    def __init__(self) -> None:
        self._bits: dict[int, bytearray] = {}
        self._other: set[str] = set()

    @classmethod
    def place_of(cls, text: str) -> tuple[int, int] | None:
        """(year, sequence) of a number as the ledger writes it (JD-2025-0007), else None."""
        parts = text.split("-")
        if len(parts) != 3 or parts[0] != "JD" or not parts[1].isdigit() or not parts[2].isdigit():
            return None
        year, seq = int(parts[1]), int(parts[2])
        return (year, seq) if seq <= cls._MAX_SEQ and ref(year, seq) == text else None

    def add(self, text: str) -> None:
        place = self.place_of(text)
        if place is None:
            self._other.add(text)
            return
        bits = self._bits.setdefault(place[0], bytearray())
        byte = place[1] >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits) + 4096))
        bits[byte] |= 1 << (place[1] & 7)

    def update(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.add(text)

    def holds(self, year: int, seq: int) -> bool:
        """Whether ``ref(year, seq)`` is taken (told without writing the number out and
        reading it back: the import asks for every number it gives)."""
        if not 0 <= seq <= self._MAX_SEQ:
            return ref(year, seq) in self._other
        bits = self._bits.get(year)
        byte = seq >> 3
        return bits is not None and byte < len(bits) and bool(bits[byte] & (1 << (seq & 7)))

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        place = self.place_of(text)
        if place is None:
            return text in self._other
        bits = self._bits.get(place[0])
        byte = place[1] >> 3
        return bits is not None and byte < len(bits) and bool(bits[byte] & (1 << (place[1] & 7)))
