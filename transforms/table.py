"""A table as data and as people read it: one frame of raw values, two views.

Transforms build a `Table` from raw values (numbers, dates, status keys, ids) and say what kind each
column is. The screen shows `display()`: numbers in their unit's one format (transforms.fmt.value),
dates as "13 Jan 2025", a status as dot *and* word. Every export writes `export()`: real numbers,
ISO dates and status words, with the unit in the column header ("Annual target (USD)"), so a
spreadsheet can sum and chart what it receives and nothing is rounded away.

Kinds: a registry unit ("$", "%", "ms", "score", "points", "count", "per_sec", "index", "done",
"number"), or "integer" (a whole count shown exact: 13,747), "text", "date", "datetime", "status" (a
transforms.status key; "status:<vocabulary>" shows it in the words of transforms.status.VOCABULARIES,
e.g. "status:protection"), "unit:<column>" for a column whose unit varies by row and is read from <column> (exported beside it as "Unit", not shown on screen);
"id" and "hidden" (exported, not shown: ids and raw fields a details view or a spreadsheet needs),
"screen" (shown, not exported: a phrase whose data sits in hidden columns); or a dict {word: shown text}
for a state column whose raw word is exported and whose badge is shown (e.g. alert states).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from transforms import fmt, status

HEADER_UNITS = {"$": "USD", "%": "%", "ms": "ms", "score": "score /100", "points": "points", "per_sec": "per s",
                "index": "%", "done": "% done", "days": "days",
                "$/month": "USD per month", "h": "hours"}
HIDDEN = ("id", "hidden")


@dataclass(frozen=True)
class Table:
    data: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)

    def kind(self, column: str) -> str | dict:
        return self.kinds.get(column, "text")

    def _unit_columns(self) -> set[str]:
        return {k.split(":", 1)[1] for k in self.kinds.values() if isinstance(k, str) and k.startswith("unit:")}

    def display(self) -> pd.DataFrame:
        """What the screen shows: formatted text, no ids, no unit columns."""
        hidden = self._unit_columns()
        out = {}
        for column in self.data.columns:
            kind = self.kind(column)
            if (isinstance(kind, str) and kind in HIDDEN) or column in hidden:
                continue
            out[column] = _display_column(self.data, column, kind)
        return pd.DataFrame(out, index=pd.RangeIndex(len(self.data)))

    def export(self) -> pd.DataFrame:
        """What a CSV or workbook holds: raw values, ISO dates, status words, units in headers."""
        out = {}
        for column in self.data.columns:
            kind = self.kind(column)
            values = self.data[column]
            if column in self._unit_columns():
                out["Unit"] = values.map(lambda u: HEADER_UNITS.get(u, u), na_action="ignore")
                continue
            if kind == "screen":
                continue
            if isinstance(kind, dict):
                out[column] = values
            elif _is_status(kind):
                labels = status.words(_vocabulary(kind))
                out[column] = values.map(lambda s: labels.get(s, s), na_action="ignore")
            elif kind == "date" or _midnight_stamps(values):
                out[column] = pd.to_datetime(values).dt.date
            elif isinstance(kind, str) and kind in HEADER_UNITS:
                out[f"{column} ({HEADER_UNITS[kind]})"] = pd.to_numeric(values)
            else:
                out[column] = values
        return pd.DataFrame(out, index=self.data.index).reset_index(drop=True)


def _is_status(kind) -> bool:
    return isinstance(kind, str) and (kind == "status" or kind.startswith("status:"))


def _vocabulary(kind: str) -> str | None:
    return kind.split(":", 1)[1] if ":" in kind else None


def _midnight_stamps(values: pd.Series) -> bool:
    """Timestamps that are all whole days: exported as dates, not as "2025-01-13 00:00:00"."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        return False
    stamps = values.dropna()
    return bool((stamps == stamps.dt.normalize()).all())


def _display_column(frame: pd.DataFrame, column: str, kind: str) -> list | pd.Series:
    # Plain lists, one DataFrame at the end: per-column pandas calls (map, where, fillna) cost ~5 ms a column
    # whatever the rows, most of a page's table time.
    values = frame[column].tolist()
    if isinstance(kind, dict):
        return ["" if fmt.is_missing(v) else kind.get(v, v) for v in values]
    if kind in ("text", "screen"):
        return pd.Series(["" if fmt.is_missing(v) else v for v in values], dtype=object)
    if _is_status(kind):
        vocabulary = _vocabulary(kind)
        return [status.badge(s, vocabulary) if not fmt.is_missing(s) and s in status.LABEL else "" for s in values]
    if kind == "integer":
        return [fmt.integer(v) for v in values]
    if kind == "date":
        return [fmt.day(v) for v in values]
    if kind == "datetime":
        return [fmt.moment(v) for v in values]
    if kind.startswith("unit:"):
        return [fmt.value(v, u) for v, u in zip(values, frame[kind.split(":", 1)[1]].tolist())]
    return [fmt.value(v, kind) for v in values]


def as_export(table) -> pd.DataFrame:
    """The export view of a Table, or a plain DataFrame unchanged (it is data already)."""
    return table.export() if isinstance(table, Table) else table


def as_display(table) -> pd.DataFrame:
    return table.display() if isinstance(table, Table) else table
