"""Validate a parsed upload against the one schema definition.

Turns the reader's raw columns into the table's types and lists every
problem (file, row, column, value, reason, code, fix) before anything is written.
Header problems (unknown or missing columns) do not stop the cell checks: a file with a
misspelt header and bad cells gets every problem in one report.
Fast path first (vectorised casts); the forgiving parsers in `coerce` only
see the cells the fast path rejected, so a clean 1M-row file stays fast.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from loaders import coerce, schema, sqlcheck
from loaders.errors import Problem

MAX_PROBLEMS = 10_000     # enough to report; a file this broken needs fixing, not listing


@dataclass
class Validated:
    table: schema.Table
    frame: pd.DataFrame                     # typed, schema columns only, in schema order
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Problems(list):
    def __init__(self, file_name: str, source_rows):
        super().__init__()
        self.file_name = file_name
        self.rows = source_rows

    def add(self, reason: str, index=None, column=None, value=None, code: str | None = None,
            fix: str | None = None) -> None:
        if len(self) >= MAX_PROBLEMS:
            return
        row = None if index is None else int(self.rows[index])
        code = code or getattr(reason, "code", "not_a_number")
        self.append(Problem(self.file_name, str(reason), row=row, column=column, value=_plain(value),
                            code=code, fix=fix))


def closest(word: str, candidates, cutoff: float = 0.6) -> str | None:
    """The candidate `word` most probably meant (difflib), or None: 'securty_score' → 'security_score'."""
    found = difflib.get_close_matches(str(word).lower(), [str(c) for c in candidates], n=1, cutoff=cutoff)
    return found[0] if found else None


def _did_you_mean(word, candidates) -> str:
    guess = closest(word, candidates)
    return f"; did you mean {guess}?" if guess else ""


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None if value is None else value
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def _is_blank(series: pd.Series) -> pd.Series:
    blank = series.isna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        blank |= series.astype("string").str.strip().fillna("") == ""
    return blank


def _to_numbers(series: pd.Series, column: schema.Column, problems: _Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        values, bad = coerce.coerce_number_column(series)
        values = pd.Series(values, index=series.index, dtype="float64")
        for index, value, reason in bad:
            problems.add(reason, index, column.name, value)
    infinite = ~np.isfinite(values) & values.notna()
    for index in values.index[infinite]:
        problems.add("not a finite number (NaN or infinity)", index, column.name, series[index], "not_a_number")
    values = values.where(~infinite)
    if column.sql_type in ("INTEGER", "BIGINT"):
        fractional = values.notna() & (values != values.round())
        for index in values.index[fractional]:
            problems.add(f"'{column.name}' holds whole numbers only", index, column.name, series[index],
                         "not_a_whole_number", fix=f"round it to a whole number ({round(values[index])})")
    return values


def _to_dates(series: pd.Series, column: schema.Column, problems: _Problems, date1904: bool = False) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        return stamps.dt.normalize().astype("datetime64[s]")
    text = series.astype("string").str.strip()
    parsed = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)),
                            format="%Y-%m-%d", errors="coerce")
    slow = parsed.isna() & ~_is_blank(series)
    for index in series.index[slow]:
        try:     # the workbook's date system reaches serial numbers too (a 1904 workbook's 44208 is 2025-01-13)
            parsed[index] = pd.Timestamp(coerce.parse_date(series[index], date1904=date1904))
        except ValueError as exc:
            problems.add(coerce._reason(exc), index, column.name, series[index])
    return parsed.astype("datetime64[s]")


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _to_bools(series: pd.Series, column: schema.Column, problems: _Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    text = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    for index in series.index[out.isna() & ~_is_blank(series)]:
        if text[index] in coerce.PLACEHOLDERS:
            problems.add(f"'{series[index]}' stands for a missing value; it is not read as an empty cell",
                         index, column.name, series[index], "placeholder_value")
        else:
            problems.add("expected true/false (or yes/no, 1/0)", index, column.name, series[index], "not_a_boolean")
    return out


def _to_text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().replace("", pd.NA)


def _convert(series: pd.Series, column: schema.Column, problems: _Problems, date1904: bool = False) -> pd.Series:
    kind = column.sql_type.split("(")[0]
    if kind == "DATE":
        return _to_dates(series, column, problems, date1904)
    if kind == "BOOLEAN":
        return _to_bools(series, column, problems)
    if kind in ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL"):
        return _to_numbers(series, column, problems)
    return _to_text(series)


def _done_booleans(frame: pd.DataFrame, known_metrics: dict[str, str]) -> pd.DataFrame:
    """true/false is a value of a done-type metric (true = 100, as compliance_metrics_daily's BOOLEAN feeds
    dnc_list_sync_status); for any other metric it stays text and is refused as not a number."""
    value = frame["value"]
    if pd.api.types.is_numeric_dtype(value):
        return frame
    words = value.astype("string").str.strip().str.lower()
    done = frame["metric_id"].astype("string").str.strip().map(known_metrics).eq("done").fillna(False)
    mask = done & words.isin(["true", "false"]).fillna(False)
    if not mask.any():
        return frame
    frame = frame.copy()
    frame["value"] = value.astype("object").where(~mask, words.map({"true": "100", "false": "0"}))
    return frame


def check_columns(table: schema.Table, columns: list[str], file_name: str) -> list[Problem]:
    """Unknown headers (with the closest column of the table) and missing required columns."""
    expected = table.column_names
    problems = []
    for c in columns:
        if c in expected:
            continue
        guess = closest(c, expected)
        problems.append(Problem(
            file_name, f"unknown column for table '{table.name}'" + (f"; did you mean {guess}?" if guess else ""),
            column=c, code="unknown_column",
            fix=f"rename the header to '{guess}' (or map it on /data)" if guess else
            f"rename the header to one of: {', '.join(expected)} (or map it on /data, or delete the column)"))
    problems += [Problem(file_name, f"required column is missing for table '{table.name}'", column=c.name,
                         code="missing_column", fix=f"add a column named '{c.name}' to the header row")
                 for c in table.columns if c.required and c.name not in columns]
    return problems


def validate(table: schema.Table, data: pa.Table | pd.DataFrame, file_name: str,
             source_rows=None, known_metrics: dict[str, str] | None = None,
             known_teams: set[str] | None = None, date1904: bool = False) -> Validated:
    """Type every column, then check required cells, ranges, references and duplicate keys.

    known_metrics maps metric_id → unit (for the percent range of observations). date1904: the
    workbook counts serial dates from 1904 (readers.Upload.date1904). Every problem is listed,
    header problems included; the typed frame is returned even when there are problems (the preview).
    """
    header = check_columns(table, list(data.column_names if isinstance(data, pa.Table) else data.columns),
                           file_name)
    if isinstance(data, pa.Table) and data.num_rows >= FAST_PATH_MIN_ROWS and not header:
        fast = _fast_sql(table, data, known_metrics, known_teams)
        if fast is not None:            # every cell passed the strict SQL checks: nothing to report
            return Validated(table, fast, [])
    frame = data.to_pandas() if isinstance(data, pa.Table) else data.reset_index(drop=True)
    rows = np.asarray(source_rows) if source_rows is not None else np.arange(len(frame)) + 2
    problems = _Problems(file_name, rows)
    problems.extend(header)
    present = set(frame.columns)
    if table.name == "observations" and known_metrics is not None and {"metric_id", "value"} <= present:
        frame = _done_booleans(frame, known_metrics)
    typed = pd.DataFrame(index=frame.index)
    percent_signs = None
    for column in table.columns:
        raw = frame[column.name] if column.name in present else pd.Series(pd.NA, index=frame.index, dtype="object")
        typed[column.name] = _convert(raw, column, problems, date1904)
        if column.required and column.name in present:     # a missing column is reported once, above
            for index in typed.index[typed[column.name].isna() & _is_blank(raw)]:
                problems.add("required value is empty", index, column.name, None, "required_value",
                             fix=f"fill in '{column.name}': every row needs one")
        signs = _percent_signs(table, column, raw, typed, problems)
        percent_signs = signs if signs is not None else percent_signs
        if column.percent:
            _check_percent(typed[column.name], column.name, problems)
        if column.fraction:
            _check_percent(typed[column.name], column.name, problems, top=1.0)
    _check_references(table, typed, problems, known_metrics, known_teams, percent_signs, present)
    if set(table.key) <= present:
        _check_duplicates(table, typed, problems)
    ordered = sorted(problems, key=lambda p: -1 if p.row is None else p.row)    # header first, then by row
    return Validated(table, typed, ordered)


def _check_percent(values: pd.Series, name: str, problems: _Problems, mask=None, top: float = 100.0) -> None:
    out = (values < 0) | (values > top)
    if mask is not None:
        out &= mask
    if top == 100:
        reason, fix = "percentage outside 0–100", "write a percentage between 0 and 100 (12 means 12%)"
    else:
        reason = "expected a fraction between 0 and 1 (0.9999 = 99.99%)"
        fix = "write the fraction (0.9995), or the percentage with its sign (99.95%)"
    for index in values.index[out.fillna(False)]:
        problems.add(reason, index, name, values[index], "out_of_range", fix)


PERCENT_UNITS = schema.PERCENT_UNITS


def _percent_signs(table, column: schema.Column, raw: pd.Series, typed: pd.DataFrame, problems) -> pd.Series | None:
    """The '12%' policy (docs/architecture.md, Data conventions): a number written with a percent sign is
    accepted only where the column holds a percentage — percent columns (0–100) keep 12; fraction columns
    (uptime 0–1) read '99.99%' as 0.9999; a `*_percentage` column keeps the number. Elsewhere (money, counts,
    latency) it is refused: '12%' of a dollar amount is a mistake, not a value. Observations decide per row
    from the metric's unit (see _check_references). Returns the mask of cells written with '%'."""
    if column.sql_type.split("(")[0] not in ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL") \
            or pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        return None
    signs = raw.astype("string").str.strip().str.endswith("%").fillna(False).astype(bool)
    if not signs.any():
        return None
    name = column.name
    if column.fraction:
        typed[name] = typed[name].where(~signs, typed[name] / 100)
    elif not (column.percent or "percent" in name or table.name == "observations"):
        for index in signs.index[signs & typed[name].notna()]:
            problems.add(f"'{raw[index]}' is a percentage, but '{name}' is not a percent column "
                         "(write the plain number)", index, name, raw[index], "percent_not_allowed")
    return signs if table.name == "observations" else None


