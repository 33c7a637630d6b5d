"""The plan's three phases and the weekly milestone checklists, computed from target rows.

Progress counts target rows met (a Phase 2 metric with a week-4 and a week-8 target counts twice),
the same way the overview's overall progress does.
"""
from __future__ import annotations

import pandas as pd

from transforms import fmt, overview, status
from transforms.model import PlanData, kpi_table, memo, remember, target_rows
from transforms.table import Table

PHASES = (
    (1, "Phase 1: Emergency Security & Compliance (weeks 1–3)", ("phase1_week1", "phase1_week2", "phase1_week3")),
    (2, "Phase 2: Business Enablement (weeks 4–8)", ("phase2_business", "phase2_performance")),
    (3, "Phase 3: Performance & Scale (weeks 9–12)", ("phase3_final",)),
)
SECTIONS = tuple(s for _, _, sections in PHASES for s in sections)
CHECKLIST_WEEKS = (1, 2, 4, 8, 12)
REWARDS = {2: "Team lunch for basic compliance", 4: "Happy hour for infrastructure completion",
           8: "Team outing for business value delivery", 12: "Company celebration for production readiness"}


@memo
def milestone_rows(data: PlanData) -> pd.DataFrame:
    """Every target row of the three phases, with status (each against its own target)."""
    rows = target_rows(data)
    return rows[rows["section"].isin(SECTIONS)].reset_index(drop=True)


def paced_milestones(data: PlanData, trends: pd.DataFrame, today) -> pd.DataFrame:
    """milestone_rows with pace (transforms.pace) from `trends` (ui.data.trend_inputs of the same data);
    computed once per `data`."""
    from transforms import pace
    return remember(data, ("phases.paced_milestones",),
                    lambda: pace.pace(milestone_rows(data), trends, today, data.start))


def progress(rows: pd.DataFrame) -> pd.DataFrame:
    """Met / total per phase, then overall."""
    out = []
    for number, title, sections in PHASES:
        part = rows[rows["section"].isin(sections)]
        out.append((f"Phase {number}", title, int((part["status"] == status.MET).sum()), len(part)))
    out.append(("Overall", "All three phases", int((rows["status"] == status.MET).sum()), len(rows)))
    frame = pd.DataFrame(out, columns=["Phase", "Scope", "Met", "Total"])
    frame["Progress"] = [fmt.pct(m / t * 100 if t else 0, 0) for m, t in zip(frame["Met"], frame["Total"])]
    return frame


def week_table(rows: pd.DataFrame) -> Table:
    """Metric, Target (as written), Current, Status, Team (+ Pace when the rows carry it)."""
    columns = {"label": "Metric", "text_as_written": "Target", "current": "Current",
               "status_badge": "Status", "team": "Team", "pace": "Pace"}
    return kpi_table(rows.assign(team=rows["team"].fillna("—")) if "team" in rows else rows, columns)


def side_by_side(rows: pd.DataFrame, week: int) -> pd.DataFrame:
    """Phase 2 tables: one line per plan row with its week-4 and week-8 targets side by side.

    Current, Status and Pace are those of the target in force at `week` (week 4's until week 4,
    then week 8's), so "Real-time features" shows WebSocket first, then full bidding.
    """
    groups: dict[str, list[dict]] = {}
    for record in rows.to_dict("records"):      # one conversion: to_dict per group was ~40 ms a rerun
        groups.setdefault(record["label"], []).append(record)
    out = []
    for label, group in groups.items():
        by_week = {int(r["due_week"]): r for r in group}
        due = sorted(by_week)
        in_force = by_week[next((w for w in due if w >= week), due[-1])]
        out.append({"Metric": label,
                    **{f"Week {w} target": by_week[w]["text_as_written"] for w in due},
                    "Current": in_force["current"], "Status": in_force["status_badge"],
                    **({"Pace": in_force["pace"]} if "pace" in in_force else {})})
    return pd.DataFrame(out)


def timeline(data: PlanData, at_week: dict[int, PlanData]) -> pd.DataFrame:
    """Milestones with a due week in the plan: phase rows (status now) and checklist items (one point per
    item: as judged at the end of its week once that week is over, else its status now; at_week as for
    checklist_record). Computed once per `data`."""
    return remember(data, ("phases.timeline", tuple(sorted(at_week))), lambda: _timeline(data, at_week))


