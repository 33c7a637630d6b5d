"""Build the database from the shipped plan data (data/plan/*.csv).

Idempotent: the plan's content hash is recorded as the plan batch; building
again with the same files changes nothing, and building after the shipped
files changed refreshes the registry and the plan's own observations while
keeping every analyst upload.

The layout (loaders/schema.py): tracked tables live under `<name>_history`, the plan's names are
live views. `upgrade_layout` brings a database written by an earlier version (tracked tables under
the plan's names, possibly with two live rows for one metric and day) to this layout, in the build's
transaction; a database already on it is only read.

The plan folder must meet its data contract (data/plan/contract.toml, loaders/contract.py) before
anything is written: a violation is a LoadError naming file, row, column and value, and nothing is built.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import contract, schema
from loaders.db import PLAN_DIR, connect, db_path, transaction
from loaders.errors import LoadError, Problem

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
    """Tables, then the live views (inside the caller's transaction)."""
    upgrade_layout(con)


def _relations(con) -> dict[str, str]:
    """name → 'table' | 'view' for the database's own (non-temporary) relations."""
    found = {r[0]: "table" for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    found.update({r[0]: "view" for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary").fetchall()})
    return found


def layout_current(con) -> bool:
    """True when every table and live view of this version exists (views marked with schema.LAYOUT)."""
    marked = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary AND comment = ?",
        [schema.LAYOUT]).fetchall()}
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    return (set(schema.view_sql()) <= marked and {t.storage_name for t in schema.ALL_TABLES} <= tables
            and not _missing_columns(con))


def _missing_columns(con) -> list[tuple[schema.Table, schema.Column]]:
    """Declared columns an existing table lacks (a database built before they were added: batches'
    loaded_via and rolled_back_by). `upgrade_layout` adds them; older rows hold NULL."""
    have: dict[str, set[str]] = {}
    for table_name, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                          "WHERE NOT internal AND database_name = current_database()").fetchall():
        have.setdefault(table_name, set()).add(column)
    return [(t, c) for t in schema.ALL_TABLES if t.storage_name in have
            for c in t.columns if c.name not in have[t.storage_name]]


def upgrade_layout(con) -> None:
    """Create what is missing; move an earlier version's tracked tables to `<name>_history` (one live row
    per key afterwards); (re)create the live views. Writes nothing when the layout is current."""
    if layout_current(con):
        return
    found = _relations(con)
    for table in schema.ALL_TABLES:
        if table.tracked and found.get(table.name) == "table" and table.storage_name not in found:
            con.execute(f'ALTER TABLE "{table.name}" RENAME TO "{table.storage_name}"')
            _one_live_row_per_key(con, table)
        con.execute(schema.ddl(table))
    for table, column in _missing_columns(con):
        con.execute(f'ALTER TABLE "{table.storage_name}" ADD COLUMN "{column.name}" {column.sql_type}')
    found = _relations(con)
    for name, sql in schema.view_sql().items():
        if found.get(name) == "table":      # an old table left beside its history (should not happen): keep it
            con.execute(f'ALTER TABLE "{name}" RENAME TO "{name}_legacy"')
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
        con.execute(f"COMMENT ON VIEW \"{name}\" IS '{schema.LAYOUT}'")


def _one_live_row_per_key(con, table: schema.Table) -> None:
    """Earlier versions replaced by date span and source table, so one key could hold two live rows (an
    observations file and a metrics_daily file on one day). Keep the newest batch's row live and mark the
    others superseded by it: undo of that batch brings them back, as for any replacement."""
    key = schema.key_sql(table)
    match = " AND ".join(f"{k} = d.k{i}" for i, k in enumerate(schema.key_sql(table, "t.")))
    con.execute(f"""
        UPDATE "{table.storage_name}" AS t SET superseded_by = d.newest
        FROM (SELECT {", ".join(f"{k} AS k{i}" for i, k in enumerate(key))}, max(batch_id) AS newest
              FROM "{table.storage_name}" WHERE superseded_by IS NULL GROUP BY ALL HAVING count(*) > 1) d
        WHERE t.superseded_by IS NULL AND t.batch_id < d.newest AND {match}""")


def current_plan_sha(con) -> str | None:
    row = con.execute(
        "SELECT sha256 FROM batches WHERE kind = 'plan' AND rolled_back_at IS NULL "
        "ORDER BY batch_id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _replace_table(con, name: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """`name` holds `frame` with exactly the contract's columns and types (not the types pandas guessed)."""
    con.register("_frame", frame)
    typed = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns.items())
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT {typed} FROM _frame')
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
    for stem, columns in schema.reference_tables().items():
        _replace_table(con, schema.REFERENCE_PREFIX + stem, read_plan_csv(stem, plan_dir), columns)


def _load_plan_observations(con, plan_dir: Path, sha: str, who: str, via: str) -> None:
    """The plan's own observations as a new plan batch. The previous plan batch's live rows give way to it;
    a (metric, day) an analyst has loaded since keeps the analyst's value: the new plan row goes in already
    superseded by that upload (so undoing the upload brings the new plan figure back, not the old one)."""
    obs = read_plan_csv("observations", plan_dir)
    batch_id = next_batch_id(con)
    store = schema.OBSERVATIONS.storage_name
    con.execute(
        f"UPDATE {store} SET superseded_by = ? WHERE superseded_by IS NULL AND batch_id IN "
        "(SELECT batch_id FROM batches WHERE kind = 'plan')", [batch_id])
    con.register("_obs", obs)
    con.execute(f"""
        INSERT INTO {store}
        SELECT p.metric_id, p.as_of, p.value, ?, l.batch_id
        FROM (SELECT metric_id, CAST(as_of AS DATE) AS as_of, CAST(value AS DOUBLE) AS value FROM _obs) p
        LEFT JOIN (SELECT metric_id, as_of, batch_id FROM {store} WHERE superseded_by IS NULL) l
               USING (metric_id, as_of)""", [batch_id])
    con.unregister("_obs")
    con.execute(
        "INSERT INTO batches (batch_id, file_name, sha256, table_name, row_count, loaded_at, loaded_by, kind, "
        "period_start, period_end, replaced_rows, loaded_via) VALUES (?, ?, ?, 'observations', ?, ?, ?, 'plan', "
        f"(SELECT min(as_of) FROM {store} WHERE batch_id = ?), "
        f"(SELECT max(as_of) FROM {store} WHERE batch_id = ?), 0, ?)",
        [batch_id, PLAN_FILE_NAME, sha, len(obs), datetime.now(), who, batch_id, batch_id, via])


def next_batch_id(con) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0]   # fetchall: DuckDB 2.0 refuses register() while a result is unfinished


