"""The ROI's investment: a stored, editable assumption in DuckDB, defaulting to the plan's teams."""
from __future__ import annotations

import duckdb
import pytest

from loaders import access, assumptions
from loaders.build import read_plan_csv
from transforms import fmt
from transforms import projection as pj

PLAN = {n: read_plan_csv(n) for n in ("revenue_streams", "cost_avoidance", "customer_acquisition",
                                      "stated_totals", "teams")}


def _with(stored) -> pj.Baseline:
    return pj.Baseline.from_plan({**PLAN, "assumptions": stored})


def test_the_default_is_13_people_at_4000_for_12_weeks(db):
    teams = PLAN["teams"]
    people = int(teams["engineers_needed"].sum() + teams["lead_role"].notna().sum())   # 10 engineers + 3 leads
    inv = _with(assumptions.read_current(db=db)).investment
    assert (inv.people, inv.cost_per_week, inv.weeks, inv.edited_at) == (people, 4000, 12, None) == (13, 4000, 12, None)
    assert inv.total == 13 * 4000 * 12 == 624_000
    assert inv.basis(fmt.money) == "13 people × $4K a person-week × 12 weeks = $624K"


def test_an_edit_is_stored_and_the_newest_wins(db):
    assumptions.save({"investment_people": 15, "investment_cost_per_person_week": 5000, "investment_weeks": 12},
                     actor=access.operator("cfo"), db=db)
    assumptions.save({"investment_weeks": 16}, actor=access.operator("cto"), db=db)
    current = assumptions.read_current(db=db).set_index("name")
    assert current["value"].to_dict() == {"investment_cost_per_person_week": 5000, "investment_people": 15,
                                          "investment_weeks": 16}
    inv = _with(current.reset_index()).investment
    assert inv.total == 15 * 5000 * 16 and inv.edited_by == "cto"
    assert _with(current.reset_index()).default_investment == 1_200_000          # the what-if starts from it
    with duckdb.connect(str(db), read_only=True) as con:                         # every edit is kept
        assert con.execute("SELECT count(*) FROM assumptions").fetchone()[0] == 4


@pytest.mark.parametrize("values, words", [
    ({"investment_people": 0}, "people: 0 is outside 1–1,000"),
    ({"investment_people": 2.5}, "not a whole number"),
    ({"investment_cost_per_person_week": "lots"}, "'lots' is not a number"),
    ({"investment_weeks": float("inf")}, "outside 1–520"),
    ({"budget": 5}, "budget: not an assumption this app keeps")])
def test_bad_input_is_refused_whole_with_a_reason_and_changes_nothing(db, values, words):
    good = {"investment_people": 14}
    with pytest.raises(ValueError) as err:
        assumptions.save({**good, **values}, db=db)
    assert words in str(err.value) and "Nothing was saved" in str(err.value)
    assert assumptions.read_current(db=db).empty                                # not even the good value


def test_a_database_built_before_the_table_reads_as_no_edit(tmp_path):
    path = tmp_path / "old.duckdb"
    duckdb.connect(str(path)).close()
    assert assumptions.read_current(db=path).empty
