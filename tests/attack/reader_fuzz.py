"""Differential fuzzer for the .xlsx fast path (not collected by pytest; see
tests/attack/test_reader_fuzz_attack.py for what it found).

    PYTHONPATH=$PWD python tests/attack/reader_fuzz.py FIRST_SEED COUNT [MEMO_CELLS]

Writes sheets by hand (prefixes, odd closing tags, comments/PIs between and in rows, chunk-spanning
padding, styles, shared strings, entities, _xHHHH_ escapes) and compares reports.sheets.open_workbook
(new fast path), the fast path of 4412e99 (git show) and the expat reference. A file where new
differs from expat but old does not is a REGRESSION. FAKE=0 leaves out row tags inside comments
and instructions (the regression found), to look for others.
"""

import importlib.util
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
import subprocess
import tempfile

from reports import xlsx_scan
from reports.sheets import open_workbook
from reports.xlsx_reader import TemplateError, Workbook
from tests.hostile import _package

_OLD = Path(tempfile.gettempdir()) / "old_xlsx_scan_4412e99.py"
if not _OLD.exists():
    _OLD.write_bytes(
        subprocess.run(
            ["git", "show", "4412e99:reports/xlsx_scan.py"], capture_output=True, check=True
        ).stdout
    )
spec = importlib.util.spec_from_file_location("old_scan", _OLD)
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>'
)


def col(i):
    s = ""
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


WORDS = [
    "a",
    "市教育局",
    "A&amp;B",
    "&lt;x&gt;",
    "&#x4E2D;",
    "&#25991;",
    "_x000D_",
    "_x005F_x0041_",
    "x\r\ny",
    "\r",
    " ",
    "1",
    "45721",
    "-0.0",
    "1e999",
    "nan",
    "2025-03-05",
    "TRUE",
    "0",
    "12.5",
    "&quot;q&apos;",
    "é",
    "\t",
    "row",
    "</",
    "]]&gt;",
]