def _check_references(table, typed, problems, known_metrics, known_teams, percent_signs=None,
                      present=None) -> None:
    present = set(typed.columns) if present is None else present
    if table.name == "observations" and known_metrics is not None and "metric_id" in present:
        ids = typed["metric_id"]
        for index in ids.index[~ids.isin(known_metrics.keys()) & ids.notna()]:
            guess = closest(ids[index], known_metrics)
            problems.add("unknown metric_id (not in the metric registry)" + (f"; did you mean {guess}?" if guess else ""),
                         index, "metric_id", ids[index], "unknown_metric",
                         fix=f"write '{guess}' (or map it on /data)" if guess else None)
        units = ids.map(known_metrics)
        percent = units.isin(PERCENT_UNITS).fillna(False)
        _check_percent(typed["value"], "value", problems, mask=percent)
        if percent_signs is not None:
            wrong = percent_signs & ~percent & ids.isin(known_metrics.keys()) & typed["value"].notna()
            for index in wrong.index[wrong]:
                problems.add(f"a percentage, but metric '{ids[index]}' is measured in {units[index]} "
                             "(write the plain number)", index, "value", f"{typed.at[index, 'value']:g}%",
                             "percent_not_allowed")
    if table.name == "team_metrics_daily" and known_teams is not None and "team_name" in present:
        teams = typed["team_name"]
        unknown = ~teams.str.lower().isin({t.lower() for t in known_teams}) & teams.notna()
        for index in teams.index[unknown.fillna(False)]:
            guess = closest(teams[index], sorted(known_teams))
            problems.add(f"unknown team (expected one of {', '.join(sorted(known_teams))})"
                         + (f"; did you mean {guess}?" if guess else ""), index, "team_name", teams[index],
                         "unknown_team", fix=f"write '{guess}'" if guess else None)


