"""The DuckDB-native load of large, plain CSV and Parquet files: read, check and stage without pandas.

Why it exists: profile (pyinstrument) of `python -m loaders load` on a 1M-row observations CSV —
importing pandas 1.1–1.5 s, starting the parser forkserver 1.3 s, the child's parse + row count +
Arrow hand-off 0.5 s, validation 0.6 s, the insert 0.5 s; DuckDB's own read_csv of the same file
takes ~0.4 s. Here DuckDB reads the file and inserts it as the new batch in one pass, inside the load's transaction
(which is the staging: anything doubtful rolls it back), then checks references and keys in SQL;
`load._write` finishes the batch (replace by key, loaders/supersede.py; audit row) as for any load.

The file is still untrusted, so this path only ACCEPTS:
* explicit reader options, never DuckDB's sniffer (it silently dropped rows on real files):
  the header's delimiter, UTF-8, header on row 1, every column VARCHAR, strict mode, '"' quoting;
* its row count must equal an independent count of record terminators made while hashing
  (so files with quotes, blank lines, NUL bytes or stray CRs are left to the worded path);
* a memory limit while reading;
* the strict checks both SQL paths share (loaders/sqlcheck.py: ISO dates, plain numbers, no padding,
  known metric ids / teams, percent ranges, no duplicate keys).
Anything else — XLSX (zip/XML bombs stay in the capped child process), non-UTF-8, title rows,
unknown columns, small files, or any doubtful cell — returns None and the caller runs the worded
path (readers child + validate), which names every problem by file, row, column and value.
Imports only duckdb and the standard library: the CLI's fast path never imports pandas or pyarrow.

Every time this path declines a file, logger `loaders.native` says why: DEBUG when the file was never a
candidate (small, a workbook, UTF-16, ...), INFO when it was and something in it sent it to the worded path
(a doubtful cell, a row count that disagrees, a reader error). To see them:
`logging.basicConfig(); logging.getLogger("loaders.native").setLevel(logging.INFO)`.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass

from loaders import schema, sqlcheck

log = logging.getLogger("loaders.native")
MB = 1024 * 1024
MIN_CSV_BYTES = 2 * MB            # ≈ 50k rows of the observations shape; smaller files: the worded path is quick
MIN_PARQUET_ROWS = 50_000
MAX_BYTES = 200 * MB              # readers.Limits.max_bytes: larger files go to the path that refuses them
MEMORY_LIMIT = "2GB"              # readers.Limits.memory_mb
DELIMITERS = (",", ";", "|", "\t")
HEAD_BYTES = 64 * 1024


def normalise_name(raw: object) -> str:
    """Same rule as readers.normalise_name (kept here so this module needs no numpy/pyarrow)."""
    text = "" if raw is None else str(raw)
    return re.sub(r"[^\w]+", "_", text.strip().lower()).strip("_")


@dataclass
class Plan:
    """What a cheap look at the file found: enough to read it with explicit options."""

    path: str
    kind: str                          # 'csv' | 'parquet'
    names: list[str]                   # normalised column names, in file order
    delimiter: str = ","
    crlf: bool = False
    types: dict | None = None          # parquet: DuckDB type per column
    rows: int | None = None            # parquet: rows in the file's metadata


def declined(path, reason: str, *, candidate: bool = True) -> None:
    """Log why the native path leaves `path` to the worded one (returns None, for `return declined(...)`)."""
    log.log(logging.INFO if candidate else logging.DEBUG, "native load declined %s: %s; taking the worded path",
            os.path.basename(os.fspath(path)), reason)


def plan(path: str | os.PathLike) -> Plan | None:
    """Can the native path take this file? Reads a few KB (CSV) or the footer (Parquet); None = no."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return declined(path, f"cannot be opened ({exc.strerror or exc})", candidate=False)
    if size > MAX_BYTES or not head:
        return declined(path, "empty" if not head else f"over {MAX_BYTES // MB} MB", candidate=False)
    if head.startswith(b"PAR1"):
        return _plan_parquet(path)
    if size < MIN_CSV_BYTES:
        return declined(path, f"under {MIN_CSV_BYTES // MB} MB (the worded path is quick)", candidate=False)
    if head.startswith((b"PK", b"\xd0\xcf", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return declined(path, "a workbook, or text with a byte-order mark", candidate=False)
    if b"\x00" in head or b'"' in head:
        return declined(path, "NUL bytes or quotes in its first 64 KB")
    end = head.find(b"\n")
    if end <= 0:
        return declined(path, "no header line in its first 64 KB")
    try:
        head.decode("utf-8")
        header = head[:end].decode("utf-8")
    except UnicodeDecodeError:
        return declined(path, "not UTF-8 in its first 64 KB")
    crlf = header.endswith("\r")
    header = header.rstrip("\r")
    if "\r" in header or head.count(b"\r") != head.count(b"\r\n") or (head.count(b"\r") > 0) != crlf:
        return declined(path, "mixed or stray carriage returns")
    for delim in DELIMITERS:
        cells = next(csv.reader([header], delimiter=delim))
        if len(cells) > 1:
            return Plan(path, "csv", [normalise_name(c) for c in cells], delim, crlf)
    return declined(path, "a header of one column")


def _plan_parquet(path: str) -> Plan | None:
    import duckdb
    try:
        with duckdb.connect() as con:
            rows = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [path]).fetchall()[0][0]
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    except Exception as exc:   # noqa: BLE001 - corrupt or odd: the worded path says why
        return declined(path, f"DuckDB cannot read its footer ({str(exc).strip()[:120]})")
    if not rows or rows < MIN_PARQUET_ROWS:
        return declined(path, f"under {MIN_PARQUET_ROWS:,} rows (the worded path is quick)", candidate=False)
    names = [r[0] for r in described]
    if any(n != normalise_name(n) for n in names):      # names the readers would rename, or the pandas index
        return declined(path, "column names the readers would normalise")
    return Plan(path, "parquet", names, types={r[0]: r[1] for r in described}, rows=int(rows))


def fits(plan_: Plan, table: schema.Table) -> bool:
    """Header names are exactly known columns of `table` (no blanks, duplicates, unknowns; required present)."""
    names = plan_.names
    required = {c.name for c in table.columns if c.required}
    ok = len(set(names)) == len(names) and all(names) and set(names) <= set(table.column_names) \
        and required <= set(names)
    if not ok:
        declined(plan_.path, f"its header is not exactly columns of {table.name} (blank, repeated, unknown or "
                             "missing names)")
    return ok


class Scan(threading.Thread):
    """sha256 of the file and, for CSV, an independent count of records — one pass, beside DuckDB's read.

    Every test but the newline count is a single-byte memchr (`in`), so the pass costs about two
    reads of the file (profile: eight full-byte scans made it 0.28 s per 43 MB, competing for the
    second core with DuckDB's reader; now ~0.08 s). Blank lines need no test of their own: DuckDB
    skips them, so the counts disagree and the worded path takes the file.
    """

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path = path
        self.sha256 = ""
        self.newlines = self.crs = self.crlfs = 0
        self.quotes = self.nul = False
        self.ends_with_newline = False
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            digest = hashlib.sha256()
            last = b""
            with open(self.path, "rb") as fh:
                for chunk in iter(lambda: fh.read(4 * MB), b""):
                    digest.update(chunk)
                    self.newlines += chunk.count(b"\n")
                    if b"\r" in chunk or last == b"\r":
                        self.crs += chunk.count(b"\r")
                        self.crlfs += (last + chunk).count(b"\r\n")
                    self.quotes = self.quotes or b'"' in chunk
                    self.nul = self.nul or b"\x00" in chunk
                    last = chunk[-1:]
            self.ends_with_newline = last == b"\n"
            self.sha256 = digest.hexdigest()
        except Exception as exc:   # noqa: BLE001 - reported through .error
            self.error = exc

    def records(self) -> int | None:
        """Data records (header excluded) when the count is unambiguous; None when it is not."""
        if self.error or self.quotes or self.nul or self.crs != self.crlfs:
            return None
        return self.newlines + (0 if self.ends_with_newline else 1) - 1


def stage(con, plan_: Plan, table: schema.Table, scan: Scan, batch_id: int) -> tuple[int, tuple | None] | None:
    """Insert the file's rows into `table` as `batch_id` and define view `_staged` over them, on `con`.

    One pass: DuckDB reads, casts, leaves out doubtful rows and inserts (no staging copy: the
    transaction is the staging). Returns (rows, period) when every row and cell passed; None when
    anything is doubtful — the caller then rolls the transaction back. Errors propagate likewise
    (each is logged first: the caller rolls back and takes the worded path without a word).
    """
    try:
        return _stage(con, plan_, table, scan, batch_id)
    except Exception as exc:
        declined(plan_.path, f"DuckDB stopped reading it ({type(exc).__name__}: "
                             f"{(str(exc).strip().splitlines() or [''])[0][:160]})")
        raise


def _stage(con, plan_: Plan, table: schema.Table, scan: Scan, batch_id: int) -> tuple[int, tuple | None] | None:
    has_teams = bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'plan_teams' "
                                 "AND NOT temporary").fetchall()[0][0])
    read_types = _csv_read_types(plan_, table) if plan_.kind == "csv" else plan_.types
    built = sqlcheck.typed_select(table, read_types, sqlcheck.joined_columns(table, True, has_teams),
                                  reader_dates=plan_.kind == "csv")
    if built is None:
        return declined(plan_.path, "a column type the SQL checks do not take (a boolean as text, a timestamp, "
                                    "a decimal)")
    exprs, bad = built
    if plan_.kind == "csv":
        types = _csv_read_types(plan_, table)
        columns = "{" + ", ".join(f"'{n}': '{types[n]}'" for n in plan_.names) + "}"
        new_line = "\\r\\n" if plan_.crlf else "\\n"
        source = (f"read_csv(?, header = true, auto_detect = false, columns = {columns}, "
                  f"delim = '{plan_.delimiter}', quote = '\"', escape = '\"', strict_mode = true, "
                  f"encoding = 'utf-8', new_line = '{new_line}', null_padding = false, ignore_errors = false, "
                  f"dateformat = '%Y-%m-%d')")
    else:
        source = "read_parquet(?)"
    names = [c.name for c in table.columns]
    cast = ", ".join(f'CAST("{c.name}" AS {c.sql_type})' for c in table.columns)
    rows = con.execute(f'INSERT INTO "{table.storage_name}" SELECT {cast}, {int(batch_id)}, NULL FROM '
                       f"(SELECT {', '.join(exprs)} FROM {source} WHERE NOT ({' OR '.join(bad) or 'false'}))",
                       [plan_.path]).fetchall()[0][0]
    scan.join()
    if scan.error is not None:
        return declined(plan_.path, f"the hashing pass failed ({scan.error})")
    expected = scan.records() if plan_.kind == "csv" else plan_.rows
    if expected is None:
        return declined(plan_.path, "its records cannot be counted independently (quotes, NUL bytes or stray "
                                    "carriage returns)")
    if rows != expected or rows == 0:      # a doubtful row was left out, or rows went missing
        return declined(plan_.path, f"DuckDB kept {rows:,} of the {expected:,} records counted (a doubtful cell: an "
                                    "odd number or date, padding, a value out of range, a missing required value; "
                                    "or a blank line)")
    con.execute(f"CREATE TEMP VIEW _staged AS SELECT {', '.join(chr(34) + n + chr(34) for n in names)} "
                f'FROM "{table.storage_name}" WHERE batch_id = {int(batch_id)}')
    if sqlcheck.sql_rejects(con, table, "_staged", "metrics", "plan_teams" if has_teams else None):
        return declined(plan_.path, "an unknown metric or team, a percentage out of range, or a repeated key")
    period = None
    if table.period_column:
        start, end = con.execute(f'SELECT min("{table.period_column}"), max("{table.period_column}") FROM _staged'
                                 ).fetchall()[0]
        period = None if start is None else (start, end)
    return rows, period


def _csv_read_types(plan_: Plan, table: schema.Table) -> dict[str, str]:
    """How DuckDB reads each CSV column: dates as DATE (the reader's own '%Y-%m-%d' parse; a
    cell it cannot parse stops the read, and the worded path names it), everything else as text.

    Why dates are typed in the reader: the text round trip that checked them cost 0.08 s per 1M
    rows, a third of the whole read (profile); the reader's parse also takes a 1-digit month or
    day and padding, which the worded path reads as the same date."""
    dates = {c.name for c in table.columns if c.sql_type == "DATE"}
    return {n: "DATE" if n in dates else "VARCHAR" for n in plan_.names}
