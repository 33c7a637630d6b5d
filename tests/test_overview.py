"""The executive overview at a glance: headline tiles, what needs attention, the metric history page.

Every expected figure is worked out here from the sample database with SQL, not by the code under test."""
from __future__ import annotations

import duckdb
import pytest

from tests.apptest import run_page, tables
from transforms.calendar import week_end

WEIGHTS = {"security_score": 0.25, "compliance_score": 0.25, "performance_score": 0.20,
           "business_value_score": 0.20, "operational_score": 0.10}


@pytest.fixture
def sample(sample_db_path, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    return sample_db_path


def latest(db, metric_id: str, week: int):
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("""SELECT value FROM observations WHERE metric_id = ?
                             AND as_of <= ? ORDER BY as_of DESC, batch_id DESC LIMIT 1""",
                          [metric_id, week_end(week)]).fetchone()
    return None if row is None else row[0]


def health_at(db, week: int) -> float:
    return sum(w * latest(db, m, week) for m, w in WEIGHTS.items())


def tiles(at) -> dict:
    return {m.label: m for m in at.metric}


@pytest.mark.parametrize("week", [0, 4, 8, 12])
def test_headline_tiles_show_the_week_with_its_change_since_the_week_before(sample, week):
    at = run_page("overview", week=week)
    assert not at.exception, [e.value for e in at.exception]
    t = tiles(at)
    health = health_at(sample, week)
    assert t["System health"].value == f"{health:.1f}/100"
    assert t["Security score"].value == f"{latest(sample, 'security_score', week):g}/100"
    if week == 0:
        assert t["System health"].delta is None or t["System health"].delta == ""
    else:
        change = round(health - health_at(sample, week - 1), 1)
        shown = f"{abs(change):g}".rstrip("0").rstrip(".") if change else "0"
        assert t["System health"].delta.endswith(f"{shown} pts vs week {week - 1}")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(badges) >= 6 and all(any(w in b for w in ("Met", "Partial", "Not met", "No data")) for b in badges[:6])


def test_each_tile_draws_its_weekly_values_as_an_image_ending_on_the_figure_shown(sample):
    """The sparklines are SVG images (no charting library in the browser); the tile's last point is its figure."""
    import base64
    import re
    at = run_page("overview", week=6)
    images = [base64.b64decode(i.proto.imgs[0].url.split(",", 1)[1]).decode() for i in at.get("image")]
    assert len(images) == 6 and all(svg.startswith("<svg") for svg in images)
    health = [health_at(sample, week) for week in range(0, 7)]
    points = [tuple(map(float, p.split(","))) for p in re.search(r'points="([^"]+)"', images[0]).group(1).split()]
    assert len(points) == 7                                              # weeks 0..6, no gap in the sample
    ys = [y for _, y in points]
    assert ys.index(min(ys)) == health.index(max(health))                 # SVG y grows downwards
    assert ys.index(max(ys)) == health.index(min(health))


def test_a_sparkline_breaks_where_a_week_has_no_value_and_marks_the_last():
    from transforms import status
    from ui.charts import sparkline
    svg = sparkline([1.0, 2.0, None, 4.0, 5.0], "not_met", width=100, height=20)
    assert svg.count("<polyline") == 2 and status.COLOUR[status.NOT_MET] in svg
    assert svg.endswith('<circle cx="96.0" cy="4.0" r="3.5" fill="#d62728"/></svg>')    # max, rightmost
    assert sparkline([3.0, None, 4.0], "met").count("<polyline") == 0                  # two lone points: dots
    assert sparkline([None, 7.0], "met") is None and sparkline([], "met") is None
    flat = sparkline([5.0, 5.0, 5.0], "partial", width=100, height=20)
    assert 'points="4.0,10.0 50.0,10.0 96.0,10.0"' in flat                          # constant: mid-height


def test_needs_attention_names_the_risks_and_links_to_their_pages(sample):
    at = run_page("overview", week=12)
    text = " ".join(m.value for m in at.markdown)
    assert "1 alert firing, 1 pending" in text
    assert "Test coverage decline" in text and "firing" in text
    links = {(p.proto.page, p.proto.label) for p in at.get("page_link")}
    assert any(label == "Teams" for _, label in links)             # the alerts' metrics live on /teams
    assert "2 health categories below target" in text              # Security 93 < 95, Business Value 82 < 95
    assert "**Risk status:**" in text


def test_the_overview_keeps_the_consistency_audit_compact(sample):
    at = run_page("overview", week=12)
    assert "8 of 30" in " ".join(m.value for m in at.markdown)     # six wrong totals, two '~' figures off
    worst, full = [d for d in tables(at) if "Check" in d.columns]
    assert len(worst) == 3 and set(worst["Check"]) == {"🔴 inconsistent"}
    assert len(full) == 30                                         # the full audit, one click away


def test_metric_history_shows_the_value_every_page_shows(sample):
    at = run_page("metric", week=5)
    at.selectbox(key="metric").set_value("api_latency_p95_ms").run()
    assert not at.exception
    value = latest(sample, "api_latency_p95_ms", 5)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{value:.2f} ms**" in text
    obs = tables(at)[1]
    assert obs.iloc[0]["Value"] == f"{value:.2f} ms" and obs.iloc[0]["Date"] == "16 Feb 2025"


def test_kpi_tables_link_each_metric_to_its_history(sample):
    at = run_page("technical", week=5)
    sla = tables(at)[0]
    assert sla["History"].str.startswith("metric?metric=").all()
    assert sla["History"].str.endswith("&week=5").all()
