from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger.service import LedgerService
from reports.template import HEADERS, TemplateError, read_import
from tests.conftest import Team
from tests.workbooks import good_row, write_template


def errors(path: Path) -> dict[int, list[tuple[str, str]]]:
    return {r.row: [(e.column, e.message) for e in r.errors] for r in read_import(path)}


def test_reads_a_good_row(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [good_row(接待日期=datetime(2025, 3, 5), 餐费=350.07, 烟酒费="1,200.00", 礼品="茶叶两盒", 涉密="否")],
    )
    (row,) = read_import(path)
    r = row.reception
    assert row.row == 2 and not row.errors and r is not None
    assert r.reception_date == date(2025, 3, 5)
    assert r.meals[0].amount == Decimal("350.07") and r.meals[0].diners == 8
    assert r.meals[0].tobacco_alcohol == Decimal("1200.00")
    assert r.gift_description == "茶叶两盒" and r.gift_amount == 0
    assert [p.name for p in r.guests] == ["王伟", "李娜"]
    assert r.total == Decimal("1550.07")


def test_bad_cells_name_their_row_and_column(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [
            good_row(),
            good_row(接待日期="2025-13-40"),
            good_row(餐费=-5),
            good_row(接待对象人数=0),
            good_row(场所类型="豪华会所"),
            good_row(餐费="三百"),
            good_row(住宿费=12.345),
        ],
    )
    found = errors(path)
    assert found[2] == []
    assert found[3][0][0] == "接待日期" and "2025-13-40" in found[3][0][1]
    assert found[4] == [("餐费", "金额不能为负数：-5")]
    assert found[5] == [("接待对象人数", "应不小于 1，而不是 0")]
    assert found[6][0][0] == "场所类型" and "豪华会所" in found[6][0][1]
    assert found[7] == [("餐费", "不是金额：三百")]
    assert found[8] == [("住宿费", "金额最多两位小数：12.345")]


def test_headers_in_any_order_and_optional_columns_missing(tmp_path: Path) -> None:
    headers = ("餐费", "陪餐人数", "接待对象人数", "公务活动", "来访单位", "接待日期", "无关列")
    path = write_template(tmp_path / "a.xlsx", [good_row(无关列="x")], headers)
    (row,) = read_import(path)
    assert row.reception is not None and row.reception.visiting_unit == "市教育局"


def test_missing_required_headers_is_unusable(tmp_path: Path) -> None:
    path = write_template(tmp_path / "a.xlsx", [good_row()], ("接待日期", "来访单位"))
    with pytest.raises(TemplateError, match="公务活动、接待对象人数、陪餐人数、餐费"):
        read_import(path)


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(TemplateError, match="不是 Excel 工作簿"):
        read_import(path)
    with pytest.raises(TemplateError, match="找不到文件"):
        read_import(tmp_path / "missing.xlsx")


def test_import_commits_good_rows_and_refuses_duplicates(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [
            good_row(),
            good_row(来访单位="邻县教育局", 陪餐人数=4, 接待对象人数=10),
            good_row(餐费=-1),
            good_row(),
        ],
    )
    outcomes = service.import_rows(team.clerk, read_import(path))
    assert [o.ref for o in outcomes] == ["JD-2025-0001", "JD-2025-0002", None, None]
    assert [v.rule for v in outcomes[1].assessment.violations] == ["companions_over_cap"]  # type: ignore[union-attr]
    assert "与本表第 2 行重复" in outcomes[3].errors[0].message
    again = service.import_rows(team.clerk, read_import(path))
    assert [o.ref for o in again] == [None, None, None, None]
    assert "与已有接待 JD-2025-0001 重复" in again[0].errors[0].message
    assert service.verify().ok


def test_historical_import_enters_approved_by_the_paper_reviewer(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [good_row(审核人="张副局长", 审核日期="2025-03-08", 经办人="李会计"), good_row(来访单位="x")],
    )
    outcomes = service.import_rows(team.both, read_import(path), historical=True)
    approved, draft = (service.get_by_ref(o.ref) for o in outcomes)  # type: ignore[arg-type]
    assert approved.status == "approved" and approved.approved_by == "张副局长"
    assert approved.approved_at == datetime(2025, 3, 8)
    assert draft.status == "draft"
    assert [h.action for h in service.history(approved.id)] == ["import_historical"]  # type: ignore[arg-type]
    assert service.verify().ok


