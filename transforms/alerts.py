"""Alert rules (data/plan/alert_rules.csv) evaluated over the observation history like Prometheus.

Semantics, decided once here:
- Evaluation runs once per day, from a metric's first observation to the evaluation time `at`
  (default: the newest observation — never the wall clock). A daily value stands for its whole day
  and is carried forward until the metric's freshness window (metrics.freshness_days) runs out;
  after that the metric has no value (Prometheus staleness) and a threshold rule on it is not true.
- A condition that starts to hold is *pending*. It is *firing* once it has held on
  ceil(for / 1 day) consecutive days (at least one): `0s`, `15m`, `4h` fire on the first day,
  `7d` on the seventh. A breach shorter than that never fires.
- It is *resolved* on the first day it no longer holds (`end`), either because the value cleared
  the threshold or because the input went stale (`end_reason`). A new breach starts a new episode
  with a fresh pending timer: one episode per breach, never one per day; flapping yields one
  episode per flap.
- A freshness rule (kind `freshness`, metric `*` = every observed KPI) holds on a day when the
  KPI's last observation is more than freshness_days old; one episode per KPI and gap.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from transforms.calendar import week_end

from transforms import fmt, recording
from transforms.status import OPS
from transforms.table import Table

DAY = pd.Timedelta(days=1)
NEGATION = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "=": "≠"}
WORST = {"<": "min", "<=": "min", ">": "max", ">=": "max", "=": "max"}
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
ROLE_ALIASES = {"Legal": "Legal Counsel"}
GROUP_ALIASES = {"All executives": "executive"}
FIRING, PENDING, RESOLVED, CLEARED_PENDING, OK, NO_DATA = (
    "firing", "pending", "resolved", "cleared while pending", "ok", "no data")
STATE_BADGE = {FIRING: "🔴 Firing", PENDING: "🟠 Pending", OK: "🟢 OK", NO_DATA: "⚪ No data",
               RESOLVED: "Resolved", CLEARED_PENDING: "Cleared while pending"}
SEVERITY_ORDER = {"critical": 0, "warning": 1}
EPISODE_COLUMNS = ["rule_id", "name", "kind", "severity", "metric_id", "start", "firing_since", "end",
                   "end_reason", "held_days", "required_days", "peak", "last_value", "state"]


def parse_duration(text: str) -> pd.Timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 0s, 15m, 4h, 1d, 7d)")
    return pd.Timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def human_duration(td: pd.Timedelta) -> str:
    if td <= pd.Timedelta(0):
        return "immediately"
    for size, word in ((DAY * 7, "week"), (DAY, "day"), (pd.Timedelta(hours=1), "hour"),
                       (pd.Timedelta(minutes=1), "minute")):
        if td >= size and td % size == pd.Timedelta(0):
            n = int(td / size)
            return f"{n} {word}{'s' if n != 1 else ''}"
    return f"{int(td.total_seconds())} seconds"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    name: str
    metric_id: str
    op: str
    threshold: float | None
    for_: pd.Timedelta
    severity: str
    response_time: pd.Timedelta
    chain: tuple[str, ...]
    as_written: str
    kind: str = "threshold"
    source: str = ""              # where the plan states it (the Prometheus name lives here, not in the title)

    @property
    def required_days(self) -> int:
        return max(1, math.ceil(self.for_ / DAY))


def rules(frame: pd.DataFrame) -> list[Rule]:
    """The rule rows of alert_rules.csv as Rules (a missing `kind` column means threshold rules)."""
    out = []
    for r in frame.to_dict("records"):
        threshold = r.get("threshold")
        out.append(Rule(str(r["rule_id"]), str(r["name"]), str(r["metric_id"]), str(r["op"]),
                        None if pd.isna(threshold) else float(threshold), parse_duration(r["for_duration"]),
                        str(r["severity"]), parse_duration(r["response_time"]),
                        tuple(p.strip() for p in str(r["escalation_chain"]).split(">") if p.strip()),
                        str(r.get("threshold_as_written") or ""),
                        str(r.get("kind") or "threshold") if pd.notna(r.get("kind")) else "threshold",
                        str(r.get("source") or "") if pd.notna(r.get("source")) else ""))
    return out


# --- daily series --------------------------------------------------------------------------------

def day_series(hist: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per metric: its observed days (datetime64[D], ascending) and each day's last value.

    One groupby for all metrics: per metric, the same in pandas cost ~2 ms of overhead a call
    even for a single row (profile: 0.2 s of the evaluation on the plan's week-0 data)."""
    days = pd.to_datetime(hist["as_of"]).to_numpy().astype("datetime64[D]")
    last = pd.Series(hist["value"].to_numpy(float)).groupby([hist["metric_id"].to_numpy(), days]).last()
    ids = last.index.get_level_values(0).to_numpy()
    when = last.index.get_level_values(1).to_numpy().astype("datetime64[D]")
    values = last.to_numpy(float)
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return {ids[a]: (when[a:b], values[a:b]) for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(ids)])}