def _timeline(data: PlanData, at_week: dict[int, PlanData]) -> pd.DataFrame:
    record = checklist_record(data, at_week)
    phase = milestone_rows(data)
    lanes = {s: title.split(":")[0] for _, title, sections in PHASES for s in sections}
    points = phase.assign(lane=phase["section"].map(lanes))[["lane", "label", "due_week", "status", "text_as_written"]]
    items = record.assign(lane="Checklists", label=record["item"], due_week=record["week"],
                          status=[(status.MET if e else t) if due else n for due, e, t, n in
                                  zip(record["due"], record["earned"], record["status_then"], record["status_now"])],
                          text_as_written=record["description"])
    frame = pd.concat([points, items[points.columns]], ignore_index=True)
    frame = frame[frame["due_week"].between(1, 12)].copy()
    frame["due_week"] = frame["due_week"].astype(int)
    frame["offset"] = frame.groupby(["lane", "due_week"]).cumcount()
    frame["badge"] = [status.badge(s) for s in frame["status"]]
    frame["state_label"] = frame["status"].map(status.LABEL)
    frame["colour"] = frame["status"].map(status.COLOUR)
    return frame


def timeline_table(line: pd.DataFrame) -> Table:
    return Table(pd.DataFrame({"Lane": line["lane"], "Due week": line["due_week"], "Milestone": line["label"],
                               "Status": line["status"]}), {"Status": "status"})


# --- weekly checklists: each item judged at the end of its own week ------------------------------------

SLA_ITEM_METRIC = "all_slas_met"      # "All SLAs met": computed from the 14 SLA statuses, never uploaded
COMPUTED_METRICS = (SLA_ITEM_METRIC, overview.HEALTH_ID)       # the checklist figures computed_values gives
RULES = ("An item is judged on the data at the end of its own week: met then, it is **earned** and stays "
         "earned; beside it, whether it still holds now. A milestone reward unlocks when its week's checklist "
         "was complete at the end of that week, and stays unlocked. **All SLAs met** counts the SLA targets of "
         "the Technical page met (all of them ticks it); **System health** reads the health score computed "
         "from its five categories (as on the overview), not an uploaded one.")


def computed_values(data: PlanData) -> dict[str, tuple[float, str]]:
    """Checklist figures the app computes instead of reading an upload: metric_id → (value, as read)."""
    health = overview.health(data).computed
    sla = target_rows(data, "sla")
    met = int((sla["status"] == status.MET).sum())
    share = met / len(sla) * 100 if len(sla) else float("nan")
    return {overview.HEALTH_ID: (health, f"{fmt.score(health)}/100 (computed)"),
            SLA_ITEM_METRIC: (share, f"{met} of {len(sla)} SLAs met")}


def _checklist_rows(data: PlanData) -> pd.DataFrame:
    """The checklist target rows, computed figures in place of uploaded ones, each with its status."""
    rows = target_rows(data)
    rows = rows[rows["section"].str.startswith("checklist_w")]
    computed = computed_values(data)
    own = rows["metric_id"].isin(computed)
    rows = rows.assign(value=rows["value"].where(~own, rows["metric_id"].map(lambda m: computed.get(m, (None,))[0])),
                       current=rows["current"].where(~own, rows["metric_id"].map(lambda m: computed.get(m, ("", ""))[1])))
    return status.with_status(rows)


@memo
def checklist_items(data: PlanData) -> pd.DataFrame:
    """Each checklist item as `data` stands, ticked only when every target row of it is met.

    Columns: week, item, description, celebration, metric_id (the item's primary metric, checklists.csv),
    targets (n), met (n), ticked, status (worst), current (as people read it), metrics and values (the raw
    figures, "; "-joined, in target order)."""
    by_item: dict[tuple[str, str], list[dict]] = {}
    for row in _checklist_rows(data)[["section", "label", "status", "current", "metric_id", "value"]].to_dict("records"):
        by_item.setdefault((row["section"], row["label"]), []).append(row)    # one pass, not a filter per item
    out = []
    for item in data.plan["checklists"].itertuples(index=False):
        mine = by_item.get((f"checklist_w{int(item.week)}", item.item), [])
        states = [r["status"] for r in mine]
        worst = min(states, key=lambda s: status.ORDER[s]) if mine else status.NO_DATA
        met = states.count(status.MET)
        out.append({"week": int(item.week), "item": item.item, "description": item.description,
                    "celebration": item.celebration, "metric_id": item.metric_id, "targets": len(mine), "met": met,
                    "ticked": bool(mine) and met == len(mine), "status": worst,
                    "current": " · ".join(r["current"] for r in mine),
                    "metrics": "; ".join(r["metric_id"] for r in mine),
                    "values": "; ".join("" if pd.isna(r["value"]) else f"{r['value']:g}" for r in mine)})
    return pd.DataFrame(out)


def checklist_record(now: PlanData, at_week: dict[int, PlanData]) -> pd.DataFrame:
    """Every item judged at the end of its own week (earned or missed, for good) and as `now` stands.

    at_week: {checklist week: the PlanData as of that week} (same data version) for each checklist week
    up to now.week. Columns: week, item, description, celebration, metric_id, metrics, due (its week is
    over), earned (None until due), status_then, value_then, values_then, status_now, holds (ticked now),
    value_now, values_now, standing ("earned week 4 · still holds"). Computed once per `now`."""
    return remember(now, ("phases.checklist_record", tuple(sorted(at_week))), lambda: _record(now, at_week))


