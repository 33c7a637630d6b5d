"""Every page runs under AppTest on the plan data without an exception."""
from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.apptest import run_page, tables  # noqa: E402

PAGES = ["overview", "phases", "business", "technical", "security", "teams", "alerts", "reports", "data", "calls"]


@pytest.mark.parametrize("name", PAGES)
def test_page_runs_without_exception(db, name):
    at = run_page(name)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{name} has no title"


def test_app_registers_every_page_under_its_url(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    source = (ROOT / "app.py").read_text()
    for path in PAGES[1:]:
        assert f'url_path="{path}"' in source


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [str(m.value) for m in at.metric] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_overview_shows_the_computed_score_and_flags_the_stated_one(db):
    at = run_page("overview")
    text = _text(at)
    assert "55.4/100" in text
    assert "73" in text and "do not support" in text and "55.35" in text
    table = tables(at)[0]
    assert list(table["Category"]) == ["Security", "Compliance", "Performance", "Business Value", "Operational"]
    assert "76.55" in text and "87.35" in text and "95.70" in text
    assert "CRITICAL — 3 critical-risk TCPA requirements not fully implemented" in text
    assert any("no trend yet" in i.value for i in at.info)


def test_overview_follows_a_new_load(db, tmp_path):
    from loaders import load
    f = tmp_path / "obs.csv"
    f.write_text("metric_id,as_of,value\nsecurity_score,2025-01-20,85\n")
    load.load_file(f, db=db)
    at = run_page("overview")
    # 55.35 + 0.25 × (85 − 65) = 60.35
    assert "60.4/100" in _text(at)
    assert "plan week 2" in _text(at)


def test_overview_with_sample_history_still_checks_the_plan_against_its_week_0_rows(db):
    from loaders import sample
    sample.load_sample(db)
    at = run_page("overview")
    text = _text(at)
    assert "at plan week 12, up from 55.35 at week 0" in text
    assert "The plan states **73** for week 0" in text
    targets = pd.read_csv(ROOT / "data" / "plan" / "targets.csv")
    final = targets[targets["metric_id"] == "overall_health_score"].sort_values("due_week").iloc[-1]
    final = {"due_week": int(final["due_week"]), "value": float(final["value"])}
    assert f"The week-{final['due_week']} target is {final['value']:g}." in text      # from the targets, not typed
    chart = at.get("plotly_chart")[0].proto.spec
    assert f"{final['value']:g} (week-{final['due_week']} target)" in chart and "73 (plan's stated score)" in chart
    audit = max((d for d in tables(at) if "Check" in d.columns), key=len)     # all checks, not the worst 3
    # the same eight as without the sample: six wrong totals and two '~' figures off at their precision
    assert (audit["Check"] == "🔴 inconsistent").sum() == 8
    sample.remove_sample(db)
    assert "55.4/100" in _text(run_page("overview"))


def test_no_page_loads_streamlits_emoji_catalogue(db):
    """Icons are Material symbols: an emoji icon makes Streamlit compile its emoji catalogue regex on the
    first use in a process (~0.2 s of a cold start, profiled). Fresh process: other tests may have loaded it."""
    code = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app.py', default_timeout=60)\nat.run()\n"
            f"for name in {PAGES!r}:\n    at.switch_page(f'pages/{{name}}.py').run()\n    assert not at.exception, name\n"
            "print(sorted(m for m in sys.modules if m == 'streamlit.emojis'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "DCE_DB": str(db)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("[]"), out.stdout
