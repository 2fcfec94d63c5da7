"""A report as tables of rounded values, and its XLSX and CSV renderings.

The page, the XLSX file and the CSV file are drawn from the same `Table` objects, so an export carries
exactly the numbers of the page: values are rounded once, here, to what the page shows.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from babel.numbers import format_decimal
from flask_babel import get_locale

# Column kinds: how a value is rounded, shown and written.
# A "delta" is a change against the previous period, written with its sign.
DECIMALS = {"int": 0, "minutes": 1, "percent": 1, "score": 2, "nrr": 3, "delta0": 0, "delta": 1, "delta2": 2,
            "text": None}
XLSX_FORMATS = {"int": "0", "minutes": "0.0", "percent": "0.0", "score": "0.00", "nrr": "0.000",
                "delta0": "+0;-0;0", "delta": "+0.0;-0.0;0.0", "delta2": "+0.00;-0.00;0.00"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str          # already translated
    kind: str = "text"
    title: str = ""     # a longer header (the element's name behind "U3")


@dataclass
class Table:
    key: str            # stable id: the page's data-table, the XLSX sheet's name, the CSV section's
    title: str          # already translated
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None   # the "all services" row, drawn bold after the others
    note: str = ""

    def add(self, *values) -> None:
        self.rows.append([_round(value, column.kind) for value, column in zip(values, self.columns)])

    def set_total(self, *values) -> None:
        self.total = [_round(value, column.kind) for value, column in zip(values, self.columns)]

    @property
    def all_rows(self) -> list[list]:
        return self.rows + ([self.total] if self.total is not None else [])


def _round(value, kind: str):
    if value is None or kind == "text":
        return value
    digits = DECIMALS[kind]
    if digits == 0:
        return int(round(value))
    return round(float(value), digits)


def shown(value, kind: str, locale: str | None = None) -> str:
    """A value as the page prints it (locale decimal mark, fixed decimals, "–" for nothing)."""
    if value is None or value == "":
        return "–"
    if kind == "text":
        return str(value)
    digits = DECIMALS[kind]
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    if kind.startswith("delta"):
        pattern = "+" + pattern + ";-" + pattern
    return format_decimal(value, format=pattern, locale=locale or _locale())


def _locale() -> str:
    return str(get_locale() or "id")


def plain(value, kind: str) -> str:
    """A value as the CSV writes it: a dot for decimals, no grouping, empty for nothing."""
    if value is None:
        return ""
    if kind == "text":
        return _defused(str(value))
    digits = DECIMALS[kind]
    return f"{value:+.{digits}f}" if kind.startswith("delta") else f"{value:.{digits}f}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defused(text: str) -> str:
    """Visitors write suggestions: a text that a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(heading: list[str], tables: list[Table]) -> bytes:
    """Every table one after another (title line, header, rows, blank line), UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in heading:
        writer.writerow([line])
    writer.writerow([])
    for table in tables:
        writer.writerow([table.title])
        writer.writerow([column.label for column in table.columns])
        for row in table.all_rows:
            writer.writerow([plain(value, column.kind) for value, column in zip(row, table.columns)])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(table: Table, used: set[str]) -> str:
    name = table.key[:31]
    suffix = 2
    while name in used:
        name = f"{table.key[:28]}-{suffix}"
        suffix += 1
    used.add(name)
    return name


def to_xlsx(heading: list[str], tables: list[Table]) -> bytes:
    """One sheet per table, named by its key: the heading lines, the title, the header and the rows, with
    numbers as numbers in the page's precision."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, used))
        for line in heading:
            sheet.append([line])
        sheet.append([table.title])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([column.label for column in table.columns])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
        for row in table.all_rows:
            sheet.append([None] * len(row))
            for index, (value, column) in enumerate(zip(row, table.columns), start=1):
                cell = sheet.cell(row=sheet.max_row, column=index)
                if column.kind in XLSX_FORMATS:
                    cell.value = value
                    cell.number_format = XLSX_FORMATS[column.kind]
                elif value is not None:
                    cell.value = str(value)
                    cell.data_type = "s"  # never a formula, whatever a visitor typed
        if table.total is not None:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
        for index, column in enumerate(table.columns, start=1):
            width = 40 if column.kind == "text" and index == 1 else 14
            sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
