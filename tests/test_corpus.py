"""Every messy real-world file (../shared/corpus) and every hostile file (tests/data) through the whole path.

Through the CLI (`python -m loaders load`): one line, no traceback, a message naming the file, and the
database byte-identical when the file is refused. Through the /data page (AppTest file_uploader): a
message naming the file, no exception, the database unchanged. The corpus is read where it lies, never
copied into the repository; the tests skip with a reason when it is absent.

Speed: one subprocess runs `loaders.__main__.main(["load", path])` for every file in turn (a
process per file would pay ~4 s of imports each on these machines) and reports one JSON line per file,
with the sha256 of the database before and after.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SKIP_CORPUS, corpus_files, data_files
from tests.test_data_page import uploads_are_named_and_write_nothing

RUNNER = r"""
import contextlib, hashlib, io, json, sys
from pathlib import Path
from loaders.__main__ import main
from loaders import build
build.ensure_built()
db = Path(sys.argv[1])
def sha(): return hashlib.sha256(db.read_bytes()).hexdigest()
for path in sys.argv[2:]:
    before = sha()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["load", path])
    print(json.dumps({"path": path, "code": code, "out": out.getvalue(), "changed": sha() != before}), flush=True)
"""


def run_cli_over(files: list[Path], db: Path) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(db), *map(str, files)], cwd=ROOT,
                          env={**os.environ, "DCE_DB": str(db)}, capture_output=True, text=True, timeout=900)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [r["path"] for r in results] == [str(f) for f in files]
    return results


def check_cli_results(results: list[dict]) -> None:
    for r in results:
        name, lines = Path(r["path"]).name, r["out"].strip().splitlines()
        assert len(lines) == 1, r
        if r["code"] == 0:                                  # loaded: a batch line (none of these files do)
            assert lines[0].startswith("batch ") and r["changed"], r
        else:
            assert r["code"] == 1 and lines[0].startswith(f"error: {name}"), r
            assert not r["changed"], f"{name} was refused but the database changed"


@pytest.fixture(scope="module")
def cli_results(plan_db, tmp_path_factory) -> dict[str, dict]:
    """Every corpus and hostile file through one CLI runner process, over a private copy of the plan db."""
    db = tmp_path_factory.mktemp("corpus_cli") / "dce.duckdb"
    shutil.copy(plan_db, db)
    return {r["path"]: r for r in run_cli_over(corpus_files() + data_files(), db)}


@SKIP_CORPUS
def test_every_corpus_file_through_the_cli_loads_or_is_refused_naming_the_file(cli_results):
    check_cli_results([cli_results[str(f)] for f in corpus_files()])


def test_every_hostile_file_through_the_cli_loads_or_is_refused_naming_the_file(cli_results):
    check_cli_results([cli_results[str(f)] for f in data_files()])


@SKIP_CORPUS
def test_every_corpus_file_through_the_page_is_named_and_writes_nothing(db):
    uploads_are_named_and_write_nothing(db, corpus_files())