def _record(now: PlanData, at_week: dict[int, PlanData]) -> pd.DataFrame:
    current = checklist_items(now)
    then = {w: checklist_items(d).set_index("item") for w, d in at_week.items()}
    out = []
    for item in current.to_dict("records"):
        week = item["week"]
        past = then[week].loc[item["item"]] if week in then else None
        out.append({**{k: item[k] for k in ("week", "item", "description", "celebration", "metric_id", "metrics")},
                    "due": past is not None, "earned": None if past is None else bool(past["ticked"]),
                    "status_then": None if past is None else past["status"],
                    "value_then": "" if past is None else past["current"],
                    "values_then": "" if past is None else past["values"],
                    "status_now": item["status"], "holds": item["ticked"], "value_now": item["current"],
                    "values_now": item["values"], "standing": standing(week, past, item["ticked"])})
    return pd.DataFrame(out)


def standing(week: int, past, holds: bool) -> str:
    """"earned week 4 · still holds", "missed week 4 · holds now", "due week 8 · not met yet", …"""
    if past is None:
        return f"due week {week} · " + ("met already" if holds else "not met yet")
    if past["ticked"]:
        return f"earned week {week} · " + ("still holds" if holds else "no longer holds")
    return f"missed week {week} · " + ("holds now" if holds else "still not met")


def checklist_summary(record: pd.DataFrame) -> pd.DataFrame:
    """Per checklist week: items earned at its end, total, complete (all earned), due, items holding now,
    the celebration and the milestone reward (unlocked = complete)."""
    out = []
    for week, group in record.groupby("week"):
        due = bool(group["due"].iloc[0])
        earned, total = int(group["earned"].fillna(False).astype(bool).sum()), len(group)
        out.append({"week": int(week), "due": due, "earned": earned, "total": total,
                    "complete": due and earned == total, "holds": int(group["holds"].sum()),
                    "celebration": group["celebration"].iloc[0], "reward": REWARDS.get(int(week))})
    return pd.DataFrame(out)


def checklist_table(record: pd.DataFrame, now_week: int) -> Table:
    """One week's items: their standing, how they stood at the end of their week (once it is over) and at
    the week shown (while that is a later one)."""
    week = int(record["week"].iloc[0]) if len(record) else 0
    due = bool(record["due"].iloc[0]) if len(record) else False
    data, kinds = {"Item": record["item"], "Standing": record["standing"], "What": record["description"]}, {}
    if due:
        data.update({f"End of week {week}": record["value_then"], f"Status, week {week}": record["status_then"]})
        kinds.update({f"End of week {week}": "screen", f"Status, week {week}": "status"})
    if now_week != week:
        data.update({f"Week {now_week}": record["value_now"], f"Status, week {now_week}": record["status_now"]})
        kinds.update({f"Week {now_week}": "screen", f"Status, week {now_week}": "status"})
    computed = record["metric_id"].isin(COMPUTED_METRICS)       # no history of their own to link to
    data.update({"metric_id": record["metric_id"].where(~computed), "Metrics": record["metrics"],
                 f"Values, week {week}": record["values_then"], f"Values, week {now_week}": record["values_now"],
                 "Earned": record["earned"], "Holds now": record["holds"]})
    kinds.update({"metric_id": "id", "Metrics": "hidden", f"Values, week {week}": "hidden",
                  f"Values, week {now_week}": "hidden", "Earned": "hidden", "Holds now": "hidden"})
    return Table(pd.DataFrame(data), kinds)


def checklist_view(now: PlanData, at_week: dict[int, PlanData]) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, Table]]:
    """(record, per-week summary, {week: its checklist table}) as of `now`; computed once per `now`."""
    def build():
        record = checklist_record(now, at_week)
        tables = {int(w): checklist_table(group, now.week) for w, group in record.groupby("week")}
        return record, checklist_summary(record), tables
    return remember(now, ("phases.checklist_view", tuple(sorted(at_week))), build)


def celebration_line(summary_row) -> str:
    week, head = summary_row["week"], f"{summary_row['earned']} of {summary_row['total']} earned"
    if not summary_row["due"]:
        return (f"Week {week} is not over: {summary_row['holds']} of {summary_row['total']} met so far — "
                f"celebration ({summary_row['celebration']}) if all {summary_row['total']} are met at its end.")
    if summary_row["complete"]:
        return f"{head} at the end of week {week} — 🎊 **Celebration unlocked:** {summary_row['celebration']}"
    return (f"{head} at the end of week {week}, so the celebration ({summary_row['celebration']}) stayed locked; "
            f"{summary_row['holds']} of {summary_row['total']} hold now.")
