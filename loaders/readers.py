"""Read one untrusted upload (CSV, XLSX, Parquet or JSON) into an Arrow table, or refuse it.

Why this module looks the way it does:

* Uploads are hostile until proven otherwise: zip bombs, XML entity bombs, files that
  claim a million rows, 9000 columns, lying extensions. Parsing happens in a CHILD
  PROCESS with an address-space limit (RLIMIT_AS) and a wall-clock timeout, so the worst
  a file can do is get itself refused; the Streamlit server never runs the parser.
  The child comes from a `forkserver` whose server process has already imported
  pyarrow/fastexcel/numpy (forking the multi-threaded Streamlit server itself is unsafe,
  and `spawn` would pay ~0.5 s of imports on every upload). The child writes an Arrow IPC
  file into an anonymous temporary file (O_TMPFILE: no name on disk) handed to it as a
  descriptor; the parent memory-maps it. No directory is ever created, so no exit path, a
  kill -9 of either process included, leaves anything behind: the kernel frees such a file
  when its last descriptor or mapping goes. `run_sandboxed` runs any work this way (the
  /data page validates uploads in the child too: loaders/spool.py).
* Mapped pages count as the server's memory only while touched: a background thread hands
  them back to the kernel every few seconds (`madvise(MADV_DONTNEED)`; the next read
  faults them in again from the page cache), so idle uploads hold disk, not RAM.
* The file kind comes from magic bytes, never from the name.
* CSV is read with all-string columns (no type guessing: the validation layer decides),
  and the row count is checked against an independent, quote-aware count of record
  terminators, because a reader that silently drops rows is worse than one that refuses.
* Every refusal is a `LoadError` with a `Problem` naming the file, and row/column/value
  where known. No other exception type leaves `read_upload`.

Row numbers (`Upload.source_rows`, `Problem.row`) are what the analyst sees: the
physical line where a CSV record starts, the sheet row for XLSX, the 1-based record
index for Parquet (whose `header_row` is 0: it has a schema, not a header row).
"""
from __future__ import annotations

import collections
import csv
import hashlib
import io
import logging
import math
import mmap
import multiprocessing
import os
import posixpath
import re
import resource
import shutil
import tempfile
import threading
import time
import weakref
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import ForkServerProcess, set_spawning_popen

from loaders.errors import LoadError, Problem
from loaders.json_reader import read_json

MB = 1024 * 1024
SOURCE_ROW_COLUMN = "__source_row__"
HEADER_SEARCH_ROWS = 20
PEEK_ROWS = 2 * HEADER_SEARCH_ROWS + 2
CSV_DELIMITERS = (",", ";", "|", "\t")
MAX_ZIP_ENTRIES = 10_000
MAX_REPORTED_ROWS = 10


