"""Spreadsheets: XLSX (openpyxl) and CSV as UTF-8 with a BOM, so Excel opens the Chinese correctly.

Every cell goes through safetext.sheet_text (text beginning with = + - @, a tab or a carriage return gets
a leading ', characters XML cannot hold become visible stand-ins) and every text cell of an XLSX is typed
as a string, so no value from the ledger, the roster or the content is ever run as a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from site_builder.reports.context import Basis
from site_builder.safetext import sheet_cells, sheet_row


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's title row, e.g. 区教育局 在职党员到社区报到工作台账
    columns: tuple[str, ...]
    rows: list[tuple]
    sheet: str = "台账"  # the worksheet's name


def csv_bytes(table: Table) -> bytes:
    """Header row then data rows; UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet_cells(table.columns))
    writer.writerows(sheet_cells("" if v is None else v for v in row) for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: Table, basis: Basis) -> bytes:
    """Sheet <table.sheet>: a title row, the header, the rows; sheet 统计口径: what was counted, as of when."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.sheet
    sheet_row(sheet, [table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet_row(sheet, table.columns)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        sheet_row(sheet, row)
    for i, name in enumerate(table.columns, start=1):
        if name.endswith("率"):  # rates are fractions: show them as percentages
            for cell in sheet[get_column_letter(i)][2:]:
                cell.number_format = "0.0%"
    sheet.freeze_panes = "A3"
    for i, name in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(8, min(40, len(name) * 2 + 4))
    print_setup(sheet, landscape=len(table.columns) > 8, title_rows="1:2")
    basis_sheet = book.create_sheet("统计口径")
    _basis_sheet(basis_sheet, basis)
    print_setup(basis_sheet, landscape=False, title_rows="1:1")
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def print_setup(sheet, landscape: bool, title_rows: str) -> None:
    """Printed as Excel and WPS print it: A4, every column on the page's width (as many pages down as the
    rows need), the title and header rows repeated on every page, the page number in the footer."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE if landscape else sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # 0: as many pages as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4  # inches
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def basis_rows(basis: Basis) -> list[tuple[str, str]]:
    rows = [("台账数据库", basis.ledger), ("花名册", basis.roster or "未提供"),
            ("数据截至（最近一次导入）", basis.as_of or "台账为空"), ("统计日", basis.today.isoformat()),
            ("已导入文件数", str(basis.files))]
    rows += [(f"有效{name}记录", str(n)) for name, n in basis.counts]
    rows.append(("计入的签到记录", str(basis.checkins_counted)))
    rows += [(f"未计入的签到记录：{name}", str(n)) for name, n in basis.checkins_skipped]
    rows += [(f"计入但有标记的签到记录：{name}", str(n)) for name, n in basis.checkins_flagged]
    rows.append(("星级标准（累计小时，一星至最高星）", basis.star_table))
    rows += [(f"规则{i}", rule) for i, rule in enumerate(basis.rules, start=1)]
    return rows


def _basis_sheet(sheet, basis: Basis) -> None:
    sheet_row(sheet, ["项目", "内容"])
    for row in basis_rows(basis):
        sheet_row(sheet, row)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90
