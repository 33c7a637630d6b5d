"""The data contract of the plan folder: data/plan/contract.toml, read and enforced.

Why: the build used to load whatever CSV sat in data/plan/, with the types pandas guessed, so a typo in a
number column silently turned it into text and a target naming a metric that does not exist loaded fine.
The contract sits beside the data (as a dbt project keeps schema.yml beside its models) and declares each
file's columns, types, optional columns, key and references. It is the ONE declaration of the plan's
tables: loaders/schema.py takes `metrics`, `targets` and `observations` from it, and the build creates
every other table as `plan_<stem>` with exactly the declared columns and types.

`check(plan_dir)` lists every violation as a Problem naming the file, the row (the line its record starts
on; the header is row 1), the column and the value, with a stable code; `enforce` raises them as one
LoadError, before the build opens its transaction, so nothing is built. TOML (tomllib, standard library):
no new dependency, and the file stays readable.

Imports only the standard library at module level (loaders/native.py imports schema, which imports this);
pandas is imported by `check`, which reads the CSVs exactly as the build does.
"""
from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from loaders.errors import LoadError, Problem

FILE_NAME = "contract.toml"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "plan" / FILE_NAME
TYPES = ("VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "DATE", "BOOLEAN")
MAX_PROBLEMS = 50
_WHOLE = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    also: frozenset[str] = frozenset()     # values that stand for something else ("All" teams)


@dataclass(frozen=True)
class Declared:
    """One table of the contract: columns (name → DuckDB type) in order, optional columns, key, references."""

    name: str
    columns: dict[str, str]
    optional: frozenset[str]
    key: tuple[str, ...]
    references: dict[str, Reference]


def load(path: Path = SHIPPED) -> dict[str, Declared]:
    """The contract at `path`; ValueError when the contract itself is malformed (names the table and field)."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    tables = {}
    for name, spec in raw.items():
        columns = dict(spec.get("columns", {}))
        where = f"{path.name} [{name}]"
        if not columns:
            raise ValueError(f"{where}: no columns declared")
        bad = {c: t for c, t in columns.items() if t not in TYPES}
        if bad:
            raise ValueError(f"{where}: unknown types {bad} (use {', '.join(TYPES)})")
        refs = {}
        for column, target in spec.get("references", {}).items():
            to, also = (target, []) if isinstance(target, str) else (target["to"], target.get("also", []))
            table, _, col = to.partition(".")
            refs[column] = Reference(table, col, frozenset(also))
        named = set(spec.get("optional", [])) | set(spec.get("key", [])) | set(refs)
        if named - set(columns):
            raise ValueError(f"{where}: optional, key or references name undeclared columns {sorted(named - set(columns))}")
        tables[name] = Declared(name, columns, frozenset(spec.get("optional", [])), tuple(spec.get("key", [])), refs)
    for table in tables.values():
        for column, ref in table.references.items():
            if ref.column not in getattr(tables.get(ref.table), "columns", {}):
                raise ValueError(f"{path.name} [{table.name}]: {column} references {ref.table}.{ref.column}, "
                                 "which the contract does not declare")
    return tables


def check(plan_dir: Path, contract: dict[str, Declared] | None = None) -> list[Problem]:
    """Every way the CSVs in `plan_dir` break the contract (its own contract.toml unless one is given)."""
    import pandas as pd

    if contract is None:
        if not (plan_dir / FILE_NAME).is_file():
            return [Problem(_shown(plan_dir), f"no {FILE_NAME}: a plan folder declares its tables",
                            code="undeclared_table", fix=f"copy data/plan/{FILE_NAME} beside the CSV files")]
        contract = load(plan_dir / FILE_NAME)
    problems: list[Problem] = []
    files = {p.stem: p for p in sorted(plan_dir.glob("*.csv"))}
    for stem, path in files.items():
        if stem not in contract:
            problems.append(Problem(_shown(path), "a CSV file the contract does not declare", code="undeclared_table",
                                    fix=f"declare [{stem}] in {FILE_NAME}, or remove the file"))
    for name in contract:
        if name not in files:
            problems.append(Problem(_shown(plan_dir / f"{name}.csv"), "declared in the contract but missing",
                                    code="missing_table", fix="restore the file from the repository"))
    frames = {}
    for name, declared in contract.items():
        if name in files:
            frame = pd.read_csv(files[name], dtype=str, keep_default_na=True)   # the build's null rules
            frames[name] = (frame, _record_lines(files[name], len(frame)))
            problems += _check_table(declared, files[name], *frames[name])
    for name, declared in contract.items():
        if name in frames:
            problems += _check_references(declared, files[name], *frames[name], frames)
    return problems[:MAX_PROBLEMS]


def enforce(plan_dir: Path) -> None:
    """Raise every violation as one LoadError (the build calls this before it writes anything)."""
    problems = check(plan_dir)
    if problems:
        raise LoadError(problems)


def _shown(path: Path) -> str:
    """data/plan/x.csv for the shipped folder, else <folder>/x.csv (never the server's whole layout)."""
    return f"data/plan/{path.name}" if path.parent.resolve() == SHIPPED.parent else f"{path.parent.name}/{path.name}"


def _record_lines(path: Path, n: int) -> list[int]:
    """The line each data record starts on (header = line 1), as pandas counts records (blank lines skipped)."""
    lines, previous = [], 1
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        previous = reader.line_num
        for record in reader:
            if record:
                lines.append(previous + 1)
            previous = reader.line_num
    return lines if len(lines) == n else [i + 2 for i in range(n)]


def _bad_cell(kind: str, text: str) -> tuple[str, str] | None:
    """(code, reason) when `text` is not a value of the declared type; None when it is."""
    text = text.strip()
    if kind in ("BIGINT", "INTEGER") and not _WHOLE.fullmatch(text):
        return ("not_a_whole_number" if _NUMBER.fullmatch(text) else "not_a_number", f"not a whole number ({kind})")
    if kind == "DOUBLE" and not _NUMBER.fullmatch(text):
        return "not_a_number", "not a number (DOUBLE)"
    if kind == "DATE":
        try:
            if _DATE.fullmatch(text):
                date.fromisoformat(text)
                return None
        except ValueError:
            pass
        return "not_a_date", "not a date (DATE, written YYYY-MM-DD)"
    if kind == "BOOLEAN" and text.lower() not in ("true", "false"):
        return "not_a_boolean", "not true or false (BOOLEAN)"
    return None


def _check_table(declared: Declared, path: Path, frame, lines: list[int]) -> list[Problem]:
    shown, problems = _shown(path), []
    have = list(frame.columns)
    for column in have:
        if column not in declared.columns:
            problems.append(Problem(shown, f"column not in the contract's [{declared.name}]", row=1, column=column,
                                    code="unknown_column", fix=f"declare it in {FILE_NAME}, or remove the column"))
    for column in declared.columns:
        if column not in have:
            problems.append(Problem(shown, "declared column is missing", row=1, column=column, code="missing_column",
                                    fix="add the column to the header row"))
    for column, kind in declared.columns.items():
        if column not in have:
            continue
        for index, text in frame[column].items():
            if text is None or text != text:        # NaN: an empty cell (or one pandas reads as empty)
                if column not in declared.optional:
                    problems.append(Problem(shown, "required value is empty", row=lines[index], column=column,
                                            code="required_value", fix=f"fill in '{column}', or list it as optional"))
                continue
            bad = _bad_cell(kind, text)
            if bad:
                problems.append(Problem(shown, bad[1], row=lines[index], column=column, value=text, code=bad[0]))
    if declared.key and set(declared.key) <= set(have):
        repeated = frame.duplicated(subset=list(declared.key), keep="first") & frame[list(declared.key)].notna().all(axis=1)
        for index in frame.index[repeated]:
            value = ", ".join(str(frame.at[index, k]) for k in declared.key)
            problems.append(Problem(shown, f"duplicate key ({', '.join(declared.key)})", row=lines[index],
                                    column=declared.key[-1], value=value, code="duplicate_key"))
    return problems


def _check_references(declared: Declared, path: Path, frame, lines: list[int], frames: dict) -> list[Problem]:
    problems = []
    for column, ref in declared.references.items():
        if column not in frame.columns or ref.table not in frames or ref.column not in frames[ref.table][0].columns:
            continue
        known = set(frames[ref.table][0][ref.column].dropna()) | ref.also
        for index, value in frame[column].items():
            if value == value and value is not None and value not in known:
                problems.append(Problem(_shown(path), f"not a {ref.column} of {ref.table}.csv (the contract's "
                                        f"reference {declared.name}.{column} → {ref.table}.{ref.column})",
                                        row=lines[index], column=column, value=value, code="unknown_reference",
                                        fix=f"use a {ref.column} listed in {ref.table}.csv, or add it there"))
    return problems
