"""Screenshots of every page from the sample history, as a person sees them: `make screenshots`.

Builds a fresh database from data/plan with the 12-week sample loaded and twelve weeks of generated call
records (in a temporary folder: the app's own database is not touched), serves the app on a free port, and takes a full-page screenshot
of each page in headless Chromium at desktop (1440 px) and phone (390 px) widths into screenshots/
(git-ignored), each also as its first screen (`*_first_screen.png`). The overview's first screen at 1440 px
is also written to docs/img/overview.png, the README's picture.

    .venv/bin/python docs/screenshots.py [--out screenshots] [--pages / /phases ...]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loaders import build, sample  # noqa: E402
from loaders.calls import generate, schema  # noqa: E402
from tests.browser import DONE, launch_chromium, served_app  # noqa: E402

PAGES = ("", "phases", "business", "technical", "security", "teams", "alerts", "reports", "calls", "data",
         "metric?metric=Security+score")
SAMPLE_CALLS = {"days": 84, "calls_per_day": 2_000}     # twelve plan weeks of generated call records for /calls
WIDTHS = {"desktop": 1440, "phone": 390}


def shoot(base: str, out: Path, pages, widths: dict[str, int]) -> list[Path]:
    from playwright.sync_api import sync_playwright
    shots = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        for label, width in widths.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            for path in pages:
                page.goto(f"{base}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector(DONE, timeout=120_000)
                page.wait_for_load_state("networkidle")            # charts and grids draw after the script
                # Element types whose code loads on first use show a grey skeleton until it has arrived.
                page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")",
                                       timeout=60_000)
                stem = out / f"{(path.split('?')[0] or 'overview')}_{label}"
                page.screenshot(path=f"{stem}_first_screen.png", timeout=180_000)     # what a person sees on arrival
                shots.append(Path(f"{stem}_first_screen.png"))
                # Streamlit scrolls inside its main block: grow the window to the page's height, then shoot.
                height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
                page.set_viewport_size({"width": width, "height": max(900, int(height) + 40)})
                page.wait_for_timeout(500)
                page.screenshot(path=f"{stem}.png", full_page=True, timeout=180_000)
                page.set_viewport_size({"width": width, "height": 900})
                shots.append(Path(f"{stem}.png"))
                print(f"{stem}.png")
            page.close()
        browser.close()
    return shots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dce_shots_") as tmp:
        db = Path(tmp) / "dce.duckdb"
        build.build(db)
        sample.load_sample(db)
        generate.generate(schema.calls_root(db), seed=1, **SAMPLE_CALLS)
        with served_app(db, copy=False) as base:
            shots = shoot(base, args.out, [p.strip("/") for p in args.pages], WIDTHS)
    overview = args.out / "overview_desktop_first_screen.png"
    if overview in shots:
        shutil.copy(overview, ROOT / "docs" / "img" / "overview.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
