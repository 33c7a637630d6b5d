"""Header rules shared by every reader: which row is the header, what each column is called, and the
clean-up every table gets (unnamed or duplicate columns, empty rows, the column limit).

Names are normalised (' Report Date (UTC)' -> 'report_date_utc'): loaders/native.py keeps its own copy of
`normalise_name` so that the CLI's fast path needs neither numpy nor pyarrow (a test holds them together).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.errors import LoadError, Problem
from loaders.readers.base import Limits

HEADER_SEARCH_ROWS = 20

def normalise_name(raw: object) -> str:
    """' Report Date (UTC)' -> 'report_date_utc'; '' when nothing usable is left."""
    text = "" if raw is None else str(raw)
    return re.sub(r"[^\w]+", "_", text.strip().lower()).strip("_")


def nonempty(row) -> list[str]:
    return [str(c).strip() for c in row if c is not None and str(c).strip() != ""]


def find_header_row(rows: list[list], expected=None, notes: list[str] | None = None) -> int:
    """Index in `rows` of the header: by expected names when given, else by shape."""
    if expected:
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if matches(row, expected):
                return i
        if notes is not None:
            notes.append("no row among the first 20 holds the expected column names; the header row was guessed")
    return _guess_header_row(rows)


def matches(header_cells, expected) -> bool:
    """At least half of the expected names; or, when `expected` is a union of several
    tables' columns, at least two names making up at least half of the row's cells."""
    wanted = {normalise_name(e) for e in expected}
    cells = {normalise_name(c) for c in nonempty(header_cells)}
    found = len(cells & wanted)
    return found >= max(1, math.ceil(len(wanted) / 2)) or (found >= 2 and 2 * found >= len(cells))


def _guess_header_row(rows: list[list]) -> int:
    """First row at least half as wide as the widest: title and key/value rows are narrower."""
    widths = [len(nonempty(r)) for r in rows[:HEADER_SEARCH_ROWS]]
    need = max(1, math.ceil(max(widths, default=0) / 2))
    return next((i for i, w in enumerate(widths) if w >= need), 0)


def _column_names(raw_names: list, name: str, header_row: int) -> list[str]:
    """Normalised names; blanks become '' (checked against data later); duplicates refused."""
    names = [normalise_name(c) for c in raw_names]
    seen: dict[str, int] = {}
    problems = []
    for i, n in enumerate(names):
        if not n:
            continue
        if n in seen:
            j = seen[n]
            problems.append(Problem(name, f"duplicate column name: column {j + 1} ({raw_names[j]!r}) and "
                                          f"column {i + 1} ({raw_names[i]!r}) both mean '{n}'", row=header_row,
                                    code="duplicate_column"))
        else:
            seen[n] = i
    if problems:
        raise LoadError(problems)
    return names


def finish_table(table: pa.Table, raw_names: list, rows: np.ndarray, name: str,
                  header_row: int, limits: Limits, notes: list[str]):
    """Name columns, drop empty unnamed columns and empty rows, enforce the column limit."""
    names = _column_names(raw_names, name, header_row)
    keep, problems = [], []
    for i, n in enumerate(names):
        column = table.column(i)
        if n:
            keep.append(i)
        elif column.null_count < len(column):
            first = int(pc.index(pc.is_valid(column), True).as_py())
            shown = raw_names[i] if raw_names[i] not in (None, "") else "(blank)"
            problems.append(Problem(name, f"column {i + 1} has no usable header name ({shown!r}) but has data under it",
                                    row=int(rows[first]), value=column[first].as_py(), code="unnamed_column"))
    if problems:
        raise LoadError(problems)
    dropped = len(names) - len(keep)
    if dropped:
        notes.append(f"dropped {dropped} empty column{'s' if dropped > 1 else ''} without a header name")
    table = table.select(keep).rename_columns([names[i] for i in keep])
    if table.num_columns == 0:
        raise LoadError(Problem(name, "no columns with a header name", row=header_row, code="unnamed_column"))
    if table.num_columns > limits.max_columns:
        raise LoadError(Problem(name, f"{table.num_columns} columns; at most {limits.max_columns} are supported",
                                row=header_row, code="too_large"))
    return _drop_empty_rows(table, rows, name, notes)


def _drop_empty_rows(table: pa.Table, rows: np.ndarray, name: str, notes: list[str]):
    mask = None
    for column in table.columns:
        valid = pc.is_valid(column)
        mask = valid if mask is None else pc.or_(mask, valid)
    empty = len(table) - pc.sum(pc.cast(mask, pa.int64())).as_py() if len(table) else 0
    if empty:
        table = table.filter(mask)
        rows = rows[mask.to_numpy(zero_copy_only=False).astype(bool)]
        notes.append(f"skipped {empty} empty row{'s' if empty > 1 else ''}")
    if len(table) == 0:
        raise LoadError(Problem(name, "no data rows (only a header)", code="no_rows"))
    return table, rows

