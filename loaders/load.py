"""Load a file into the database as one batch: validate first, then one transaction.

prepare() reads and validates without writing (the /data preview uses it);
commit() writes a prepared file as one batch; load_file() does both.
Replace by key (loaders/supersede.py): a load replaces exactly the (metric, day) values it holds
(and, in a wide table's history, the rows of the same day, or day × team); rows it replaces are
marked superseded by the new batch, never deleted, so undo can bring them back. Days a file does
not contain are never touched; removing data is its own batch (remove_days), undone like any other.
load_file() first offers large plain CSV/Parquet files to the DuckDB-native path (loaders/native.py),
which never imports pandas; anything it doubts takes the worded path (readers child + validate).
pandas, pyarrow, readers and validate are imported where used, so `python -m loaders load` on the
native path starts in DuckDB's import time alone.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from typing import TYPE_CHECKING

from loaders import access, schema, supersede
from loaders.access import Actor
from loaders.build import ensure_built, is_current, next_batch_id
from loaders.db import connect, transaction
from loaders.errors import BusyError, LoadError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from loaders import readers
    from loaders.validate import Validated

TRACKED = supersede.TRACKED
Replacement = supersede.Replacement


@dataclass
class Prepared:
    file_name: str
    sha256: str
    table: schema.Table
    validated: Validated
    notes: list[str] = field(default_factory=list)
    upload: readers.Upload | None = None            # the file as read, so remap() need not read it again
    mapping: dict = field(default_factory=dict)     # {"columns": {...}, "metrics": {...}} the analyst chose
    detected: bool = True                           # the table was detected from the columns (not chosen)

    @property
    def ok(self) -> bool:
        return self.validated.ok

    @property
    def frame(self) -> pd.DataFrame:
        return self.validated.frame

    @property
    def period(self) -> tuple | None:
        col = self.table.period_column
        if col is None or self.frame.empty or self.frame[col].isna().all():
            return None
        return (self.frame[col].min().date(), self.frame[col].max().date())


@dataclass(frozen=True)
class LoadResult:
    batch_id: int
    table: str
    rows: int
    file_name: str
    noop: bool = False
    replaced_rows: int = 0
    note: str | None = None           # a removal words its own summary

    def summary(self) -> str:
        if self.note:
            return self.note
        if self.noop:
            return (f"unchanged: {self.file_name} was already loaded as batch {self.batch_id} "
                    f"({self.rows} rows into {self.table})")
        text = f"batch {self.batch_id}: loaded {self.rows} rows into {self.table} from {self.file_name}"
        return text + (f", replacing {self.replaced_rows} value{'s' if self.replaced_rows != 1 else ''} "
                       "loaded earlier" if self.replaced_rows else "")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _references(db) -> tuple[dict[str, str], set[str]]:
    with connect(db) as con:
        metrics = dict(con.execute("SELECT metric_id, unit FROM metrics").fetchall())
        try:
            teams = {r[0] for r in con.execute("SELECT team FROM plan_teams").fetchall()}
        except Exception:          # plan data without a teams table: accept any team name
            teams = None
    return metrics, teams


def _choose_table(columns: list[str], table_name: str | None, file_name: str) -> schema.Table:
    """The chosen table, or the one the columns name; a misspelt header still finds its table
    (validation then names the header, with its 'did you mean')."""
    if table_name:
        table = schema.TABLES.get(table_name)
        if table is None or not table.uploadable:
            names = ", ".join(t.name for t in schema.UPLOADABLE)
            raise LoadError(Problem(file_name, f"unknown table '{table_name}'; choose one of {names}",
                                    code="unknown_table"))
        return table
    table = _detect(columns)
    if table is None:
        table = _detect(list(_close_names(columns).values()))
    if table is None:
        shapes = "; ".join(f"{t.name}: {', '.join(c.name for c in t.columns if c.required)}"
                           for t in schema.UPLOADABLE)
        guesses = {c: g for c, g in _close_names(columns).items() if g != c}
        hint = "".join(f"; '{c}' may mean '{g}'" for c, g in list(guesses.items())[:5])
        raise LoadError(Problem(
            file_name, f"cannot tell which table this is from its columns ({', '.join(columns[:12])}){hint}; "
            f"each table needs these columns — {shapes}", code="unknown_table"))
    return table


def _detect(columns: list[str]) -> schema.Table | None:
    table = schema.detect_table(columns)
    return None if table is not None and _only_keys_match(table, columns) else table


def _close_names(columns: list[str]) -> dict[str, str]:
    """Each header → the uploadable column it most probably means (itself when it is one)."""
    from loaders.validate import closest
    known = sorted({c.name for t in schema.UPLOADABLE for c in t.columns})
    return {c: c if c in known else (closest(c, known) or c) for c in columns}


def _only_keys_match(table: schema.Table, columns: list[str]) -> bool:
    """A 'date' column alone (plus unknown ones) is a guess, not a detection: ask for the table instead."""
    required = {c.name for c in table.columns if c.required}
    known = set(columns) & set(table.column_names)
    return len(required) < len(table.columns) and known == required and bool(set(columns) - known)


def prepare(path: str | Path, table_name: str | None = None, *, display_name: str | None = None,
            db: Path | None = None, column_map: dict | None = None, metric_map: dict | None = None,
            progress=None) -> Prepared:
    """Read and validate a file (nothing is written). Raises LoadError when it cannot even be read.

    column_map renames file columns to schema columns (a value of None drops the column);
    metric_map replaces metric_id values (observations). progress(stage, fraction) is told
    "read" then "validate", for the page's progress bar.
    """
    upload = read(path, table_name, display_name=display_name, column_map=column_map, progress=progress)
    _tell(progress, "validate", 0.4)
    return check(upload, table_name, column_map=column_map, metric_map=metric_map, db=db)


def read(path: str | Path, table_name: str | None = None, *, display_name: str | None = None,
         column_map: dict | None = None, progress=None) -> readers.Upload:
    """Stage one: the untrusted file, parsed safely (readers) — values as read, not yet typed."""
    from loaders import readers
    path = Path(path)
    _tell(progress, "read", 0.05)
    expected = set(schema.TABLES[table_name].column_names) if table_name in schema.TABLES else \
        {c.name for t in schema.UPLOADABLE for c in t.columns}
    return readers.read_upload(path, display_name or path.name, expected_columns=expected | set(column_map or {}))


def check(upload: readers.Upload, table_name: str | None = None, *, column_map: dict | None = None,
          metric_map: dict | None = None, db: Path | None = None, references: tuple | None = None) -> Prepared:
    """Stage two: choose the table, apply the analyst's mapping, validate. Cheap to repeat on one upload.

    references: (metric units, team names) read earlier, for a caller without the database (the capped
    child of loaders/spool.py); by default they are read from `db`.
    """
    return _guarded(upload.file_name, lambda: _check(upload, table_name, db, column_map, metric_map, references))


def remap(prepared: Prepared, *, table_name: str | None = None, column_map: dict | None = None,
          metric_map: dict | None = None, db: Path | None = None) -> Prepared:
    """Validate the same file again with another table choice or mapping, without reading it again."""
    if prepared.upload is None:
        raise LoadError(Problem(prepared.file_name, "the file is no longer available: upload it again"))
    return check(prepared.upload, table_name, column_map=column_map, metric_map=metric_map, db=db)


def _guarded(name: str, work):
    """The contract: a LoadError (or BusyError) with the file's name, never another exception."""
    try:
        return work()
    except (LoadError, BusyError):
        raise
    except Exception as exc:   # noqa: BLE001 - e.g. a type no rule foresaw: report it, never a traceback
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LoadError(Problem(name, f"could not be checked ({text}); nothing was written")) from None


