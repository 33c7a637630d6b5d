"""The call-record Parquet store on disk: part files per day and batch, the install's salt, reference data.

Layout (loaders/calls/schema.py): `<root>/day=YYYY-MM-DD/part-<batch>.parquet`. A part file is written
under a hidden temporary name in its day folder and renamed into place (atomic on one file system), so a
reader's `*/*.parquet` glob never sees half a file. Temporary files a killed import left are removed by
the next import (it holds the database's write lock, so no other import is writing). Part files are never
removed for want of a batch row: a database rebuilt beside an existing store must not lose its calls, so a
new batch takes an id above every part file's (`next_batch_id`) and never overwrites one.

The salt: 32 random bytes, as 64 hex characters, in `<root>/.salt` (mode 0600), created on first use with O_EXCL so two
processes cannot create two. It lives with the hashes it salts (beside the database, never in git): a
copied store keeps its repeat-caller matching; a lost salt only means new hashes no longer match old ones.
"""
from __future__ import annotations

import csv
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from loaders.db import PLAN_DIR

PART = re.compile(r"^part-(\d+)\.parquet$")
SALT_FILE = ".salt"


def salt(root: Path) -> str:
    root.mkdir(parents=True, exist_ok=True)
    path = root / SALT_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii", errors="replace").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise RuntimeError(f"the call store's salt file ({SALT_FILE}) is damaged: restore it from a backup")
        return value
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return value


def parts(root: Path) -> list[Path]:
    """Every part file of the store (no temporary ones)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("day=*/part-*.parquet") if PART.match(p.name))


def days(root: Path) -> list[str]:
    """The days holding any Parquet file (imported batches, or the generator's `part-gen-*` files)."""
    if not root.is_dir():
        return []
    return sorted({p.parent.name.removeprefix("day=") for p in root.glob("day=*/*.parquet")})


def batch_of(path: Path) -> int:
    return int(PART.match(path.name).group(1))


def day_dir(root: Path, day) -> Path:
    return root / f"day={day}"


def existing_ids(root: Path, days) -> set[str]:
    """Call ids already stored on these days (iso strings), whoever wrote them (importer or generator)."""
    import pyarrow.parquet as pq
    ids: set[str] = set()
    for day in sorted(set(days)):
        for path in day_dir(root, day).glob("*.parquet"):
            ids.update(pq.read_table(path, columns=["call_id"]).column(0).to_pylist())
    return ids


def write(root: Path, batch_id: int, frame, arrow_schema) -> list[Path]:
    """One part file per day of `frame` (canonical columns + `day`), each written then renamed."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    written = []
    try:
        for day, rows in frame.groupby("day", sort=True):
            folder = day_dir(root, day)
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"part-{batch_id}.parquet"
            temp = folder / f".part-{batch_id}.parquet.tmp"
            table = pa.Table.from_pandas(rows.drop(columns="day"), schema=arrow_schema, preserve_index=False)
            pq.write_table(table, temp, compression="zstd")
            os.replace(temp, final)
            written.append(final)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for temp in root.glob(f"day=*/.part-{batch_id}.parquet.tmp"):
            temp.unlink(missing_ok=True)
        raise
    return written


def remove_batch(root: Path, batch_id: int) -> int:
    """Delete a batch's part files (and day folders left empty); returns how many files went."""
    gone = 0
    for path in root.glob(f"day=*/part-{int(batch_id)}.parquet"):
        path.unlink(missing_ok=True)
        gone += 1
        try:
            path.parent.rmdir()
        except OSError:
            pass
    return gone


def sweep_temp(root: Path) -> int:
    """Remove the temporary files of imports that were killed before their rename."""
    temps = list(root.glob("day=*/.part-*.parquet.tmp")) if root.is_dir() else []
    for temp in temps:
        temp.unlink(missing_ok=True)
    return len(temps)


def next_batch_id(root: Path, from_database: int) -> int:
    """The database's next batch id, or one above every part file's if the store is ahead of it."""
    return max([from_database] + [batch_of(p) + 1 for p in parts(root)])


def rows_of_batch(root: Path, batch_id: int) -> int:
    import pyarrow.parquet as pq
    return sum(pq.ParquetFile(p).metadata.num_rows for p in root.glob(f"day=*/part-{int(batch_id)}.parquet"))


@lru_cache(maxsize=1)
def area_code_states(plan_dir: Path = PLAN_DIR) -> dict[str, str]:
    """NPA → US state (data/plan/area_codes.csv; see data/plan/README.md for its source)."""
    with open(plan_dir / "area_codes.csv", newline="") as handle:
        return {row["area_code"].zfill(3): row["state"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def reporting_timezone(plan_dir: Path = PLAN_DIR) -> str:
    """The exchange's reporting time zone (calendar.csv `reporting_timezone`): a day is a day there."""
    with open(plan_dir / "calendar.csv", newline="") as handle:
        values = {row["key"]: row["value"] for row in csv.DictReader(handle)}
    return values.get("reporting_timezone") or "UTC"
