"""Editable assumptions: the `assumptions` table (loaders/schema.py), written here and only here.

The ROI's investment is not in the plan: it is an assumption (people × loaded cost per person-week ×
weeks) that the business owns and edits on /business. Why a table of its own rather than a plan
table: `plan_*` tables are rebuilt from data/plan/*.csv whenever the plan files change, so an edit
stored there would vanish on the next build, and it would pass for the plan's own figure. Here every
edit is a new row (value, when, who); the newest row per name applies, so the history is kept and a
reset is an edit back to the default. Defaults are not stored: they are computed from the plan
(transforms/business.py), so an unedited database follows the plan.
"""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pandas as pd

from loaders import access, schema
from loaders.access import Actor
from loaders.db import connect, has_table, transaction

# name → (label, lowest, highest, whole number)
LIMITS = {
    "investment_people": ("people", 1, 1_000, True),
    "investment_cost_per_person_week": ("loaded cost per person-week ($)", 1, 1_000_000, False),
    "investment_weeks": ("weeks", 1, 520, True),
}
COLUMNS = ["name", "value", "saved_at", "saved_by"]


def problems(values: dict) -> list[str]:
    """Every reason `values` cannot be saved, each saying how to fix it (empty = fine)."""
    out = []
    for name, value in values.items():
        if name not in LIMITS:
            out.append(f"{name}: not an assumption this app keeps; use one of {', '.join(LIMITS)}")
            continue
        label, low, high, whole = LIMITS[name]
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(f"{label}: {value!r} is not a number; type a number between {low:,} and {high:,}")
            continue
        if not math.isfinite(number) or not low <= number <= high:
            out.append(f"{label}: {value!r} is outside {low:,}–{high:,}; type a number in that range")
        elif whole and number != int(number):
            out.append(f"{label}: {value!r} is not a whole number; type a whole number of {label}")
    return out


def save(values: dict, *, actor: Actor | None = None, db: Path | None = None) -> None:
    """Store new values as `actor`'s edit (an analyst or admin; None: the page's user, else the operator), in
    one transaction, all or nothing. Raises ValueError listing every problem."""
    actor = access.require(actor, "assumption")
    found = problems(values)
    if found:
        raise ValueError("; ".join(found) + ". Nothing was saved.")
    now, who = datetime.now(), actor.who
    with transaction(db) as con:
        con.execute(schema.ddl(schema.ASSUMPTIONS))
        for name, value in values.items():
            con.execute("INSERT INTO assumptions VALUES (?, ?, ?, ?)", [name, float(value), now, who])


def current(con) -> pd.DataFrame:
    """The value in force per assumption (the newest edit), with when and by whom; empty when none."""
    if not has_table(con, "assumptions"):        # a database built before the table existed
        return pd.DataFrame(columns=COLUMNS)
    return con.execute(f"SELECT {', '.join(COLUMNS)} FROM assumptions "
                       "QUALIFY row_number() OVER (PARTITION BY name ORDER BY saved_at DESC) = 1 "
                       "ORDER BY name").df()


def read_current(*, db: Path | None = None) -> pd.DataFrame:
    with connect(db) as con:
        return current(con)
