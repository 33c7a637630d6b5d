"""Import a call-record export (CSV, XLSX, Parquet) into the day-partitioned Parquet store, as one batch.

    prepared = prepare(path, column_map={"Caller ID": "caller"})   # read + validate; nothing written
    preview(prepared)                                              # rows, new vs already stored, days
    commit(prepared)                                               # part files + a batch row; or nothing

Semantics (column aliases and what each export's columns mean: loaders/calls/aliases.py):
- Reading goes through `loaders.readers` (the capped child process; kind from the content). Headers
  are matched by alias; an explicit mapping (file column → canonical, or None to drop) wins. Columns no
  alias knows are ignored and listed in the notes; columns that are required and missing — call_id,
  start_ts, and connected (or a generic CDR's disposition) — refuse the file, naming what to map.
- Time: a timestamp with an offset is that instant; one without is wall-clock time in the reporting
  time zone (data/plan/calendar.csv `reporting_timezone`), or in `zone` when the caller names another
  (`--tz`), or UTC when the column's header says so ('Start Time (UTC)'). `day` is always the start date in the reporting zone. Stored as UTC.
- Caller numbers are normalised to E.164 and hashed (hex SHA-256 of the per-install salt's hex text followed
  by the number, so DuckDB's sha256 and Spark's sha2 give the same hash;
  loaders/calls/store.py); the raw column is dropped before anything else is done with the rows.
  `caller_area_code` is the NPA of +1 numbers; `caller_state` is the export's own state where it has one,
  else the area code's state (data/plan/area_codes.csv).
- Validation: every unreadable cell is a Problem (file, row as the analyst sees it, column, code);
  any problem refuses the whole file and nothing is written.
- Deduplication by call_id: within the file the first row of an id is kept; against the store, ids
  already stored on the file's days (± 1 day, for exports cut in another zone) are skipped. A re-import
  of an overlapping export adds only the new calls and says how many it skipped; one that adds nothing
  writes nothing (no empty batch).
- A batch is a row in `batches` (table_name 'calls', row_count = calls written, period = first/last day)
  and one part file per day; it is written while holding the database's write lock, so two imports
  cannot both add the same call. Undo (`python -m loaders rollback N`, or /data) deletes its part files.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from loaders.calls import aliases, parse, schema, store
from loaders.errors import BusyError, LoadError, Problem

TABLE = "calls"              # the batches table's table_name for call-record batches
MAX_PROBLEMS = 10_000
REQUIRED = ("call_id", "start_ts")


@dataclass
class Prepared:
    file_name: str
    sha256: str
    source: str | None                      # 'ringba' | 'retreaver' | 'generic' | 'canonical' | None
    columns: list[str]                      # the file's headers (normalised by the readers)
    mapping: dict[str, str]                 # file column → canonical (aliases + the explicit map)
    unmapped: list[str]                     # file columns ignored
    frame: pd.DataFrame                     # canonical columns + day; empty when refused
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    in_file_duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing(self) -> list[str]:
        return [p.column for p in self.problems if p.code == "missing_column"]


@dataclass(frozen=True)
class Result:
    batch_id: int | None
    file_name: str
    rows: int
    days: int
    skipped_stored: int
    skipped_in_file: int

    @property
    def noop(self) -> bool:
        return self.batch_id is None

    def summary(self) -> str:
        skipped = (f"; skipped {self.skipped_stored:,} already stored and {self.skipped_in_file:,} repeated "
                   "in the file")
        if self.noop:
            return f"unchanged: every call in {self.file_name} is already stored" + skipped
        return (f"batch {self.batch_id}: imported {self.rows:,} calls on {self.days} "
                f"day{'s' if self.days != 1 else ''} from {self.file_name}" + skipped)


@dataclass(frozen=True)
class Preview:
    rows: int                 # calls in the file after in-file deduplication
    new: int
    stored: int               # already in the store (skipped)
    in_file: int              # repeated call ids within the file (skipped)
    days: list[str]
    publishers: list[str]


def root(db: Path | None = None) -> Path:
    return schema.calls_root(db)


# ---- reading and checking ------------------------------------------------------------------------

def read(path, display_name: str | None = None, column_map: dict | None = None):
    """The file through the readers (capped child; header row found by the call aliases)."""
    from loaders import readers
    name = display_name or getattr(path, "name", None) or Path(path).name
    expected = set(aliases.EXPECTED_HEADERS) | {readers.normalise_name(k) for k in (column_map or {})}
    return readers.read_upload(path, name, expected_columns=expected)


def prepare(path, display_name: str | None = None, *, column_map: dict | None = None, zone: str | None = None,
            db: Path | None = None) -> Prepared:
    upload = read(path, display_name, column_map)
    return check(upload, column_map=column_map, zone=zone, salt=store.salt(root(db)))


def check(upload, *, column_map: dict | None = None, zone: str | None = None, salt: str) -> Prepared:
    """Map, parse and validate an Upload (readers.Upload). Never raises for a bad cell: see .problems."""
    name, data = upload.file_name, upload.table
    columns = list(data.column_names)
    mapping, unmapped = aliases.mapping(columns, column_map)
    base = Prepared(name, _sha(upload.sha256, column_map, zone), aliases.recognise(columns), columns, mapping,
                    unmapped, pd.DataFrame(), rows_read=data.num_rows)
    if unmapped:
        base.notes.append(f"{len(unmapped)} column{'s' if len(unmapped) != 1 else ''} not used: "
                          + ", ".join(unmapped[:12]) + (" …" if len(unmapped) > 12 else ""))
    base.problems = _mapping_problems(name, mapping)
    if base.problems:
        return base
    if not data.num_rows:
        return _refused(base, Problem(name, "no data rows to import", code="no_rows"))
    rows = upload.source_rows.to_numpy() if len(upload.source_rows) else None
    try:
        frame, problems = _typed(data, mapping, name, rows, zone or store.reporting_timezone(), upload.date1904)
    except ValueError as exc:               # an unknown --tz: one clear line
        return _refused(base, Problem(name, str(exc), code="out_of_range", fix="name an IANA zone such as "
                                      "America/New_York"))
    if problems:
        base.problems = problems[:MAX_PROBLEMS]
        return base
    frame = _hashed(frame, salt)
    before = len(frame)
    frame = frame.drop_duplicates("call_id", keep="first")
    base.in_file_duplicates = before - len(frame)
    frame["day"] = parse.days(frame["start_ts"], store.reporting_timezone())
    base.frame = frame.reset_index(drop=True)
    return base


def _refused(prepared: Prepared, problem: Problem) -> Prepared:
    prepared.problems = [problem]
    return prepared


def _sha(file_sha: str, column_map, zone) -> str:
    extra = json.dumps({"map": column_map or {}, "tz": zone}, sort_keys=True, default=str)
    return hashlib.sha256(f"{file_sha}\n{extra}".encode()).hexdigest()


def _mapping_problems(name: str, mapping: dict[str, str]) -> list[Problem]:
    problems = [Problem(name, f"'{target}' is not a call-record column", column=col, value=target,
                        code="unknown_column", fix="map it to one of: " + ", ".join(aliases.TARGETS))
                for col, target in mapping.items() if target not in aliases.TARGETS + (aliases.TARGET,)]
    by_target: dict[str, list[str]] = {}
    for col, target in mapping.items():
        by_target.setdefault(target, []).append(col)
    problems += [Problem(name, f"columns {', '.join(cols)} all mean '{target}'; keep one", column=cols[1],
                         code="duplicate_column", fix="drop the others (map them to nothing)")
                 for target, cols in by_target.items() if len(cols) > 1]
    have = set(mapping.values())
    for column in REQUIRED + ("connected",):
        if column in have or (column == "connected" and aliases.DISPOSITION in have):
            continue
        what = "connected (or a disposition column)" if column == "connected" else column
        problems.append(Problem(name, f"no column gives the call record's '{what}'", column=column,
                                code="missing_column",
                                fix=f"map the file's column for it: --map COLUMN={column}, or the mapping on /data"))
    return problems


_BOOLS = {c.name for c in schema.COLUMNS if c.arrow_type == "bool"}
_NUMBERS = {c.name for c in schema.COLUMNS if c.arrow_type == "double"}
_NON_NEGATIVE = {"duration_s", "connected_duration_s", "time_to_connect_s", "routing_ms"}


def _typed(data, mapping: dict[str, str], name: str, rows, zone: str, date1904: bool):
    """(frame of canonical columns, problems): every mapped column parsed by its canonical type."""
    import zoneinfo
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{zone}'") from None
    n = data.num_rows
    out: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    unreadable: dict[str, list[int]] = {}       # canonical → positions already reported as unreadable
    for column, target in mapping.items():
        series = parse.as_series(data.column(column))
        if target == "start_ts":      # a header that says UTC ('callDt (UTC)') is the file saying otherwise
            values, bad = parse.timestamps(series, "UTC" if "utc" in column.split("_") else zone,
                                           date1904=date1904)
        elif target in _BOOLS:
            values, bad = parse.flags(series)
        elif target in _NUMBERS:
            values, bad = parse.numbers(series, minimum=0 if target in _NON_NEGATIVE else None)
        elif target == aliases.CALLER:
            values, bad = parse.phones(series)
        elif target == "caller_state":
            values, bad = parse.states(series)
        elif target == "ended_by":
            values, bad = parse.ended_by(series), []
        elif target == aliases.DISPOSITION:
            values, bad = _dispositions(series)
        else:
            values, bad = parse.text(series), []
        out[target] = values
        unreadable[target] = [i for i, *_ in bad]
        problems += [Problem(name, reason, row=_row(rows, i), column=column, value=cell, code=code)
                     for i, cell, reason, code in bad[:MAX_PROBLEMS]]
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    if aliases.DISPOSITION in frame:
        frame = _from_disposition(frame)
    if aliases.TARGET in frame:
        target = frame.pop(aliases.TARGET)
        frame["buyer"] = frame["buyer"].fillna(target) if "buyer" in frame else target
    source = {v: k for k, v in mapping.items()}
    for column in REQUIRED + ("connected",):
        blank = frame[column].isna() & ~frame.index.isin(unreadable.get(column, []))
        problems += [Problem(name, f"'{column}' is required and this cell is empty", row=_row(rows, i),
                             column=source.get(column, column), code="required_value")
                     for i in frame.index[blank][:MAX_PROBLEMS]]
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return frame, problems


def _row(rows, i: int) -> int:
    return int(rows[i]) if rows is not None and i < len(rows) else i + 2


def _dispositions(series: pd.Series):
    values = parse.text(series).str.upper().str.replace(r"[\s\-]+", "_", regex=True)
    known = values.isin(list(aliases.DISPOSITIONS)).fillna(False).astype(bool)
    bad = [(int(i), series[i], f"'{series[i]}' is not a disposition this importer knows ("
            + ", ".join(aliases.DISPOSITIONS) + ")", "out_of_range")
           for i in values.index[values.notna() & ~known]]
    return values, bad


def _from_disposition(frame: pd.DataFrame) -> pd.DataFrame:
    """The generic CDR's disposition fills connected / blocked / is_duplicate where the file has none."""
    words = frame.pop(aliases.DISPOSITION)
    for column in ("connected", "blocked", "is_duplicate"):
        said = words.map(lambda w: aliases.DISPOSITIONS.get(w, {}).get(column, False if column != "connected"
                                                                       else None) if pd.notna(w) else None)
        said = said.astype("boolean")
        frame[column] = frame[column].fillna(said) if column in frame else said
    return frame