def _check(upload: readers.Upload, table_name, db, column_map, metric_map, references=None) -> Prepared:
    import pyarrow as pa

    from loaders.validate import validate
    name = upload.file_name
    data = upload.table
    column_map = {k: v for k, v in (column_map or {}).items() if k in data.column_names and v != k}
    if column_map:
        keep = [c for c in data.column_names if column_map.get(c, c)]
        data = data.select(keep).rename_columns([column_map.get(c, c) for c in keep])
    table = _choose_table(list(data.column_names), table_name, name)
    metric_map = {k: v for k, v in (metric_map or {}).items() if v and v != k}
    if metric_map and "metric_id" in data.column_names:
        ids = data.column("metric_id").to_pandas().astype("string").str.strip()
        index = data.column_names.index("metric_id")
        data = data.set_column(index, "metric_id", pa.array(ids.replace(metric_map), pa.string()))
    if references is None:
        ensure_built(db)
        references = _references(db)
    metrics, teams = references
    validated = validate(table, data, name, upload.source_rows, metrics, teams, date1904=upload.date1904)
    mapping = {k: v for k, v in (("columns", column_map), ("metrics", metric_map)) if v}
    sha = upload.sha256 if not mapping else hashlib.sha256(
        f"{upload.sha256}\n{json.dumps(mapping, sort_keys=True, default=str)}".encode()).hexdigest()
    return Prepared(name, sha, table, validated, list(upload.notes), upload, mapping, detected=not table_name)


