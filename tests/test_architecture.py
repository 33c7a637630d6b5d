"""The house rules a newcomer relies on: transforms are pure pandas, pages talk only to ui/ and transforms/,
and every chart lives in ui/charts.py."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PAGES = sorted((ROOT / "pages").glob("*.py"))
TRANSFORMS = sorted((ROOT / "transforms").glob("*.py"))
STDLIB = set(sys.stdlib_module_names)


def imported(path) -> set[str]:
    """Top-level package of every import in the file, at any depth (function-local imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", TRANSFORMS, ids=lambda p: p.name)
def test_transforms_import_neither_streamlit_nor_plotly(path):
    assert not imported(path) & {"streamlit", "plotly", "loaders", "ui"}


def test_importing_every_transform_loads_no_streamlit_or_plotly():
    modules = ", ".join(f"transforms.{p.stem}" for p in TRANSFORMS if p.stem != "__init__")
    code = (f"import sys, {modules}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_import_only_ui_transforms_and_streamlit(path):
    assert imported(path) - STDLIB <= {"streamlit", "ui", "transforms"}


@pytest.mark.parametrize("path", [*PAGES, *sorted((ROOT / "ui").glob("*.py"))], ids=lambda p: p.name)
def test_charts_are_drawn_only_in_ui_charts(path):
    """Every figure is built in ui/charts.py and shown with its config (no toolbar) by charts.show."""
    text = path.read_text(encoding="utf-8")
    if path.name == "charts.py":
        return
    assert "plotly" not in text and "st.plotly_chart" not in text