def _hashed(frame: pd.DataFrame, salt: str) -> pd.DataFrame:
    """caller → caller_hash + caller_area_code (+ caller_state from the area code where the file has none).
    The raw number leaves the frame here."""
    if aliases.CALLER in frame:
        e164 = frame.pop(aliases.CALLER)
        frame["caller_hash"] = parse.hashes(e164, salt)
        frame["caller_area_code"] = parse.area_codes(e164)
        by_npa = frame["caller_area_code"].map(store.area_code_states())
        frame["caller_state"] = frame["caller_state"].fillna(by_npa) if "caller_state" in frame else by_npa
    return frame


# ---- preview and write -----------------------------------------------------------------------------

def _neighbour_days(days) -> set[str]:
    out = set()
    for day in set(days):
        d = datetime.fromisoformat(day)
        out.update((d + timedelta(days=k)).strftime("%Y-%m-%d") for k in (-1, 0, 1))
    return out


def _split(prepared: Prepared, db: Path | None):
    frame = prepared.frame
    stored = store.existing_ids(root(db), _neighbour_days(frame["day"].unique()))
    known = frame["call_id"].isin(stored) if stored else pd.Series(False, index=frame.index)
    return frame[~known], int(known.sum())


def preview(prepared: Prepared, db: Path | None = None) -> Preview:
    """What commit would do, counted without writing."""
    if not prepared.ok:
        return Preview(0, 0, 0, prepared.in_file_duplicates, [], [])
    new, stored = _split(prepared, db)
    return Preview(len(prepared.frame), len(new), stored, prepared.in_file_duplicates,
                   sorted(prepared.frame["day"].unique()),
                   sorted(prepared.frame["publisher"].dropna().unique()) if "publisher" in prepared.frame else [])