def _check_duplicates(table, typed, problems) -> None:
    """Two rows with one key (team names compared case-insensitively, as the store keys them)."""
    if not table.key:
        return
    key = list(table.key)
    keyed = typed[key].copy()
    if "team_name" in keyed:
        keyed["team_name"] = keyed["team_name"].str.lower()
    complete = keyed.notna().all(axis=1)
    dup = keyed.duplicated(keep="first") & complete
    if not dup.any():
        return
    first = keyed[complete].reset_index().groupby(key, dropna=True)["index"].first()
    for index in typed.index[dup]:
        value = ", ".join(str(typed.at[index, k]) for k in key)
        earlier = first.get(tuple(keyed.loc[index]) if len(key) > 1 else keyed.at[index, key[0]])
        where = f": row {int(problems.rows[earlier])} already holds it" if earlier is not None else ""
        problems.add(f"duplicate key ({', '.join(key)}){where}", index, key[-1], value, "duplicate_key")


# --- the SQL fast path for large clean files ----------------------------------------------------
# Profile of a 1M-row observations CSV: validate() took ~1.2 s in pandas (to_datetime, the
# number regex, isin, duplicated). DuckDB does the same strict casts and checks over the Arrow
# table in ~0.2 s. It only ACCEPTS: any cell it is unsure of (not an ISO date, not a plain
# number, surrounding whitespace, '%', unknown id, out of range, duplicate key) sends the whole
# file down the pandas path above, which words every problem.
FAST_PATH_MIN_ROWS = 20_000


