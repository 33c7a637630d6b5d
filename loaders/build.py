"""Build the database from the shipped plan data (data/plan/*.csv).

Idempotent: the plan's content hash is recorded as the plan batch; building
again with the same files changes nothing, and building after the shipped
files changed refreshes the registry and the plan's own observations while
keeping every analyst upload.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import schema
from loaders.db import PLAN_DIR, connect, transaction

PLAN_FILE_NAME = "data/plan"


def plan_files(plan_dir: Path = PLAN_DIR) -> list[Path]:
    return sorted(plan_dir.glob("*.csv"))


def plan_sha256(plan_dir: Path = PLAN_DIR) -> str:
    digest = hashlib.sha256()
    for path in plan_files(plan_dir):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


if TYPE_CHECKING:
    import pandas as pd


def read_plan_csv(name: str, plan_dir: Path = PLAN_DIR) -> pd.DataFrame:
    import pandas as pd      # here, not at import: `python -m loaders load` on the native path never needs it
    return pd.read_csv(plan_dir / f"{name}.csv", keep_default_na=True)


def create_schema(con) -> None:
    for table in schema.ALL_TABLES:
        con.execute(schema.ddl(table))


def current_plan_sha(con) -> str | None:
    row = con.execute(
        "SELECT sha256 FROM batches WHERE kind = 'plan' AND rolled_back_at IS NULL "
        "ORDER BY batch_id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _replace_table(con, name: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")


def _typed(table: schema.Table, frame: pd.DataFrame) -> pd.DataFrame:
    missing = set(table.column_names) - set(frame.columns)
    if missing:
        raise ValueError(f"data/plan/{table.name}.csv lacks columns {sorted(missing)}")
    return frame[table.column_names]


def _load_registry(con, plan_dir: Path) -> None:
    for table in schema.PLAN_TABLES:
        frame = _typed(table, read_plan_csv(table.name, plan_dir))
        con.execute(f'DELETE FROM "{table.name}"')
        con.register("_frame", frame)
        cols = ", ".join(f'CAST("{c.name}" AS {c.sql_type})' for c in table.columns)
        con.execute(f'INSERT INTO "{table.name}" SELECT {cols} FROM _frame')
        con.unregister("_frame")
    registry = {t.name for t in schema.PLAN_TABLES} | {"observations"}
    for path in plan_files(plan_dir):
        if path.stem not in registry:
            _replace_table(con, schema.REFERENCE_PREFIX + path.stem, read_plan_csv(path.stem, plan_dir))


def _load_plan_observations(con, plan_dir: Path, sha: str) -> None:
    obs = read_plan_csv("observations", plan_dir)
    batch_id = next_batch_id(con)
    con.execute(
        "UPDATE observations SET superseded_by = ? WHERE superseded_by IS NULL AND batch_id IN "
        "(SELECT batch_id FROM batches WHERE kind = 'plan')", [batch_id])
    con.register("_obs", obs)
    con.execute(
        "INSERT INTO observations SELECT metric_id, CAST(as_of AS DATE), CAST(value AS DOUBLE), ?, NULL FROM _obs",
        [batch_id])
    con.unregister("_obs")
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, 'observations', ?, ?, 'build', 'plan', "
        "(SELECT min(CAST(as_of AS DATE)) FROM observations WHERE batch_id = ?), "
        "(SELECT max(CAST(as_of AS DATE)) FROM observations WHERE batch_id = ?), 0, NULL)",
        [batch_id, PLAN_FILE_NAME, sha, len(obs), datetime.now(), batch_id, batch_id])


def next_batch_id(con) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0]   # fetchall: DuckDB 2.0 refuses register() while a result is unfinished


def build(path: Path | None = None, plan_dir: Path = PLAN_DIR) -> bool:
    """Create or refresh the database. Returns True when anything was written."""
    sha = plan_sha256(plan_dir)
    with connect(path) as con:
        create_schema(con)
        if current_plan_sha(con) == sha:
            return False
    with transaction(path) as con:
        if current_plan_sha(con) == sha:     # someone else built it meanwhile
            return False
        _load_registry(con, plan_dir)
        _load_plan_observations(con, plan_dir, sha)
    return True


def is_current(con, plan_dir: Path = PLAN_DIR) -> bool:
    """True when `con`'s database holds today's plan (so a writer can go on without opening it twice)."""
    has_batches = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'batches' "
                              "AND NOT temporary").fetchall()[0][0]
    return bool(has_batches) and current_plan_sha(con) == plan_sha256(plan_dir)


def ensure_built(path: Path | None = None) -> None:
    """Build on first run; cheap when the database is already current."""
    build(path)
