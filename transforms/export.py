"""The one export path: tables to CSV bytes that are safe to open in a spreadsheet.

OWASP CSV injection: a text cell starting with = + - @ tab or carriage return
is prefixed with a single quote so no spreadsheet evaluates it. Real numbers
(including negatives) stay numbers; only text cells are touched.
"""
from __future__ import annotations

import pandas as pd

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells are inert; numeric columns are left as they are."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel shows accents and emoji correctly."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