def text(rng):
    n = rng.choice([1, 1, 2, 3])
    t = "".join(rng.choice(WORDS) for _ in range(n))
    if rng.random() < 0.03:
        t = "长" * rng.choice([10, 70, 3000, 40000])
    return t


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        r = self.rng
        self.strings = [
            r.choice(["共享", "s_x000D_s", "other", "2025-03-05", "x"]) + str(i)
            for i in range(r.randint(0, 6))
        ]
        self.pfx = r.choice(["", "", "", "x:"])  # element prefix for rows/cells
        self.cpfx = self.pfx if r.random() < 0.9 else r.choice(["", "x:"])

    def cell(self, letters, number):
        r = self.rng
        p = self.cpfx
        ref = f"{letters}{number}"
        kind = r.choice(["", "", "s", "s", "n", "inlineStr", "str", "b", "e", "d", "zz"])
        style = r.choice(["", "", "0", "1", "2", "7", "-1"])
        q = '"' if r.random() < 0.9 else "'"
        attrs = []
        if r.random() < 0.95:
            attrs.append(f"r={q}{ref}{q}")
        if style:
            attrs.append(f"s={q}{style}{q}")
        if kind:
            attrs.append(f"t={q}{kind}{q}")
        if r.random() < 0.1:
            r.shuffle(attrs)
        sep = " " if r.random() < 0.95 else r.choice(["  ", "\n", "\t"])
        a = "".join(sep + x for x in attrs)
        if kind == "s":
            v = str(r.choice([0, 1, 2, 3, 5, 99, -1])) if r.random() < 0.9 else r.choice(["x", " 1", "01"])
        elif kind in ("", "n"):
            v = r.choice(
                [
                    "1",
                    "45721",
                    "45721.5",
                    "-0.0",
                    "-0",
                    "0",
                    "1e999",
                    "abc",
                    " 6 ",
                    "2958466",
                    "60",
                    "12.34",
                    "",
                    "1_0",
                ]
            )
        elif kind == "b":
            v = r.choice(["1", "0", "true", "maybe", " 1 "])
        elif kind == "d":
            v = r.choice(["2025-03-05", "2025-03-05T00:00:00", "bad"])
        else:
            v = text(r)
        body_kind = r.random()
        if body_kind < 0.05:
            return f"<{p}c{a}/>"
        if body_kind < 0.08:
            return f"<{p}c{a}></{p}c>"
        if kind == "inlineStr" or body_kind < 0.15:
            inner = f"<{p}is><{p}t>{v}</{p}t></{p}is>"
            if r.random() < 0.1:
                inner = f'<{p}is><{p}r><{p}t>{v}</{p}t></{p}r><{p}r><{p}t>z</{p}t></{p}r><{p}rPh sb="0" eb="1"><{p}t>ph</{p}t></{p}rPh></{p}is>'
            if r.random() < 0.05:
                inner = f'<{p}is><{p}t xml:space="preserve">{v}</{p}t></{p}is>'
        else:
            inner = f"<{p}v>{v}</{p}v>"
            if r.random() < 0.05:
                inner = f"<{p}f>1+1</{p}f>" + inner
        if r.random() < 0.03:
            inner = inner.replace(f"<{p}v>", f"<{p}v><![CDATA[", 1).replace(f"</{p}v>", f"]]></{p}v>", 1)
        if r.random() < 0.03:
            inner = "<!-- c -->" + inner
        if r.random() < 0.02:
            inner = inner + "<?pi x?>"
        close = f"</{p}c>" if r.random() < 0.95 else f"</{p}c >"
        return f"<{p}c{a}>{inner}{close}"

    def row(self, number, ref_mode):
        r = self.rng
        p = self.pfx
        q = '"' if r.random() < 0.9 else "'"
        attrs = []
        if ref_mode != "none":
            attrs.append(f"r={q}{number}{q}")
        if r.random() < 0.4:
            attrs.append(f'spans="1:{r.randint(1, 30)}"')
        if r.random() < 0.1:
            attrs.append('ht="15" customHeight="1"')
        if r.random() < 0.05:
            attrs.append('x14ac:dyDescent="0.25"')
        if r.random() < 0.1:
            r.shuffle(attrs)
        sep = " " if r.random() < 0.95 else r.choice(["  ", "\n", "\t", "\r\n"])
        a = "".join(sep + x for x in attrs)
        if r.random() < 0.08:
            return f"<{p}row{a}/>" if r.random() < 0.5 else f"<{p}row{a} />"
        ncells = r.choice([0, 1, 2, 3, 5, 8, 20])
        colno = 0
        cells = []
        for _ in range(ncells):
            colno += r.choice([1, 1, 1, 2, 5])
            if r.random() < 0.05:
                colno = r.choice([199, 200, 201, 700, 16384])
            if r.random() < 0.05 and colno > 1:
                colno -= 1  # repeat a column
            cells.append(self.cell(col(colno), number))
        inner = "".join(cells)
        if r.random() < 0.03:
            inner = "<!-- in row -->" + inner
        if r.random() < 0.02:
            inner = f'<{p}row r="{number}"/>' + inner  # nested
        close = r.choice([f"</{p}row>"] * 8 + [f"</{p}row >", f"</{p}row\n>", f"</{p}row\r\n>"])
        return f"<{p}row{a}>{inner}{close}"

    def gap(self):
        r = self.rng
        x = r.random()
        if x < 0.85:
            return r.choice(["", "", "", "\n", "\r\n", "  "])
        opts = [
            "<!-- gap -->",
            "<?pi data?>",
            "<rowx/>",
            "<row-x/>",
            '<x:rowx a="1"/>',
            "<!-- </row> -->",
            "<!-- </x:row> -->",
            '<ext:row xmlns:ext="urn:e"/>',
            "<!-- rows -->",
            "<?pi row?>",
        ]
        if os.environ.get("FAKE", "1") == "0":
            return r.choice(opts)
        return r.choice(
            [
                "<!-- gap -->",
                '<!-- <row r="9"> -->',
                "<!-- <x:row> -->",
                "<!-- <row> -->",
                "<?pi data?>",
                '<?pi <row r="3"> ?>',
                "<rowx/>",
                "<row-x/>",
                '<x:rowx a="1"/>',
                "<![CDATA[x]]>"[0:0],
                "<!-- </row> -->",
                "<!-- </x:row> -->",
                '<ext:row xmlns:ext="urn:e"/>',
            ]
        )

    def sheet(self):
        r = self.rng
        out = []
        number = 0
        nrows = r.choice([1, 3, 10, 40, 200])
        pad_big = r.random() < 0.12
        for _i in range(nrows):
            ref_mode = "none" if r.random() < 0.07 else "r"
            step = r.choice([1, 1, 1, 2, 10])
            if r.random() < 0.02:
                step = 0  # duplicate row number
            number += step
            if ref_mode == "none":
                number = number  # reader derives previous+1
            out.append(self.gap())
            out.append(self.row(number if ref_mode == "r" else number, ref_mode))
            if pad_big and r.random() < 0.3:
                out.append(" " * r.randint(1000, 70000))
        if r.random() < 0.05 and os.environ.get("FAKE", "1") != "0":
            out.append(r.choice(["<!-- tail <row> -->", '<!-- <x:row r="99"> -->']))
        p = self.pfx
        decl = r.choice(
            ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n', "", '<?xml version="1.0"?>']
        )
        ns = f'xmlns="{MAIN}" xmlns:x="{MAIN}" xmlns:x14ac="urn:x14ac"'
        head = ""
        if r.random() < 0.05 and os.environ.get("FAKE", "1") != "0":
            head = "<!-- <x:row> head -->"
        body = f"{decl}<{p}worksheet {ns}>{head}<{p}sheetData>{''.join(out)}</{p}sheetData></{p}worksheet>"
        return body.encode("utf-8")

    def write(self, path):
        r = self.rng
        sst = "".join(f"<si><t>{s}</t></si>" for s in self.strings)
        date1904 = '<workbookPr date1904="1"/>' if r.random() < 0.1 else ""
        with _package(path) as z:
            z.writestr(
                "xl/workbook.xml",
                f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{date1904}<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
            )
            z.writestr(
                "xl/_rels/workbook.xml.rels",
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
            )
            z.writestr("xl/styles.xml", STYLES)
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{sst}</sst>')
            z.writestr("xl/worksheets/sheet1.xml", self.sheet())
        return path