def commit(prepared: Prepared, *, actor=None, db: Path | None = None) -> Result:
    """Write the new calls as one batch (part files + the batch row), or nothing. Forbidden (nothing
    written) unless `actor` may load (loaders/access.py; None: the page's user, else the operator)."""
    from loaders import access
    from loaders.build import ensure_built, next_batch_id
    from loaders.db import transaction
    actor = access.require(actor, "load")
    if not prepared.ok:
        raise LoadError(prepared.problems)
    if prepared.frame.empty:
        raise LoadError(Problem(prepared.file_name, "no data rows to import", code="no_rows"))
    ensure_built(db)
    where, batch_id = root(db), None
    try:
        with transaction(db) as con:
            store.sweep_temp(where)
            new, stored = _split(prepared, db)
            if new.empty:
                return Result(None, prepared.file_name, 0, 0, stored, prepared.in_file_duplicates)
            batch_id = store.next_batch_id(where, next_batch_id(con))
            frame = _canonical(new)
            store.write(where, batch_id, frame, schema.arrow_schema())
            days = sorted(frame["day"].unique())
            con.execute("INSERT INTO batches (batch_id, file_name, sha256, table_name, row_count, loaded_at, "
                        "loaded_by, kind, period_start, period_end, replaced_rows, loaded_via) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 'upload', ?, ?, 0, ?)",
                        [batch_id, prepared.file_name, prepared.sha256, TABLE, len(frame), datetime.now(),
                         actor.who, days[0], days[-1], actor.via])
    except (LoadError, BusyError):
        _forget(where, batch_id)
        raise
    except Exception as exc:   # noqa: BLE001 - one line, and no part file left behind
        _forget(where, batch_id)
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LoadError(Problem(prepared.file_name, f"could not be written ({text}); nothing was imported",
                                code="write_failed")) from None
    return Result(batch_id, prepared.file_name, len(frame), len(days), stored, prepared.in_file_duplicates)


