"""The one way to compute status: a value against a structured target, in the metric's direction.

met / partial / not met / no data. "Partial" means more than a quarter of the
way to the target (value/target for higher-is-better, target/value for
lower-is-better, completion for done-type): chosen so that every status the
plan document writes by hand (GDPR 30% and 60% 🟡, API completion 11.6% 🔴,
test coverage 15% 🔴, …) comes out the same when computed.
"""
from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from transforms import fmt

MET, PARTIAL, NOT_MET, NO_DATA = "met", "partial", "not_met", "no_data"
EMOJI = {MET: "🟢", PARTIAL: "🟡", NOT_MET: "🔴", NO_DATA: "⚪"}
LABEL = {MET: "Met", PARTIAL: "Partial", NOT_MET: "Not met", NO_DATA: "No data"}
# Each status's colour, for charts and drawings (hex) and for Streamlit's badges (which take colour names).
COLOUR = {MET: "#2ca02c", PARTIAL: "#f0b400", NOT_MET: "#d62728", NO_DATA: "#9e9e9e"}
COLOUR_NAME = {MET: "green", PARTIAL: "orange", NOT_MET: "red", NO_DATA: "gray"}
# The same four statuses in the words a table of the plan uses for them (its risk matrix says
# "UNPROTECTED" / "PARTIALLY PROTECTED"): the rule stays the one above, only the words change.
VOCABULARIES = {"protection": {MET: "Protected", PARTIAL: "Partially protected", NOT_MET: "Unprotected",
                               NO_DATA: "No data"}}
ORDER = {NOT_MET: 0, PARTIAL: 1, NO_DATA: 2, MET: 3}
PARTIAL_FROM = 0.25
DONE_AT = 100.0

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq}


def is_met(value: float, op: str, target: float | None) -> bool:
    if op == "done":
        return value >= DONE_AT
    return OPS[op](value, target)


def progress(value: float, op: str, target: float | None, direction: str) -> float:
    """How far along the value is towards the target, 0 = nowhere, 1 = there."""
    if op == "done" or direction == "done":
        return max(0.0, value) / DONE_AT
    if direction == "lower_better":
        if value <= 0:
            return 1.0
        return (target or 0.0) / value
    if not target:
        return 1.0 if value >= (target or 0) else 0.0
    return value / target


def evaluate(value, op: str, target, direction: str) -> str:
    if fmt.is_missing(value):
        return NO_DATA
    value = float(value)
    target = None if fmt.is_missing(target) else float(target)
    if is_met(value, op, target):
        return MET
    if op == "=" or (direction == "lower_better" and not target):
        return NOT_MET       # an exact target such as "0 critical" has no partial credit
    return PARTIAL if progress(value, op, target, direction) >= PARTIAL_FROM else NOT_MET


def words(vocabulary: str | None = None) -> dict[str, str]:
    return VOCABULARIES[vocabulary] if vocabulary else LABEL


def badge(status: str, vocabulary: str | None = None) -> str:
    return f"{EMOJI[status]} {words(vocabulary)[status]}"


def target_in_force(targets: pd.DataFrame, week: int) -> pd.DataFrame:
    """Per metric, the target that applies at `week`.

    The next dated target due at or after `week`; else a standing target (no
    due week); else, once the plan is past every due week, the last one.
    Ties go to the lowest target_id; rows come back in target_id order.
    """
    if targets.empty:
        return targets
    # Ranked in numpy and taken once: the same ranking in pandas (assign, sort, de-duplicate, sort) cost
    # ~13 ms a call whatever the size, and the overview's sparklines ask for it three times a week.
    due = targets["due_week"].to_numpy(dtype="float64", na_value=np.nan)
    dated = ~np.isnan(due)
    upcoming = dated & (due >= week)
    group = np.where(upcoming, 0, np.where(dated, 2, 1))
    order = np.where(upcoming, due, np.where(dated, -due, 0.0))
    ids = targets["target_id"].to_numpy()
    ranked = np.lexsort((ids, order, group))            # by group, then order, then target_id
    first = ~pd.Series(targets["metric_id"].to_numpy()[ranked]).duplicated().to_numpy()
    chosen = ranked[first]
    return targets.iloc[chosen[np.argsort(ids[chosen], kind="stable")]].reset_index(drop=True)


def with_status(rows: pd.DataFrame, value_col: str = "value") -> pd.DataFrame:
    """Add `status` and `status_badge` to rows that carry value, op, target value and direction.

    Expects columns: value_col, op, target (numeric, may be empty), direction.
    """
    statuses = [evaluate(v, op, t, d) for v, op, t, d in
                zip(rows[value_col], rows["op"], rows["target"], rows["direction"])]
    return rows.assign(status=statuses, status_badge=[badge(s) for s in statuses])
