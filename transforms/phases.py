"""The plan's three phases and the weekly milestone checklists, computed from target rows.

Progress counts target rows met (a Phase 2 metric with a week-4 and a week-8 target counts twice),
the same way the overview's overall progress does.
"""
from __future__ import annotations

import pandas as pd

from transforms import fmt, status
from transforms.model import PlanData, kpi_table, target_rows, memo
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
STATUS_COLOURS = {status.MET: "#2ca02c", status.PARTIAL: "#f0b400", status.NOT_MET: "#d62728",
                  status.NO_DATA: "#9e9e9e"}


@memo
def milestone_rows(data: PlanData) -> pd.DataFrame:
    """Every target row of the three phases, with status (each against its own target)."""
    rows = target_rows(data)
    return rows[rows["section"].isin(SECTIONS)].reset_index(drop=True)


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


@memo
def timeline(data: PlanData) -> pd.DataFrame:
    """Milestones with a due week in the plan: phase rows and checklist items (one point per item)."""
    phase = milestone_rows(data)
    lanes = {s: title.split(":")[0] for _, title, sections in PHASES for s in sections}
    points = phase.assign(lane=phase["section"].map(lanes))[["lane", "label", "due_week", "status", "text_as_written"]]
    items = checklist_items(data)
    items = items.assign(lane="Checklists", label=items["item"], due_week=items["week"],
                         status=[status.MET if t else s for t, s in zip(items["ticked"], items["status"])],
                         text_as_written=items["description"])
    frame = pd.concat([points, items[points.columns]], ignore_index=True)
    frame = frame[frame["due_week"].between(1, 12)].copy()
    frame["due_week"] = frame["due_week"].astype(int)
    frame["offset"] = frame.groupby(["lane", "due_week"]).cumcount()
    frame["badge"] = [status.badge(s) for s in frame["status"]]
    frame["state_label"] = frame["status"].map(status.LABEL)
    frame["colour"] = frame["status"].map(STATUS_COLOURS)
    return frame


@memo
def checklist_items(data: PlanData) -> pd.DataFrame:
    """Each checklist item, ticked only when every target row of it is met.

    Columns: week, item, description, celebration, targets (n), met (n), ticked, status (worst), current.
    """
    rows = target_rows(data)
    rows = rows[rows["section"].str.startswith("checklist_w")]
    by_item: dict[tuple[str, str], list[dict]] = {}
    for row in rows[["section", "label", "status", "current"]].to_dict("records"):   # one pass, not a filter per item
        by_item.setdefault((row["section"], row["label"]), []).append(row)
    out = []
    for item in data.plan["checklists"].itertuples(index=False):
        mine = by_item.get((f"checklist_w{int(item.week)}", item.item), [])
        states = [r["status"] for r in mine]
        worst = min(states, key=lambda s: status.ORDER[s]) if mine else status.NO_DATA
        met = states.count(status.MET)
        out.append({"week": int(item.week), "item": item.item, "description": item.description,
                    "celebration": item.celebration, "targets": len(mine), "met": met,
                    "ticked": bool(mine) and met == len(mine), "status": worst,
                    "current": " · ".join(r["current"] for r in mine)})
    return pd.DataFrame(out)


def checklist_summary(items: pd.DataFrame) -> pd.DataFrame:
    """Per checklist week: ticked, total, all ticked, the celebration and the milestone reward."""
    out = []
    for week, group in items.groupby("week"):
        ticked, total = int(group["ticked"].sum()), len(group)
        out.append({"week": int(week), "ticked": ticked, "total": total, "complete": ticked == total,
                    "celebration": group["celebration"].iloc[0], "reward": REWARDS.get(int(week))})
    return pd.DataFrame(out)


def checklist_table(items: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"": ["☑" if t else "☐" for t in items["ticked"]], "Item": items["item"],
                         "What": items["description"], "Current": items["current"],
                         "Status": [status.badge(s) for s in items["status"]]})


def celebration_line(summary_row) -> str:
    head = f"{summary_row['ticked']} of {summary_row['total']} ticked"
    if summary_row["complete"]:
        return f"{head} — 🎊 **Celebration unlocked:** {summary_row['celebration']}"
    return f"{head} — celebration ({summary_row['celebration']}) once all {summary_row['total']} are ticked."