def test_cancelled_import_commits_nothing(tmp_path: Path, service: LedgerService, team: Team) -> None:
    from ledger.records import LedgerQuery
    from ledger.service import ImportCancelled

    rows = [good_row(来访单位=f"单位{i}") for i in range(300)]
    path = write_template(tmp_path / "a.xlsx", rows)
    with pytest.raises(ImportCancelled):
        service.import_rows(team.clerk, read_import(path), progress=lambda done, total: done < 200)
    assert service.count_and_total(LedgerQuery())[0] == 0


def test_phone_record_and_explanations_survive_export_and_import(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    from dataclasses import replace

    from reports.workbook import export_year
    from tests.conftest import sample_reception

    draft = service.save(
        team.clerk,
        sample_reception(
            letter_no="", phone_record="3月4日电话通知", guests=10, companions=4, amount="700.00"
        ),
    )
    service.approve(
        team.approver,
        service.submit(team.clerk, replace(draft, explanations={"companions_over_cap": "临时增加"})).id,
    )  # type: ignore[arg-type]
    export_year(service, 2025, tmp_path / "t.xlsx")
    (row,) = read_import(tmp_path / "t.xlsx")
    assert row.reception is not None
    assert row.reception.phone_record == "3月4日电话通知"
    assert row.reception.explanations == {"companions_over_cap": "临时增加"}
    assert row.reception.remarks == ""


def test_unlabelled_explanations_are_kept_in_the_remarks(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "a.xlsx", [good_row(备注="已报备", 情况说明="领导临时参加")], (*HEADERS,)
    )
    (row,) = read_import(path)
    assert row.reception is not None
    assert row.reception.explanations == {} and row.reception.remarks == "已报备\n领导临时参加"


def test_streamed_rows_are_the_rows_read(tmp_path: Path) -> None:
    from reports.template import stream_import

    rows = [good_row(来访单位=f"单位{i}") for i in range(450)] + [good_row(餐费=-1)]
    path = write_template(tmp_path / "a.xlsx", rows)
    assert list(stream_import(path)) == read_import(path)


@pytest.mark.parametrize("parsed", [True, False], ids=["parsed-by-the-reader", "parsed-by-the-caller"])
def test_streamed_rows_are_the_same_whoever_parses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: bool
) -> None:
    """The reading process passes a batch on parsed or as its cells (reports.template._shared,
    by how busy the caller is): the receptions, their meals, refusals and row numbers are the
    same either way."""
    import reports.template as template

    def shared(batch: list[Any], _waiting: Any) -> tuple[bool, list[Any]]:
        return (True, [template.parse_group(g, e) for g, e in batch]) if parsed else (False, batch)

    monkeypatch.setattr(template, "_shared", shared)  # the reading process is forked with it
    rows = [good_row(来访单位=f"单位{i}") for i in range(450)] + [good_row(餐费=-1)]
    rows += [good_row(编号="JD-2025-0007"), {"编号": "JD-2025-0007", "接待日期": "2025-03-05", "餐费": 120}]
    path = write_template(tmp_path / "a.xlsx", rows)
    streamed = list(template.stream_import(path))
    assert streamed == read_import(path)
    assert len(streamed) == 452 and streamed[450].errors and streamed[-1].reception is not None
    assert [m.amount for m in streamed[-1].reception.meals] == [Decimal("300.00"), Decimal("120.00")]


def test_a_row_the_caller_cannot_parse_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.template as template

    def broken(_group: Any, _extra: int) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(template, "_shared", lambda batch, _waiting: (False, batch))
    path = write_template(tmp_path / "a.xlsx", [good_row()])
    items = template.stream_import(path)
    monkeypatch.setattr(template, "parse_group", broken)  # in this process only: the reader is running
    with pytest.raises(TemplateError, match="无法读取工作簿.*boom"):
        list(items)


def test_streamed_header_problems_are_reported(tmp_path: Path) -> None:
    from reports.template import stream_import

    path = write_template(tmp_path / "a.xlsx", [good_row()], ("接待日期", "来访单位"))
    with pytest.raises(TemplateError, match="缺少必填列"):
        list(stream_import(path))
    (tmp_path / "b.xlsx").write_text("no")
    with pytest.raises(TemplateError, match="不是 Excel 工作簿"):
        stream_import(tmp_path / "b.xlsx")


