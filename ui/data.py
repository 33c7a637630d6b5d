"""Cached reads for the pages, keyed on the data version (a stat of the database file).

Any write, by the app or by a CLI job, changes the version, so the next rerun
reads fresh data; between writes every page is served from the cache.
When another process holds the database past the retries (a long CLI load), every
reader here shows one "Busy, retry" line and stops the page (`or_busy`), instead
of Streamlit's exception box.
"""
from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import streamlit as st

from loaders import build, bundle, db, queries
from loaders.errors import BusyError
from transforms import fmt
from transforms.calendar import week_end
from transforms.model import PlanData



def busy(exc: BusyError) -> None:
    """The one "busy, retry" line, then stop the page: nothing below it can be read right now."""
    st.warning(f"Busy, retry in a moment: {fmt.md_escape(exc)}", icon=":material/hourglass_top:")
    st.stop()


def or_busy(read):
    """A reader that, when the database stays busy past the retries, says so on the page and stops it."""
    @functools.wraps(read)
    def guarded(*args, **kwargs):
        try:
            return read(*args, **kwargs)
        except BusyError as exc:
            busy(exc)
    return guarded


@st.cache_resource(show_spinner="Building the database from the plan data…")
def _built(path: str) -> bool:
    build.ensure_built()
    return True


@or_busy
def version() -> tuple:
    _built(str(db.db_path()))
    return db.data_version()


@st.cache_data(show_spinner=False, max_entries=4)
def _base(version: tuple) -> dict:
    with db.connect() as con:
        return bundle.read_base(con)


@st.cache_data(show_spinner=False, max_entries=32)
def _latest(version: tuple, as_of: date | None):
    with db.connect() as con:
        return queries.latest_values(con, as_of)


@or_busy
def plan_data(week: int | None = None) -> PlanData:
    """The plan bundle as of `week` (default: the week the data reaches).

    One shared, read-only object per (data version, week): transforms memoise their results on it
    (transforms.model.memo), so a rerun with unchanged data recomputes nothing.
    """
    v = version()
    latest = _plan_data(v, None)
    # The week the data reaches, asked for by number, is the same bundle: share its object (and every figure
    # memoised on it) rather than build and compute a twin, e.g. the overview's week-0 snapshot on the plan alone.
    return latest if week is None or week == latest.data_week else _plan_data(v, week)


@st.cache_resource(show_spinner=False, max_entries=64)
def _plan_data(v: tuple, week: int | None) -> PlanData:
    return bundle.at_week(_base(v), week, lambda day: _latest(v, day))


@st.cache_data(show_spinner=False, max_entries=16)
def series(version: tuple, metric_ids: tuple[str, ...], extremes: bool = True):
    with db.connect() as con:
        return queries.daily_series(con, list(metric_ids), extremes=extremes)


@or_busy
def history(metric_ids: list[str], extremes: bool = True):
    """Daily history, at most ~2,000 points a series: extremes kept for charts of the series itself;
    `extremes=False` gives aligned bucket means for figures combining several series."""
    return series(version(), tuple(metric_ids), extremes)


def plan_data_at_weeks(weeks, up_to: int) -> dict[int, PlanData]:
    """{week: the plan bundle as of the end of that week} for each of `weeks` up to week `up_to`:
    what a checklist week is judged on."""
    return {week: plan_data(week) for week in weeks if week <= up_to}


@or_busy
def plan_data_as_picked() -> PlanData:
    """The plan bundle as of the app-wide week (sidebar, ?week=N; default: where the data reaches)."""
    from ui.widgets import picked_week
    data = plan_data(picked_week())
    st.session_state["_shown_week"] = data.week
    return data


# --- added for plan pages / pace (issue #3) ---------------------------------------------

@st.cache_data(show_spinner=False, max_entries=16)
def _weekly(version: tuple, metric_ids: tuple[str, ...], start: date, as_of: date | None, how: str):
    with db.connect() as con:
        query = queries.weekly_sums if how == "sum" else queries.weekly_last
        return query(con, list(metric_ids), start, as_of)


@or_busy
def weekly(data: PlanData, metric_ids: list[str], how: str = "sum"):
    """Per metric and plan week: the sum ("sum") or last value ("last") of the observations, up to
    the week `data` is shown as of. Columns: metric_id, week, value (+ n_days for sums)."""
    as_of = None if data.week == data.data_week else week_end(data.week, data.start)
    return _weekly(version(), tuple(metric_ids), data.start, as_of, how)


def weekly_all(data: PlanData):
    """Every metric's last value in each plan week up to the week shown (one query, cached)."""
    return weekly(data, list(data.registry["metric_id"]), how="last")


def paced_targets(data: PlanData):
    """Every target row with status and pace (transforms.pace) as of the week shown; once per PlanData."""
    from transforms import model, pace
    key = ("ui.data.paced_targets",)
    if key not in data._memo:
        data._memo[key] = pace.pace(model.target_rows(data), trend_inputs(data), data.as_of, data.start)
    return data._memo[key]


@st.cache_data(show_spinner=False, max_entries=16)
def _trend_inputs(version: tuple, as_of: date | None):
    with db.connect() as con:
        return queries.trend_inputs(con, as_of)


@or_busy
def trend_inputs(data: PlanData):
    """Per-metric regression inputs for transforms.pace, as of the week `data` is shown as of."""
    as_of = None if data.week == data.data_week else week_end(data.week, data.start)
    return _trend_inputs(version(), as_of)


@st.cache_data(show_spinner=False, max_entries=8)
def _reference(version: tuple, name: str):
    with db.connect() as con:
        return queries.plan_table(con, name)


@or_busy
def reference_table(name: str):
    """A plan reference table (`plan_<name>`, from data/plan/<name>.csv) outside the PlanData bundle."""
    return _reference(version(), name)


# --- added for alerts and reports (issue #5) -----------------------------------------------------

RULE_HISTORY_DAYS = 400   # alerts evaluate the last ~13 months of daily values, however long the history


@st.cache_data(show_spinner=False, max_entries=4)
def _rule_history(version: tuple, days: int | None = RULE_HISTORY_DAYS):
    with db.connect() as con:
        return queries.rule_history(con, days=days)


@or_busy
def rule_history():
    """Every metric's daily history (one value per metric per day) over the last RULE_HISTORY_DAYS days
    before the newest observation: what alert rules and reports read (bounded at any data size)."""
    return _rule_history(version())


@or_busy
def alert_evaluation(at):
    """The alert rules evaluated on day `at`, computed once per data version (shared, read-only)."""
    return _alert_evaluation(version(), None if at is None else pd.Timestamp(at))


@st.cache_resource(show_spinner=False, max_entries=32)
def _alert_evaluation(v: tuple, at):
    from transforms import alerts
    data = _plan_data(v, None)
    return alerts.evaluate(data.plan["alert_rules"], _rule_history(v), data.registry, at)


@st.cache_data(show_spinner=False, max_entries=16)
def _metric_observations(version: tuple, metric_id: str, as_of):
    with db.connect() as con:
        return queries.metric_observations(con, metric_id, as_of)


@or_busy
def metric_observations(data: PlanData, metric_id: str):
    """One metric's live observations up to the day shown, newest first, with their batches (≤ 1,000)."""
    return _metric_observations(version(), metric_id, data.as_of)


# --- added for recognition (issue #11) ----------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def _nominations(version: tuple, up_to_week: int):
    from loaders import nominations as store
    return store.listing(up_to_week=up_to_week, db=version[0])


def nominations(data: PlanData):
    """The nominations for plan weeks up to the week `data` is shown as of (re-read after any write)."""
    return _nominations(version(), data.week)
