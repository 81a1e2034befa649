"""The blank import template (导入模板.xlsx) a bureau fills in before its first import.

Sheet 台账 holds the header row in the order the ledger workbook writes it
(reports.template.COLUMNS), the required columns marked, with real date and money formats and
drop-down lists for the columns that take one of a few words; sheet 填写说明 says, column by
column, whether it is required, what it holds and an example. Only 台账 is imported (the first
sheet); the 填写说明 sheet is never read as rows. Written by 文件 → 保存导入模板… and by
``template -o FILE.xlsx``.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ledger.i18n import tr
from ledger.records import GUEST_ORIGINS, MEAL_KINDS, PAYMENT_METHODS, VENUE_TYPES
from reports.output import write_atomic
from reports.template import COLUMNS

ROWS = 2000  # the rows given formats and lists (a workbook with more rows still imports)
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")

# header → (what it holds, an example); every column of COLUMNS has one (tested)
GUIDE: dict[str, tuple[str, str]] = {
    "接待日期": (tr("接待的日期（Excel 日期，或写成 YYYY-MM-DD）"), "2026-03-05"),
    "来访单位": (tr("来访单位全称"), tr("市教育局")),
    "公务活动": (tr("来访所办的公务"), tr("督导检查")),
    "公函文号": (tr("派出单位公函的文号；空白表示没有公函"), tr("市教函〔2026〕5号")),
    "接待对象人数": (tr("接待对象人数，整数，至少 1"), "3"),
    "接待对象名单": (tr("姓名，用“、”或“；”分隔"), tr("王某、李某、赵某")),
    "陪餐人数": (tr("本单位陪餐人数，整数，可为 0"), "1"),
    "陪餐人员名单": (tr("姓名，用“、”或“；”分隔"), tr("张某")),
    "就餐场所": (tr("就餐场所名称"), tr("局机关食堂")),
    "场所类型": (tr("下拉选择：") + "、".join(VENUE_TYPES), tr("机关食堂")),
    "餐费": (tr("本餐餐费（元），不含烟酒；0 表示未安排用餐"), "160.00"),
    "住宿费": (tr("住宿费（元）"), "0"),
    "交通费": (tr("交通费（元）"), "0"),
    "其他费用": (tr("其他费用（元）"), "0"),
    "烟酒费": (tr("烟酒费（元），与餐费分开填写"), "0"),
    "礼品": (tr("填金额（元）或礼品说明；不为空即视为赠送了礼品"), ""),
    "涉密": (tr("下拉选择：是 / 否；涉密的接待不公示"), tr("否")),
    "经办人": (tr("经办人姓名；空白则记为导入人"), tr("李会计")),
    "审核人": (tr("纸质台账上的审核人（按纸质审核导入时用）"), ""),
    "审核日期": (tr("纸质台账上的审核日期"), ""),
    "备注": (tr("备注"), ""),
    "编号": (tr("接待编号；导出的台账带有编号，导入时未被占用则保留，否则另给新号"), ""),
    "餐别": (tr("下拉选择：早餐 / 午餐 / 晚餐；空白为午餐"), tr("午餐")),
    "来宾类别": (tr("下拉选择：本地 / 外地 / 外宾；空白时按本局设置的本地单位名单判断，不在名单中为外地"), tr("外地")),
    "住宿人数": (tr("安排住宿的人数，整数"), "0"),
    "住宿天数": (tr("住宿天数，整数"), "0"),
    "支付方式": (tr("下拉选择：公务卡 / 转账 / 现金"), tr("公务卡")),
    "发票号": (tr("发票号码"), ""),
    "电话记录": (tr("没有公函时的电话联系记录"), ""),
    "情况说明": (tr("超标准时的情况说明，每条一行，写成“规则名称：说明”"), tr("陪餐人数超标：分管股室负责人陪同汇报工作")),
    "就餐日期": (tr("多餐接待：本餐的日期；空白为接待日期"), ""),
    "就餐人数": (tr("多餐接待：本餐的就餐人数；空白为接待对象与陪餐人数之和"), ""),
}
DATE_COLUMNS = ("接待日期", "审核日期", "就餐日期")
MONEY_COLUMNS = ("餐费", "住宿费", "交通费", "其他费用", "烟酒费")
CHOICES: dict[str, tuple[str, ...]] = {
    "场所类型": VENUE_TYPES,
    "涉密": (tr("是"), tr("否")),
    "餐别": tuple(MEAL_KINDS.values()),
    "来宾类别": GUEST_ORIGINS,
    "支付方式": PAYMENT_METHODS,
}


def template_bytes() -> bytes:
    """The blank template as the bytes of an .xlsx file."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = tr("台账")
    bold = Font(bold=True)
    for column, (header, required) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center")
        if required:
            cell.fill = REQUIRED_FILL
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = max(10, 2.2 * len(header) + 2)
        number_format = DATE_FORMAT if header in DATE_COLUMNS else MONEY_FORMAT if header in MONEY_COLUMNS else None
        if number_format is not None:
            for row in range(2, ROWS + 2):
                sheet.cell(row=row, column=column).number_format = number_format
        if header in CHOICES:
            lists = DataValidation(type="list", formula1='"' + ",".join(CHOICES[header]) + '"', allow_blank=True)
            lists.error = tr("请从下拉列表中选择：{choices}").format(choices="、".join(CHOICES[header]))
            lists.errorTitle = header
            lists.showErrorMessage = True
            lists.add(f"{letter}2:{letter}{ROWS + 1}")
            sheet.add_data_validation(lists)
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet(tr("填写说明"))
    guide.append([tr("列名"), tr("必填"), tr("填写说明"), tr("示例")])
    for cell in guide[1]:
        cell.font = bold
    for header, required in COLUMNS:
        meaning, example = GUIDE[header]
        guide.append([header, tr("是") if required else "", meaning, example])
    guide.append([])
    guide.append(
        [
            tr("说明"),
            "",
            tr(
                "只导入名为“台账”的工作表（没有时导入第一张工作表），从第 2 行起每行一次接待；黄色列为必填。"
                "多餐的接待：第一行填全，其后每餐一行，填写相同的编号（如 JD-2026-0001）和接待日期，"
                "只填本餐的各列（就餐日期、餐别、就餐场所、场所类型、餐费、烟酒费、发票号、就餐人数）。"
            ),
        ]
    )
    for letter, width in zip("ABCD", (14, 6, 70, 22), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_template(path: str | Path) -> Path:
    """Write the blank template to ``path`` (all or nothing: OutputError says why not)."""
    return write_atomic(path, template_bytes())
