"""Where the database lives and how to hold it: briefly, and with retries.

DuckDB lets one process hold the file for writing. The app and a scheduled
CLI load (the plan's daily collection) must share it, so nobody keeps the
file open: every unit of work opens, runs and closes, and a lock conflict is
retried with backoff before giving up with a clear BusyError.
Within one process DuckDB hands every `connect()` of the same file the same
instance, so threads share it safely, each through its own connection. What
is not safe is two threads opening or closing at the same moment: one may
attach the file while the other is still detaching it ("Unique file handle
conflict"; 4 threads failed 237 opens of 800). So opening and closing are
serialised here (`_OPEN_LOCK`), and every transient open error is retried.
No message leaving this module names the server's path: only the file name.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from loaders.errors import BusyError

ROOT = Path(__file__).resolve().parents[1]
PLAN_DIR = Path(os.environ.get("DCE_PLAN_DIR") or ROOT / "data" / "plan")   # $DCE_PLAN_DIR: build from a copy
DEFAULT_DB = ROOT / "data" / "dce.duckdb"
WAIT_S = 15.0          # how long a unit of work waits for another process's lock ($DCE_DB_WAIT_S)

# One writer at a time inside this process; across processes the file lock decides.
WRITE_LOCK = threading.RLock()
# Opening and closing DuckDB connections, one thread at a time (see the module docstring).
_OPEN_LOCK = threading.Lock()


def db_path() -> Path:
    return Path(os.environ.get("DCE_DB", DEFAULT_DB))


def _wait_s(wait_s: float | None) -> float:
    if wait_s is not None:
        return wait_s
    try:
        return float(os.environ.get("DCE_DB_WAIT_S", WAIT_S))
    except ValueError:
        return WAIT_S


def _is_transient(exc: Exception) -> bool:
    """Another process holds the file lock, or this process is still detaching the file."""
    text = str(exc).lower()
    if isinstance(exc, duckdb.IOException):
        return "lock" in text and ("could not set" in text or "conflicting" in text or "being used" in text)
    return isinstance(exc, getattr(duckdb, "ResourceInUseException", ())) or "unique file handle conflict" in text


def public_text(text: str, path: Path | None = None) -> str:
    """`text` with the database's directory taken out: the server's layout is nobody's business."""
    path = Path(path or db_path())
    for shown in {str(path.resolve()), str(path.absolute()), str(path)}:
        text = text.replace(shown, path.name)
    for folder in {str(path.resolve().parent), str(path.absolute().parent), str(path.parent)}:
        if folder not in ("", "."):
            text = text.replace(folder + os.sep, "")
    return text


def _public(exc: duckdb.Error, path: Path) -> duckdb.Error:
    """The same DuckDB error, its message without the server's path."""
    text = public_text(str(exc), path)
    if text == str(exc):
        return exc
    try:
        return type(exc)(text)
    except Exception:   # noqa: BLE001 - an exception type that will not take a message
        return duckdb.Error(text)


def _open(path: Path, wait_s: float):
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            with _OPEN_LOCK:
                return duckdb.connect(str(path))
        except duckdb.Error as exc:
            if not _is_transient(exc):
                raise _public(exc, path) from None
            if time.monotonic() >= deadline:
                raise BusyError(f"the database {path.name} is busy (another process is writing to it); "
                                f"gave up after {wait_s:.0f} s — retry in a moment") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def connect(path: Path | None = None, *, wait_s: float | None = None):
    """Open the database for one unit of work, retrying while another process holds it."""
    path = Path(path or db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, _wait_s(wait_s))
    try:
        yield con
    except duckdb.Error as exc:
        raise _public(exc, path) from exc.__cause__
    finally:
        with _OPEN_LOCK:
            con.close()


@contextmanager
def transaction(path: Path | None = None, *, wait_s: float | None = None):
    """One write transaction: all of it lands, or none of it does."""
    with WRITE_LOCK, connect(path, wait_s=wait_s) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def data_version(path: Path | None = None) -> tuple:
    """A cheap signature that changes whenever anyone (app or CLI) writes the database.

    Caches key on it, so the app shows a CLI load on its next rerun without
    opening the database to ask.
    """
    path = Path(path or db_path())
    sig = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            sig.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            sig.append(None)
    return (str(path), *sig)


def has_table(con, name: str) -> bool:
    """True when the database holds table `name` (a database built before the table existed does not)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $name AND NOT temporary",
                            {"name": name}).fetchall()[0][0])