def _tell(progress, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


def load_file(path: str | Path, table_name: str | None = None, *, display_name: str | None = None,
              kind: str = "upload", actor: Actor | None = None, db: Path | None = None) -> LoadResult:
    """Load a file as one batch by `actor` (loaders/access.py; None: the page's user, else the operator)."""
    actor = access.require(actor, "load")
    fast = _load_native(path, table_name, display_name=display_name, kind=kind, actor=actor, db=db)
    if fast is not None:
        return fast
    prepared = prepare(path, table_name, display_name=display_name, db=db)
    return commit(prepared, kind=kind, actor=actor, db=db)


class _Doubtful(Exception):
    """The native path is unsure of the file: roll back and let the worded path read it."""


class _NotBuilt(Exception):
    """The database is new or holds an older plan: build it, then load."""


class _Unchanged(Exception):
    """The file was loaded before: roll back the rows just inserted and report that batch."""

    def __init__(self, result: LoadResult):
        super().__init__(result.summary())
        self.result = result


def _load_native(path: str | Path, table_name: str | None, *, display_name: str | None, kind: str,
                 actor: Actor, db: Path | None, built: bool = False) -> LoadResult | None:
    """Large plain CSV/Parquet: DuckDB reads, checks and inserts in one transaction (loaders/native.py).

    None = not taken (nothing written): small or odd files, or any doubtful row or cell.
    """
    from loaders import native
    path = Path(path)
    name = display_name or path.name
    plan = native.plan(path)
    if plan is None:
        return None
    try:
        table = _choose_table(plan.names, table_name, name)
    except LoadError:
        return None
    if not native.fits(plan, table):
        return None
    scan = native.Scan(str(path))       # sha256 + an independent record count, while DuckDB reads
    scan.start()
    memory = None
    try:
        with transaction(db) as con:
            if not is_current(con):     # checked here: a second open of the file costs ~35 ms (profile)
                raise _NotBuilt
            memory = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            con.execute(f"SET memory_limit = '{native.MEMORY_LIMIT}'")
            batch_id = next_batch_id(con)
            staged = native.stage(con, plan, table, scan, batch_id)
            con.execute(f"SET memory_limit = '{memory}'")
            memory = None
            if staged is None:
                raise _Doubtful
            rows, period = staged
            result = _write(con, table, name, scan.sha256, rows, period, kind, actor, inserted=batch_id)
            con.execute("DROP VIEW _staged")
            if result.noop:
                raise _Unchanged(result)     # identical content loaded before: undo this transaction's insert
            return result
    except _Unchanged as same:
        return same.result
    except _NotBuilt:
        scan.join()
        if built:
            return None
        ensure_built(db)
        return _load_native(path, table_name, display_name=display_name, kind=kind, actor=actor, db=db,
                            built=True)
    except (_Doubtful, Exception) as exc:     # noqa: BLE001 - the worded path reads it again and says why
        if isinstance(exc, BusyError):
            raise
        return None
    finally:
        scan.join()
        if memory is not None:      # restore the instance-wide limit for this process's other connections
            try:
                with connect(db) as con:
                    con.execute(f"SET memory_limit = '{memory}'")
            except Exception:   # noqa: BLE001 - the instance is gone with its setting
                pass


def commit(prepared: Prepared, *, kind: str = "upload", actor: Actor | None = None,
           db: Path | None = None, progress=None) -> LoadResult:
    """Write a prepared file as one batch, in one transaction: all of it, or nothing. Forbidden (nothing
    written) unless `actor` may load (None: the page's user, else the operator)."""
    actor = access.require(actor, "load")
    _tell(progress, "write", 0.7)
    try:
        return _commit(prepared, kind, actor, db)
    except (LoadError, BusyError):
        raise
    except Exception as exc:   # noqa: BLE001 - the transaction rolled back: say so, in one line
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LoadError(Problem(prepared.file_name, f"could not be written ({text}); nothing was loaded",
                                code="write_failed")) from None
    finally:
        _tell(progress, "done", 1.0)


def _commit(prepared: Prepared, kind: str, actor: Actor, db: Path | None) -> LoadResult:
    if not prepared.ok:
        raise LoadError(prepared.validated.problems)
    if prepared.frame.empty:
        raise LoadError(Problem(prepared.file_name, "no data rows to load", code="no_rows"))
    with transaction(db) as con:
        con.register("_staged", prepared.frame)
        result = _write(con, prepared.table, prepared.file_name, prepared.sha256, len(prepared.frame),
                        prepared.period, kind, actor)
        con.unregister("_staged")
    return result


def _write(con, table: schema.Table, file_name: str, sha256: str, rows: int, period: tuple | None,
           kind: str, actor: Actor, inserted: int | None = None) -> LoadResult:
    """One batch from relation `_staged` (the schema's columns), inside the caller's transaction.

    inserted: the batch id whose rows the native path already put into the table (`_staged` views them).
    """
    existing = con.execute(
        "SELECT batch_id, row_count FROM batches WHERE sha256 = ? AND table_name = ? "
        "AND rolled_back_at IS NULL ORDER BY batch_id LIMIT 1", [sha256, table.name]).fetchall()
    if existing:
        return LoadResult(existing[0][0], table.name, existing[0][1], file_name, noop=True)
    batch_id = inserted or next_batch_id(con)
    if inserted is None:
        cols = ", ".join(f'CAST("{c.name}" AS {c.sql_type})' for c in table.columns)
        con.execute(f'INSERT INTO "{table.storage_name}" SELECT {cols}, ?, NULL FROM _staged', [batch_id])
    if table is not schema.OBSERVATIONS:
        con.execute(f"INSERT INTO {supersede.STORE} SELECT metric_id, as_of, value, ?, NULL FROM "
                    f"({schema.unpivot_sql(table)})", [batch_id])
    replaced = supersede.supersede(con, table, batch_id)
    start, end = period or (None, None)
    _record(con, [batch_id, file_name, sha256, table.name, rows, datetime.now(), actor.who, kind, start, end,
                  replaced, actor.via])
    return LoadResult(batch_id, table.name, rows, file_name, replaced_rows=replaced)


def replacement_preview(prepared: Prepared, db: Path | None = None) -> Replacement:
    """Which live values a load of `prepared` would replace, by key, counted without writing."""
    table = prepared.table
    if not prepared.ok or prepared.frame.empty:
        return Replacement(0, (), 0, 0, (), 0, ())
    with connect(db) as con:
        same = con.execute(
            "SELECT batch_id, file_name FROM batches WHERE sha256 = ? AND table_name = ? "
            "AND rolled_back_at IS NULL ORDER BY batch_id LIMIT 1", [prepared.sha256, table.name]).fetchall()
        if same:
            return Replacement(0, (), 0, 0, (), 0, (), same_as=tuple(same[0]))
        con.register("_staged", prepared.frame)
        try:
            return supersede.preview(con, supersede.new_keys_sql(table))
        finally:
            con.unregister("_staged")


def replaced_values(prepared: Prepared, db: Path | None = None) -> pd.DataFrame:
    """The first values a load of `prepared` would replace (metric, day, value now, value after, batch)."""
    with connect(db) as con:
        con.register("_staged", prepared.frame)
        try:
            return supersede.detail(con, supersede.new_keys_sql(prepared.table))
        finally:
            con.unregister("_staged")


def unpivot_sql(table: schema.Table, source: str = "_staged") -> str:
    return schema.unpivot_sql(table, source)


def _record(con, values: list) -> None:
    """One row of `batches`, columns named (a database upgraded by build has them in this order too)."""
    con.execute("INSERT INTO batches (batch_id, file_name, sha256, table_name, row_count, loaded_at, loaded_by, "
                "kind, period_start, period_end, replaced_rows, loaded_via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values)


def rollback(batch_id: int, db: Path | None = None, *, actor: Actor | None = None) -> str:
    """Undo one batch: its rows go, the rows it replaced come back (a removal: the values it removed).
    An analyst may undo their own batches, an admin anyone's; who undid it is recorded."""
    actor = actor if actor is not None else access.default_actor()
    with transaction(db) as con:
        row = con.execute("SELECT kind, rolled_back_at, file_name, table_name, loaded_by FROM batches "
                          "WHERE batch_id = ?", [batch_id]).fetchone()
        if row is None:
            raise LoadError(Problem(f"batch {batch_id}", "no such batch", code="no_such_batch"))
        kind, rolled_back_at, file_name, table_name, loaded_by = row
        access.require(actor, "undo", owner=loaded_by)
        if kind == "plan":
            raise LoadError(Problem(f"batch {batch_id}", "the plan's own data cannot be rolled back",
                                    code="no_such_batch", fix="remove its days instead (a removal can be undone)"))
        if rolled_back_at is not None:
            raise LoadError(Problem(f"batch {batch_id}", f"already rolled back at {rolled_back_at:%Y-%m-%d %H:%M}",
                                    code="no_such_batch"))
        removed = supersede.undo(con, batch_id, table_name)
        if table_name == "calls":          # call records live in Parquet part files (loaders/calls)
            from loaders.calls import importer
            removed = importer.undo_parts(batch_id, db)
        con.execute("UPDATE batches SET rolled_back_at = ?, rolled_back_by = ? WHERE batch_id = ?",
                    [datetime.now(), actor.who, batch_id])
    if kind == "removal":
        return f"rolled back batch {batch_id} ({file_name}): the values it removed are back"
    return f"rolled back batch {batch_id} ({file_name}): removed {removed} rows from {table_name}"


def history(db: Path | None = None, limit: int = 1000) -> pd.DataFrame:
    with connect(db) as con:
        return con.execute("SELECT * FROM batches ORDER BY batch_id DESC LIMIT ?", [limit]).df()

