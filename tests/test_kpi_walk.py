"""One KPI, one number: each headline KPI, computed once by transforms/kpis.py, is the number shown on the
overview tile, on the page that explains it, in both weekly reports and in the workbook export, at plan
weeks 0, 4, 8 and 12 of the sample history."""
from __future__ import annotations

import io

import duckdb
import openpyxl
import pytest

from loaders import bundle
from tests.apptest import run_page, tables
from tests.conftest import shown
from transforms import kpis, report, status, workbook
from transforms.export import to_xlsx_bytes

WEEKS = (0, 4, 8, 12)


@pytest.fixture(scope="module")
def sample_env(sample_db_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DCE_DB", str(sample_db_path))
        yield sample_db_path


@pytest.fixture(scope="module")
def truth(sample_env):
    """{week: {kpi_id: Headline}} from the one function, on the one bundle reader."""
    with duckdb.connect(str(sample_env), read_only=True) as con:
        base = bundle.read_base(con)
        return {w: {h.kpi_id: h for h in kpis.headlines(bundle.plan_data(con, w, base))} for w in WEEKS}


def page_words(at) -> str:
    """Everything a reader sees on a page: text, metric tiles and every table cell."""
    parts = [shown(m.value) for m in at.markdown] + [shown(c.value) for c in at.caption]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in tables(at):
        parts += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    return "\n".join(parts)


@pytest.mark.parametrize("week", WEEKS)
def test_the_overview_tiles_are_the_headline_figures(truth, week):
    at = run_page("overview", week=week)
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles == {h.label: h.shown for h in truth[week].values()}


@pytest.mark.parametrize("week", WEEKS)
def test_each_headline_is_the_same_number_on_the_page_that_explains_it(truth, week):
    for page in sorted({h.page for h in truth[week].values() if h.page}):
        at = run_page(page, week=week)
        assert not at.exception, page
        words = page_words(at)
        assert f"plan week {week}" in words.lower(), f"/{page} does not say which week it shows"
        for h in truth[week].values():
            if h.page == page and h.value is not None:
                assert h.shown in words, f"/{page} at week {week} does not show {h.label} = {h.shown}"


@pytest.mark.parametrize("week", WEEKS)
def test_both_reports_use_the_headline_figures(truth, sample_env, week):
    with duckdb.connect(str(sample_env), read_only=True) as con:
        inputs = bundle.report_inputs(con, week)
    executive = report.to_markdown(report.build("executive", inputs))
    technical = report.to_markdown(report.build("technical", inputs))
    t = truth[week]
    assert f"**{t['health'].shown}**" in executive or t["health"].shown in executive
    assert t["milestones"].detail in executive                        # "30 of 40" milestone targets met
    if t["pipeline"].value is not None:
        assert t["pipeline"].shown in executive
    for kpi in ("security", "compliance"):
        if t[kpi].value is not None:
            assert t[kpi].shown in executive + technical, kpi


@pytest.mark.parametrize("week", WEEKS)
def test_the_workbook_holds_the_headline_values_as_numbers(truth, sample_env, week):
    with duckdb.connect(str(sample_env), read_only=True) as con:
        data = bundle.plan_data(con, week)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(workbook.sheets(data, {}, _no_scenarios()), {})))
    assert book.sheetnames[:2] == ["README", f"Headlines week {week}"]     # the tiles' figures come first
    sheet = book[f"Headlines week {week}"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("kpi_id")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(truth[week])
    for kpi_id, h in truth[week].items():
        value = rows[kpi_id][header.index("Value")]
        assert value == pytest.approx(h.value) if h.value is not None else value is None, (kpi_id, week)
        assert rows[kpi_id][header.index("Status")] == status.LABEL[h.status]


def _no_scenarios():
    import pandas as pd
    return pd.DataFrame()
