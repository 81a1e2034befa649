"""The rows of a ``check`` or ``import`` report (SPEC §5), printed in bounded memory.

Each row is rendered as it is judged into a spooled temporary file and the report is printed
once the whole file is read (for ``import``: committed); the JSON text is exactly what
``json.dumps(report, ensure_ascii=False, indent=2)`` gives, built around the C string encoder.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from ledger.db import polled
from ledger.i18n import tr


def json_text(value: Any, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` for dicts, lists, text, integers, None
    and booleans, with the text quoted by the C encoder (the pure-Python indenting encoder
    costs more than checking a row)."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        inner = ",".join(f"{pad}{_quote(k)}: {json_text(v, level + 1)}" for k, v in value.items())
        return "{" + inner + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        inner = ",".join(pad + json_text(v, level + 1) for v in value)
        return "[" + inner + "\n" + "  " * level + "]"
    return json.dumps(value)


_quote = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring


def _texts(items: list[dict[str, str]]) -> str:
    """``json_text(items, 3)`` for a row's breaches or errors (dicts of text), written out."""
    if not items:
        return "[]"
    return (
        "["
        + ",".join(
            "\n        {" + ",".join([f"\n          {_quote(k)}: {_quote(v)}" for k, v in item.items()]) + "\n        }"
            for item in items
        )
        + "\n      ]"
    )


class Report:
    """The rows of a ``check`` or ``import`` report, rendered as they come into a spooled
    temporary file (memory stays bounded however many rows), printed once all is done, so a
    file that fails half-way prints nothing but its one-line error."""

    def __init__(self, *, as_json: bool, imported: bool) -> None:
        import tempfile

        self.as_json = as_json
        self.imported = imported
        self.spool = tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+", encoding="utf-8")
        self.summary = {"rows": 0, "compliant": 0, "with_violations": 0, "with_errors": 0}

    def add(self, row: int, ref: str | None, violations: Sequence[Any], errors: Sequence[Any]) -> None:
        """One row's verdict: its worksheet row, its 编号, its breaches and its errors."""
        s = self.summary
        if self.as_json:
            # json_text of the row's dict, written out (the usual row, with nothing to say, is
            # most of a report: this costs a tenth of rendering it as a dict)
            self._write(
                ("," if s["rows"] else "")
                + f'\n    {{\n      "row": {row},\n      "ref": {"null" if ref is None else _quote(ref)},'
                + f'\n      "violations": {_texts([v.to_json() for v in violations])},'
                + f'\n      "errors": {_texts([e.to_json() for e in errors])}\n    }}'
            )
        else:
            whole = {
                "row": row,
                "ref": ref,
                "violations": [v.to_json() for v in violations],
                "errors": [e.to_json() for e in errors],
            }
            self._write("".join(line + "\n" for line in row_lines(whole, imported=self.imported)))
        s["rows"] += 1
        if errors:
            s["with_errors"] += 1
        elif violations:
            s["with_violations"] += 1
        else:
            s["compliant"] += 1

    def _write(self, text: str) -> None:
        try:
            self.spool.write(text)  # (past 16 MB, into a file of the temporary folder)
        except OSError as exc:
            from ledger.spool import DISK_FULL, temp_folder_full

            if exc.errno not in DISK_FULL:
                raise
            with contextlib.suppress(OSError):  # (its buffer is not written again when it is collected)
                self.spool.close()
            raise temp_folder_full() from None

    def print(self, summary: dict[str, int], last_line: str) -> None:
        self.spool.seek(0)
        out = sys.stdout
        if self.as_json:
            out.write('{\n  "rows": [' if summary["rows"] else '{\n  "rows": []')
        while block := self.spool.read(1 << 20):
            out.write(block)
        if self.as_json:
            out.write(
                ("\n  ]" if summary["rows"] else "") + ',\n  "summary": ' + json_text(summary, 1) + "\n}\n"
            )
        else:
            out.write(last_line + "\n")
        self.spool.close()


def row_lines(r: dict[str, Any], *, imported: bool) -> list[str]:
    head = tr("第 {row} 行").format(row=r["row"]) + (f"  {r['ref']}" if r["ref"] else "")
    if r["errors"]:
        return [f"{head}  {tr('错误')}  [{e['column']}] {e['message']}" for e in r["errors"]]
    if r["violations"]:
        lines = []
        for v in r["violations"]:
            excess = tr("，超标金额 {x} 元").format(x=v["excess"]) if v["excess"] != "0.00" else ""
            lines.append(f"{head}  {tr('违规')}  {v['message']}{excess}")
        return lines
    return [f"{head}  {tr('已导入，合规') if imported else tr('合规')}"]


WAIT_TOLD_EVERY = 10.0  # seconds between two lines while an import waits for another desk


def login_waiting(busy: Callable[[], bool], doing: Callable[[], str]) -> Callable[[], bool]:
    """The command line's login while another desk writes (an import): the password is judged
    once that desk is done (a wrong one must be counted first, so that no guess is answered
    uncounted), said on stderr with what that desk does, again every WAIT_TOLD_EVERY seconds;
    Ctrl-C stops."""

    def wait() -> bool:
        told = [-WAIT_TOLD_EVERY]

        def meanwhile() -> None:
            if time.monotonic() - told[0] >= WAIT_TOLD_EVERY:
                told[0] = time.monotonic()
                note = doing()
                line = tr("账本正由另一处写入（如导入），登录在其完成后进行（Ctrl-C 中止）")
                print(line + (f"：{note}" if note else ""), file=sys.stderr, flush=True)

        return polled(busy, meanwhile)

    return wait


def told_while_waiting() -> Callable[[str], bool]:
    """``import_rows(waiting=...)`` for the command line: the checked rows wait for another
    desk's import to be stored (a colleague's, begun while these were checked), said on stderr
    with what that desk says it does, again every WAIT_TOLD_EVERY seconds; Ctrl-C stops."""
    told = [-WAIT_TOLD_EVERY]

    def waiting(doing: str) -> bool:
        if time.monotonic() - told[0] >= WAIT_TOLD_EVERY:
            told[0] = time.monotonic()
            line = tr("账本正由另一处写入（如导入），检查完毕的各行在其完成后写入（Ctrl-C 中止，不写入）")
            print(line + (f"：{doing}" if doing else ""), file=sys.stderr, flush=True)
        return True

    return waiting