def _grid(series: tuple[np.ndarray, np.ndarray], at: pd.Timestamp):
    """One metric's observations placed on the day grid first day → `at`: positions, ages."""
    days, values = series
    first = days[0]
    n = int((np.datetime64(at.date(), "D") - first) // np.timedelta64(1, "D")) + 1
    pos = ((days - first) // np.timedelta64(1, "D")).astype(np.intp)
    keep = pos < n
    pos, values = pos[keep], values[keep]
    observed = np.zeros(n, dtype=bool)
    observed[pos] = True
    steps = np.arange(n)
    age = steps - np.maximum.accumulate(np.where(observed, steps, -1))    # every grid starts observed
    return pd.date_range(pd.Timestamp(first), periods=n, freq="D"), pos, values, observed, age


def daily(series: tuple[np.ndarray, np.ndarray], at: pd.Timestamp, freshness_days: float | None) -> pd.DataFrame:
    """One row per day from the first observation to `at`: value (carried forward while fresh,
    else NaN), age (days since the last observation) and observed (a figure that day).

    `series` is one metric's (days, values) from day_series. Positions on the day grid in numpy:
    the pandas version (date_range, isin, ffill, reindex per call) cost ~6 ms a call, ~1 s per
    evaluation at 153 metrics × 400 days."""
    grid, pos, values, observed, age = _grid(series, at)
    steps = np.arange(len(grid))
    has_value = np.zeros(len(grid), dtype=bool)
    has_value[pos[~np.isnan(values)]] = True
    filled = np.full(len(grid), np.nan)
    filled[pos] = values
    last_value = np.maximum.accumulate(np.where(has_value, steps, -1))
    value = np.where(last_value >= 0, filled[np.maximum(last_value, 0)], np.nan)
    if freshness_days is not None and not pd.isna(freshness_days):
        value = np.where(age <= freshness_days, value, np.nan)
    return pd.DataFrame({"value": value, "age": age, "observed": observed}, index=grid)


def _runs(holds: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Maximal runs of consecutive True days, as (first day, last day)."""
    edges = np.diff(np.concatenate(([0], holds.to_numpy(dtype=np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(holds.index[a], holds.index[b]) for a, b in zip(starts, ends)]


def _episodes(rule: Rule, series: pd.Series, holds: pd.Series, stale: pd.Series, at: pd.Timestamp,
              metric_id: str) -> list[dict]:
    out = []
    for first, last in _runs(holds):
        held = (last - first).days + 1
        active = last == at
        fired = held >= rule.required_days
        window = series.loc[first:last]
        peak = window.min() if WORST.get(rule.op, "max") == "min" else window.max()
        end = pd.NaT if active else last + DAY
        reason = None if active else ("stale" if bool(stale.get(end, False)) else "cleared")
        state = (FIRING if fired else PENDING) if active else (RESOLVED if fired else CLEARED_PENDING)
        out.append({"rule_id": rule.rule_id, "name": rule.name, "kind": rule.kind, "severity": rule.severity,
                    "metric_id": metric_id, "start": first,
                    "firing_since": first + DAY * (rule.required_days - 1) if fired else pd.NaT,
                    "end": end, "end_reason": reason, "held_days": held, "required_days": rule.required_days,
                    "peak": float(peak), "last_value": float(window.iloc[-1]), "state": state})
    return out


def _threshold_episodes(rule: Rule, frame: pd.DataFrame, at) -> list[dict]:
    value = frame["value"]
    holds = value.notna() & OPS[rule.op](value.fillna(0), rule.threshold)
    return _episodes(rule, value, holds, value.isna(), at, rule.metric_id)


def _freshness_episodes(rule: Rule, series: tuple[np.ndarray, np.ndarray], at, freshness: float,
                        metric_id: str) -> list[dict]:
    grid, _, _, _, age = _grid(series, at)
    if not (age > freshness).any():      # fresh all along, as most metrics are: no Series to build for them
        return []
    age = pd.Series(age.astype(float), index=grid)
    return _episodes(rule, age, age > freshness, pd.Series(False, index=age.index), at, metric_id)


# --- evaluation ------------------------------------------------------------------------------------

@dataclass
class Evaluation:
    at: pd.Timestamp | None
    episodes: pd.DataFrame          # EPISODE_COLUMNS, one row per breach (and per KPI for freshness rules)
    current: pd.DataFrame           # one row per rule: state, since, value, held/required days, explanation

    @property
    def active(self) -> pd.DataFrame:
        """Firing then pending episodes at `at`, critical first, oldest first."""
        rows = self.episodes[self.episodes["state"].isin([FIRING, PENDING])]
        return rows.assign(_s=rows["state"].map({FIRING: 0, PENDING: 1}),
                           _v=rows["severity"].map(SEVERITY_ORDER).fillna(9)).sort_values(
            ["_s", "_v", "start", "rule_id", "metric_id"]).drop(columns=["_s", "_v"]).reset_index(drop=True)


def evaluate(rule_frame: pd.DataFrame, history: pd.DataFrame, registry: pd.DataFrame, at=None) -> Evaluation:
    """Evaluate every rule over `history` (metric_id, as_of, value; daily), as of `at` (a day).

    The history is first completed with the recording rules (health score, trailing velocity).
    """
    hist = recording.with_recorded(history, registry)
    if at is not None:
        hist = hist[hist["as_of"] <= pd.Timestamp(at)]
    at = pd.Timestamp(at).normalize() if at is not None else (
        hist["as_of"].max().normalize() if len(hist) else None)
    reg = registry.set_index("metric_id")
    freshness = reg["freshness_days"].dropna().astype(float).to_dict()
    units = reg["unit"].to_dict()
    by_metric = day_series(hist) if at is not None and len(hist) else {}
    episodes, current = [], []
    for rule in rules(rule_frame):
        if rule.kind == "freshness":
            scope = sorted(by_metric) if rule.metric_id == "*" else [rule.metric_id]
            scope = [m for m in scope if m in freshness and m in by_metric]
            eps = [e for m in scope
                   for e in _freshness_episodes(rule, by_metric[m], at, freshness[m], m)]
            episodes += eps
            current.append(_freshness_current(rule, eps, len(scope), reg))
            continue
        obs = by_metric.get(rule.metric_id)
        frame = None if obs is None else daily(obs, at, freshness.get(rule.metric_id))
        eps = [] if frame is None else _threshold_episodes(rule, frame, at)
        episodes += eps
        current.append(_threshold_current(rule, frame, eps, at, units.get(rule.metric_id),
                                          reg["label"].get(rule.metric_id, rule.metric_id),
                                          freshness.get(rule.metric_id)))
    ep = pd.DataFrame(episodes, columns=EPISODE_COLUMNS)
    return Evaluation(at, ep, pd.DataFrame(current))


def _day(ts) -> str:
    return f"{pd.Timestamp(ts):%d %b %Y}"


def _threshold_current(rule: Rule, frame, eps, at, unit, label, fresh) -> dict:
    row = {"rule_id": rule.rule_id, "state": NO_DATA, "since": pd.NaT, "value": None,
           "held_days": 0, "required_days": rule.required_days}
    v = lambda x: fmt.value(x, unit)   # noqa: E731
    cond = f"{rule.op} {v(rule.threshold)}"
    if frame is None:
        return row | {"explanation": f"no observation of {label} yet: the rule cannot be evaluated"}
    value = frame["value"].iloc[-1]
    last_seen = frame.index[frame["observed"]][-1]
    if pd.isna(value):
        return row | {"explanation": f"{label} is stale: last observed {_day(last_seen)}, older than its "
                                     f"{fmt.number(fresh, 0)}-day freshness window"}
    row["value"] = float(value)
    active = [e for e in eps if e["state"] in (FIRING, PENDING)]
    if active:
        e = active[0]
        row |= {"state": e["state"], "held_days": e["held_days"],
                "since": e["firing_since"] if e["state"] == FIRING else e["start"]}
        if e["state"] == FIRING:
            required = f" ({rule.required_days} required)" if rule.required_days > 1 else ""
            row["explanation"] = (f"{label} {v(value)} {cond} for {e['held_days']} day(s) since {_day(e['start'])}"
                                  f"{required}; firing since {_day(e['firing_since'])}")
        else:
            fires = e["start"] + DAY * (rule.required_days - 1)
            row["explanation"] = (f"{label} {v(value)} {cond} for {e['held_days']} of the required "
                                  f"{rule.required_days} days; fires on {_day(fires)} if it still holds")
        return row
    text = f"{label} {v(value)} {NEGATION[rule.op]} {v(rule.threshold)}: condition clear"
    if eps:
        e = eps[-1]
        held = (f"{e['held_days']} day(s)" if rule.required_days == 1 else
                f"{e['held_days']} of the {rule.required_days} required day(s)")
        text += (f"; the last breach ({_day(e['start'])} – {_day(e['end'] - DAY)}) held {held} and "
                 f"{'fired' if e['state'] == RESOLVED else 'never fired'}")
    return row | {"state": OK, "explanation": text}


def _freshness_current(rule: Rule, eps, n_scope: int, reg) -> dict:
    active = [e for e in eps if e["state"] in (FIRING, PENDING)]
    row = {"rule_id": rule.rule_id, "state": OK, "since": pd.NaT, "value": float(len(active)),
           "held_days": 0, "required_days": rule.required_days}
    if not n_scope:
        return row | {"state": NO_DATA, "explanation": "no observed KPI to watch"}
    if not active:
        return row | {"explanation": f"all {n_scope} observed KPIs reported within their freshness window"}
    names = [str(reg["label"].get(e["metric_id"], e["metric_id"])) for e in active]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    state = FIRING if any(e["state"] == FIRING for e in active) else PENDING
    return row | {"state": state, "since": min(e["start"] for e in active),
                  "held_days": max(e["held_days"] for e in active),
                  "explanation": f"{len(active)} of {n_scope} observed KPIs {'has' if len(active) == 1 else 'have'} no observation within their "
                                 f"freshness window: {shown}"}


# --- presentation helpers (pure) --------------------------------------------------------------------

def escalation(chain: tuple[str, ...], contacts: pd.DataFrame, team_lead: str | None = None) -> pd.DataFrame:
    """The escalation chain, step by step, with each role's responsibility from the contact list.

    "Legal" is the contact list's Legal Counsel, "All executives" every executive, and "Team Lead"
    the lead of the team that owns the metric (`team_lead`, from teams.csv) when it has one.
    """
    resp = dict(zip(contacts["role"], contacts["responsibility"]))
    rows = []
    for step, name in enumerate(chain, 1):
        if name in GROUP_ALIASES:
            group = contacts[contacts["group"] == GROUP_ALIASES[name]]
            rows += [{"step": step, "role": r, "responsibility": resp[r]} for r in group["role"]]
        elif name == "Team Lead":
            rows.append({"step": step, "role": team_lead or "Team Lead",
                         "responsibility": resp.get(team_lead, "lead of the team concerned; "
                                                               "not a role in the contact list")})
        else:
            role = ROLE_ALIASES.get(name, name)
            rows.append({"step": step, "role": role, "responsibility": resp.get(role, "not in the contact list")})
    return pd.DataFrame(rows, columns=["step", "role", "responsibility"])


def chain_text(chain: tuple[str, ...], contacts: pd.DataFrame, team_lead: str | None = None) -> str:
    """'Tech Lead (Overall coordination, …) → CTO (…)'."""
    steps = escalation(chain, contacts, team_lead)
    parts = [" + ".join(f"{r.role} ({r.responsibility})" for r in grp.itertuples())
             for _, grp in steps.groupby("step", sort=True)]
    return " → ".join(parts)


def team_lead_of(metric_id: str, registry: pd.DataFrame, teams: pd.DataFrame) -> str | None:
    team = registry.set_index("metric_id")["team"].get(metric_id)
    leads = teams.dropna(subset=["lead_role"]).set_index("team")["lead_role"]
    return leads.get(team) if isinstance(team, str) else None


ACTIVE_KINDS = {"State": STATE_BADGE, "rule_id": "id", "metric_id": "id", "Since": "date", "Held": "screen",
                "Held (days)": "hidden", "Required (days)": "hidden", "Value": "unit:unit", "Threshold value": "hidden",
                "Severity": "hidden"}         # said in the sentence above the table; kept in the export


def active_table(ev: Evaluation, rule_frame: pd.DataFrame, registry: pd.DataFrame, contacts: pd.DataFrame,
                 teams: pd.DataFrame) -> Table:
    """Firing and pending alerts (one row per alert instance): shown with badges, exported as data."""
    by_rule = {r.rule_id: r for r in rules(rule_frame)}
    reg = registry.set_index("metric_id")
    fresh = reg["freshness_days"]
    rows = []
    for e in ev.active.itertuples():
        rule = by_rule[e.rule_id]
        if rule.kind == "freshness":
            unit, threshold = "days", f"> {fmt.number(fresh.get(e.metric_id), 0)} day(s) without an observation"
            limit = fresh.get(e.metric_id)
        else:
            unit = reg["unit"].get(e.metric_id)
            threshold, limit = f"{rule.op} {fmt.value(rule.threshold, unit)}", rule.threshold
        rows.append({
            "State": e.state, "Severity": rule.severity.title(), "Alert": rule.name, "rule_id": rule.rule_id,
            "Metric": str(reg["label"].get(e.metric_id, e.metric_id)), "metric_id": e.metric_id,
            "Since": e.firing_since if e.state == FIRING else e.start,
            "Held": (f"{e.held_days} of {e.required_days} days" if e.state == PENDING else
                     f"{e.held_days} day{'s' if e.held_days != 1 else ''}"),
            "Held (days)": e.held_days, "Required (days)": e.required_days,
            "Value": e.last_value, "unit": unit, "Threshold": threshold, "Threshold value": limit,
            "Respond within": human_duration(rule.response_time),
            "Escalates to": chain_text(rule.chain, contacts, team_lead_of(e.metric_id, registry, teams))})
    columns = ["State", "Severity", "Alert", "rule_id", "Metric", "metric_id", "Since", "Held", "Held (days)",
               "Required (days)", "Value", "unit", "Threshold", "Threshold value", "Respond within", "Escalates to"]
    return Table(pd.DataFrame(rows, columns=columns), ACTIVE_KINDS)


def active_messages(active: Table, rule_frame: pd.DataFrame) -> list[tuple[str, str]]:
    """One (state, sentence) per firing or pending threshold alert, then one for all stale KPIs together."""
    shown, raw = active.display(), active.data
    by_name = {r.name: r for r in rules(rule_frame)}
    out = []
    for i in shown.index:
        row, rule = shown.loc[i], by_name[raw.loc[i, "Alert"]]
        if rule.kind == "threshold":
            out.append((raw.loc[i, "State"],
                        f"**{row['Alert']}** · {raw.loc[i, 'Severity'].lower()} · {raw.loc[i, 'State']} since {row['Since']} "
                        f"({row['Held']}) — {row['Metric']} **{row['Value']}** against {row['Threshold']}. "
                        f"Respond within **{row['Respond within']}**. Escalates to {row['Escalates to']}."))
    stale = shown[[by_name[a].kind == "freshness" for a in raw["Alert"]]]
    if len(stale):
        rule = next(r for r in rules(rule_frame) if r.kind == "freshness")
        names = ", ".join(stale["Metric"].head(6)) + (" …" if len(stale) > 6 else "")
        out.append((PENDING, f"**{rule.name}** · {rule.severity} — {len(stale)} KPI(s) without an observation within "
                             f"their freshness window: {names}. Their statuses elsewhere are out of date. Respond "
                             f"within **{human_duration(rule.response_time)}**. Escalates to {stale['Escalates to'].iloc[0]}."))
    return out


def rule_table(ev: Evaluation, rule_frame: pd.DataFrame, registry: pd.DataFrame) -> Table:
    """Every rule with its current state and why (metric labels on screen, ids in the export)."""
    cur = ev.current.set_index("rule_id")
    labels = registry.set_index("metric_id")["label"]
    rows = []
    for rule in rules(rule_frame):
        c = cur.loc[rule.rule_id]
        rows.append({"Rule": rule.name, "rule_id": rule.rule_id, "Kind": rule.kind, "Severity": rule.severity.title(),
                     "Metric": str(labels.get(rule.metric_id, rule.metric_id)) if rule.metric_id != "*"
                     else "every observed KPI", "metric_id": rule.metric_id,
                     "Condition": rule.as_written,
                     "For": human_duration(rule.for_) if rule.for_ > pd.Timedelta(0) else "—",
                     "Respond within": human_duration(rule.response_time), "Escalation": " → ".join(rule.chain),
                     "State": c["state"], "Why": c["explanation"], "Source": rule.source})
    return Table(pd.DataFrame(rows), {"rule_id": "id", "metric_id": "id", "State": STATE_BADGE, "Kind": "hidden",
                                      "Metric": "hidden", "Source": "hidden"})     # the condition names what it watches


def episode_table(ev: Evaluation, registry: pd.DataFrame) -> Table:
    """Every episode over the history, newest first."""
    labels = registry.set_index("metric_id")["label"]
    eps = ev.episodes.sort_values("start", ascending=False)
    return Table(pd.DataFrame({
        "Alert": eps["name"], "Metric": [str(labels.get(m, m)) for m in eps["metric_id"]], "metric_id": eps["metric_id"],
        "Severity": eps["severity"].str.title(), "Started": eps["start"], "Firing since": eps["firing_since"],
        "Ended": eps["end"], "Ended because": eps["end_reason"].fillna("still active"),
        "Held (days)": eps["held_days"], "State": eps["state"]}),
        {"metric_id": "id", "Started": "date", "Firing since": "hidden", "Ended": "date", "Held (days)": "count",
         "State": STATE_BADGE, "Ended because": "hidden"})


def timeline(ev: Evaluation) -> pd.DataFrame:
    """Segments for a timeline chart: one row per pending or firing stretch (start, finish, phase)."""
    rows = []
    for e in ev.episodes.itertuples():
        finish = e.end if pd.notna(e.end) else ev.at + DAY
        fire_at = e.firing_since
        label = e.name if e.kind != "freshness" else f"{e.name}: {e.metric_id}"
        if pd.isna(fire_at) or fire_at > e.start:
            rows.append({"alert": label, "start": e.start, "finish": fire_at if pd.notna(fire_at) else finish,
                         "phase": "pending", "severity": e.severity, "metric_id": e.metric_id})
        if pd.notna(fire_at):
            rows.append({"alert": label, "start": fire_at, "finish": finish, "phase": "firing",
                         "severity": e.severity, "metric_id": e.metric_id})
    return pd.DataFrame(rows, columns=["alert", "start", "finish", "phase", "severity", "metric_id"])


def summary_sentence(ev: Evaluation) -> str:
    if ev.at is None:
        return "No observations yet: no rule can be evaluated."
    states = ev.current["state"].value_counts()
    firing, pending = int(states.get(FIRING, 0)), int(states.get(PENDING, 0))
    crit = ev.active[(ev.active["state"] == FIRING) & (ev.active["severity"] == "critical")]["rule_id"].nunique()
    return (f"As of {_day(ev.at)}: **{firing}** of {len(ev.current)} rules firing ({crit} critical), "
            f"**{pending}** pending; {len(ev.episodes)} episodes over the history.")


def evaluation_day(data) -> pd.Timestamp | None:
    """The day rules are evaluated on: the chosen week's last day, or the newest observation if earlier."""
    if data.latest_date is None:
        return None
    return min(pd.Timestamp(week_end(data.week, data.start)), pd.Timestamp(data.latest_date))


def rule_state(ev: Evaluation, rule_frame: pd.DataFrame, rule_id: str) -> tuple[Rule, str, str]:
    """(rule, state, why) of one rule as the Alerts page shows it: any page that mentions an alert says this."""
    rule = next(r for r in rules(rule_frame) if r.rule_id == rule_id)
    row = ev.current.set_index("rule_id").loc[rule_id]
    return rule, row["state"], row["explanation"]
