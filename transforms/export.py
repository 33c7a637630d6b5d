"""The one export path: tables to CSV or XLSX bytes that are safe to open in a spreadsheet.

OWASP CSV injection: a *text* cell starting with = + - @ tab, carriage return or line feed is
prefixed with a single quote, so no spreadsheet evaluates it. The decision is by type, not by
look: a text cell "-5" is neutralised too ('-5: text stays text), while a numeric column keeps
its real numbers, negatives included (-5 stays the number -5). Column names are text and get
the same treatment.

CSV records end with CRLF (RFC 4180), which makes the csv writer quote every field holding a CR or
an LF. A spreadsheet ends a record at a bare CR: with LF endings a text cell "x\r=1+2" was written
unquoted, and the "=1+2" after the CR opened a new record and ran as a formula, past the quote guard.

XLSX: every text cell is written as an inline/shared *string* (openpyxl data_type 's'), never as
a formula, so "=HYPERLINK(...)" arrives as the literal text; the same quote prefix is applied too,
so a user who copies the cell to a CSV elsewhere stays safe.
"""
from __future__ import annotations

import io
import math
from datetime import date, datetime

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_MAX_ROWS = 1_048_576          # rows per sheet, header included
SHEET_NAME_MAX = 31
README_SHEET = "README"


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are inert; numeric columns are left as they are."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel shows accents and emoji correctly; CRLF records (see the module docstring)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --- XLSX ---------------------------------------------------------------------------------------------

def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 chars, none of []:*?/\\)."""
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name)).strip("'") or "Sheet"
    base, candidate, n = clean[:SHEET_NAME_MAX], clean[:SHEET_NAME_MAX], 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate, n = base[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    return candidate


def _cell_value(value):
    """A value openpyxl can store: numbers stay numbers, dates dates, everything else text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):      # numpy scalars
        try:
            return _cell_value(value.item())
        except (ValueError, AttributeError):
            pass
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, (datetime, date)):
        return value
    return neutralise(str(value))


def _cell(ws, value, bold: bool = False):
    """A write-only cell; text is forced to a string cell (never a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    value = _cell_value(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"           # a string, never a formula, whatever it starts with
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss" if (value.hour or value.minute or value.second) else "yyyy-mm-dd"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _column_cells(ws, column: pd.Series) -> list:
    """One column's cells: numbers and dates as plain values (fast path), text as string cells."""
    from openpyxl.cell import WriteOnlyCell
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v
                for v in column.astype(object).where(column.notna(), None).tolist()]
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.dropna()
        if (stamps == stamps.dt.normalize()).all():      # whole days: real dates, shown yyyy-mm-dd
            return [None if pd.isna(v) else v.date() for v in column.tolist()]
        return [_cell_value(v) for v in column.tolist()]
    out = []
    for value in column.tolist():
        value = _cell_value(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


WIDTH_SAMPLE = 200          # rows looked at to size a column
MAX_WIDTH = 60


def _width(column: pd.Series, header: str) -> float:
    """Characters a column needs (header, or its longest sampled value; dates 12), capped."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return max(len(header), 12) + 2
    sample = column.head(WIDTH_SAMPLE).dropna().astype(str)
    longest = int(sample.str.len().max()) if len(sample) else 0
    return min(MAX_WIDTH, max(len(header), longest, 6) + 2)


def _layout(sheet, frame: pd.DataFrame) -> None:
    """Before any row is written (write-only mode): column widths, a frozen header and an autofilter."""
    from openpyxl.utils import get_column_letter
    for i, col in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _width(frame[col], str(col))
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def to_xlsx_bytes(tables: dict[str, pd.DataFrame], readme: dict) -> bytes:
    """One sheet per table, first a README sheet (key / value rows: as-of date, batch ids, notes).

    A table longer than Excel allows is cut at the limit, and the README says so. Written in
    openpyxl's write-only mode (streaming, constant memory).
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(README_SHEET)
    notes = dict(readme)
    names: dict[str, str] = {}
    taken = {README_SHEET}
    for name, frame in tables.items():
        names[name] = sheet_name(name, taken)
        taken.add(names[name])
        if len(frame) > EXCEL_MAX_ROWS - 1:
            notes[f"note: {names[name]}"] = (f"cut to the first {EXCEL_MAX_ROWS - 1:,} of {len(frame):,} rows "
                                            "(Excel's sheet limit); export that table as CSV for all rows")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 28, 90
    ws.append([_cell(ws, "key", True), _cell(ws, "value", True)])
    for key, value in notes.items():
        ws.append([_cell(ws, key), _cell(ws, value if isinstance(value, (int, float, date, datetime)) else str(value))])
    for name, sheet in names.items():
        frame = tables[name]
        ws.append([_cell(ws, f"sheet: {sheet}"),
                   _cell(ws, f"{len(frame):,} rows × {len(frame.columns)} columns ({name})")])
    for name, frame in tables.items():
        sheet = wb.create_sheet(names[name])
        _layout(sheet, frame.head(EXCEL_MAX_ROWS - 1))
        sheet.append([_cell(sheet, str(col), True) for col in frame.columns])
        columns = [_column_cells(sheet, frame[col].head(EXCEL_MAX_ROWS - 1)) for col in frame.columns]
        for row in zip(*columns):
            sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
