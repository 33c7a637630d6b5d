"""Where the database lives and how to hold it: briefly, and with retries.

DuckDB lets one process hold the file for writing. The app and a scheduled
CLI load (the plan's daily collection) must share it, so nobody keeps the
file open: every unit of work opens, runs and closes, and a lock conflict is
retried with backoff before giving up with a clear BusyError.
Within one process DuckDB hands every `connect()` of the same file the same
instance, so threads share it safely, each through its own connection.
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
PLAN_DIR = ROOT / "data" / "plan"
DEFAULT_DB = ROOT / "data" / "dce.duckdb"

# One writer at a time inside this process; across processes the file lock decides.
WRITE_LOCK = threading.RLock()


def db_path() -> Path:
    return Path(os.environ.get("DCE_DB", DEFAULT_DB))


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("could not set" in text or "conflicting" in text or "being used" in text)


@contextmanager
def connect(path: Path | None = None, *, wait_s: float = 15.0):
    """Open the database for one unit of work, retrying while another process holds it."""
    path = Path(path or db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                if _is_lock_conflict(exc):
                    raise BusyError(
                        f"the database {path.name} is busy (another process is writing to it); "
                        f"gave up after {wait_s:.0f} s — retry in a moment") from None
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(path: Path | None = None, *, wait_s: float = 15.0):
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
