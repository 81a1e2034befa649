"""The fixed import template (SPEC §4): reading a workbook into receptions and row errors.

The same column list is what the ledger workbook's 台账 sheet is written in, so an
export can be imported again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger import limits
from ledger.errors import ImportCancelled
from ledger.i18n import tr
from ledger.money import ZERO, MoneyError, parse_money
from ledger.policy import RULES
from ledger.records import (
    ACTIVITY_KINDS,
    GUEST_ORIGINS,
    MEAL_KINDS,
    PAYMENT_METHODS,
    VENUE_TYPES,
    CellError,
    ImportRow,
    Meal,
    Person,
    Reception,
)
from ledger.text import NAME_SEPARATORS, clean_line
from reports.sheets import die_with_parent, open_workbook
from reports.template_cells import Row, filled
from reports.xlsx_reader import TemplateError, Unreadable

# (header, required) in the order the ledger workbook writes them
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("接待日期", True),
    ("来访单位", True),
    ("公务活动", True),
    ("公函文号", False),
    ("接待对象人数", True),
    ("接待对象名单", False),
    ("陪餐人数", True),
    ("陪餐人员名单", False),
    ("就餐场所", False),
    ("场所类型", False),
    ("餐费", True),
    ("住宿费", False),
    ("交通费", False),
    ("其他费用", False),
    ("烟酒费", False),
    ("礼品", False),
    ("涉密", False),
    ("经办人", False),
    ("审核人", False),
    ("审核日期", False),
    ("备注", False),
    ("编号", False),
    ("餐别", False),
    ("来宾类别", False),
    ("住宿人数", False),
    ("住宿天数", False),
    ("支付方式", False),
    ("发票号", False),
    # beyond SPEC §4, so that an exported ledger imports again without losing facts
    ("电话记录", False),
    ("情况说明", False),
    # each meal's own date and diners; a reception with several meals takes one row per meal,
    # the rows after its first carrying the same 编号 and only the meal's columns (_MEAL_COLUMNS)
    ("就餐日期", False),
    ("就餐人数", False),
)
HEADERS = tuple(name for name, _ in COLUMNS)
REQUIRED = tuple(name for name, required in COLUMNS if required)


MEAL_KIND_BY_LABEL = {label: key for key, label in MEAL_KINDS.items()} | {key: key for key in MEAL_KINDS}
REF_PATTERN = re.compile(r"JD-(\d{4})-(\d{4,})")


def _names(row: Row, column: str, count: int, count_column: str) -> tuple[Person, ...]:
    """A list of names (、；, or one per line), each a clean line of at most PERSON_NAME, no
    more than the row's ``count`` of them (a form's counts follow its lists: more names than
    people is a mistake, and thousands of them in a small file cost gigabytes)."""
    # split as the names will be stored (NFKC: "､" is "、"), so that no stored name holds a separator
    text = unicodedata.normalize("NFKC", row.text(column))
    parts = [name for part in NAME_SEPARATORS.split(text) if (name := clean_line(part))]
    if len(parts) > limits.MAX_COUNT:
        row.errors.append(CellError(column, tr("名单过长（超过 {n} 人）").format(n=limits.MAX_COUNT)))
        return ()
    if len(parts) > count and not row.has_error(count_column):
        row.errors.append(
            CellError(
                column,
                tr("名单有 {n} 人，多于{what} {count} 人：请核对名单或人数").format(
                    n=len(parts), what=count_column, count=count
                ),
            )
        )
        return ()
    names = tuple(Person(name) for name in parts)
    long = next((p.name for p in names if len(p.name) > limits.PERSON_NAME), None)
    if long is not None:
        row.errors.append(
            CellError(
                column,
                tr("姓名最多 {max} 个字：“{v}…”").format(max=limits.PERSON_NAME, v=long[:20]),
            )
        )
        return ()
    return names


def explanations_text(explanations: dict[str, str]) -> str:
    """情况说明 as one cell: a line per breach, "陪餐人数超标：……"."""
    return "\n".join(f"{RULES.get(rule, rule)}：{text}" for rule, text in explanations.items())


_RULE_LABELS = {label: rule for rule, label in RULES.items()} | {rule: rule for rule in RULES}  # → the rule's code


def parse_explanations(text: str) -> tuple[dict[str, str], str]:
    """Read 情况说明 back: labelled lines become explanations of their rule; any other text
    is returned apart (the caller keeps it in the remarks, so nothing is lost)."""
    if not text:
        return {}, ""
    labels = _RULE_LABELS
    explanations: dict[str, str] = {}
    other: list[str] = []
    for line in text.splitlines():
        label, sep, rest = line.partition("：")
        if not sep:
            label, sep, rest = line.partition(":")
        rule = labels.get(label.strip()) if sep else None
        if rule and rest.strip():
            explanations[rule] = rest.strip()
        elif line.strip():
            other.append(line.strip())
    return explanations, "\n".join(other)


def iter_sheet_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, tuple[Any, ...]]]]:
    """Open a workbook's 台账 sheet (else its first): the header row (row 1) and an iterator
    of (row number, values) of the rows after it that hold cells (reports.xlsx_reader)."""
    book = open_workbook(Path(path))
    rows = book.rows()
    try:
        first = next(rows, None)
    except BaseException:
        book.close()
        raise
    if first is None or first[0] != 1:
        book.close()
        raise TemplateError(
            tr("工作簿第一个工作表的第 1 行没有表头（应为：{cols}）").format(cols="、".join(REQUIRED))
        )
    unreadable = next(((i, h) for i, h in enumerate(first[1]) if isinstance(h, Unreadable)), None)
    if unreadable is not None:  # a header no one can read (a formula saved without its result)
        book.close()
        raise TemplateError(
            tr("表头（第 1 行）第 {col} 列无法读取：{why}").format(col=unreadable[0] + 1, why=unreadable[1].message)
        )
    headers = [clean_line(h) if isinstance(h, str) else "" for h in first[1]]
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        book.close()
        raise TemplateError(tr("工作簿缺少必填列：{cols}（第 1 行应为表头）").format(cols="、".join(missing)))

    def numbered() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from rows
        finally:
            book.close()

    return headers, numbered()


def read_import(path: Path) -> list[ImportRow]:
    """Every non-empty data row of the template, each either a reception or its cell errors."""
    return list(_import_rows(path))


def iter_import(path: Path) -> Iterator[ImportRow]:
    """The rows of ``read_import`` one at a time, read as they are asked for (bounded memory)."""
    return _import_rows(path)


def _import_rows(path: Path) -> Iterator[ImportRow]:
    for group, extra in _groups(path):
        yield parse_group(group, extra)


def count_import(path: Path, progress: Callable[[int], bool] | None = None) -> tuple[int, int]:
    """How many receptions the workbook's rows make, and how many of them carry a 审核人 (the
    rows an import may enter as approved on paper), without checking the rows: what the window
    asks about before an import. ``progress(rows read)`` is called every 500 rows and at the
    end, and may return False: ``ImportCancelled``."""
    receptions = reviewed = rows = 0
    told = 0
    for group, extra in _groups(path):
        receptions += 1
        number, cells = group[0]
        if Row(number, {"审核人": cells.get("审核人")}, []).text("审核人"):  # parse_row's approved_by
            reviewed += 1
        rows += len(group) + extra
        if progress is not None and rows - told >= 500:
            told = rows
            if progress(rows) is False:
                raise ImportCancelled(tr("导入已取消，未写入任何数据"))
    if progress is not None and progress(rows) is False:  # a 取消 pressed during the last rows
        raise ImportCancelled(tr("导入已取消，未写入任何数据"))
    return receptions, reviewed


def _groups(path: Path) -> Iterator[tuple[list[tuple[int, dict[str, Any]]], int]]:
    """The rows of each reception (its first, then one per further meal) as header → value,
    and how many meal rows beyond MAX_MEALS were left out."""
    headers, rows = iter_sheet_rows(path)
    index: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in HEADERS:
            index.setdefault(h, i)  # a repeated header: its first column counts
    group: list[tuple[int, dict[str, Any]]] = []  # a reception's rows: its first, then its meals
    extra = 0  # meal rows beyond MAX_MEALS, counted rather than kept
    for number, values in rows:
        if not any(filled(v) for v in values):
            continue
        cells = {h: values[i] if i < len(values) else None for h, i in index.items()}
        if group and _continues(cells, group[0][1]):
            if len(group) < MAX_MEALS:
                group.append((number, cells))
            else:
                extra += 1
            continue
        if group:
            yield group, extra
        group, extra = [(number, cells)], 0
    if group:
        yield group, extra


MAX_MEALS = 100  # meals of one reception read from consecutive rows
# what the rows after a reception's first row may hold: the meal, and the row's 接待日期 and 编号
_MEAL_COLUMNS = frozenset({"接待日期", "编号", "就餐日期", "餐别", "就餐场所", "场所类型", "餐费", "烟酒费", "发票号", "就餐人数"})


def _ref_of(cells: dict[str, Any]) -> str:
    value = cells.get("编号")
    return clean_line(value).upper() if isinstance(value, str) else ""


def _continues(cells: dict[str, Any], first: dict[str, Any]) -> bool:
    """A further meal of the reception above: the same 编号, and no 来访单位 of its own."""
    ref = _ref_of(cells)
    return bool(ref) and ref == _ref_of(first) and not filled(cells.get("来访单位"))


def parse_group(group: list[tuple[int, dict[str, Any]]], extra: int = 0) -> ImportRow:
    """A reception's rows (its first row, then one row per further meal) as one reception, or the
    errors of its rows; the errors of a meal row name that row."""
    number, cells = group[0]
    first = parse_row(number, cells, always_meal=len(group) > 1)
    if len(group) == 1:
        return first
    errors = list(first.errors)
    meals: list[Meal] = []
    base = first.reception
    for meal_number, meal_cells in group[1:]:
        meal, problems = _parse_meal_row(meal_number, meal_cells, base)
        errors += [CellError(e.column, tr("第 {n} 行：{m}").format(n=meal_number, m=e.message)) for e in problems]
        if meal is not None:
            meals.append(meal)
    if extra:
        errors.append(CellError("编号", tr("同一编号的餐次超过 {n} 行").format(n=MAX_MEALS)))
    if base is None or errors:
        return ImportRow(number, None, tuple(errors), first.approved_by, first.approved_on, first.ref or (base.ref if base else ""))
    all_meals = (*base.meals, *meals)
    end = max(m.date for m in all_meals)
    reception = replace(base, meals=all_meals, end_date=end if end > base.reception_date else base.end_date)
    return ImportRow(number, reception, (), first.approved_by, first.approved_on)


def _parse_meal_row(number: int, cells: dict[str, Any], first: Reception | None) -> tuple[Meal | None, list[CellError]]:
    row = Row(number, cells, [])
    for column, value in cells.items():
        if column not in _MEAL_COLUMNS and filled(value):
            row.errors.append(CellError(column, tr("同一编号的后续行只记一餐，此列应留空（填在该接待的第一行）")))
    on = row.date("接待日期", required=False)
    if first is not None and on is not None and on != first.reception_date:
        row.errors.append(
            CellError("接待日期", tr("应与该接待第一行的接待日期 {d} 相同").format(d=first.reception_date.isoformat()))
        )
    meal_on = row.date("就餐日期", required=False)
    kind = row.choice("餐别", MEAL_KIND_BY_LABEL, "lunch")
    venue, venue_type = row.text("就餐场所"), _venue_type(row)
    amount, tobacco = row.money("餐费"), row.money("烟酒费")
    invoice, diners = row.text("发票号"), row.optional_count("就餐人数")
    errors = list(row.all_errors())
    if errors or first is None:
        return None, errors
    meal = Meal(
        date=meal_on or first.reception_date,
        kind=kind,
        venue=venue,
        venue_type=venue_type or "其他",
        diners=diners or first.guest_count + first.companion_count,
        amount=amount,
        tobacco_alcohol=tobacco,
        invoice_no=invoice,
    )
    return meal, []


def _venue_type(row: Row) -> str:
    venue_type = row.text("场所类型")
    if venue_type and venue_type not in VENUE_TYPES:
        row.errors.append(
            CellError(
                "场所类型",
                tr("未知的场所类型“{v}”，应为：{all}").format(v=venue_type[:40], all="、".join(VENUE_TYPES)),
            )
        )
    return venue_type


_STREAM_BATCH = 200
# or fewer rows, where their name lists hold this many characters: a batch waiting to be taken,
# parsed, holds a Person for each name (a row may name thousands, from a small file)
_STREAM_NAMES = 200_000
_NAME_LISTS = ("接待对象名单", "陪餐人员名单")
_SENT = object()  # the reading process's last word to its sending thread


def _read_into(path: Path, pipe: Any, parent: int, prepare: bool) -> None:
    """The reading process: batches of rows, then None; or the error that stopped it. With
    ``prepare``, rows it parses are also given their normal form and field problems
    (ledger.validation.prepared): an import's caller, busier than a check's, is spared them."""
    import gc
    import os
    import queue
    import threading

    from ledger.validation import prepared

    _deaf()
    die_with_parent(parent)
    gc.disable()  # it makes rows and no reference cycles, and ends with the file (ledger.spool.Collector)
    # a thread writes into the pipe, so that reading goes on while a batch waits to be taken
    waiting: queue.Queue[Any] = queue.Queue(maxsize=16)

    def send() -> None:
        try:
            while (item := waiting.get()) is not _SENT:
                pipe.send(item)
        except BaseException:  # a batch that cannot be passed on: the parent sees the pipe end
            os._exit(1)

    def passed(batch: list[tuple[list[tuple[int, dict[str, Any]]], int]]) -> tuple[bool, list[Any]]:
        parsed, items = _shared(batch, waiting)
        return parsed, [prepared(item) for item in items] if parsed and prepare else items

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        batch: list[tuple[list[tuple[int, dict[str, Any]]], int]] = []
        named = 0
        for group in _groups(path):
            batch.append(group)
            first = group[0][0][1]  # (the reception's first row: its lists)
            named += sum(len(v) for key in _NAME_LISTS if isinstance(v := first.get(key), str))
            if len(batch) == _STREAM_BATCH or named >= _STREAM_NAMES:
                waiting.put(passed(batch))
                batch, named = [], 0
        waiting.put(passed(batch))
        waiting.put(None)
    except TemplateError as exc:
        waiting.put(exc)
    except Exception as exc:  # never expected: reported like any unreadable workbook
        waiting.put(TemplateError(tr("无法读取工作簿 {path}：{error}").format(path=path, error=exc)))
    waiting.put(_SENT)
    sender.join()


def _shared(batch: list[tuple[list[tuple[int, dict[str, Any]]], int]], waiting: Any) -> tuple[bool, list[Any]]:
    """A batch of rows as the reading process passes it on: parsed into receptions when batches
    wait to be taken (the caller is the busier: an import storing its rows), else as the rows'
    cells, for the caller to parse while it would wait for rows (a ``check``, whose judging is
    lighter than the reading and parsing). Either way the caller gets the same receptions, in the
    same order; on two cores the work is shared as it goes."""
    if waiting.qsize():
        return True, [parse_group(group, extra) for group, extra in batch]
    return False, batch


def _cores() -> int:
    """The cores this process may run on (``taskset``, a container's CPU set)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C held back while the reading process is forked: the child, born with it held,
    ignores it before it lets it through (``_deaf``); one pressed in that moment reaches this
    process once it is let through here (ignored here for the fork, it was lost)."""
    import signal

    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _deaf() -> None:
    """The reading process ignores Ctrl-C (which stops its parent only), then lets it through."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def stream_import(path: Path, *, prepare: bool = False, fresh: bool = False) -> Iterator[ImportRow]:
    """The rows of ``read_import``, read by a separate process while the caller works.

    Reading a workbook and parsing its rows is half of a ``check`` or an import; judging the
    rows (and storing them) is the other half. With two cores they overlap, and the parsing goes
    to whichever process has time for it (``_shared``; with ``prepare``, an import's, the
    rows' normal form and field problems go with the parsing). The file is checked
    (exists, is a workbook) at once; header and cell problems arrive as the rows do.
    Reads in this process where processes cannot be forked or only one core is ours. With
    ``fresh`` the reading process is started anew rather than forked (about half a second more): a
    process with threads of its own, the window's, would be copied by a fork in the middle of
    their work.
    """
    import multiprocessing
    import os

    path = Path(path)
    open_workbook(path).close()  # a missing file, not a workbook, no sheet: known at once
    if "fork" not in multiprocessing.get_all_start_methods() or _cores() < 2:
        # on one core a second process only adds the passing of rows
        return _import_rows(path)
    context = multiprocessing.get_context("spawn" if fresh else "fork")
    # a pipe whose writing end only the reader holds: a reader that dies (the OOM killer, a
    # kill), even halfway through a batch, ends the reading here instead of leaving it waiting
    # for the rest for ever; a full pipe makes the reader wait for this process
    incoming, outgoing = context.Pipe(duplex=False)
    reader = context.Process(target=_read_into, args=(path, outgoing, os.getpid(), prepare), daemon=True)
    try:
        with _no_interrupt():  # the child is born deaf to Ctrl-C, which stops this process only
            reader.start()
        outgoing.close()
    except KeyboardInterrupt:  # pressed while the child was forked: held until it was born
        reader.terminate()
        reader.join()
        raise
    failed = TemplateError(tr("读取工作簿 {path} 时出错：读取进程意外结束").format(path=path))

    def rows() -> Iterator[ImportRow]:
        try:
            while True:
                if not incoming.poll(1):
                    if not reader.is_alive() and not incoming.poll(0):
                        raise failed
                    continue
                try:
                    item = incoming.recv()
                except (EOFError, OSError):
                    raise failed from None
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                parsed, batch = item
                if parsed:
                    yield from batch
                    continue
                for group, extra in batch:
                    try:
                        row = parse_group(group, extra)
                    except Exception as exc:  # never expected: as the reading process reports it
                        raise TemplateError(tr("无法读取工作簿 {path}：{error}").format(path=path, error=exc)) from exc
                    yield row
        finally:
            if reader.is_alive():
                reader.terminate()
            reader.join()
            with suppress(OSError):  # (at the interpreter's exit the pipe may be gone already)
                incoming.close()

    return rows()


def parse_row(number: int, cells: dict[str, Any], *, always_meal: bool = False) -> ImportRow:
    """One worksheet row (header → value) as a reception, or the errors of its cells
    (``always_meal``: the row's meal is kept even at 0.00, further meals follow it)."""
    row = Row(number, cells, [])
    on = row.date("接待日期", required=True)
    unit = row.text("来访单位")
    if not unit and not row.has_error("来访单位"):
        row.errors.append(CellError("来访单位", tr("必填，不能为空")))
    activity = row.text("公务活动")
    if not activity and not row.has_error("公务活动"):
        row.errors.append(CellError("公务活动", tr("必填，不能为空")))
    guests = row.count("接待对象人数", minimum=1)
    companions = row.count("陪餐人数", minimum=0)
    meal_amount = row.money("餐费", required=True)
    tobacco = row.money("烟酒费")
    venue_type = _venue_type(row)
    gift_amount, gift_description = _gift(row)
    if isinstance(cells.get("涉密"), bool):  # a TRUE/FALSE cell
        cells["涉密"] = "是" if cells["涉密"] else "否"
    classified_text = row.text("涉密")
    if classified_text not in ("", "是", "否", "Y", "N", "y", "n", "1", "0"):
        row.errors.append(CellError("涉密", tr("应填“是”或“否”，而不是“{v}”").format(v=classified_text[:40])))
    classified = classified_text in ("是", "Y", "y", "1")
    reviewer = row.text("审核人")
    reviewed_on = row.date("审核日期", required=False)
    accommodation = row.money("住宿费")
    transport = row.money("交通费")
    other = row.money("其他费用")
    venue = row.text("就餐场所")
    letter = row.text("公函文号")
    guest_names = _names(row, "接待对象名单", guests, "接待对象人数")
    companion_names = _names(row, "陪餐人员名单", companions, "陪餐人数")
    clerk = row.text("经办人")
    phone = row.text("电话记录")
    explanations, remarks = _explanations_and_remarks(row)
    ref = row.text("编号").upper()  # "jd-2025-0009" is JD-2025-0009
    if ref and not REF_PATTERN.fullmatch(ref):
        row.errors.append(CellError("编号", tr("编号应形如 JD-2025-0007，而不是“{v}”").format(v=ref[:40])))
    meal_kind = row.choice("餐别", MEAL_KIND_BY_LABEL, "lunch")
    origin = row.choice("来宾类别", {o: o for o in GUEST_ORIGINS}, "")
    lodging_persons = row.optional_count("住宿人数")
    lodging_nights = row.optional_count("住宿天数")
    payment = row.choice("支付方式", {m: m for m in PAYMENT_METHODS}, PAYMENT_METHODS[0])
    invoice = row.text("发票号")
    meal_on = row.date("就餐日期", required=False)
    diners = row.optional_count("就餐人数")
    if row.errors or row.unreadable or on is None:
        carried = ref if REF_PATTERN.fullmatch(ref) else ""
        return ImportRow(number, None, row.all_errors(), reviewer, reviewed_on, carried)
    meals: tuple[Meal, ...] = ()
    if meal_amount > 0 or tobacco > 0 or always_meal:
        meals = (
            Meal(
                date=meal_on or on,
                kind=meal_kind,
                venue=venue,
                venue_type=venue_type or "其他",
                diners=diners or guests + companions,
                amount=meal_amount,
                tobacco_alcohol=tobacco,
                invoice_no=invoice,
            ),
        )
    reception = Reception(
        reception_date=on,
        visiting_unit=unit,
        activity=activity,
        activity_kind=activity if activity in ACTIVITY_KINDS else "其他",
        letter_no=letter,
        guest_count=guests,
        guests=guest_names,
        companion_count=companions,
        companions=companion_names,
        meals=meals,
        accommodation=accommodation,
        transport=transport,
        other_cost=other,
        gift_amount=gift_amount,
        gift_description=gift_description,
        classified=classified,
        classified_reason=tr("导入时标记为涉密") if classified else "",
        clerk_name=clerk,
        remarks=remarks,
        phone_record=phone,
        explanations=explanations,
        payment_method=payment,
        guest_origin=origin,
        lodging_persons=lodging_persons,
        lodging_nights=lodging_nights,
        ref=ref,  # kept by the import where that number is free (ledger.importing)
    )
    return ImportRow(number, reception, (), reviewer, reviewed_on)


def _gift(row: Row) -> tuple[Decimal, str]:
    """礼品: an amount, or text describing a gift of unknown amount."""
    value = row.cells.get("礼品")
    text = row.text("礼品")
    if not text:
        return ZERO, ""
    try:
        return parse_money(value if isinstance(value, (int, float)) else text), ""
    except MoneyError as exc:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            row.errors.append(CellError("礼品", str(exc)[:200]))
        elif re.fullmatch(r"[-+]?[\d,.\s]+元?", text):
            row.errors.append(CellError("礼品", tr("礼品金额无效：{v}").format(v=text[:40])))
        return ZERO, text


def _explanations_and_remarks(row: Row) -> tuple[dict[str, str], str]:
    explanations, unlabelled = parse_explanations(row.text("情况说明"))
    if any(len(text) > limits.PROSE for text in explanations.values()):
        row.errors.append(CellError("情况说明", tr("每条说明最多 {max} 个字").format(max=limits.PROSE)))
    remarks = "\n".join(t for t in (row.text("备注"), unlabelled) if t)
    if len(remarks) > limits.PROSE and not row.has_error("备注"):
        row.errors.append(
            CellError(
                "情况说明" if unlabelled else "备注",
                tr("备注与未标明规则的情况说明合计最多 {max} 个字（现有 {n} 个）").format(
                    max=limits.PROSE, n=len(remarks)
                ),
            )
        )
    return explanations, remarks


_FIELD_COLUMNS = {
    "reception_date": "接待日期",
    "approved_by": "审核人",
    "approved_on": "审核日期",
    "visiting_unit": "来访单位",
    "activity": "公务活动",
    "letter_no": "公函文号",
    "guest_count": "接待对象人数",
    "guests": "接待对象名单",
    "companion_count": "陪餐人数",
    "companions": "陪餐人员名单",
    "accommodation": "住宿费",
    "transport": "交通费",
    "other_cost": "其他费用",
    "gift_amount": "礼品",
    "gift_description": "礼品",
    "clerk_name": "经办人",
    "remarks": "备注",
    "phone_record": "电话记录",
    "explanations": "情况说明",
    "ref": "编号",
    "payment_method": "支付方式",
    "guest_origin": "来宾类别",
    "lodging_persons": "住宿人数",
    "lodging_nights": "住宿天数",
}
_MEAL_FIELD_COLUMNS = {
    "kind": "餐别",
    "invoice_no": "发票号",
    "venue_type": "场所类型",
    "tobacco": "烟酒费",
    "venue": "就餐场所",
    "diners": "接待对象人数",
    "date": "就餐日期",
}


def column_of(field_name: str) -> str:
    """The template's column for a field of the ledger ("meals[0].venue" → 就餐场所): where the
    import shows a problem the ledger found, so ``check`` and ``import`` name the same column."""
    if field_name.startswith("meals["):
        attr = field_name.rpartition(".")[2]
        return next((column for key, column in _MEAL_FIELD_COLUMNS.items() if attr.startswith(key)), "餐费")
    base = field_name.split("[", 1)[0].split(".", 1)[0]
    return _FIELD_COLUMNS.get(base, field_name)
