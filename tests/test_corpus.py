"""Every messy real-world file (../shared/corpus) and every hostile file (tests/data) through the whole path.

Through the CLI (`python -m loaders load`): the outcome pinned for the file in tests/corpus_expected.csv
(loaded N rows into a table, or refused with named problem codes), one line, no traceback, a message
naming the file, and the database byte-identical when the file is refused. Through the /data page (AppTest file_uploader): a
message naming the file, no exception, the database unchanged. The corpus is read where it lies, never
copied into the repository; the tests skip with a reason when it is absent.

Speed: one subprocess runs `loaders.__main__.main(["load", path])` for every file in turn (a
process per file would pay ~4 s of imports each on these machines) and reports one JSON line per file,
with the sha256 of the database before and after (tests/corpus_outcomes.py, which also regenerates the pins).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import corpus_outcomes
from tests.conftest import CORPUS, SKIP_CORPUS, corpus_files, data_files
from tests.test_data_page import uploads_are_named_and_write_nothing

EXPECTED = corpus_outcomes.expected()     # tests/corpus_expected.csv: each file's pinned outcome


def check_cli_results(results: list[dict]) -> None:
    """Each file did what tests/corpus_expected.csv says (loaded N rows into T, or was refused with those
    codes), in one line without a traceback; a refused file changed nothing."""
    for r in results:
        name, lines = Path(r["path"]).name, r["out"].strip().splitlines()
        assert len(lines) == 1, r
        outcome = corpus_outcomes.load_outcome(r)
        assert outcome == EXPECTED[corpus_outcomes.key(Path(r["path"]))]["load"], (name, outcome, lines[0])
        if r["code"] == 0:
            assert lines[0].startswith(("batch ", "unchanged: ")) and (r["changed"] or outcome == "unchanged"), r
        else:
            assert r["code"] == 1 and lines[0].startswith(f"error: {name}"), r
            assert not r["changed"], f"{name} was refused but the database changed"


def test_every_input_file_has_a_pinned_outcome_and_every_pin_a_file():
    keys = {corpus_outcomes.key(f) for f in corpus_outcomes.all_files()}
    pinned = set(EXPECTED) if CORPUS.is_dir() else {k for k in EXPECTED if k.startswith("data/")}
    assert keys == pinned, (sorted(keys - pinned), sorted(pinned - keys))


@pytest.fixture(scope="module")
def cli_results(plan_db, tmp_path_factory) -> dict[str, dict]:
    """Every corpus and hostile file through one CLI runner process, over a private copy of the plan db."""
    db = tmp_path_factory.mktemp("corpus_cli") / "dce.duckdb"
    shutil.copy(plan_db, db)
    return {r["path"]: r for r in corpus_outcomes.run_cli_over(corpus_files() + data_files(), db)}


@SKIP_CORPUS
def test_every_corpus_file_through_the_cli_has_its_pinned_outcome(cli_results):
    check_cli_results([cli_results[str(f)] for f in corpus_files()])


def test_every_hostile_file_through_the_cli_has_its_pinned_outcome(cli_results):
    check_cli_results([cli_results[str(f)] for f in data_files()])


@SKIP_CORPUS
def test_every_corpus_file_through_the_page_is_named_and_writes_nothing(db):
    uploads_are_named_and_write_nothing(db, corpus_files())
