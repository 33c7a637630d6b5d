"""Checklists and milestone rewards judged at the end of their own week, re-derived in the test from the
plan's CSV rows and the database's live observations (plain SQL), at weeks 0, 4, 8 and 12 of the sample."""
from __future__ import annotations

import operator
from datetime import date

import duckdb
import pandas as pd
import pytest

from loaders import bundle as plan_bundle
from loaders import load
from tests.apptest import run_page, tables
from tests.conftest import ROOT, write
from transforms import phases, teams
from transforms.calendar import week_end
from transforms.model import PlanData

PLAN = ROOT / "data" / "plan"
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq}


def bundle(db, week: int) -> PlanData:
    """The plan as of the end of `week`, built from the database the way ui.data builds it."""
    with duckdb.connect(str(db), read_only=True) as con:
        return plan_bundle.plan_data(con, week)


def record(db, week: int) -> pd.DataFrame:
    return phases.checklist_record(bundle(db, week), {w: bundle(db, w) for w in phases.CHECKLIST_WEEKS if w <= week})


class Plan:
    """What the plan's rows say an item needs, evaluated on live values as of a week (independent of the app)."""

    def __init__(self, db):
        with duckdb.connect(str(db), read_only=True) as con:
            self.live = con.execute("SELECT metric_id, as_of, avg(value) AS value FROM observations "
                                    "GROUP BY ALL ORDER BY as_of").df()          # the live view
        self.live["as_of"] = pd.to_datetime(self.live["as_of"])
        self.targets = pd.read_csv(PLAN / "targets.csv")
        metrics = pd.read_csv(PLAN / "metrics.csv")
        self.weights = metrics.dropna(subset=["weight"]).set_index("metric_id")["weight"]

    def value(self, metric_id: str, week: int):
        rows = self.live[(self.live["metric_id"] == metric_id) & (self.live["as_of"] <= pd.Timestamp(week_end(week)))]
        return None if rows.empty else float(rows["value"].iloc[-1])

    def health(self, week: int) -> float:                     # Σ weight × category score
        return sum(w * self.value(m, week) for m, w in self.weights.items())

    def slas_met(self, week: int) -> int:
        sla = self.targets[self.targets["section"] == "sla"]
        return sum(1 for r in sla.itertuples() if (v := self.value(r.metric_id, week)) is not None
                   and OPS[r.op](v, r.value))

    def met(self, item: str, item_week: int, week: int) -> bool:
        rows = self.targets[(self.targets["section"] == f"checklist_w{item_week}") & (self.targets["label"] == item)]
        for r in rows.itertuples():
            if r.metric_id == "all_slas_met":
                ok = self.slas_met(week) == 14
            elif r.metric_id == "overall_health_score":
                ok = self.health(week) >= r.value
            else:
                v = self.value(r.metric_id, week)
                ok = v is not None and (v >= 100 if r.op == "done" else OPS[r.op](v, r.value))
            if not ok:
                return False
        return True


@pytest.fixture(scope="module")
def truth(sample_db_path):
    return Plan(sample_db_path)


@pytest.mark.parametrize("week", [0, 4, 8, 12])
def test_items_are_judged_at_the_end_of_their_week_and_again_now(sample_db_path, truth, week):
    got = record(sample_db_path, week)
    assert len(got) == 25
    for row in got.itertuples():
        assert row.due == (row.week <= week)
        assert row.holds == truth.met(row.item, row.week, week), (row.item, week)
        if row.due:
            assert row.earned == truth.met(row.item, row.week, row.week), (row.item, row.week)
        else:
            assert row.earned is None and row.standing.startswith(f"due week {row.week}")


def test_an_item_earned_stays_earned_and_says_whether_it_still_holds(sample_db_path, truth):
    at_4, at_12 = record(sample_db_path, 4).set_index("item"), record(sample_db_path, 12).set_index("item")
    # "All Teams Active" (total velocity >= 60) missed at week 4 (48 points), still below at week 12 (58)
    assert truth.value("team_velocity_total", 4) == 48 and truth.value("team_velocity_total", 12) == 58
    assert at_12.loc["All Teams Active", "standing"] == "missed week 4 · still not met"
    # an item earned at week 4 reads the same at week 4 and at week 12: the week-4 data does not change
    assert at_4.loc["API Completion", "earned"] and at_12.loc["API Completion", "earned"]
    assert at_12.loc["API Completion", "value_then"] == at_4.loc["API Completion", "value_now"]
    assert at_12.loc["API Completion", "standing"] == "earned week 4 · still holds"


