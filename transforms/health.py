"""The weighted system health score: Σ weight × category score (weights 25/25/20/20/10)."""
from __future__ import annotations

import pandas as pd


def health_score(categories: pd.DataFrame, value_col: str = "value") -> tuple[float, pd.DataFrame]:
    """Total score and each category's contribution.

    categories: one row per weighted metric with `metric_id`, `label`, `weight` and `value_col`.
    A category without data contributes nothing and is listed as missing (the total is then partial).
    """
    rows = categories.assign(contribution=categories["weight"] * categories[value_col])
    total = rows["contribution"].sum(min_count=1)
    return (float("nan") if pd.isna(total) else float(total)), rows


def weekly_targets(categories: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """The health score the plan's category targets imply for each due week (76.55 / 87.35 / 95.7)."""
    merged = targets.merge(categories[["metric_id", "weight"]], on="metric_id")
    merged = merged.assign(contribution=merged["weight"] * merged["value"])
    return (merged.groupby("due_week", as_index=False)["contribution"].sum()
            .rename(columns={"contribution": "health_target"}))


def health_history(daily_categories: pd.DataFrame) -> pd.DataFrame:
    """The recording rule dce:overall_health_score per day.

    daily_categories: columns as_of, metric_id, value, weight (one row per category per day,
    carried forward already). Days where any category is missing are left out.
    """
    if daily_categories.empty:
        return pd.DataFrame(columns=["as_of", "health_score"])
    weights_total = daily_categories.groupby("as_of")["weight"].sum()
    complete = weights_total[weights_total.round(6) == round(daily_categories.drop_duplicates("metric_id")["weight"].sum(), 6)].index
    rows = daily_categories[daily_categories["as_of"].isin(complete)]
    scores = (rows["weight"] * rows["value"]).groupby(rows["as_of"]).sum()
    return scores.rename("health_score").reset_index()