def test_the_optional_columns_survive_export_and_import(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    """编号, 餐别, 来宾类别, 住宿人数, 住宿天数, 支付方式 and 发票号 go out and come back."""
    from dataclasses import replace

    from ledger.db import Database
    from reports.workbook import export_year
    from tests.conftest import make_team, sample_reception

    base = sample_reception(date(2025, 3, 5), guests=2, companions=1, amount="150.00")
    r = replace(
        base,
        meals=(replace(base.meals[0], kind="dinner", invoice_no="No.04412345"),),
        guest_origin="本地",
        lodging_persons=2,
        lodging_nights=1,
        accommodation=Decimal("360.00"),
        payment_method="转账",
    )
    approved = service.approve(team.approver, service.submit(team.clerk, r).id)  # type: ignore[arg-type]
    export_year(service, 2025, tmp_path / "t.xlsx")
    (row,) = read_import(tmp_path / "t.xlsx")
    back = row.reception
    assert back is not None and not row.errors
    assert back.ref == approved.ref
    assert back.meals[0].kind == "dinner" and back.meals[0].invoice_no == "No.04412345"
    assert (back.guest_origin, back.lodging_persons, back.lodging_nights) == ("本地", 2, 1)
    assert back.payment_method == "转账" and back.accommodation == Decimal("360.00")

    # into another ledger the number is free and kept; into this one it is taken and a new one given
    other_db = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other = LedgerService(other_db)
    try:
        other_team = make_team(other)
        (kept,) = other.import_rows(other_team.clerk, read_import(tmp_path / "t.xlsx"))
        assert kept.ref == approved.ref
        stored = other.get_by_ref(approved.ref)
        assert (stored.guest_origin, stored.lodging_persons, stored.payment_method) == ("本地", 2, "转账")
        assert stored.meals[0].kind == "dinner"
    finally:
        other_db.dispose()
    (renumbered,) = service.import_rows(team.clerk, read_import(tmp_path / "t.xlsx"), allow_duplicates=True)
    assert renumbered.ref not in (None, approved.ref)


def test_bad_optional_cells_name_their_column(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [good_row(餐别="宵夜", 来宾类别="外省", 住宿人数=-1, 支付方式="支票", 编号="第7号")],
    )
    found = dict(errors(path)[2])
    assert found["餐别"] == "应为 早餐、午餐、晚餐 之一，而不是“宵夜”"
    assert found["来宾类别"] == "应为 本地、外地、外宾 之一，而不是“外省”"
    assert found["住宿人数"] == "应不小于 0，而不是 -1"
    assert found["支付方式"] == "应为 公务卡、转账、现金 之一，而不是“支票”"
    assert found["编号"] == "编号应形如 JD-2025-0007，而不是“第7号”"
    (row,) = read_import(write_template(tmp_path / "b.xlsx", [good_row()]))
    assert row.reception is not None and row.reception.meals[0].kind == "lunch"
    assert row.reception.guest_origin == "" and row.reception.payment_method == "公务卡"


def test_a_name_list_longer_than_its_count_is_refused_at_the_list(tmp_path: Path) -> None:
    """Six guests named thousands of times (one shared string, a tiny file) were 合规, and cost
    gigabytes: each name became a person to check, spool and store."""
    many = "、".join(f"客人{i}" for i in range(3_000))
    path = write_template(
        tmp_path / "a.xlsx",
        [good_row(接待对象名单=many), good_row(陪餐人数=0, 陪餐人员名单="张三"), good_row(陪餐人员名单="张三、李四")],
    )
    found = errors(path)
    assert found[2] == [("接待对象名单", "名单有 3000 人，多于接待对象人数 6 人：请核对名单或人数")]
    assert found[3] == [("陪餐人员名单", "名单有 1 人，多于陪餐人数 0 人：请核对名单或人数")]
    assert found[4] == []


def test_a_batch_of_long_name_lists_is_passed_on_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reading process passes rows on in batches of 200, or fewer whose name lists are long:
    the rows and their order are the same."""
    import reports.template as template
    from reports.template import stream_import

    monkeypatch.setattr(template, "_STREAM_NAMES", 50)  # the reading process is forked with it
    rows = [good_row(来访单位=f"单位{i}", 接待对象名单="王伟、李娜、张敏、刘洋") for i in range(30)]
    path = write_template(tmp_path / "a.xlsx", rows)
    streamed = list(stream_import(path))
    assert [r.reception.visiting_unit for r in streamed if r.reception] == [f"单位{i}" for i in range(30)]
    assert streamed == read_import(path)


def test_a_count_a_formula_computes_is_read_as_the_cell_shows_it(tmp_path: Path) -> None:
    """=0.1*70 holds 7.000000000000001 and shows 7: it was refused as no whole number."""
    path = write_template(tmp_path / "a.xlsx", [good_row(接待对象人数=0.1 * 70, 接待对象名单=""), good_row(接待对象人数=6.5)])
    first, second = read_import(path)
    assert first.errors == () and first.reception is not None and first.reception.guest_count == 7
    assert [(e.column, e.message) for e in second.errors] == [("接待对象人数", "应为整数，而不是“6.5”")]