def run(make):
    try:
        return list(make().rows())
    except TemplateError as e:
        return ("ERR", str(e))


def compare(path):
    new = run(lambda: open_workbook(path))
    olds = run(lambda: old.FastWorkbook(path))
    ref = run(lambda: Workbook(path))
    return new, olds, ref


if __name__ == "__main__":
    start, count = int(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 3:
        xlsx_scan.MEMO_CELLS = int(sys.argv[3])
    stats = {"same": 0, "regression": 0, "pre": 0, "pre_changed": 0, "fixed": 0}
    d = Path(tempfile.gettempdir()) / "reader_fuzz"
    d.mkdir(exist_ok=True)
    for seed in range(start, start + count):
        path = d / f"f{seed}.xlsx"
        Gen(seed).write(path)
        new, olds, ref = compare(path)
        if new == ref:
            stats["same" if olds == ref else "fixed"] += 1
            if olds != ref:
                print("FIXED", seed, flush=True)
            path.unlink()
        elif olds == ref:
            stats["regression"] += 1
            print("REGRESSION", seed, flush=True)
        else:
            stats["pre_changed" if new != olds else "pre"] += 1
            if new != olds:
                print("PRE_CHANGED", seed, flush=True)
            else:
                print("PRE", seed, flush=True)
    print(stats, flush=True)