def test_computed_items_read_the_sla_statuses_and_the_computed_health(sample_db_path, truth):
    at_12 = record(sample_db_path, 12).set_index("item")
    assert at_12.loc["Performance Targets", "value_then"] == f"{truth.slas_met(8)} of 14 SLAs met"       # 4
    assert at_12.loc["Performance Targets", "value_now"] == f"{truth.slas_met(12)} of 14 SLAs met"      # 11
    assert (truth.slas_met(8), truth.slas_met(12)) == (4, 11)
    health = truth.health(12)                                   # 92.85; the uploaded metrics_daily says 93
    assert at_12.loc["System Health", "values_then"] == f"{health:g}"
    assert truth.value("overall_health_score", 12) == 93
    with duckdb.connect(str(sample_db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM observations WHERE metric_id = 'all_slas_met'").fetchone()[0] == 0


@pytest.mark.parametrize("week", [0, 4, 8, 12])
def test_rewards_unlock_only_when_the_week_was_complete_at_its_end(sample_db_path, truth, week):
    summary = phases.checklist_summary(record(sample_db_path, week))
    rewards = teams.rewards(summary).data.set_index("Week")
    checklists = pd.read_csv(PLAN / "checklists.csv")
    for reward_week in (2, 4, 8, 12):
        items = checklists.loc[checklists["week"] == reward_week, "item"]
        earned = sum(truth.met(i, reward_week, reward_week) for i in items) if reward_week <= week else 0
        assert rewards.loc[reward_week, "Items earned"] == earned
        assert rewards.loc[reward_week, "Unlocked"] == (reward_week <= week and earned == len(items))
        assert rewards.loc[reward_week, "Due"] == (reward_week <= week)


def test_a_reward_earned_at_its_week_stays_unlocked_when_an_item_later_breaks(db):
    """The bug this replaces: an item ticked at its week was unticked later, and its reward locked again."""
    rows = ["metric_id,as_of,value"] + [f"{m},2025-01-26,{v}" for m, v in (
        ("jwt_validation_latency_ms", 1.5), ("dnc_list_sync_status", 100), ("audit_trail_completeness_pct", 100),
        ("security_control_rate_limiting_pct", 100), ("critical_vulnerabilities", 0))]
    rows.append("critical_vulnerabilities,2025-02-02,2")          # week 3: a critical vulnerability reappears
    load.load_file(write(db.parent / "week2.csv", "\n".join(rows) + "\n"), db=db)
    at_3 = record(db, 3).set_index("item")
    assert at_3.loc["Security Scan Clean", "standing"] == "earned week 2 · no longer holds"
    rewards = teams.rewards(phases.checklist_summary(record(db, 3))).display().set_index("Week")
    assert rewards.loc[2, "Checklist"] == "🔓 Unlocked at the end of week 2"
    assert rewards.loc[4, "Checklist"].startswith("⏳ Due at the end of week 4")
    at = run_page("teams", week=3)
    shown = next(d for d in tables(at) if "Reward" in d.columns).set_index("Week")
    assert shown.loc[2, "Checklist"] == "🔓 Unlocked at the end of week 2"
    phases_page = run_page("phases", week=3)
    week2 = next(d for d in tables(phases_page) if "Status, week 2" in d.columns).set_index("Item")
    assert week2.loc["Security Scan Clean", "Standing"] == "earned week 2 · no longer holds"
    assert week2.loc["Security Scan Clean", "Status, week 2"] == "🟢 Met"
    assert week2.loc["Security Scan Clean", "Status, week 3"] == "🔴 Not met"


def test_phases_page_at_week_12_of_the_sample(sample_db_path, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("phases", week=12)
    assert not at.exception
    body = "\n".join(m.value for m in at.markdown)
    assert "**0 of 5** weekly checklists due by week 12 were complete at the end of their week" in body
    week8 = next(d for d in tables(at) if "Status, week 8" in d.columns).set_index("Item")
    assert week8.loc["Performance Targets", "End of week 8"] == "4 of 14 SLAs met"
    assert week8.loc["Performance Targets", "Week 12"] == "11 of 14 SLAs met"
    assert "judged on the data at the end of its own week" in " ".join(c.value for c in at.caption)