def check_contract(plan_dir: Path = PLAN_DIR) -> None:
    """LoadError listing every way `plan_dir` breaks its contract, or declares the core tables (metrics,
    targets, observations) otherwise than this version's schema does; nothing else happens."""
    contract.enforce(plan_dir)
    declared = contract.load(plan_dir / contract.FILE_NAME)
    for table in (*schema.PLAN_TABLES, schema.OBSERVATIONS):
        if declared[table.name].columns != {c.name: c.sql_type for c in table.columns}:
            raise LoadError(Problem(f"{plan_dir.name}/{contract.FILE_NAME}", f"declares [{table.name}] otherwise than "
                                    "this version's schema (loaders/schema.py reads data/plan/contract.toml)",
                                    code="undeclared_table", fix="declare it as data/plan/contract.toml does"))


def build(path: Path | None = None, plan_dir: Path = PLAN_DIR, *, actor=None) -> bool:
    """Create, upgrade or refresh the database. Returns True when anything was written.
    LoadError (nothing written) when the plan folder breaks its data contract.

    `actor` (loaders/access.py): an explicit rebuild (the CLI's `build`) needs the admin role and is recorded
    as theirs; without one it is the automatic build on first run or after the plan files changed, which
    applies only the shipped files and is recorded as the server's user, via 'build'."""
    from loaders import access
    who, via = (access.require(actor, "rebuild").who, actor.via) if actor is not None else (access.os_user(), "build")
    sha = plan_sha256(plan_dir)
    if Path(path or db_path()).exists():        # (a refused plan leaves no empty database file behind)
        with connect(path) as con:
            if is_current(con, plan_dir, sha):
                return False
    check_contract(plan_dir)
    with transaction(path) as con:
        create_schema(con)                   # no-op when someone else upgraded it meanwhile
        if current_plan_sha(con) == sha:     # ... or built it
            return True
        _load_registry(con, plan_dir)
        _load_plan_observations(con, plan_dir, sha, who, via)
    return True


def is_current(con, plan_dir: Path = PLAN_DIR, sha: str | None = None) -> bool:
    """True when `con`'s database has this version's layout and holds today's plan (so a writer can go on
    without opening it twice)."""
    return layout_current(con) and current_plan_sha(con) == (sha or plan_sha256(plan_dir))


def ensure_built(path: Path | None = None) -> None:
    """Build on first run; cheap when the database is already current."""
    build(path)