def _forget(where: Path, batch_id: int | None) -> None:
    if batch_id is not None:
        store.remove_batch(where, batch_id)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Every schema column (missing ones empty), typed for the Arrow schema, plus `day`."""
    out = pd.DataFrame(index=frame.index)
    for column in schema.COLUMNS:
        values = frame[column.name] if column.name in frame else pd.Series(None, index=frame.index, dtype=object)
        if column.arrow_type == "bool":
            values = values.astype("boolean")
        elif column.arrow_type == "double":
            values = values.astype("float64")
        elif column.arrow_type == "string":
            values = values.astype("string")
        out[column.name] = values
    out["day"] = frame["day"]
    return out


def import_file(path, *, display_name: str | None = None, column_map: dict | None = None,
                zone: str | None = None, actor=None, db: Path | None = None) -> Result:
    prepared = prepare(path, display_name, column_map=column_map, zone=zone, db=db)
    if not prepared.ok:
        raise LoadError(prepared.problems)
    return commit(prepared, actor=actor, db=db)


def undo_parts(batch_id: int, db: Path | None = None) -> int:
    """Delete a call batch's part files (load.rollback calls this inside its transaction); returns its rows."""
    where = root(db)
    rows = store.rows_of_batch(where, batch_id)
    store.remove_batch(where, batch_id)
    return rows
