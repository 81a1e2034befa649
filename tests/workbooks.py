"""Build import-template workbooks for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from reports.template import HEADERS


def write_template(path: Path, rows: list[dict[str, Any]], headers: tuple[str, ...] = HEADERS) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def good_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "接待日期": "2025-03-05",
        "来访单位": "市教育局",
        "公务活动": "督导检查",
        "公函文号": "市教函〔2025〕12号",
        "接待对象人数": 6,
        "接待对象名单": "王伟、李娜",
        "陪餐人数": 2,
        "就餐场所": "局机关食堂",
        "场所类型": "机关食堂",
        "餐费": 300,
    }
    row.update(changes)
    return row


def template_workbook(path: Path, count: int) -> Path:
    """A template workbook of ``count`` varied receptions (the bench's rows), streamed to disk."""
    from bench.import_workbooks import template_rows

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(list(HEADERS))
    for row in template_rows(count):
        sheet.append(row)
    book.save(path)
    return path
