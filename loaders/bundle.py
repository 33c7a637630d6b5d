"""The plan bundle: the one reader of the plan's data as of a plan week.

The app (ui/data.py, which caches it per data version) and the report command
(`python -m loaders report`) both read through here, so a figure has the same inputs on a page,
in a report and in an export.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import pandas as pd

from loaders import assumptions, queries
from transforms.calendar import DEFAULT_START, week_end
from transforms.model import PlanData

PLAN_REFERENCE = ("revenue_streams", "cost_avoidance", "customer_acquisition", "market_position",
                  "security_controls", "vulnerabilities", "compliance_requirements", "compliance_risks",
                  "compliance_risk_coverage", "teams", "team_formation", "test_coverage", "checklists",
                  "alert_rules", "contacts", "stated_totals", "calendar", "contradictions")


def read_base(con) -> dict:
    """Everything the bundle holds that does not depend on the week (one connection, one read)."""
    plan = {name: queries.plan_table(con, name) for name in PLAN_REFERENCE}
    plan["metrics"] = queries.registry(con)
    plan["assumptions"] = assumptions.current(con)      # the ROI's investment (edited on /business)
    sample = queries.active_sample_batch(con)
    return {"registry": plan["metrics"], "targets": queries.targets(con), "plan": plan,
            "latest_date": queries.latest_date(con), "batches": queries.batches(con),
            "sample_batch": sample[0] if sample else None,
            "latest": queries.latest_values(con, None)}


def plan_start(base: dict) -> date:
    values = dict(zip(base["plan"]["calendar"]["key"], base["plan"]["calendar"]["value"]))
    return date.fromisoformat(str(values.get("plan_start", DEFAULT_START)))


def at_week(base: dict, week: int | None, latest_at: Callable[[date], pd.DataFrame]) -> PlanData:
    """The bundle as of `week` (None: the week the data reaches); `latest_at(day)` reads each metric's
    latest value up to a day (the app passes a cached reader)."""
    data = PlanData(base["registry"], base["targets"], base["plan"], base["latest"], base["latest_date"],
                    plan_start(base), 0, base["sample_batch"], base["batches"])
    data.week = data.data_week if week is None else week
    if week is not None and week != data.data_week:
        data.latest = latest_at(week_end(week, data.start))
    return data


def plan_data(con, week: int | None = None, base: dict | None = None) -> PlanData:
    """The bundle as of `week`, read now (uncached: the command line's entry)."""
    base = base or read_base(con)
    return at_week(base, week, lambda day: queries.latest_values(con, day))


def report_inputs(con, week: int | None = None):
    """What a weekly report is built from: the bundle as of `week` and the week before, and the daily
    history the alert rules read."""
    from transforms.report import Inputs
    base = read_base(con)
    now = plan_data(con, week, base)
    return Inputs(now, plan_data(con, max(now.week - 1, 0), base), queries.rule_history(con))
