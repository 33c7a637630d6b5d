"""Plan weeks: week 1 starts on the plan's start date (a Monday); before it is week 0.

The current week comes from the data (the latest observation), never from
the wall clock: a plan viewed a year later must not show everything overdue.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

DEFAULT_START = date(2025, 1, 13)
PLAN_WEEKS = 12


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def plan_week(day, start: date = DEFAULT_START) -> int:
    """0 before the plan starts, then 1, 2, … (not capped: week 13 is past the plan)."""
    delta = (_as_date(day) - start).days
    return 0 if delta < 0 else delta // 7 + 1


def week_start(week: int, start: date = DEFAULT_START) -> date:
    return start + timedelta(days=7 * (week - 1)) if week > 0 else start - timedelta(days=1)


def week_end(week: int, start: date = DEFAULT_START) -> date:
    """The last day that still belongs to `week` (week 0 ends the day before the start)."""
    return start + timedelta(days=7 * week - 1) if week > 0 else start - timedelta(days=1)


def current_week(latest_observation, start: date = DEFAULT_START) -> int:
    if latest_observation is None or pd.isna(latest_observation):
        return 0
    return min(plan_week(latest_observation, start), PLAN_WEEKS)
