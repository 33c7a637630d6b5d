"""What needs attention now, each with the page that explains it: firing and pending alerts,
targets due soon that are off pace, and health categories below their target."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from transforms import fmt, pace, status

DUE_HORIZON_WEEKS = 2

# Where a target's section, or a metric's category, is explained (url paths of app.py's pages).
SECTION_PAGES = {"sla": "technical", "current_performance": "technical", "load_testing": "technical",
                 "security_control": "security", "vulnerability": "security", "tcpa": "security", "gdpr": "security",
                 "customer_acquisition": "business", "market_position": "business", "team_velocity": "teams",
                 "test_coverage": "teams", "code_quality": "teams", "health_category": ""}
CATEGORY_PAGES = {"security": "security", "compliance": "security", "performance": "technical",
                  "business_value": "business", "operational": "technical", "team": "teams", "quality": "teams"}
PAGE_TITLES = {"": "Overview", "phases": "Phases", "business": "Business impact", "technical": "Technical",
               "security": "Security & compliance", "teams": "Teams", "alerts": "Alerts"}


@dataclass(frozen=True)
class Item:
    kind: str          # "alert", "due" or "category"
    state: str         # firing / pending, a pace verdict, or a status key
    text: str          # Markdown-free sentence (labels come from the plan's data)
    page: str          # url path of the page that explains it


def page_of_section(section: str) -> str:
    return SECTION_PAGES.get(section, "phases")


def page_of_metric(metric_id: str, registry: pd.DataFrame) -> str:
    category = registry.set_index("metric_id")["category"].get(metric_id)
    return CATEGORY_PAGES.get(category, "alerts")


def alert_items(active: pd.DataFrame, registry: pd.DataFrame) -> list[Item]:
    """One item per firing or pending alert (alerts.Evaluation.active), firing first; stale KPIs as one."""
    labels = registry.set_index("metric_id")["label"]
    items, stale = [], active[active["kind"] == "freshness"]
    for e in active[active["kind"] != "freshness"].itertuples():
        since = e.firing_since if e.state == "firing" else e.start
        items.append(Item("alert", e.state, f"{e.name} — {labels.get(e.metric_id, e.metric_id)}, "
                                            f"{e.state} since {fmt.day(since)}", page_of_metric(e.metric_id, registry)))
    if len(stale):
        items.append(Item("alert", "firing" if (stale["state"] == "firing").any() else "pending",
                          f"{len(stale)} KPI(s) without a recent observation", "alerts"))
    return items


def due_items(paced: pd.DataFrame, week: int, horizon: int = DUE_HORIZON_WEEKS) -> list[Item]:
    """Targets due from this week to `horizon` weeks ahead, not met, and off track or at risk by their pace
    (a target with too little history to project is not listed: it has no pace to be off)."""
    due = paced[paced["due_week"].between(week, week + horizon) & (paced["status"] != status.MET)
                & paced["verdict"].isin([pace.OFF_TRACK, pace.AT_RISK])
                & (paced["section"] != "health_category")]          # categories are listed on their own
    due = due.sort_values(["due_week", "verdict"], kind="stable").drop_duplicates("metric_id")
    return [Item("due", r.verdict, f"{r.label} — due week {int(r.due_week)}: {r.current} against "
                                   f"{r.text_as_written}{_owner(r.team)}", page_of_section(r.section))
            for r in due.itertuples()]


def _owner(team) -> str:
    return f"; owner: {team}" if isinstance(team, str) and team and team != "—" else ""


def category_items(categories: pd.DataFrame, registry: pd.DataFrame) -> list[Item]:
    """Health categories short of the target in force (overview.categories rows)."""
    short = categories[categories["status"] != status.MET]
    return [Item("category", r.status, f"{r.label}: {fmt.value(r.value, 'score')} against "
                                       f"{fmt.value(r.target, 'score')}", page_of_metric(r.metric_id, registry))
            for r in short.itertuples()]


def counts(items: list[Item]) -> dict[str, int]:
    return {kind: sum(i.kind == kind for i in items) for kind in ("alert", "due", "category")}


def sentence(items: list[Item]) -> str:
    """"1 alert firing, 1 pending; 10 targets due by week 14 off pace; 2 categories below target." """
    firing = sum(i.kind == "alert" and i.state == "firing" for i in items)
    pending = sum(i.kind == "alert" and i.state == "pending" for i in items)
    c = counts(items)
    if not items:
        return "Nothing needs attention: no alert is firing or pending, no target due soon is off pace."
    parts = [f"{firing} alert{'s' if firing != 1 else ''} firing, {pending} pending",
             f"{c['due']} target{'s' if c['due'] != 1 else ''} due within {DUE_HORIZON_WEEKS} weeks off pace",
             f"{c['category']} health categor{'ies' if c['category'] != 1 else 'y'} below target"]
    return "; ".join(parts) + "."
