"""One as-of week for the whole app: picked once, in the URL, kept by every page switch."""
from __future__ import annotations

import pytest

from tests.apptest import run_app, run_page
from tests.browser import DONE, launch_chromium, page_text, served_app

playwright = pytest.importorskip("playwright.sync_api")


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_week_from_the_url_reaches_every_page_that_shows_figures(sample_db_path, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    for name in ("overview", "phases", "business", "technical", "security", "teams", "alerts", "reports"):
        at = run_page(name, week=5)
        assert not at.exception, (name, [e.value for e in at.exception])
        assert "As of plan week 5 of 12" in captions(at), name


def test_sidebar_picker_holds_across_a_page_switch(sample_db_path, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_app()
    assert "As of plan week 12 of 12" in captions(at)
    at.selectbox(key="week").set_value(5).run()
    assert "As of plan week 5 of 12" in captions(at)
    at.switch_page("pages/phases.py").run()
    assert not at.exception
    assert "As of plan week 5 of 12" in captions(at)


def test_an_out_of_range_week_in_the_url_falls_back_to_the_latest_data(sample_db_path, monkeypatch):
    monkeypatch.setenv("DCE_DB", str(sample_db_path))
    at = run_page("overview", week=99)
    assert not at.exception and "As of plan week 12 of 12" in captions(at)


@pytest.mark.browser
def test_week_in_the_url_survives_a_click_on_another_page(sample_db_path):
    with served_app(sample_db_path) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        assert "As of plan week 5 of 12" in page_text(page, f"{base}/?week=5")
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Phases").click()
        page.wait_for_url("**/phases?week=5")
        page.wait_for_selector(DONE)
        page.wait_for_function("document.querySelector('[data-testid=stMain]').innerText.includes('As of plan week 5')")
        assert "As of plan week 5 of 12" in page.inner_text("[data-testid='stMain']")
        browser.close()


@pytest.mark.parametrize("which", ["plan", "sample"])
def test_the_week_the_data_reaches_is_one_bundle_whether_asked_by_number_or_not(which, plan_db, sample_db_path,
                                                                                 monkeypatch):
    """Asked for by number, the latest week shares the default bundle and every figure memoised on it: the
    overview's week-0 snapshot on the plan alone computed the health, pace and audit a second time."""
    monkeypatch.setenv("DCE_DB", str(plan_db if which == "plan" else sample_db_path))
    from ui import data as ui_data
    latest = ui_data.plan_data()
    assert latest.week == latest.data_week == (0 if which == "plan" else 12)
    assert ui_data.plan_data(latest.week) is latest
    if which == "sample":
        earlier = ui_data.plan_data(5)
        assert earlier is not latest and earlier.week == 5 and earlier.as_of < latest.as_of
