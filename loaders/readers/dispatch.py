"""The entry point: size gate, kind from the content, and the reader for that kind, run in the sandbox.

`read_upload` is THE way into the readers (the /data page through loaders/spool.py, `python -m loaders
load` through loaders/load.py). A new format (call records, say) is one module with a reader of the
shape `reader(path, name, limits, expected, notes) -> (table, source rows, meta)`, one magic-byte rule in
`sniff_kind` and one entry in `READERS`; the sandbox, hashing and the Arrow hand-off come with it.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pyarrow as pa

from loaders.errors import LoadError, Problem
from loaders.readers import sandbox
from loaders.readers.base import BROWSER_MB, DEFAULT_LIMITS, MB, SOURCE_ROW_COLUMN, Limits, Upload, short
from loaders.readers.csv_reader import read_csv
from loaders.readers.json_reader import read_json
from loaders.readers.parquet_reader import read_parquet
from loaders.readers.sandbox import Spooled, map_arrow, run_sandboxed, source_path, write_arrow
from loaders.readers.xlsx_reader import check_xlsx_package, read_xlsx

def read_upload(
    path: str | os.PathLike | Spooled,
    display_name: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    expected_columns: set[str] | None = None,
) -> Upload:
    """Read `path` (or a spooled upload) safely in a child process; raise LoadError with a human reason if not."""
    name = display_name or (path.name if isinstance(path, Spooled) else Path(path).name)
    try:
        size = path.size if isinstance(path, Spooled) else os.path.getsize(path)
    except OSError as exc:
        raise LoadError(Problem(name, f"file cannot be opened ({exc.strerror or exc})")) from None
    check_size(size, name, limits)
    expected = frozenset(expected_columns) if expected_columns else None
    source = path if isinstance(path, Spooled) else os.fspath(path)
    if sandbox.IN_SANDBOX:      # already in the capped child (loaders/spool.py): parse right here
        table, rows, meta = _parse(source_path(source), name, limits, expected)
        return Upload(table=table, file_name=name, source_rows=pa.array(rows, pa.int64()), **meta)
    try:
        meta, out = run_sandboxed(_read_to_ipc, (source, name, limits, expected), name, limits)
        return _upload_from_ipc(out, name, meta)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: nothing else escapes
        raise LoadError(Problem(name, f"file could not be read ({short(exc)})")) from None


def check_size(size: int, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """The size gate, the same for the page and the loader: empty and over-limit files are refused."""
    if size == 0:
        raise LoadError(Problem(name, "file is empty", code="empty_file"))
    if size > limits.max_bytes:
        raise LoadError(Problem(name, f"file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes "
                                      f"({limits.max_bytes / BROWSER_MB:,.0f} MB)", code="too_large"))


def sniff_kind(path: str | os.PathLike, display_name: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """'csv' | 'xlsx' | 'parquet' | 'json' from the first bytes; LoadError for kinds we refuse."""
    name = display_name or Path(path).name
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        check_xlsx_package(path, name, limits)
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise LoadError(Problem(name, "legacy .xls or password-protected/encrypted workbook: "
                                      "open it in Excel and save as .xlsx (without a password)", code="legacy_workbook"))
    if size == 0:
        raise LoadError(Problem(name, "file is empty", code="empty_file"))
    if head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"[", b"{"):    # no CSV header starts so
        return "json"
    return "csv"


def _upload_from_ipc(out, name: str, meta: dict) -> Upload:
    table = map_arrow(out)
    rows = table.column(SOURCE_ROW_COLUMN).combine_chunks()
    table = table.drop_columns([SOURCE_ROW_COLUMN])
    return Upload(table=table, file_name=name, source_rows=rows, **meta)


def _read_to_ipc(source, name, limits, expected, out) -> dict:
    """Runs in the child: parse, write the table (with its source rows) for the parent to map."""
    table, rows, meta = _parse(os.fspath(source), name, limits, expected)
    write_arrow(table.append_column(SOURCE_ROW_COLUMN, pa.array(rows, pa.int64())), out)
    return meta


# kind -> reader(path, name, limits, expected columns, notes) -> (Arrow table of the columns as read,
# numpy array of each row's source row number, meta: header_row, sheet and anything else Upload holds)
READERS = {"csv": read_csv, "xlsx": read_xlsx, "parquet": read_parquet, "json": read_json}

_EXTENSION_KIND = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
                   ".xls": "xlsx", ".parquet": "parquet", ".parq": "parquet", ".pq": "parquet",
                   ".json": "json", ".ndjson": "json", ".jsonl": "json"}


def _parse(path: str, name: str, limits: Limits, expected):
    kind = sniff_kind(path, name, limits=limits)
    notes: list[str] = []
    claimed = _EXTENSION_KIND.get(Path(name).suffix.lower())
    if claimed and claimed != kind:
        notes.append(f"the file is named '{Path(name).suffix}' but is really {kind.upper()}; read as {kind.upper()}")
    hashing = _HashThread(path)  # hashlib releases the GIL: hash while parsing
    hashing.start()
    table, rows, extra = READERS[kind](path, name, limits, expected, notes)
    hashing.join()
    meta = {"kind": kind, "sha256": hashing.hexdigest, "notes": notes, **extra}
    return table, rows, meta


class _HashThread(threading.Thread):
    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path, self.hexdigest = path, ""

    def run(self) -> None:
        digest = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(4 * MB), b""):
                digest.update(chunk)
        self.hexdigest = digest.hexdigest()