def _source_type(data: pa.Table, name: str) -> str | None:
    """The Arrow column's type as sqlcheck.typed_select names source types (None: the table lacks it)."""
    if name not in data.column_names:
        return None
    typ = data.schema.field(name).type
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "VARCHAR"
    if pa.types.is_integer(typ):
        return "BIGINT"
    if pa.types.is_floating(typ):
        return "DOUBLE"
    return "DATE" if pa.types.is_date32(typ) else str(typ)


def _fast_sql(table: schema.Table, data: pa.Table, known_metrics, known_teams) -> pd.DataFrame | None:
    import duckdb
    types = {c.name: t for c in table.columns if (t := _source_type(data, c.name)) is not None}
    built = sqlcheck.typed_select(table, types,
                                  sqlcheck.joined_columns(table, known_metrics is not None, known_teams is not None))
    if built is None:
        return None                  # typed columns of other kinds: the pandas path decides
    exprs, bad = built
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("_raw", data)
        where = " OR ".join(bad) or "false"
        con.execute(f"CREATE TEMP TABLE _typed AS SELECT {', '.join(exprs)}, ({where}) AS _bad FROM _raw")
        if con.execute("SELECT count(*) FROM _typed WHERE _bad").fetchall()[0][0]:
            return None
        if known_metrics is not None:
            con.register("_units", pa.table({"metric_id": list(known_metrics), "unit": list(known_metrics.values())}))
        if known_teams is not None:
            con.register("_teams", pa.table({"team": sorted(known_teams)}))
        if sqlcheck.sql_rejects(con, table, "_typed", "_units" if known_metrics is not None else None,
                              "_teams" if known_teams is not None else None):
            return None
        cols = ", ".join(f'CAST("{c.name}" AS TIMESTAMP_S) AS "{c.name}"' if c.sql_type == "DATE"
                         else f'"{c.name}"' for c in table.columns)
        result = con.sql(f"SELECT {cols} FROM _typed").to_arrow_table()
    finally:
        con.close()
    frame = result.to_pandas()
    for column in table.columns:
        kind = column.sql_type.split("(")[0]
        name = column.name
        if kind == "DATE":
            frame[name] = frame[name].astype("datetime64[s]")
        elif kind in ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL"):
            frame[name] = frame[name].astype("float64")
        elif kind == "BOOLEAN":
            frame[name] = frame[name].astype("boolean")
        else:
            frame[name] = frame[name].astype("string")
    return frame
