"""The weekly reports on frozen data: golden Markdown on the plan, figures on the sample, safe HTML."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import ROOT, report_inputs
from transforms import report

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture
def plan_inputs(db):
    return lambda week=None: report_inputs(week)


@pytest.fixture(scope="session")
def sample_db(sample_db_path):
    return sample_db_path


@pytest.mark.parametrize("kind", report.KINDS)
def test_report_on_the_plan_matches_its_golden_file(plan_inputs, kind):
    text = report.to_markdown(report.build(kind, plan_inputs(0)))
    golden = GOLDEN / f"report_{kind}_week00.md"
    assert text == golden.read_text(encoding="utf-8"), f"regenerate and review {golden.name} if intended"


def test_the_executive_report_fills_the_template_without_inventing(plan_inputs):
    text = report.to_markdown(report.build("executive", plan_inputs(0)))
    for heading in ("Executive Summary", "Critical Issues Requiring Action", "Key Achievements This Week",
                    "Metrics Dashboard", "Next Week Priorities", "Financial Impact"):
        assert re.search(rf"^## \S* ?{re.escape(heading)}$", text, re.M), heading     # a real heading line
    assert not re.search(r"\bX\b|\$X", text)                # no template placeholder survives
    assert "55.4/100" in text and "0 of 40 milestone targets met" in text
    assert "**ROI Projection**: ROI to date **-100%**" in text and "**Revenue Pipeline Growth**: no data" in text
    assert "investment 13 people × $4K a person-week × 12 weeks = $624K" in text
    assert "Not in the data, so not judged: violations priced per call" in text    # no data is not an issue
    assert "Overall health score drops** (critical)" in text and "CTO (Technical health score" in text


def test_a_week_of_sample_history_spells_out_transitions_and_growth(sample_db, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db))
    inputs = report_inputs(6)
    text = report.to_markdown(report.build("executive", inputs))
    assert "Compliance moved from 🟡 to 🟢" in text
    assert re.search(r"\*\*Revenue Pipeline Growth\*\*: \+\$[\d.]+K over the 7 days to 23 Feb", text)
    assert "story points this week" in text and "no data on story points" not in text
    tech = report.to_markdown(report.build("technical", inputs))
    assert "| Security | 15 | 14 | 16 | 🟢 Met |" in tech


def test_html_is_standalone_and_escapes_everything():
    rep = report.Report("<script>alert(1)</script>", "sub & title", [
        report.Section("Section <b>").add("ul", ['=HYPERLINK("http://x","y")', "**bold** <img src=x>"])
        .add("table", pd.DataFrame({"a<": ["<td>"]}))])
    page = report.to_html(rep)
    assert "<script>" not in page and "<img" not in page and "&lt;img src=x&gt;" in page
    assert "<strong>bold</strong>" in page and "&lt;td&gt;" in page
    assert "http" not in page.replace("http://x", "") and "<link" not in page and "src=" not in page.replace("src=x", "")
    md = report.to_markdown(rep)
    assert "| a< |" in md and "=HYPERLINK" in md


def test_the_command_writes_markdown(db):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "loaders", "report", "--week", "0", "--kind", "technical"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == (GOLDEN / "report_technical_week00.md").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "loaders", "report", "--week", "40"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stdout == "error: --week must lie in 0..12\n"
