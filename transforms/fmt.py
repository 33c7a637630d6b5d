"""The one way to format numbers for people: $1.5M, 99.9%, 12 ms."""
from __future__ import annotations

import math

import pandas as pd


def _trim(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def money(value, decimals: int = 3) -> str:
    """$13.9M, $8.084M, $390K, $950 — as many decimals as the figure needs, up to `decimals`."""
    if is_missing(value):
        return "—"
    sign = "-" if value < 0 else ""
    amount = abs(float(value))
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= size:
            return f"{sign}${_trim(amount / size, decimals)}{suffix}"
    return f"{sign}${_trim(amount, 0)}"


def pct(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "—"
    return f"{_trim(float(value), decimals)}%"


def number(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "—"
    amount = float(value)
    if abs(amount) >= 10_000:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(amount) >= size:
                return f"{_trim(amount / size, decimals)}{suffix}"
    return _trim(amount, decimals)


def score(value, decimals: int = 1) -> str:
    return "—" if is_missing(value) else f"{float(value):.{decimals}f}"


def day(value) -> str:
    """13 Jan 2025 (a date or timestamp; the time of day is not shown)."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


def moment(value) -> str:
    """1 Dec 2026 04:58 (a timestamp to the minute)."""
    text = day(value)
    return f"{text} {pd.Timestamp(value):%H:%M}" if text else ""


def value(value, unit: str | None) -> str:
    """A metric's value in its unit, as a person reads it."""
    if is_missing(value):
        return "no data"
    if unit == "$":
        return money(value)
    if unit == "$/month":
        return f"{money(value)}/month"
    if unit in ("%", "index"):      # index: a percentage that may exceed 100 (feature parity 110%)
        return pct(value, 2)
    if unit == "ms":
        return f"{number(value, 2)} ms"
    if unit == "per_sec":
        return f"{number(value)}/s"
    if unit == "done":
        return "done" if float(value) >= 100 else f"{pct(value)} done"
    if unit == "score":
        return f"{number(value)}/100"
    if unit == "points":
        return f"{number(value)} pts"
    if unit == "h":                  # hours (a response time)
        return f"{number(value)} h"
    if unit == "days":
        return f"{number(value, 0)} day{'' if float(value) == 1 else 's'}"
    return number(value)


def change(amount, unit: str | None) -> str:
    """A difference in a unit, signed: +4.2 pts (scores and percentages move in points), +$1.2M, −3 ms."""
    if is_missing(amount):
        return "—"
    size = abs(float(amount))
    if unit in ("%", "score", "index", "done"):
        shown = f"{_trim(size, 1)} pts"
    else:
        shown = value(size, unit)
    if shown.lstrip("$").startswith("0") and not any(ch in shown for ch in "123456789"):
        return f"±{shown}"              # rounds to nothing: no direction to claim
    return ("+" if amount >= 0 else "-") + shown     # ASCII minus: st.metric colours a delta by its sign


MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~$:"


def md_escape(text) -> str:
    """Text shown as itself inside Markdown (labels, messages): every Markdown character escaped."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in str(text))
