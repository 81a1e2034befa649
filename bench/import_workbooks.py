"""Template workbooks of any size for the import benchmark (bench/bench_import.py).

Written once with openpyxl write-only, as the ledger's own export writes them (dates as date
cells, money as numbers with a money format, text as text), and cached in bench/.cache/.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
GUESTS = ("王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽")


def template_rows(count: int, first: int = 0) -> list[list[object]]:
    """``count`` data rows in the template's column order (reports.template.HEADERS)."""
    from reports.template import HEADERS

    rng = random.Random(15 + first)
    start = date(date.today().year - 1, 1, 1)
    out = []
    for i in range(first, first + count):
        # date and visiting unit unique per row, so that no row is refused as a duplicate
        on = start + timedelta(days=i % 600)
        unit = UNITS[(i // 600) % 25] + (f"第{i // 15000}组" if i >= 15000 else "")
        guests = rng.randint(1, 8)
        companions = rng.randint(0, 4)
        venue, venue_type = rng.choice(VENUES)
        values = {
            "接待日期": on,
            "来访单位": unit,
            "公务活动": f"督导检查第{i}批",
            "公函文号": f"市教函〔{on.year}〕{i}号" if rng.random() > 0.05 else None,
            "接待对象人数": guests,
            "接待对象名单": "、".join(rng.sample(GUESTS, min(guests, 3))),
            "陪餐人数": companions,
            "陪餐人员名单": "、".join(rng.sample(GUESTS, min(companions, 2))) or None,
            "就餐场所": venue,
            "场所类型": venue_type,
            "餐费": rng.randint(20, 60) * (guests + companions),
            "住宿费": rng.choice((0, 0, 300, 450)),
            "交通费": rng.choice((0, 0, 120)),
            "其他费用": None,
            "烟酒费": 0,
            "礼品": None,
            "涉密": "否",
            "经办人": "李会计",
            "审核人": "张副局长",
            "审核日期": on + timedelta(days=2),
            "备注": "按标准就餐" if rng.random() < 0.3 else None,
            "电话记录": None,
            "情况说明": None,
        }
        out.append([values.get(h) for h in HEADERS])
    return out


def template_workbook(count: int) -> Path:
    """bench/.cache/import-{count}.xlsx, built on first use."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from reports.template import HEADERS

    path = CACHE / f"import-{count}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"building {path.name} ({count:,} rows) ...", flush=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(list(HEADERS))
    money = {HEADERS.index(h) for h in ("餐费", "住宿费", "交通费", "其他费用", "烟酒费", "礼品")}
    date_cell = WriteOnlyCell(sheet, date(2000, 1, 1))
    date_cell.number_format = "yyyy-mm-dd"
    money_cell = WriteOnlyCell(sheet, 0)
    money_cell.number_format = "#,##0.00"
    date_style, money_style = date_cell._style, money_cell._style
    step = 100_000
    for first in range(0, count, step):
        for values in template_rows(min(step, count - first), first):
            cells = []
            for i, v in enumerate(values):
                c = WriteOnlyCell(sheet, v)
                if isinstance(v, date):
                    c._style = date_style
                elif i in money and v is not None:
                    c._style = money_style
                cells.append(c)
            sheet.append(cells)
    temp = path.with_suffix(".tmp")
    book.save(temp)
    temp.rename(path)
    return path


def template_in(kind: str, count: int) -> Path:
    """The same workbook as .xlsb (written by tests/formats.py's record writer), or as .ods or
    .xls (converted by LibreOffice, as a bureau's WPS or LibreOffice saves it; an .xls holds at
    most 65,535 rows below its header), cached beside it."""
    import shutil
    import subprocess
    import sys
    import tempfile

    source = template_workbook(count)
    path = CACHE / f"import-{count}.{kind}"
    if path.exists() and path.stat().st_mtime >= source.stat().st_mtime:
        return path
    print(f"building {path.name} ...", flush=True)
    if kind in ("ods", "xls"):
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office is None:
            raise SystemExit(f"LibreOffice is needed to write the .{kind} (apt-get install libreoffice-calc-nogui)")
        if kind == "xls" and count > 65_535:
            raise SystemExit("an .xls holds at most 65,536 rows: --sizes 65535 or fewer for --formats xls")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [office, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to",
                 "ods" if kind == "ods" else "xls:MS Excel 97", "--outdir", tmp, str(source)],
                check=True, capture_output=True,
            )
            shutil.move(Path(tmp) / f"import-{count}.{kind}", path)
    elif kind == "xlsb":  # in a process of its own: the rows are held to be written
        code = (
            "import sys; sys.path.insert(0, sys.argv[1])\n"
            "from pathlib import Path\n"
            "from bench.import_workbooks import template_rows\n"
            "from reports.template import HEADERS\n"
            "from tests.formats import write_xlsb\n"
            "rows = {n: {h: v for h, v in zip(HEADERS, values) if v is not None}\n"
            "        for n, values in enumerate(template_rows(int(sys.argv[2])), 2)}\n"
            "write_xlsb(Path(sys.argv[3]), list(HEADERS), rows)\n"
        )
        subprocess.run([sys.executable, "-c", code, str(ROOT), str(count), str(path)], check=True)
    else:
        raise ValueError(kind)
    return path
