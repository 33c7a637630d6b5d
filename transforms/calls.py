"""The /calls page's figures from the call rollups (loaders/calls/rollups.py): pure pandas, no I/O.

The rollups give one row per day (and publisher / buyer); a week's figure per group is the sum of its
days' counts, and every rate is recomputed from those sums (a mean of daily rates would weigh a quiet
day like a busy one). Consent coverage is unknown (not 0%) when no call of the period carries a consent
certificate: exports without such a column cannot say. Averages (handle time, time to connect) are weighted by the connected calls of
each day. Rates are shown in percent (0–100), as everywhere in the app.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from transforms import fmt
from transforms.calendar import plan_week, week_end
from transforms.table import Table

COUNTS = ("incoming_calls", "connected_calls", "billable_calls", "converted_calls", "duplicate_calls",
          "repeat_calls", "blocked_calls", "tcpa_blocked_calls", "short_calls", "calls_without_state",
          "outside_hours_calls", "outside_federal_hours_calls", "outside_state_hours_calls", "unblocked_calls",
          "consent_calls")
MONEY = ("revenue", "payout", "cost")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STAGES = (("Incoming", "incoming_calls"), ("Connected", "connected_calls"), ("Billable", "billable_calls"),
          ("Converted", "converted_calls"))


def window(week: int, start: date) -> tuple[date, date]:
    """The seven days of plan week `week` (week 0: the seven days before the plan starts)."""
    last = week_end(week, start)
    return last - timedelta(days=6), last


def default_week(latest_day, start: date) -> int:
    """The plan week holding the newest call (calls follow their own data, like the app's weeks do)."""
    return plan_week(latest_day, start)


def totals(daily: pd.DataFrame, by: list[str] | tuple = ()) -> pd.DataFrame:
    """Counts and money summed over the days (per `by` group), rates recomputed from the sums."""
    frame = daily.copy()
    for avg, weight in (("avg_handle_time_s", "connected_calls"), ("avg_time_to_connect_s", "connected_calls")):
        frame[f"_{avg}"] = frame[avg].fillna(0) * frame[weight].where(frame[avg].notna(), 0)
        frame[f"_{avg}_n"] = frame[weight].where(frame[avg].notna(), 0)
    sums = [c for c in frame.columns if c in COUNTS or c in MONEY or c.startswith("_")]
    out = frame.groupby(list(by), dropna=False)[sums].sum().reset_index() if by else frame[sums].sum().to_frame().T
    for avg in ("avg_handle_time_s", "avg_time_to_connect_s"):
        out[avg] = out[f"_{avg}"] / out[f"_{avg}_n"].replace(0, np.nan)
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    per = lambda n, d: 100 * out[n] / out[d].replace(0, np.nan)   # noqa: E731
    out["connect_rate"] = per("connected_calls", "incoming_calls")
    out["billable_rate"] = per("billable_calls", "incoming_calls")
    out["conversion_rate"] = per("converted_calls", "incoming_calls")
    out["duplicate_rate"] = per("duplicate_calls", "incoming_calls")
    out["blocked_rate"] = per("blocked_calls", "incoming_calls")
    out["tcpa_block_rate"] = per("tcpa_blocked_calls", "incoming_calls")
    out["short_call_rate"] = per("short_calls", "connected_calls")
    out["outside_hours_rate"] = per("outside_hours_calls", "unblocked_calls")
    out["consent_coverage"] = per("consent_calls", "unblocked_calls")
    if not frame["consent_calls"].sum():     # no export of these days carries a certificate: unknown, not 0%
        out["consent_coverage"] = np.nan
    out["profit"] = out["revenue"] - out["payout"] - out["cost"]
    out["margin"] = 100 * out["profit"] / out["revenue"].replace(0, np.nan)
    out["revenue_per_call"] = out["revenue"] / out["incoming_calls"].replace(0, np.nan)
    return out


def preview_days(frame: pd.DataFrame) -> Table:
    """An import's calls per day (the prepared, not yet stored records): calls, connected, publishers."""
    per_day = frame.groupby("day").agg(calls=("call_id", "size"), connected=("connected", "sum"),
                                       publishers=("publisher", "nunique") if "publisher" in frame else
                                       ("call_id", lambda s: 0)).reset_index()
    data = per_day.rename(columns={"day": "Day", "calls": "Calls", "connected": "Connected", "publishers": "Publishers"})
    data["Day"] = pd.to_datetime(data["Day"])
    return Table(data, {"Day": "date", "Calls": "integer", "Connected": "integer", "Publishers": "integer"})


def funnel(daily: pd.DataFrame) -> Table:
    """Incoming → connected → billable → converted: calls, share of incoming, and of the step before."""
    if daily.empty:
        return Table(pd.DataFrame(columns=["Stage", "Calls", "Of incoming", "Of the step before"]))
    row = totals(daily).iloc[0]
    calls = [int(row[c]) for _, c in STAGES]
    first = calls[0] or np.nan
    data = pd.DataFrame({"Stage": [s for s, _ in STAGES], "Calls": calls,
                         "Of incoming": [100 * c / first for c in calls],
                         "Of the step before": [np.nan] + [100 * b / a if a else np.nan
                                                           for a, b in zip(calls, calls[1:])]})
    return Table(data, {"Calls": "integer", "Of incoming": "%", "Of the step before": "%"})


# Counts are shown exact ("integer"): 14,385 calls, not 14.4K.
GROUP_COLUMNS = {
    "incoming_calls": ("Incoming", "integer"), "connected_calls": ("Connected", "integer"),
    "billable_calls": ("Billable", "integer"), "converted_calls": ("Converted", "integer"),
    "connect_rate": ("Connect rate", "%"), "billable_rate": ("Billable rate", "%"),
    "duplicate_rate": ("Duplicate rate", "%"), "revenue": ("Revenue", "$"), "payout": ("Payout", "$"),
    "profit": ("Profit", "$"), "margin": ("Margin", "%"), "revenue_per_call": ("Revenue per incoming call", "$"),
    "avg_handle_time_s": ("Avg handle time (s)", "number"), "short_call_rate": ("Short-call rate", "%"),
}


def by_group(daily: pd.DataFrame, key: str) -> Table:
    """One row per publisher (or buyer): volume, funnel rates, money, handle time; busiest first."""
    if daily.empty:
        return Table(pd.DataFrame(columns=[key.title()] + [label for label, _ in GROUP_COLUMNS.values()]))
    out = totals(daily, [key]).sort_values(["incoming_calls", key], ascending=[False, True], kind="stable")
    data = out[[key, *GROUP_COLUMNS]].rename(columns={key: key.title()} | {c: l for c, (l, _) in GROUP_COLUMNS.items()})
    data[key.title()] = data[key.title()].fillna("(none)")
    return Table(data.reset_index(drop=True), {l: k for l, k in GROUP_COLUMNS.values()})


SCORE_COLUMNS = {
    "incoming_calls": ("Incoming", "integer"), "blocked_rate": ("Blocked rate", "%"),
    "tcpa_block_rate": ("TCPA-blocked rate", "%"), "outside_hours_calls": ("Outside calling hours", "integer"),
    "outside_hours_rate": ("Outside hours (% of unblocked)", "%"), "calls_without_state": ("Without state", "integer"),
    "consent_coverage": ("Consent coverage", "%"),
}


def scorecard(daily: pd.DataFrame) -> Table:
    """Per publisher: blocks (TCPA apart), calls outside the consumer's calling hours, consent coverage,
    and a status: not met with any outside-hours call, met when none and every unblocked call carries
    consent, partial otherwise (no consent data = no data for that part)."""
    if daily.empty:
        return Table(pd.DataFrame(columns=["Publisher", "Status"] + [l for l, _ in SCORE_COLUMNS.values()]))
    out = totals(daily, ["publisher"]).sort_values(["outside_hours_calls", "tcpa_block_rate", "publisher"],
                                                   ascending=[False, False, True], kind="stable")
    state = np.where(out["outside_hours_calls"] > 0, "not_met",
                     np.where(out["consent_coverage"].isna(), "no_data",
                              np.where(out["consent_coverage"] >= 100, "met", "partial")))
    data = out[["publisher", *SCORE_COLUMNS]].rename(
        columns={"publisher": "Publisher"} | {c: l for c, (l, _) in SCORE_COLUMNS.items()})
    data.insert(1, "Status", state)
    data["Publisher"] = data["Publisher"].fillna("(none)")
    return Table(data.reset_index(drop=True), {"Status": "status"} | {l: k for l, k in SCORE_COLUMNS.values()})


def day_detail(daily_by: pd.DataFrame, key: str, day) -> Table:
    """The drill-down: one day's rows of a publisher or buyer rollup."""
    frame = daily_by[pd.to_datetime(daily_by["day"]) == pd.Timestamp(day)]
    return by_group(frame, key)


def heatmap_grid(cells: pd.DataFrame) -> pd.DataFrame:
    """Calls per weekday (rows, Mon..Sun) × hour 0–23 (columns), zeros where no call came in."""
    grid = pd.DataFrame(0, index=list(WEEKDAYS), columns=[f"{h:02d}" for h in range(24)], dtype="int64")
    for row in cells.itertuples():
        grid.iat[int(row.weekday), int(row.hour)] = int(row.calls)
    grid.index.name = "Weekday"
    return grid


def busiest(grid: pd.DataFrame) -> tuple[str, int, int] | None:
    if grid.to_numpy().sum() == 0:
        return None
    flat = grid.stack()
    (weekday, hour), calls = flat.idxmax(), int(flat.max())    # hour: "00".."23"
    return weekday, int(hour), calls


def trends(daily: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Daily series of the rollups that recording rules map onto registry metrics, in the metric's unit.

    `rules`: [rollup, metric_id, scale] (the value recorded is rollup × scale). Returns [day, metric_id,
    rollup, value]."""
    if daily.empty or rules.empty:
        return pd.DataFrame(columns=["day", "metric_id", "rollup", "value"])
    rows = []
    for rule in rules.itertuples():
        if rule.rollup in daily:
            rows.append(pd.DataFrame({"day": pd.to_datetime(daily["day"]), "metric_id": rule.metric_id,
                                      "rollup": rule.rollup, "value": daily[rule.rollup] * float(rule.scale)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["day", "metric_id", "rollup", "value"])


def daily_table(daily: pd.DataFrame) -> Table:
    """One row per day: the funnel counts, rates and money (rates recomputed per day, in percent)."""
    out = totals(daily, ["day"])
    columns = {"day": ("Day", "date")} | {c: GROUP_COLUMNS[c] for c in (
        "incoming_calls", "connected_calls", "billable_calls", "converted_calls", "connect_rate", "revenue",
        "profit", "avg_handle_time_s")} | {"tcpa_block_rate": SCORE_COLUMNS["tcpa_block_rate"],
                                          "outside_hours_calls": SCORE_COLUMNS["outside_hours_calls"]}
    data = out[list(columns)].rename(columns={c: l for c, (l, _) in columns.items()})
    return Table(data.reset_index(drop=True), {l: k for l, k in columns.values()})


def _known(daily: pd.DataFrame, rollup: str) -> bool:
    """Consent coverage is unknown, not 0%, when no call of the period carries a certificate (see totals)."""
    return rollup != "consent_coverage_rate" or bool(daily["consent_calls"].sum())


def target_trends(daily: pd.DataFrame, rules: pd.DataFrame, targets: pd.DataFrame, registry: pd.DataFrame,
                  week: int) -> tuple[pd.DataFrame, Table]:
    """The recorded KPIs (recording rules: rollup × scale → registry metric) as daily series, and a table of
    each one's newest day against the plan's target in force at `week` (transforms.status, the one rule).

    Returns (series [metric_id, as_of, value], Table). Days where the rollup is empty give no point."""
    from transforms import status
    if daily.empty or rules.empty:
        return pd.DataFrame(columns=["metric_id", "as_of", "value"]), Table(pd.DataFrame())
    parts = [pd.DataFrame({"metric_id": r.metric_id, "as_of": pd.to_datetime(daily["day"]),
                           "value": daily[r.rollup_column].astype(float) * float(r.scale)}).dropna(subset=["value"])
             for r in rules.itertuples() if r.rollup_column in daily and _known(daily, r.rollup_column)]
    series = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["metric_id", "as_of", "value"])
    latest = series.sort_values("as_of").groupby("metric_id").tail(1)
    due = status.target_in_force(targets[targets["metric_id"].isin(rules["metric_id"])], week)
    rows = (rules[["metric_id", "rollup_column"]].merge(registry[["metric_id", "label", "unit", "direction"]],
                                                        on="metric_id", how="left")
            .merge(latest[["metric_id", "as_of", "value"]], on="metric_id", how="left")
            .merge(due[["metric_id", "op", "value", "text_as_written"]].rename(columns={"value": "target"}),
                   on="metric_id", how="left"))
    judged = rows["op"].notna()
    rows["status"] = None
    if judged.any():
        rows.loc[judged, "status"] = status.with_status(rows[judged])["status"]
    data = pd.DataFrame({"KPI": rows["label"].fillna(rows["metric_id"]), "metric_id": rows["metric_id"],
                         "rollup": rows["rollup_column"], "Newest day": rows["as_of"],
                         "Value": rows["value"], "unit": rows["unit"],
                         "Target": rows["text_as_written"].fillna("no target"), "Status": rows["status"],
                         "target_value": rows["target"]})
    # The rollup's id is for the export and the recording rules below the table (the details view).
    return series, Table(data, {"metric_id": "id", "rollup": "id", "Newest day": "date", "Value": "unit:unit",
                                "Status": "status", "target_value": "hidden"})


def target_lines(kpi_row) -> list[tuple[float, str]]:
    """A recorded-KPI row's target as a chart line [(value, words)], or none when it has no numeric target."""
    return [] if pd.isna(kpi_row.target_value) else [(float(kpi_row.target_value), kpi_row.Target)]


def busiest_sentence(peak, zone: str) -> str:
    """peak: busiest() -> (weekday, hour, calls)."""
    weekday, hour, calls = peak
    return (f"The busiest hour was **{weekday} {hour:02d}:00–{hour + 1:02d}:00** ({fmt.count(calls, 'call')}), "
            f"hours of the day in {zone}.")


def _rate(value) -> str:
    """A rate as the tables on the page show it (fmt.value's "%"): a sentence and its table say the same."""
    return fmt.value(value, "%")


def funnel_sentence(week_total) -> str:
    """The week's funnel and money in one sentence (`week_total`: the one row of totals(daily))."""
    t = week_total
    return (f"**{fmt.integer(t.incoming_calls)}** calls came in; **{_rate(t.connect_rate)}** connected, "
            f"**{_rate(t.billable_rate)}** were billable and **{_rate(t.conversion_rate)}** converted. "
            f"Revenue **{fmt.money(t.revenue)}**, payout {fmt.money(t.payout)}, profit **{fmt.money(t.profit)}** "
            f"(margin {_rate(t.margin)}); revenue per incoming call {fmt.money(t.revenue_per_call, 2)}.")


def compliance_sentence(week_total) -> str:
    """Outside-hours calls, TCPA blocks and consent coverage for the week, and how the scorecard judges."""
    t = week_total
    return (f"**{fmt.count(int(t.outside_hours_calls), 'call')}** not blocked came in outside the consumer's "
            f"local calling hours (federal 8am–9pm; stricter state windows from the plan's regulatory rules); "
            f"{fmt.integer(t.tcpa_blocked_calls)} were blocked by TCPA rules ({_rate(t.tcpa_block_rate)} of "
            f"incoming). Consent coverage {_rate(t.consent_coverage)} of unblocked calls. Status: not met with "
            "any outside-hours call; met when none and every unblocked call carries a consent certificate.")
