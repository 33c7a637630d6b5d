"""Errors a load can end with: always specific, never a traceback for the user.

Every Problem carries a stable machine `code` beside its English `reason`, and a `fix` (what to do
about it). Code that reacts to problems (the /data page's grouping, mapping and hints) branches on
the code, never on the wording, so a reworded reason cannot break it.
"""
from __future__ import annotations

from dataclasses import dataclass

# code → how to fix it (the default; a problem may carry a more specific fix of its own). The readers'
# refusals (READER_CODES: size, encoding, damaged or unsafe files) have none: each of those reasons says its own.
FIXES = {
    "unknown_table": "rename the headers to one of the table shapes listed (see the templates on /data), "
                     "or choose the target table",
    "unknown_column": "rename the header to one of the table's columns, or map it on /data",
    "missing_column": "add this column to the header row (see the table's template on /data)",
    "required_value": "fill in the cell: this column is required",
    "not_a_number": "write a plain number such as 12.5 (1,500 · $1.5M · 12% also work)",
    "placeholder_value": "leave the cell empty when there is no value: n/a, -, null and none are not blanks",
    "not_a_whole_number": "write a whole number (no decimals) in this column",
    "not_a_date": "write the date as YYYY-MM-DD, e.g. 2025-01-13",
    "ambiguous_date": "write the date as YYYY-MM-DD, so day and month cannot be swapped",
    "not_a_boolean": "write true or false (yes/no and 1/0 also work)",
    "out_of_range": "correct the value: it lies outside the range this column allows",
    "percent_not_allowed": "write the plain number without the % sign",
    "unknown_metric": "use a metric_id of the registry (the metrics sheet of the workbook export), or map it on /data",
    "unknown_team": "use one of the plan's team names",
    "duplicate_key": "keep one row per key: delete or correct the repeated row",
    "not_json": "fix the JSON syntax at that line (a JSON validator shows the exact spot)",
    "json_shape": "give one object per record: an array of objects, one object per line (NDJSON), "
                  "or the collector shape {\"date\": ..., \"metrics\": {...}}",
    "no_rows": "add data rows under the header",
    "write_failed": "try again; if it persists, the database file may be damaged or the disk full",
    "nothing_to_remove": "choose days (or metrics) that hold live values",
    "no_such_batch": "pick a batch from the load history",
}


# What the readers (loaders/readers/) refuse a whole file for, each a code of its own; "unreadable" is left
# for a failure no rule foresaw (a file that cannot be opened, a library error while reading).
READER_CODES = {
    "empty_file": "the file (or its only sheet) holds nothing",
    "too_large": "over a limit: bytes, rows, columns, or the parser's memory or time",
    "bad_encoding": "text that is neither UTF-8, UTF-16 nor Latin-1/cp1252",
    "binary_file": "NUL bytes: not a text file",
    "malformed_csv": "quotes that do not close, or rows the CSV reader and the quote-aware count disagree on",
    "ragged_row": "a row with more or fewer fields than the header",
    "duplicate_column": "two headers that mean the same column",
    "unnamed_column": "data under a column without a usable header name (or no named column at all)",
    "merged_header": "merged cells on the header row",
    "hidden_sheet": "the only data is on hidden sheets",
    "legacy_workbook": "an .xls or an encrypted workbook",
    "not_a_workbook": "a zip file that is not an Excel workbook",
    "unsafe_file": "a possible zip or XML bomb, a DTD, or macros",
    "damaged_file": "a damaged zip, workbook or Parquet file",
    "unsupported_type": "a Parquet column type with no plain-cell meaning (nested, binary that is not text)",
    "unreadable": "anything else that stopped the read",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can.

    `row` is the 1-based row number as the analyst sees it in the file
    (header = row 1 for CSV; the sheet's own row number for XLSX; the line a record starts on
    for JSON), or None when the problem concerns the whole file or a whole column.
    `code` is stable (see FIXES); `fix` says what to do (the code's default when not given).
    """

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: object = None
    code: str = "unreadable"
    fix: str | None = None

    @property
    def how_to_fix(self) -> str:
        return self.fix or FIXES.get(self.code, "")

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f", value {self.value!r}"
        text = f"{text}: {self.reason}"
        fix = self.how_to_fix
        return f"{text} — fix: {fix}" if fix and fix not in self.reason else text


class LoadError(Exception):
    """A file was refused. Carries every problem found; nothing was written."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.summary())

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def summary(self) -> str:
        first = str(self.problems[0]) if self.problems else "refused"
        more = len(self.problems) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")


class BusyError(Exception):
    """The database is being written by someone else and stayed busy past our retries."""
