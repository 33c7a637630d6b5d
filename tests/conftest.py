"""Shared fixtures: one plan database built per session, copied per test that writes."""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders import build  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"      # third-party messy files: read from here, never copied
TEST_DATA = ROOT / "tests" / "data"               # our own hand-made hostile files
SKIP_CORPUS = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md", ".tsv"))


def data_files() -> list[Path]:
    return sorted(p for p in TEST_DATA.iterdir() if p.is_file() and p.suffix != ".py")


@pytest.fixture(scope="session")
def plan_db(tmp_path_factory) -> Path:
    """The database as `make run` builds it from data/plan (read it, don't write it)."""
    path = tmp_path_factory.mktemp("plan") / "dce.duckdb"
    build.build(path)
    return path


@pytest.fixture(scope="session")
def sample_db_path(plan_db, tmp_path_factory) -> Path:
    """The plan database with the 12-week sample history loaded (read it, don't write it)."""
    from loaders import sample
    path = tmp_path_factory.mktemp("sample") / "dce.duckdb"
    shutil.copy(plan_db, path)
    sample.load_sample(path)
    return path


@pytest.fixture
def db(plan_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the plan database, also made the app's database via DCE_DB."""
    path = tmp_path / "dce.duckdb"
    shutil.copy(plan_db, path)
    monkeypatch.setenv("DCE_DB", str(path))
    return path


@pytest.fixture(scope="session")
def plan_app(plan_db):
    """The app served once for the session over a copy of the plan database: for browser tests that only read."""
    from tests.browser import served_app
    with served_app(plan_db, timeout_s=120) as base:
        yield base


@pytest.fixture(scope="session")
def sample_app(sample_db_path):
    """The app served once for the session over the plan with the sample history: for tests that only read."""
    from tests.browser import served_app
    with served_app(sample_db_path, timeout_s=120) as base:
        yield base


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def shown(markdown) -> str:
    """What a reader sees of Markdown written with fmt.md_escape: escapes resolved, word joiners gone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u2060", "")


def report_inputs(week: int | None = None):
    """A weekly report's inputs read from $DCE_DB the way `python -m loaders report` reads them."""
    from loaders import build, bundle, db
    build.ensure_built()
    with db.connect() as con:
        return bundle.report_inputs(con, week)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module (Playwright's sync API cannot be started twice in one thread)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium
    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()