# THE upload limit, stated once. .streamlit/config.toml's server.maxUploadSize carries the same number
# (a test holds them together) and the /data uploader passes it as max_upload_size. Streamlit's browser
# code counts a megabyte as 1,000,000 bytes (1,048,576 only on Windows), so the loader's limit in bytes
# is UPLOAD_LIMIT_MB × 1,000,000: a file the page lets through is never refused for its size here.
UPLOAD_LIMIT_MB = 200
BROWSER_MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Resource ceilings for one upload. The defaults suit the Streamlit app."""

    max_bytes: int = UPLOAD_LIMIT_MB * BROWSER_MB
    max_rows: int = 20_000_000
    max_columns: int = 200
    max_uncompressed_xlsx: int = 1024 * MB
    max_xlsx_ratio: float = 200.0
    timeout_s: float = 120.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()


@dataclass
class Upload:
    """A file that was read successfully; values are as read, not yet validated."""

    table: pa.Table
    file_name: str
    kind: str
    sha256: str
    header_row: int
    sheet: str | None
    notes: list[str] = field(default_factory=list)
    source_rows: pa.Array = field(default_factory=lambda: pa.array([], pa.int64()))
    date1904: bool = False  # XLSX only: the workbook counts serial dates from 1904


# ----------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------


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
    if _IN_SANDBOX:             # already in the capped child (loaders/spool.py): parse right here
        table, rows, meta = _parse(source_path(source), name, limits, expected)
        return Upload(table=table, file_name=name, source_rows=pa.array(rows, pa.int64()), **meta)
    try:
        meta, out = run_sandboxed(_read_to_ipc, (source, name, limits, expected), name, limits)
        return _upload_from_ipc(out, name, meta)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: nothing else escapes
        raise LoadError(Problem(name, f"file could not be read ({_short(exc)})")) from None


def check_size(size: int, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """The size gate, the same for the page and the loader: empty and over-limit files are refused."""
    if size == 0:
        raise LoadError(Problem(name, "file is empty"))
    if size > limits.max_bytes:
        raise LoadError(Problem(name, f"file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes "
                                      f"({limits.max_bytes / BROWSER_MB:,.0f} MB)"))


def sniff_kind(path: str | os.PathLike, display_name: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """'csv' | 'xlsx' | 'parquet' | 'json' from the first bytes; LoadError for kinds we refuse."""
    name = display_name or Path(path).name
    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        _check_xlsx_package(path, name, limits)
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise LoadError(Problem(name, "legacy .xls or password-protected/encrypted workbook: "
                                      "open it in Excel and save as .xlsx (without a password)"))
    if size == 0:
        raise LoadError(Problem(name, "file is empty"))
    if head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"[", b"{"):    # no CSV header starts so
        return "json"
    return "csv"


def prewarm() -> None:
    """Start the forkserver now (about 1 s of imports) instead of on the first upload."""
    _context()
    proc = _ParserProcess(target=_noop, daemon=True)
    proc.start()
    proc.join()


# ----------------------------------------------------------------------------------------
# Child process orchestration
# ----------------------------------------------------------------------------------------

_CTX = None
_PRELOAD = ["numpy", "pandas", "pyarrow", "pyarrow.csv", "pyarrow.parquet", "pyarrow.compute",
            "fastexcel", "defusedxml.ElementTree", "loaders.errors", "loaders.json_reader", "loaders.readers",
            "loaders.spool", "loaders.validate"]


def _context():
    global _CTX
    if _CTX is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        _start_forkserver()
        _CTX = ctx
    return _CTX


def _start_forkserver() -> None:
    """Start the forkserver, telling it the folder of its socket (multiprocessing's pymp-*), so that the
    folder goes when the forkserver does: it exits when its parent dies, even by kill -9, whose own
    clean-up then never runs. (Read back at the end of this module, in the forkserver.)"""
    os.environ[_FORKSERVER_TEMPDIR] = util.get_temp_dir()
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(_FORKSERVER_TEMPDIR, None)


_FORKSERVER_TEMPDIR = "DCE_FORKSERVER_TEMPDIR"


class _NoMainPopen(popen_forkserver.Popen):
    """The stdlib forkserver launcher, minus re-importing `__main__` in the child.

    multiprocessing normally re-runs the parent's main module in every child. Under
    Streamlit `sys.modules['__main__']` is the user's page script, so each upload would
    re-execute the app in the parser process. The child needs nothing from `__main__`:
    its target lives in this module, which the forkserver has already imported.
    (A copy of CPython 3.11's `popen_forkserver.Popen._launch` with that one change.)
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _ParserProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _NoMainPopen(process_obj)


def _noop() -> None:
    return None


class Spooled:
    """An upload's bytes in an anonymous temporary file: no name on disk, freed by the kernel when closed.

    A child receives it as a duplicated descriptor (pickled through the forkserver) and reads it as
    /proc/self/fd/N, so nothing is ever reachable under /tmp.
    """

    def __init__(self, data, name: str):
        self.name = name
        self._file = tempfile.TemporaryFile(prefix="dce-upload-")
        self._file.write(data)
        self._file.flush()
        self.size = os.fstat(self._file.fileno()).st_size

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def __reduce__(self):    # only while a child is being started: the child gets its own descriptor
        return (_Inherited, (reduction.DupFd(self.fileno()),))


class _Inherited:
    """A descriptor the parent handed to this child (a Spooled upload or an output file)."""

    def __init__(self, dup):
        self.fd = dup.detach()

    def __fspath__(self) -> str:
        return f"/proc/self/fd/{self.fd}"


class _Output:
    """An anonymous temporary file the child writes into and the parent then maps."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="dce-upload-")

    def __reduce__(self):
        return (_Inherited, (reduction.DupFd(self.file.fileno()),))


def source_path(source) -> str:
    return os.fspath(source) if not isinstance(source, Spooled) else f"/proc/self/fd/{source.fileno()}"


_IN_SANDBOX = False     # True inside a child started by run_sandboxed


def run_sandboxed(target, args: tuple, name: str, limits: Limits = DEFAULT_LIMITS):
    """`target(*args, out)` in a capped child: (its result, the anonymous file it wrote into `out`).

    `target` must be a module-level function; Spooled arguments reach it as paths. Anything it
    raises becomes a LoadError naming `name`; running out of memory or time is said in words.
    """
    with _SLOTS:
        ctx = _context()
        out = _Output()
        recv, send = ctx.Pipe(duplex=False)
        proc = _ParserProcess(target=_child_main, args=(send, target, args, name, limits, out), daemon=True)
        try:
            proc.start()
            send.close()
            message = _wait_for_child(proc, recv, limits)
            if message is None:
                raise LoadError(Problem(name, _too_big(limits)))
            status, payload, peak_mb = message
            CHILD_PEAKS_MB.append(peak_mb)
            if status == "refused":
                raise LoadError(payload)
            return payload, out.file
        except BaseException:
            out.file.close()
            raise
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=5)
            recv.close()


# Children at once: each may take its memory cap, and on a small machine they would only queue for
# the cores anyway. An upload over the count waits its turn (its wall-time limit starts after).
_SLOTS = threading.BoundedSemaphore(max(2, min(4, os.cpu_count() or 2)))
CHILD_PEAKS_MB: collections.deque = collections.deque(maxlen=100)   # each child's peak RSS (bench/bench_memory.py)


def _wait_for_child(proc, recv, limits: Limits):
    """The child's (status, payload) message, or None if it died or ran out of time."""
    deadline = time.monotonic() + limits.timeout_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            return None
        if recv.poll(min(remaining, 0.5)):
            try:
                return recv.recv()
            except (EOFError, OSError):
                return None
        if not proc.is_alive() and not recv.poll(0):
            return None


def map_arrow(file) -> pa.Table:
    """The Arrow IPC file an open file object holds, memory-mapped (zero-copy); the file is closed."""
    with file:
        if os.fstat(file.fileno()).st_size == 0:
            raise ValueError("the child wrote no table")
        mapped = mmap.mmap(file.fileno(), 0, prot=mmap.PROT_READ)
    _MAPPED.add(mapped)
    _start_evictor()
    return pa.ipc.open_file(pa.py_buffer(mapped)).read_all()


def write_arrow(table: pa.Table, out) -> None:
    """In the child: `table` as an Arrow IPC file into the parent's output file."""
    with open(out.fd, "wb", closefd=True) as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


_MAPPED: weakref.WeakSet = weakref.WeakSet()
_EVICTOR: threading.Thread | None = None
EVICT_EVERY_S = 5.0


def evict() -> None:
    """Hand every mapped upload's pages back to the kernel (they stay valid: a read faults them in again)."""
    for mapped in list(_MAPPED):
        try:
            mapped.madvise(mmap.MADV_DONTNEED)
        except (ValueError, OSError):     # closed meanwhile
            pass


def give_back_memory() -> None:
    """Return freed heap to the kernel (glibc keeps it otherwise: an upload's parse left ~200 MB behind)."""
    pa.default_memory_pool().release_unused()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):     # not glibc: nothing to trim
        pass


def _start_evictor() -> None:
    global _EVICTOR
    if _EVICTOR is None or not _EVICTOR.is_alive():
        _EVICTOR = threading.Thread(target=_evict_forever, name="dce-upload-evictor", daemon=True)
        _EVICTOR.start()


def _evict_forever() -> None:
    while True:
        time.sleep(EVICT_EVERY_S)
        evict()
        give_back_memory()


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


def _child_main(conn, target, args, name, limits, out) -> None:
    """Runs in the child: apply limits, run the work, report."""
    global _IN_SANDBOX
    try:
        _apply_rlimits(limits)
        _IN_SANDBOX = True
        logging.getLogger("fastexcel").setLevel(logging.ERROR)  # dtype-guess chatter, not errors
        conn.send(("ok", target(*args, out), _peak_mb()))
    except LoadError as exc:
        problems = exc.problems
        if len(problems) == 1 and _out_of_memory(RuntimeError(problems[0].reason)):   # wrapped by load._guarded
            problems = [Problem(name, _too_big(limits))]
        conn.send(("refused", problems, _peak_mb()))
    except Exception as exc:  # noqa: BLE001 - report, never traceback
        reason = _too_big(limits) if _out_of_memory(exc) else f"file could not be read ({_short(exc)})"
        conn.send(("refused", [Problem(name, reason)], _peak_mb()))
    finally:
        conn.close()


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return float("nan")


def _too_big(limits: Limits) -> str:
    return ("file too large or malformed to parse safely "
            f"(memory limit {limits.memory_mb} MB / time limit {limits.timeout_s:g} s)")


_OOM_TEXT = ("bad_alloc", "out of memory", "cannot allocate memory", "failed to launch worker thread",
             "can't start new thread", "failed to allocate", "memory limit")


def _out_of_memory(exc: BaseException) -> bool:
    """RLIMIT_AS shows up as MemoryError, ArrowMemoryError, or failed thread/alloc messages."""
    return isinstance(exc, MemoryError) or any(t in str(exc).lower() for t in _OOM_TEXT)


def _apply_rlimits(limits: Limits) -> None:
    """Cap the child's address space and CPU time; the parent also enforces wall time."""
    budget = limits.memory_mb * MB + _current_vm_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    cpu = int(limits.timeout_s * 2) + 5  # several threads may burn CPU in parallel
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _current_vm_bytes() -> int:
    """Virtual memory already mapped (imports, thread arenas): the budget comes on top."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# ----------------------------------------------------------------------------------------
# Dispatch (in the child)
# ----------------------------------------------------------------------------------------

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
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet, "json": read_json}[kind]
    table, rows, extra = reader(path, name, limits, expected, notes)
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


# ----------------------------------------------------------------------------------------
# Header handling, shared by CSV and XLSX
# ----------------------------------------------------------------------------------------

def normalise_name(raw: object) -> str:
    """' Report Date (UTC)' -> 'report_date_utc'; '' when nothing usable is left."""
    text = "" if raw is None else str(raw)
    return re.sub(r"[^\w]+", "_", text.strip().lower()).strip("_")


def _nonempty(row) -> list[str]:
    return [str(c).strip() for c in row if c is not None and str(c).strip() != ""]


def find_header_row(rows: list[list], expected=None, notes: list[str] | None = None) -> int:
    """Index in `rows` of the header: by expected names when given, else by shape."""
    if expected:
        for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if _matches(row, expected):
                return i
        if notes is not None:
            notes.append("no row among the first 20 holds the expected column names; the header row was guessed")
    return _guess_header_row(rows)


def _matches(header_cells, expected) -> bool:
    """At least half of the expected names; or, when `expected` is a union of several
    tables' columns, at least two names making up at least half of the row's cells."""
    wanted = {normalise_name(e) for e in expected}
    cells = {normalise_name(c) for c in _nonempty(header_cells)}
    found = len(cells & wanted)
    return found >= max(1, math.ceil(len(wanted) / 2)) or (found >= 2 and 2 * found >= len(cells))


def _guess_header_row(rows: list[list]) -> int:
    """First row at least half as wide as the widest: title and key/value rows are narrower."""
    widths = [len(_nonempty(r)) for r in rows[:HEADER_SEARCH_ROWS]]
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
                                          f"column {i + 1} ({raw_names[i]!r}) both mean '{n}'", row=header_row))
        else:
            seen[n] = i
    if problems:
        raise LoadError(problems)
    return names


def _finish_table(table: pa.Table, raw_names: list, rows: np.ndarray, name: str,
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
                                    row=int(rows[first]), value=column[first].as_py()))
    if problems:
        raise LoadError(problems)
    dropped = len(names) - len(keep)
    if dropped:
        notes.append(f"dropped {dropped} empty column{'s' if dropped > 1 else ''} without a header name")
    table = table.select(keep).rename_columns([names[i] for i in keep])
    if table.num_columns == 0:
        raise LoadError(Problem(name, "no columns with a header name", row=header_row))
    if table.num_columns > limits.max_columns:
        raise LoadError(Problem(name, f"{table.num_columns} columns; at most {limits.max_columns} are supported",
                                row=header_row))
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
        raise LoadError(Problem(name, "no data rows (only a header)"))
    return table, rows


# ----------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------


def _read_csv(path: str, name: str, limits: Limits, expected, notes: list[str]):
    with open(path, "rb") as fh:
        raw = fh.read()
    data = _decode_to_utf8(raw, name, notes)
    del raw
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.strip():
        raise LoadError(Problem(name, "file is empty"))
    delimiter = _detect_delimiter(data[: 256 * 1024])
    starts, lines = _record_starts(data, delimiter, name)
    sample = _sample_rows(data, starts, delimiter)
    h = find_header_row(sample, expected, notes)
    header_line = int(lines[h])
    if header_line > 1:
        notes.append(f"header found on row {header_line}")
    if delimiter != ",":
        notes.append(f"delimiter is {_DELIMITER_NAMES[delimiter]}")
    raw_names = sample[h]
    if len(raw_names) > limits.max_columns:
        raise LoadError(Problem(name, f"{len(raw_names)} columns; at most {limits.max_columns} are supported",
                                row=header_line))
    expected_rows = len(starts) - h - 1
    if expected_rows <= 0:
        raise LoadError(Problem(name, "no data rows (only a header)", row=header_line))
    if expected_rows > limits.max_rows:
        raise LoadError(Problem(name, f"{expected_rows:,} rows; at most {limits.max_rows:,} are supported"))
    body_start = int(starts[h + 1])
    table = _arrow_csv(data, body_start, starts, lines, len(raw_names), delimiter, name)
    if table.num_rows != expected_rows:
        raise LoadError(Problem(name, f"the CSV reader found {table.num_rows:,} data rows but a quote-aware count "
                                      f"found {expected_rows:,}: the file probably has a stray quote (\") "
                                      "or a line break inside an unquoted value"))
    rows = lines[h + 1:]
    table, rows = _finish_table(table, raw_names, rows, name, header_line, limits, notes)
    return table, rows, {"header_row": header_line, "sheet": None}


_DELIMITER_NAMES = {",": "comma", ";": "semicolon ';'", "|": "pipe '|'", "\t": "tab"}


def _decode_to_utf8(raw: bytes, name: str, notes: list[str]) -> bytes:
    """UTF-8 bytes without BOM; UTF-16 and cp1252/latin-1 converted (and noted); else refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8 with byte-order mark")
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(raw, "utf-16", name, notes, "UTF-16 with byte-order mark")
    elif _looks_utf16_le(raw):
        return _decode_utf16(raw, "utf-16-le", name, notes, "UTF-16 LE without byte-order mark")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise LoadError(Problem(name, f"contains a NUL (zero) byte at byte {nul}: this looks like a binary file, "
                                      "not CSV text", row=raw.count(b"\n", 0, nul) + 1))
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError as exc:
        return _decode_legacy(raw, exc.start, name, notes)


def _looks_utf16_le(raw: bytes) -> bool:
    head = raw[:2000]
    return len(head) >= 4 and head[1::2].count(0) > 0.4 * len(head[1::2]) and head[0::2].count(0) < 0.1 * len(head[0::2])


def _decode_utf16(raw: bytes, codec: str, name: str, notes: list[str], label: str) -> bytes:
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise LoadError(Problem(name, f"{label}, but invalid at byte {exc.start}")) from None
    notes.append(f"decoded as {label}")
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        pos = text.index("\x00")
        raise LoadError(Problem(name, "contains a NUL character", row=text.count("\n", 0, pos) + 1))
    return text.encode("utf-8")


def _decode_legacy(raw: bytes, bad_at: int, name: str, notes: list[str]) -> bytes:
    """Not UTF-8: accept cp1252/latin-1 when the stray bytes look like accented letters."""
    high = np.frombuffer(raw, dtype=np.uint8) >= 0x80
    in_runs = high[1:] & high[:-1]
    share_paired = (2 * int(in_runs.sum())) / max(1, int(high.sum()))
    if share_paired > 0.5:
        raise LoadError(Problem(name, f"not valid UTF-8 (first bad byte at offset {bad_at}) and does not look like "
                                      "Latin-1/cp1252 either (maybe Chinese, Greek or another encoding): "
                                      "save it as 'CSV UTF-8'", row=raw.count(b"\n", 0, bad_at) + 1))
    try:
        text, codec = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, codec = raw.decode("latin-1"), "latin-1"
    notes.append(f"decoded as {codec} (the file is not valid UTF-8)")
    return text.encode("utf-8")


def _detect_delimiter(sample: bytes) -> str:
    """The candidate giving the most rows with the same (>1) field count."""
    text = sample.decode("utf-8", errors="replace")
    lines = [ln for ln in text.split("\n")[:60] if ln.strip()]
    if len(sample) == 256 * 1024 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_score = ",", (0, 0)
    for delim in CSV_DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=multi.count)
        score = (multi.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _record_starts(data: bytes, delimiter: str, name: str):
    """Byte offset and line number of every non-blank record, counted outside quotes."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    quotes = _structural_quotes(arr, delimiter) if b'"' in data else newlines[:0]
    if quotes.size % 2:
        line = int(np.searchsorted(newlines, quotes[-1])) + 1
        raise LoadError(Problem(name, "unterminated quoted field: a quote (\") opened here is never closed "
                                      "(look for a stray quote on or before this row)", row=line))
    if quotes.size:
        outside = np.searchsorted(quotes, newlines) % 2 == 0
        term_index = np.flatnonzero(outside)
    else:
        term_index = np.arange(newlines.size)
    starts = np.concatenate(([0], newlines[term_index] + 1))
    lines = np.concatenate(([1], term_index + 2))
    keep = starts < len(data)
    starts, lines = starts[keep], lines[keep]
    not_blank = arr[starts] != 10
    return starts[not_blank], lines[not_blank]


def _structural_quotes(arr: np.ndarray, delimiter: str) -> np.ndarray:
    """Quote positions that open/close fields; a lone quote inside a bare value is literal."""
    quotes = np.flatnonzero(arr == 34)
    if quotes.size == 0:
        return quotes
    edge = {10, 34, ord(delimiter)}
    padded = np.concatenate(([10], arr, [10]))
    before = padded[quotes]
    after = padded[quotes + 2]
    structural = np.isin(before, list(edge)) | np.isin(after, list(edge))
    return quotes[structural]


def _sample_rows(data: bytes, starts: np.ndarray, delimiter: str) -> list[list[str]]:
    end = int(starts[HEADER_SEARCH_ROWS + 1]) if len(starts) > HEADER_SEARCH_ROWS + 1 else len(data)
    text = data[int(starts[0]):end].decode("utf-8")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    return rows[:HEADER_SEARCH_ROWS + 1]


def _arrow_csv(data: bytes, body_start: int, starts, lines, n_columns: int, delimiter: str, name: str) -> pa.Table:
    import pyarrow.csv as pacsv

    bad = []

    def on_invalid(row):
        bad.append(row.text)
        return "skip"

    placeholder = [f"c{i}" for i in range(n_columns)]
    read = pacsv.ReadOptions(column_names=placeholder, block_size=8 * MB)
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                               newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in placeholder}, null_values=[""],
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    try:
        table = pacsv.read_csv(pa.py_buffer(memoryview(data)[body_start:]), read_options=read,
                               parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise LoadError(Problem(name, f"not a readable CSV file ({_short(exc)})")) from None
    if bad:
        raise LoadError(_ragged_problems(bad, data, starts, lines, n_columns, delimiter, name))
    return table


def _ragged_problems(bad_texts, data, starts, lines, n_columns, delimiter, name) -> list[Problem]:
    problems = []
    for text in bad_texts[:MAX_REPORTED_ROWS]:
        pos = data.find(text.encode("utf-8"))
        line = int(lines[np.searchsorted(starts, pos, side="right") - 1]) if pos >= 0 else None
        got = len(next(csv.reader([text], delimiter=delimiter), []))
        problems.append(Problem(name, f"row has {got} fields but the header has {n_columns}", row=line,
                                value=text[:80]))
    problems.sort(key=lambda p: p.row or 0)
    if len(bad_texts) > MAX_REPORTED_ROWS:
        problems.append(Problem(name, f"{len(bad_texts) - MAX_REPORTED_ROWS} more rows with the wrong number of fields"))
    return problems


# ----------------------------------------------------------------------------------------
# XLSX
# ----------------------------------------------------------------------------------------

_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


def _check_xlsx_package(path, name: str, limits: Limits) -> None:
    """Refuse unsafe or non-workbook zips before any XML parser sees them."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_zip_sizes(infos, name, limits)
            types = _content_types(zf, name)
    except zipfile.BadZipFile as exc:
        raise LoadError(Problem(name, f"damaged zip/xlsx file ({_short(exc)})")) from None
    names = {i.filename.lower() for i in infos}
    if "macroenabled" in types.lower() or any(n.endswith("vbaproject.bin") for n in names):
        raise LoadError(Problem(name, "macro-enabled workbook (.xlsm): save it as a plain .xlsx workbook"))
    if "spreadsheetml" not in types or ("sheet.main+xml" not in types and "template.main+xml" not in types):
        raise LoadError(Problem(name, "a zip file that is not an Excel workbook"))


def _check_zip_sizes(infos, name: str, limits: Limits) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise LoadError(Problem(name, f"workbook has {len(infos):,} parts; refused as unsafe"))
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_xlsx:
        raise LoadError(Problem(name, f"workbook expands to {total / MB:,.0f} MB (limit "
                                      f"{limits.max_uncompressed_xlsx / MB:,.0f} MB): refused as a possible zip bomb"))
    for info in infos:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > MB and ratio > limits.max_xlsx_ratio:
            raise LoadError(Problem(name, f"part '{info.filename}' compresses {ratio:,.0f}:1 (limit "
                                          f"{limits.max_xlsx_ratio:g}:1): refused as a possible zip bomb"))


def _content_types(zf: zipfile.ZipFile, name: str) -> str:
    try:
        info = zf.getinfo("[Content_Types].xml")
    except KeyError:
        raise LoadError(Problem(name, "a zip file that is not an Excel workbook (no [Content_Types].xml)")) from None
    if info.file_size > 4 * MB:
        raise LoadError(Problem(name, "workbook content-types part is implausibly large; refused as unsafe"))
    return zf.read(info).decode("utf-8", errors="replace")


def _read_xlsx(path: str, name: str, limits: Limits, expected, notes: list[str]):
    import fastexcel

    with zipfile.ZipFile(path) as zf:
        _check_zip_sizes(zf.infolist(), name, limits)
        _refuse_dtds(zf, name)
        book = _workbook_info(zf, name)
    if book["date1904"]:
        notes.append("the workbook uses the 1904 date system")
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # noqa: BLE001 - fastexcel raises several types
        raise LoadError(Problem(name, f"workbook could not be opened ({_short(exc)})")) from None
    choice = _choose_sheet(reader, name, expected, notes)
    index, sheet_name, offset, h, peek = choice
    header_row = offset + h + 1
    if header_row > 1:
        notes.append(f"header found on row {header_row}")
    with zipfile.ZipFile(path) as zf:
        _check_sheet(zf, book["parts"].get(sheet_name), header_row, name, notes)
    raw_names = list(peek[h])
    table = _load_sheet_body(reader, index, header_row, len(raw_names), name)
    rows = np.arange(header_row + 1, header_row + 1 + len(table), dtype=np.int64)
    table, rows = _finish_table(table, raw_names, rows, name, header_row, limits, notes)
    return table, rows, {"header_row": header_row, "sheet": sheet_name, "date1904": book["date1904"]}


def _refuse_dtds(zf: zipfile.ZipFile, name: str) -> None:
    """No spreadsheet needs a DTD; one in any XML part means an entity bomb or XXE attempt.

    Honest about what it checks: every part of the package that is XML (told from its first bytes,
    not its name), decoded in its own encoding (UTF-8, UTF-16/32 with or without a byte-order mark,
    or what its XML declaration names), and its whole prolog, however long: whitespace, comments and
    processing instructions are read through, in streamed chunks, up to the root element. (It used to
    read 64 KB of bytes, so padding or UTF-16 slipped past.) The parsers behind it refuse entities
    too: defusedxml for the workbook parts we read ourselves; fastexcel's does not expand them.
    """
    for info in zf.infolist():
        with zf.open(info) as fh:
            head = fh.read(4)
            codec = _xml_codec(head + fh.read(256))
            if codec is None:
                continue
        with zf.open(info) as fh:
            verdict = _prolog_verdict(fh, codec, info.filename, name)
        if verdict == "dtd":
            raise LoadError(Problem(name, f"part '{info.filename}' declares a DTD/entities (an XML bomb or "
                                          "external-entity attack): refused as unsafe"))


_XML_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
             (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
             (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"))
_XML_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_PROLOG_SPACE = " \t\r\n\ufeff"          # a byte-order mark decodes to U+FEFF


def _xml_codec(head: bytes) -> str | None:
    """The encoding of a package part from its first bytes (XML 1.0, appendix F); None when it is not XML."""
    for mark, codec in _XML_BOMS:
        if head.startswith(mark):
            return codec
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return "utf-16-le"
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be"
    if not head.lstrip(b" \t\r\n").startswith(b"<"):
        return None                      # an image, a binary part: no XML parser reads it
    declared = _XML_DECLARED.match(head.lstrip(b" \t\r\n"))
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _prolog_verdict(fh, codec: str, part: str, name: str) -> str:
    """'root' when the root element is reached with nothing but a safe prolog before it; 'dtd' when a
    declaration (<!DOCTYPE, <!ENTITY, anything '<!' but a comment) comes first; 'end' without a root."""
    import codecs
    try:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    except LookupError:
        raise LoadError(Problem(name, f"part '{part}' is XML in an encoding no spreadsheet uses ({codec}); "
                                      "refused as unsafe")) from None
    state, carry = "between", ""
    while True:
        chunk = fh.read(256 * 1024)
        text = carry + decoder.decode(chunk, final=not chunk)
        carry, i = "", 0
        while i < len(text):
            if state == "between":
                while i < len(text) and text[i] in _PROLOG_SPACE:
                    i += 1
                rest = text[i:i + 4]
                if not rest or (len(rest) < 4 and chunk):
                    carry = text[i:]                 # too short to tell: wait for the next chunk
                    break
                if rest.startswith("<?"):
                    state, i = "?>", i + 2
                elif rest.startswith("<!--"):
                    state, i = "-->", i + 4
                else:
                    return "dtd" if rest.startswith("<!") else "root"
            else:
                found = text.find(state, i)
                if found < 0:
                    carry = text[max(i, len(text) - len(state) + 1):]
                    break
                state, i = "between", found + len(state)
        if not chunk:
            return "end"


def _workbook_info(zf: zipfile.ZipFile, name: str) -> dict:
    """Sheet name -> XML part path, and the date system, from workbook.xml and its rels."""
    from defusedxml import ElementTree as SafeET

    wb_path = _workbook_path(zf)
    try:
        workbook = SafeET.fromstring(zf.read(wb_path))
    except KeyError:
        raise LoadError(Problem(name, f"workbook part '{wb_path}' is missing")) from None
    date1904 = any(el.get("date1904") in ("1", "true") for el in workbook.iter() if el.tag.endswith("workbookPr"))
    base = os.path.dirname(wb_path)
    rels_path = f"{base}/_rels/{os.path.basename(wb_path)}.rels" if base else f"_rels/{wb_path}.rels"
    targets = {}
    if rels_path in zf.namelist():
        for rel in SafeET.fromstring(zf.read(rels_path)):
            targets[rel.get("Id")] = _resolve_part(base, rel.get("Target", ""))
    parts = {}
    for el in workbook.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = el.get(f"{{{_NS_REL}}}id") or next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            parts[el.get("name")] = targets.get(rid)
    return {"date1904": date1904, "parts": parts}


def _resolve_part(base: str, target: str) -> str:
    """A relationship target as a zip member name ('/xl/x.xml' is absolute, 'x.xml' relative)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)


def _workbook_path(zf: zipfile.ZipFile) -> str:
    """The officeDocument target of the package rels; else the usual places."""
    from defusedxml import ElementTree as SafeET

    names = set(zf.namelist())
    if "_rels/.rels" in names:
        for rel in SafeET.fromstring(zf.read("_rels/.rels")):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "").lstrip("/")
    for override in SafeET.fromstring(zf.read("[Content_Types].xml")):
        if override.get("PartName") and "main+xml" in (override.get("ContentType") or ""):
            return override.get("PartName").lstrip("/")
    return "xl/workbook.xml" if "xl/workbook.xml" in names else "workbook.xml"


def _choose_sheet(reader, name: str, expected, notes: list[str]):
    """First visible sheet with data rows; with several, the one matching expected_columns."""
    candidates, hidden, header_only, empty_match = [], [], [], None
    for index, sheet_name in enumerate(reader.sheet_names):
        peek, offset, visible, height = _peek_sheet(reader, index, name)
        if not any(_nonempty(r) for r in peek):
            continue
        if visible != "visible":
            hidden.append(sheet_name)
            continue
        h = find_header_row(peek, expected, None)
        if height <= offset + h + 1:
            header_only.append(sheet_name)
            empty_match = empty_match or (bool(expected) and _matches(peek[h], expected) and sheet_name)
            continue
        candidates.append((index, sheet_name, offset, h, peek))
    if not candidates:
        raise LoadError(Problem(name, _no_sheet_reason(hidden, header_only, len(reader.sheet_names))))
    if empty_match and not any(_matches(c[4][c[3]], expected) for c in candidates):
        # an unfilled template: its data sheet has the table's header and no rows; its notes sheet has rows
        raise LoadError(Problem(name, _no_sheet_reason([], [empty_match], len(reader.sheet_names)), code="no_rows",
                                fix=f"add data rows under the header of sheet '{empty_match}'"))
    chosen = candidates[0]
    if expected and len(candidates) > 1:
        chosen = next((c for c in candidates if _matches(c[4][c[3]], expected)), chosen)
    if expected and not _matches(chosen[4][chosen[3]], expected):
        find_header_row(chosen[4], expected, notes)  # records the "header guessed" note
    if len(reader.sheet_names) > 1:
        others = [c[1] for c in candidates if c is not chosen]
        more = f"; other sheets with data: {', '.join(repr(o) for o in others)}" if others else ""
        notes.append(f"sheet '{chosen[1]}' of {len(reader.sheet_names)}{more}")
    if hidden:
        notes.append(f"ignored hidden sheet{'s' if len(hidden) > 1 else ''}: {', '.join(repr(s) for s in hidden)}")
    return chosen


def _no_sheet_reason(hidden, header_only, n_sheets) -> str:
    if header_only:
        return f"no data rows (sheet '{header_only[0]}' has only a header)"
    if hidden:
        return (f"the only data is on hidden sheets ({', '.join(repr(s) for s in hidden)}): "
                "unhide the sheet or copy the data to a visible one")
    return f"workbook has no data (all {n_sheets} sheet{'s are' if n_sheets > 1 else ' is'} empty)"


def _peek_sheet(reader, index: int, name: str):
    """Rows from the first non-empty row on, that row's 0-based offset, visibility, height.

    fastexcel re-parses the whole sheet on every load, so this usually costs one parse:
    a second one only when more than PEEK_ROWS blank rows sit above the data.
    """
    try:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, n_rows=PEEK_ROWS, dtypes="string")
        rows = _rows_of_sheet(sheet)
        first = next((i for i, r in enumerate(rows) if _nonempty(r)), None)
        if first is None and sheet.total_height > len(rows):
            top = reader.load_sheet(index, header_row=None, n_rows=PEEK_ROWS, dtypes="string")
            return _rows_of_sheet(top), sheet.total_height - top.total_height, sheet.visible, sheet.total_height
    except Exception as exc:  # noqa: BLE001 - fastexcel raises several types
        raise LoadError(Problem(name, f"sheet {reader.sheet_names[index]!r} could not be read ({_short(exc)})")) from None
    first = first or 0
    return rows[first:], first, sheet.visible, sheet.total_height


def _rows_of_sheet(sheet) -> list[list]:
    return [list(r.values()) for r in sheet.to_arrow().to_pylist()] if sheet.width else []


def _load_sheet_body(reader, index: int, header_row: int, n_columns: int, name: str) -> pa.Table:
    placeholder = [f"c{i}" for i in range(n_columns)]
    try:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=header_row, column_names=placeholder,
                                  schema_sample_rows=None, dtype_coercion="coerce", whitespace_as_null=True)
        batch = sheet.to_arrow()
    except Exception as exc:  # noqa: BLE001
        raise LoadError(Problem(name, f"sheet could not be read ({_short(exc)})")) from None
    return pa.Table.from_batches([batch])


def _check_sheet(zf: zipfile.ZipFile, part: str | None, header_row: int, name: str, notes: list[str]):
    """Merged cells on the header row make column names ambiguous: refuse, naming the range. Excel error
    cells (#N/A, #DIV/0!, ...) under the header would reach us as blanks (the reader drops them): refuse
    them too, by cell reference, so a failed lookup is never loaded as 'no value'."""
    if not part:
        return
    ranges, errors = _scan_sheet(zf, part)
    crossing = [r for r in ranges if _rows_of(r)[0] <= header_row <= _rows_of(r)[1]]
    if crossing:
        raise LoadError(Problem(name, f"merged cells in the header row ({', '.join(crossing[:5])}): unmerge them "
                                      "so that each column has its own name in one row", row=header_row))
    if any(_rows_of(r)[1] < header_row for r in ranges):
        notes.append("merged title cells above the header were ignored")
    below = [(ref, value) for ref, value in errors.items() if _rows_of(ref)[0] > header_row]
    if below:
        raise LoadError([Problem(name, f"cell {ref} holds the Excel error {value or '(error)'}, which would load as "
                                       "an empty cell", row=_rows_of(ref)[0], value=value or None,
                                 code="placeholder_value", fix="correct the formula, or clear the cell if there "
                                                               "is no value") for ref, value in below[:100]])


_ERROR_CELL_RE = re.compile(rb"<(?:\w+:)?c\b(?=[^>]*\bt=\"e\")[^>]*?\br=\"([A-Z]+\d+)\"[^>]*>"
                            rb"(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)<", re.S)


def _scan_sheet(zf: zipfile.ZipFile, part: str) -> tuple[list[str], dict[str, str]]:
    """mergeCell refs and error cells (ref → '#N/A'), found by one streaming byte scan (the sheet may be
    very large; the error pattern only runs on chunks that hold an error cell at all)."""
    found, errors, tail = [], {}, b""
    try:
        fh = zf.open(part)
    except KeyError:
        return [], {}
    with fh:
        for chunk in iter(lambda: fh.read(4 * MB), b""):
            buf = tail + chunk
            found.extend(m.group(1).decode() for m in _MERGE_RE.finditer(buf))
            if b't="e"' in buf and len(errors) < 1000:
                errors.update((m.group(1).decode(), m.group(2).decode("utf-8", "replace"))
                              for m in _ERROR_CELL_RE.finditer(buf))
            tail = buf[-256:]  # a tag cut by the chunk boundary is matched next round
    return list(dict.fromkeys(found)), errors


def _rows_of(ref: str) -> tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", ref)]
    return min(numbers), max(numbers)


# ----------------------------------------------------------------------------------------
# Parquet
# ----------------------------------------------------------------------------------------


def _read_parquet(path: str, name: str, limits: Limits, expected, notes: list[str]):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as exc:  # noqa: BLE001 - ArrowInvalid, OSError, ...
        raise LoadError(Problem(name, f"corrupt Parquet file: {_short(exc)}")) from None
    _check_parquet_schema(schema, pf.metadata.num_rows, name, limits)
    try:
        table = pf.read()
    except Exception as exc:  # noqa: BLE001
        raise LoadError(Problem(name, f"corrupt Parquet file: {_short(exc)}")) from None
    if table.num_rows == 0:
        raise LoadError(Problem(name, "no data rows (the Parquet file has 0 rows)"))
    table = _flatten_parquet_columns(table, name, notes)
    raw_names = list(table.column_names)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    table, rows = _finish_table(table, raw_names, rows, name, 0, limits, notes)
    return table, rows, {"header_row": 0, "sheet": None}


def _check_parquet_schema(schema: pa.Schema, num_rows: int, name: str, limits: Limits) -> None:
    real = [f for f in schema if f.name != "__index_level_0__"]
    if not real:
        raise LoadError(Problem(name, "the Parquet file has no columns"))
    nested = [f for f in real if pa.types.is_nested(f.type) or _is_nested_extension(f.type)]
    if nested:
        raise LoadError([Problem(name, f"nested type not supported ({f.type}): flatten it into plain columns",
                                 column=f.name) for f in nested])
    if num_rows == 0:
        raise LoadError(Problem(name, "no data rows (the Parquet file has 0 rows)"))
    if num_rows > limits.max_rows:
        raise LoadError(Problem(name, f"{num_rows:,} rows; at most {limits.max_rows:,} are supported"))
    if len(real) > limits.max_columns:
        raise LoadError(Problem(name, f"{len(real)} columns; at most {limits.max_columns} are supported"))


def _is_nested_extension(t: pa.DataType) -> bool:
    return isinstance(t, pa.ExtensionType) and pa.types.is_nested(t.storage_type)


def _flatten_parquet_columns(table: pa.Table, name: str, notes: list[str]) -> pa.Table:
    """Drop the pandas index; decode dictionaries; binary -> UTF-8 text or refuse; float16 -> float32."""
    if "__index_level_0__" in table.column_names:
        table = table.drop_columns(["__index_level_0__"])
    for i, f in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_dictionary(f.type):
            column = column.cast(f.type.value_type)
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type) \
                or pa.types.is_fixed_size_binary(column.type):
            column = _binary_as_text(column, f.name, name, notes)
        elif pa.types.is_float16(column.type):
            column = column.cast(pa.float32())
        if column is not table.column(i):
            table = table.set_column(i, f.name, column)
    return table


def _binary_as_text(column: pa.ChunkedArray, col: str, name: str, notes: list[str]) -> pa.ChunkedArray:
    try:
        if pa.types.is_fixed_size_binary(column.type):
            column = column.cast(pa.binary())
        text = column.cast(pa.string())  # validates UTF-8
    except pa.ArrowInvalid:
        for index, value in enumerate(column.to_pylist()):
            try:
                None if value is None else value.decode("utf-8")
            except UnicodeDecodeError:
                raise LoadError(Problem(name, "binary column that is not UTF-8 text", row=index + 1, column=col,
                                        value=value[:20])) from None
        raise LoadError(Problem(name, "binary column that is not UTF-8 text", column=col)) from None
    notes.append(f"column '{col}' was binary without a text annotation; decoded as UTF-8")
    return text


# In the forkserver (started by _start_forkserver, which preloads this module): remove the socket's
# folder when this process exits, which it does as soon as the process that started it is gone.
if os.environ.get(_FORKSERVER_TEMPDIR):
    import atexit
    atexit.register(shutil.rmtree, os.environ.pop(_FORKSERVER_TEMPDIR), True)
