"""Saved scenarios through a real DuckDB file: save, list, compare, delete, export, restart, concurrency."""
from __future__ import annotations

import io
import subprocess
import sys
import threading

import pandas as pd
import pytest

from loaders import access
from loaders import scenarios as store
from loaders.build import read_plan_csv
from tests.conftest import ROOT
from transforms import projection as pj
from transforms import scenarios as sc
from transforms.export import to_csv_bytes
from transforms.table import as_export
from ui import charts

PLAN = {n: read_plan_csv(n) for n in ("revenue_streams", "cost_avoidance", "customer_acquisition",
                                      "stated_totals", "teams")}
BASE = pj.Baseline.from_plan(PLAN)


def _save(name, preset="Plan", db=None):
    levers = sc.preset_levers(BASE, preset)
    return store.save(name, levers, pj.project(BASE, levers).outcomes(), actor=access.operator("tester"), db=db)


def test_save_list_and_load_round_trip(db):
    first = _save("Plan as written", db=db)
    second = _save("Cautious", "Conservative", db=db)
    saved = store.saved(db=db)
    assert list(saved["scenario_id"]) == [second, first]                   # newest first
    row = saved.set_index("scenario_id").loc[second]
    assert row["name"] == "Cautious" and row["saved_by"] == "tester"
    assert row["levers"] == sc.preset_levers(BASE, "Conservative")
    assert pj.project(BASE, row["levers"]).annual_total == pytest.approx(row["outcomes"]["annual_total"])
    assert store.saved(db=db).set_index("scenario_id").loc[first, "outcomes"]["annual_total"] == pytest.approx(13_900_000)


def test_compare_side_by_side(db):
    ids = [_save("Plan", db=db), _save("Bold", "Aggressive", db=db), _save("Cautious", "Conservative", db=db)]
    table = sc.compare(store.get(ids, db=db), BASE)
    shown = table.display()
    assert list(shown.columns[2:]) == [f"Plan (#{ids[0]})", f"Bold (#{ids[1]})", f"Cautious (#{ids[2]})"]
    rows = shown.set_index("What")
    assert rows.loc["Annual revenue impact", f"Plan (#{ids[0]})"] == "$13.9M"
    assert rows.loc["New enterprise customers by month 12"].tolist()[1:] == ["30", "40", "20"]
    assert rows.loc["Ramp delay (months)", f"Cautious (#{ids[2]})"] == "2"
    exported = table.export().set_index("What")                          # numbers, units beside them
    assert exported.loc["Annual revenue impact", f"Plan (#{ids[0]})"] == pytest.approx(13_900_000)
    assert exported.loc["Annual revenue impact", "Unit"] == "USD" and exported.loc["ROI", "Unit"] == "%"


def test_delete(db):
    keep, drop = _save("keep", db=db), _save("drop", db=db)
    assert store.delete(drop, db=db) is True
    assert store.delete(drop, db=db) is False
    assert list(store.saved(db=db)["scenario_id"]) == [keep]


def test_names_are_cleaned_and_required(db):
    assert store.clean_name("  Q3   plan ") == "Q3 plan"
    with pytest.raises(ValueError):
        _save("   ", db=db)
    with pytest.raises(ValueError):
        _save("x" * (store.MAX_NAME + 1), db=db)


def test_export_is_inert_in_a_spreadsheet(db):
    evil = '=HYPERLINK("http://evil.example","click")'
    sid = _save(evil, db=db)
    saved = store.get([sid], db=db)
    for frame in (sc.flat(saved), sc.compare(saved, BASE), sc.listing(saved)):
        text = to_csv_bytes(as_export(frame)).decode("utf-8-sig")
        assert evil not in text.replace("'" + evil, "")                    # only the quoted, inert form
        assert "'=HYPERLINK" in text
    flat = pd.read_csv(io.BytesIO(to_csv_bytes(sc.flat(saved))), encoding="utf-8-sig")
    assert flat.loc[0, "annual_total"] == 13_900_000 and flat.loc[0, "customers"] == 30


def test_saved_scenarios_survive_a_restart(db):
    sid = _save("durable", "Aggressive", db=db)
    code = ("from loaders import scenarios as s; f = s.saved(); "
            "print(f.loc[0, 'scenario_id'], f.loc[0, 'name'], f.loc[0, 'levers']['customers'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"DCE_DB": str(db), "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == [str(sid), "durable", "40.0"]


def test_two_people_saving_at_once_lose_nothing(db):
    errors, barrier = [], threading.Barrier(8)

    def person(i):
        try:
            barrier.wait()
            for j in range(5):
                _save(f"person {i} scenario {j}", db=db)
        except Exception as exc:            # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    saved = store.saved(db=db)
    assert len(saved) == 40 and saved["scenario_id"].is_unique
    assert set(saved["name"]) == {f"person {i} scenario {j}" for i in range(8) for j in range(5)}


def test_what_if_figures_are_valid_plotly_figures():
    """The slider's figures skip plotly's validation for speed (ui.charts._figure); here each is validated in full."""
    import plotly.graph_objects as go
    base = pj.Baseline.from_plan({name: read_plan_csv(name) for name in (
        "revenue_streams", "cost_avoidance", "customer_acquisition", "stated_totals", "teams", "market_position")})
    proj, plan = pj.project(base, {"revenue_delivery": 80}), pj.project(base)
    mc = pj.monte_carlo(base, {}, {})
    for fig in (charts.revenue_by_month(proj, base), charts.annual_revenue_range(proj, plan, base, mc),
                charts.cost_avoidance_waterfall(proj)):
        go.Figure(fig.to_dict())          # raises on any invalid property
    waterfall = charts.cost_avoidance_waterfall(proj).to_dict()["data"][0]
    assert waterfall["x"][-1] == "Total" and sum(waterfall["y"][:-1]) == pytest.approx(proj.cost_avoidance)


def test_a_database_built_before_the_app_state_tables_reads_them_as_empty(db):
    """An older database has no scenarios, assumptions or nominations table: each reads as empty (decided
    by the catalogue, not by the wording of DuckDB's error), and a real error still surfaces."""
    import duckdb

    from loaders import assumptions, nominations, scenarios
    with duckdb.connect(str(db)) as con:
        for name in ("scenarios", "assumptions", "nominations"):
            con.execute(f"DROP TABLE {name}")
    assert scenarios.saved(db=db).empty and nominations.listing(db=db).empty
    with duckdb.connect(str(db)) as con:
        assert assumptions.current(con).empty
        con.execute("CREATE TABLE assumptions (name VARCHAR)")          # there, but not in this version's shape
        with pytest.raises(duckdb.BinderException):
            assumptions.current(con)
