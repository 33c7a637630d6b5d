"""The recognition program: team awards per week from data (re-derived in the test from the live rows), the
two per-team metrics they need and their template, and nominations recorded through the app."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from loaders import load, nominations, queries, templates
from tests.apptest import run_page, tables
from tests.conftest import ROOT
from transforms import teams
from transforms.calendar import week_end
from transforms.export import to_csv_bytes

START = date(2025, 1, 13)
TEAMS = ["Security", "Compliance", "Infrastructure", "Financial", "Integration"]
ROSTER = pd.read_csv(ROOT / "data" / "plan" / "teams.csv")
COVERAGE = pd.read_csv(ROOT / "data" / "plan" / "test_coverage.csv")


def live(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT metric_id, as_of, value FROM observations").df()
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    rows["week"] = (rows["as_of"] - pd.Timestamp(START)).dt.days // 7 + 1
    return rows[rows["week"] >= 1]


def expected_winners(per_team_week: pd.Series, week: int, decimals: int = 0) -> tuple[list[str], float]:
    """per_team_week: (team, week) → figure. The teams at the top (ties at `decimals`), and the top figure."""
    figures = per_team_week.xs(week, level="week").round(decimals)
    best = figures.max()
    return ([t for t in TEAMS if figures.get(t) == best] if best > 0 else []), float(best)


def awards_as_of(db, week: int) -> dict[str, pd.DataFrame]:
    summed, last = teams.award_inputs(ROSTER, COVERAGE)
    with duckdb.connect(str(db), read_only=True) as con:
        sums = queries.weekly_sums(con, summed, START, week_end(week))
        lasts = queries.weekly_last(con, last, START, week_end(week))
    return teams.awards_from(sums, lasts, COVERAGE, ROSTER, week)


@pytest.fixture(scope="module")
def rows(sample_db_path):
    return live(sample_db_path)


def by_team(rows: pd.DataFrame, prefix: str, how: str) -> pd.Series:
    mine = rows[rows["metric_id"].str.startswith(prefix)].sort_values("as_of")
    mine = mine.assign(team=mine["metric_id"].str.removeprefix(prefix).str.capitalize())
    return mine.groupby(["team", "week"])["value"].agg(how)


def quality(rows: pd.DataFrame) -> pd.Series:
    """Mean of unit, integration, e2e coverage and build success rate: each its last value of the week."""
    parts = []
    for prefix in ("test_coverage_unit_", "test_coverage_integration_", "test_coverage_e2e_", "build_success_rate_"):
        part = by_team(rows, prefix, "last")
        parts.append(part[part.index.get_level_values("team").isin(TEAMS)])
    return sum(parts) / 4


@pytest.mark.parametrize("week", [4, 8, 12])
def test_team_awards_per_week_from_the_data(sample_db_path, rows, week):
    got = awards_as_of(sample_db_path, week)
    want = {"Sprint Champions": expected_winners(by_team(rows, "velocity_", "sum"), week),
            "Quality Leaders": expected_winners(quality(rows), week, 1),
            "Integration Masters": expected_winners(by_team(rows, "team_integrations_", "sum"), week),
            "Customer Impact": expected_winners(by_team(rows, "team_business_value_", "sum"), week)}
    for award, (names, best) in want.items():
        row = got[award].set_index("week").loc[week]
        assert row["teams"] == names, (award, week)
        assert row["value"] == pytest.approx(best, abs=0.05 if award == "Quality Leaders" else 1e-9), (award, week)
        assert set(got[award]["week"]) <= set(range(1, week + 1))


def test_sprint_champions_is_the_highest_velocity_with_ties_listed_together(rows):
    velocity = by_team(rows, "velocity_", "sum")
    assert list(velocity.xs(12, level="week").reindex(TEAMS)) == [13, 13, 13, 10, 9]
    got = teams.winners(velocity.unstack("week").reindex(TEAMS))
    assert got.set_index("week").loc[12, "teams"] == ["Security", "Compliance", "Infrastructure"]


def test_week_0_gives_no_award(plan_db):
    got = awards_as_of(plan_db, 0)
    assert all(result.empty for result in got.values())
    table = teams.recognition(got, 0)
    assert table.data.empty


def test_a_week_where_nobody_delivered_names_nobody():
    grid = pd.DataFrame({1: [0.0, 0.0], 2: [1.0, 3.0]}, index=["Security", "Compliance"])
    got = teams.winners(grid).set_index("week")
    assert got.loc[1, "teams"] == [] and got.loc[2, "teams"] == ["Compliance"]
    shown = teams.recognition({"Integration Masters": teams.winners(grid)}, 2).display().set_index("Week")
    assert shown.loc[1, "Integration Masters"] == "—" and shown.loc[2, "Integration Masters"] == "Compliance"


def test_the_new_per_team_metrics_are_registered_and_their_template_loads(db):
    metrics = pd.read_csv(ROOT / "data" / "plan" / "metrics.csv").set_index("metric_id")
    ids = teams.uploaded_award_ids(ROSTER)
    assert len(ids) == 10 and set(ids) <= set(metrics.index)
    assert set(metrics.loc[ids, "unit"]) == {"count", "$"} and (metrics.loc[ids, "description"].str.len() > 80).all()
    body = templates.observation_rows(ids, week_end(5)).decode()
    assert body.splitlines()[0] == "metric_id,as_of,value" and "team_integrations_security,2025-02-16,0" in body
    filled = body.replace("team_integrations_financial,2025-02-16,0", "team_integrations_financial,2025-02-16,4") \
                 .replace("team_business_value_compliance,2025-02-16,0", "team_business_value_compliance,2025-02-16,250000")
    path = db.parent / "week5.csv"
    path.write_text(filled, encoding="utf-8")
    result = load.load_file(path, db=db)
    assert result.rows == 10
    got = awards_as_of(db, 5)
    assert got["Integration Masters"].set_index("week").loc[5, "teams"] == ["Financial"]
    assert got["Customer Impact"].set_index("week").loc[5, "value"] == 250_000


@pytest.mark.parametrize("week", [4, 8, 12])
def test_teams_page_lists_the_awards_as_of_the_week(sample_db_path, rows, monkeypatch, week):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("teams", week=week)
    assert not at.exception
    table = next(d for d in tables(at) if "Sprint Champions" in d.columns).set_index("Week")
    assert list(table.index) == list(range(1, week + 1))
    names, best = expected_winners(by_team(rows, "team_business_value_", "sum"), week)
    assert table.loc[week, "Customer Impact"] == ", ".join(names)
    body = "\n".join(m.value for m in at.markdown)
    assert f"Week {week} — Sprint Champions:" in body and "Quality Leaders" in body


# --- nominations ------------------------------------------------------------------------------------

def test_a_nomination_is_recorded_and_listed_by_week(db):
    first = nominations.record("Ana Pérez", "Security", "Weekly MVPs", 3, "Shipped JWT service\nunder 2 ms",
                               nominated_by="Tech Lead", db=db)
    second = nominations.record("Li Wei", "Integration", "Cross-team Champions", 2, "Unblocked the Kafka cut-over",
                                db=db)
    assert (first, second) == (1, 2)
    listed = nominations.listing(db=db)
    assert list(listed["person"]) == ["Li Wei", "Ana Pérez"]                  # by week, then as made
    assert listed.loc[1, "reason"] == "Shipped JWT service\nunder 2 ms" and listed.loc[1, "nominated_by"] == "Tech Lead"
    assert listed.loc[0, "nominated_by"]                                      # the login name when left empty
    assert list(nominations.listing(up_to_week=2, db=db)["person"]) == ["Li Wei"]


@pytest.mark.parametrize("change, message", [
    ({"person": "  "}, "give the person's name"),
    ({"reason": ""}, "give the reason"),
    ({"award": "Employee of the Month"}, "one of the plan's individual awards"),
    ({"team": "Marketing"}, "one of the plan's teams: Compliance, Financial, Infrastructure, Integration, Security"),
    ({"week": 13}, "a plan week, 1 to 12"),
    ({"week": "3"}, "a plan week, 1 to 12"),
    ({"person": "x" * 81}, "at most 80 characters (81 given)"),
    ({"person": "Eve\u202egnp.exe"}, "control characters"),
    ({"reason": "ok\x00"}, "control characters"),
])
def test_bad_nominations_are_refused_whole(db, change, message):
    good = {"person": "Ana", "team": "Security", "award": "Daily Heroes", "week": 1, "reason": "Fixed it"}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nominations.record(**{**good, **change}, db=db)
    assert nominations.listing(db=db).empty


def test_names_with_joiners_are_accepted(db):
    nominations.record("می\u200cخواهم", "Compliance", "Innovation Awards", 4, "Consent API", db=db)
    assert nominations.listing(db=db).loc[0, "person"] == "می\u200cخواهم"


def test_the_form_records_a_nomination_and_free_text_never_reaches_markdown(db):
    hostile = "**Bold** <img src=x onerror=alert(1)> [link](http://x)"
    at = run_page("teams", week=5)
    assert not at.exception
    at.text_input(key="nom_person").input(hostile)
    at.selectbox(key="nom_award").set_value("Innovation Awards")
    at.text_area(key="nom_reason").input("=HYPERLINK(\"http://x\") and _more_")
    at.button[[b.label for b in at.button].index("Record nomination")].click()
    at.run()
    assert not at.exception
    assert "Nomination #1 recorded for week 5." in [s.value for s in at.success]
    table = next(d for d in tables(at) if "Person" in d.columns)
    assert table.loc[0, "Person"] == hostile and table.loc[0, "Award"] == "Innovation Awards"
    assert table.loc[0, "Week"] == 5
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    assert not any("Bold" in text or "onerror" in text for text in rendered)
    assert "Week 5: **1** nomination (Innovation Awards 1); 1 in weeks 1–5." in "\n".join(rendered)
    assert at.text_input(key="nom_person").value == ""                       # cleared for the next one
    exported = to_csv_bytes(teams.nominations_table(nominations.listing(db=db)).export()).decode()
    assert "'=HYPERLINK" in exported or "\"'=HYPERLINK" in exported            # neutralised for spreadsheets


def test_a_refused_nomination_keeps_what_was_typed(db):
    at = run_page("teams", week=2)
    at.text_input(key="nom_person").input("Ana")
    at.button[[b.label for b in at.button].index("Record nomination")].click()
    at.run()
    assert [e.value for e in at.error] == ["Not recorded: give the reason"]
    assert at.text_input(key="nom_person").value == "Ana" and nominations.listing(db=db).empty


def test_the_velocity_grid_shows_points_and_exports_numbers():
    """On screen each cell in the one points format (it showed 13.0000 as a bare float), in the CSV the number."""
    grid = pd.DataFrame({1: [1.0, 0.0], 2: [13.0, None]}, index=pd.Index(["security", "integration"], name="team"))
    table = teams.grid_table(grid)
    shown = table.display()
    assert list(shown.columns) == ["Team", "Week 1", "Week 2"]
    assert list(shown["Week 2"]) == ["13 pts", "no data"] and list(shown["Week 1"]) == ["1 pts", "0 pts"]
    exported = table.export()
    assert list(exported.columns) == ["Team", "Week 1 (points)", "Week 2 (points)"]
    assert exported["Week 2 (points)"].iloc[0] == 13 and pd.isna(exported["Week 2 (points)"].iloc[1])
