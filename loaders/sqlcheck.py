"""The strict SQL checks both fast paths share: type the raw columns, find doubtful rows, check references.

Two paths take a large clean file without pandas: loaders/native.py (DuckDB reads the file itself) and
`validate._fast_sql` (DuckDB over the Arrow table the readers made). Both only ACCEPT: any cell these
checks doubt (not an ISO date, not a plain number, padding, '%', an unknown id, out of range, a repeated
key) sends the whole file to the worded path (readers + validate in pandas), which names every problem by
file, row, column and value. So the policy lives here once: `typed_select` says how each schema column is
typed from what the source holds and which rows are doubtful; `sql_rejects` checks references and keys.
Imports only the schema (no pandas, no pyarrow): the CLI's native path stays light.
"""
from __future__ import annotations

from loaders import schema

# Cell shapes both SQL fast paths accept as they stand (anything else goes to the worded path, whose
# parser, loaders/coerce.py, accepts every string these match: tests/test_coerce.py checks that).
SQL_PLAIN_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
SQL_PADDED = r"^[\s\p{Z}]|[\s\p{Z}]$"
SQL_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER_KINDS = ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL")
# Source column types taken as numbers as they stand (DuckDB's names; Arrow's integers and floats map here).
SOURCE_NUMBER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
                       "FLOAT", "DOUBLE"}


def typed_select(table: schema.Table, source_types: dict[str, str], joined=frozenset(),
                 reader_dates: bool = False) -> tuple[list[str], list[str]] | None:
    """Per schema column of `table`: the typed SELECT expression, and the predicates that make a row doubtful.

    source_types: the source's DuckDB type per column it holds ('VARCHAR' for text, 'DATE', a number type;
    a column it lacks is NULL). joined: text columns a reference check joins on (sql_rejects), whose
    padding that join already refuses. reader_dates: DATE columns come from DuckDB's CSV reader, whose
    '%Y' also takes 1–3 digit years, which the worded path refuses. None: a source type no rule here
    takes (a boolean written as text, a timestamp, a decimal): the worded path decides.
    """
    exprs, bad = [], []
    for column in table.columns:
        q = f'"{column.name}"'
        kind = column.sql_type.split("(")[0]
        numeric = kind in NUMBER_KINDS
        raw = source_types.get(column.name)
        if raw is None:
            value = f"CAST(NULL AS {'DOUBLE' if numeric else kind if kind in ('DATE', 'BOOLEAN') else 'VARCHAR'})"
        elif raw == "VARCHAR":
            if kind == "DATE":          # exactly YYYY-MM-DD, and a real day
                value = f"TRY_CAST(NULLIF({q}, '') AS DATE)"
                bad.append(f"NOT coalesce(regexp_full_match({q}, '{SQL_ISO_DATE}') OR {q} = '', true)")
                bad.append(f"({q} <> '' AND {value} IS NULL)")
            elif numeric:
                bad.append(f"NOT coalesce(regexp_full_match({q}, '{SQL_PLAIN_NUMBER}') OR {q} = '', true)")
                value = f"TRY_CAST(NULLIF({q}, '') AS DOUBLE)"
            elif kind == "BOOLEAN":
                return None
            else:                       # text: padding (which the worded path strips) is doubtful
                if column.name not in joined:
                    bad.append(f"coalesce(regexp_matches({q}, '{SQL_PADDED}'), false)")
                value = f"NULLIF({q}, '')"
        elif numeric and raw in SOURCE_NUMBER_TYPES:
            value = f"CAST({q} AS DOUBLE)"
            bad.append(f"coalesce(isnan({value}), false)")
        elif kind == "DATE" and raw == "DATE":
            value = q
            if reader_dates:
                bad.append(f"coalesce(year({q}) < 1000, false)")
        else:
            return None
        if numeric:
            bad += sql_number_checks(column, value)
        if column.required:
            bad.append(f"{value} IS NULL")
        exprs.append(f'{value} AS "{column.name}"')
    return exprs, bad


def joined_columns(table: schema.Table, metrics: bool, teams: bool) -> frozenset[str]:
    """The text columns `sql_rejects` joins on for `table`, given which reference relations it has."""
    return frozenset(({"metric_id"} if metrics and table.name == "observations" else set())
                     | ({"team_name"} if teams and table.name == "team_metrics_daily" else set()))


def sql_number_checks(column: schema.Column, value: str) -> list[str]:
    """SQL conditions (each true = the cell is bad) that a numeric column's value must pass:
    finite, whole where the type is an integer, inside 0–100 (percent) or 0–1 (fraction)."""
    kind = column.sql_type.split("(")[0]
    checks = [f"coalesce(isinf({value}), false)"]
    if kind in ("INTEGER", "BIGINT"):
        checks.append(f"coalesce({value} <> round({value}), false)")
    if column.percent or column.fraction:
        checks.append(f"coalesce({value} < 0 OR {value} > {1 if column.fraction else 100}, false)")
    return checks


def sql_rejects(con, table: schema.Table, rows: str, metrics: str | None, teams: str | None) -> bool:
    """True when any row of relation `rows` breaks a reference or key rule.

    metrics: a relation (metric_id, unit) — unknown ids and percent metrics outside 0–100;
    teams: a relation (team) — unknown team names (case-insensitive); None skips that check.
    """
    units = ", ".join(f"'{u}'" for u in schema.PERCENT_UNITS)
    checks = []
    if table.name == "observations" and metrics:
        checks.append(f"""SELECT count(*) FROM {rows} t LEFT JOIN {metrics} u USING (metric_id)
                           WHERE u.metric_id IS NULL OR (u.unit IN ({units}) AND (t.value < 0 OR t.value > 100))""")
    if table.name == "team_metrics_daily" and teams:
        checks.append(f"SELECT count(*) FROM {rows} WHERE team_name IS NOT NULL AND lower(team_name) "
                      f"NOT IN (SELECT lower(team) FROM {teams})")
    if table.key:
        key = ", ".join(schema.key_sql(table))
        # Distinct 64-bit hashes instead of GROUP BY key: 0.06 s vs 0.13 s per 1M rows (profile). A hash
        # collision reads as a duplicate, which only sends the file to the exact, worded check.
        checks.append(f"SELECT count(*) - count(DISTINCT hash({key})) FROM {rows}")
    return any(con.execute(sql).fetchall()[0][0] for sql in checks)
