"""The data contract beside the plan's data (data/plan/contract.toml): the shipped files meet it, the build
creates exactly the tables it declares, and a plan folder that breaks it is refused, precisely, with
nothing built."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from loaders import build, contract, schema
from loaders.db import PLAN_DIR
from loaders.errors import LoadError
from tests.conftest import ROOT


def test_the_shipped_plan_meets_its_contract_and_the_contract_declares_every_file():
    declared = contract.load()
    assert contract.check(PLAN_DIR) == []
    assert set(declared) == {p.stem for p in PLAN_DIR.glob("*.csv")}
    assert declared["targets"].references["metric_id"] == contract.Reference("metrics", "metric_id")


def test_the_build_creates_exactly_the_declared_tables_and_types(plan_db):
    declared = contract.load()
    with duckdb.connect(str(plan_db), read_only=True) as con:
        for name, table in declared.items():
            stored = (schema.OBSERVATIONS.storage_name if name == "observations" else
                      name if name in schema.TABLES else schema.REFERENCE_PREFIX + name)
            columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_name = $t ORDER BY ordinal_position", {"t": stored}).fetchall()
            extra = ["batch_id", "superseded_by"] if name == "observations" else []
            assert [c for c, _ in columns] == list(table.columns) + extra, name
            assert [t for _, t in columns][:len(table.columns)] == list(table.columns.values()), name


def test_schema_takes_the_core_plan_tables_from_the_contract():
    declared = contract.load()
    for table in (schema.METRICS, schema.TARGETS, schema.OBSERVATIONS):
        assert {c.name: c.sql_type for c in table.columns} == declared[table.name].columns
        assert {c.name for c in table.columns if not c.required} == declared[table.name].optional
        assert table.key == declared[table.name].key


def _replace_line(path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


BREAKS = {   # what is broken → (how, the one problem expected: file, row, column, value, code)
    "a target naming no metric": (lambda d: _replace_line(d / "targets.csv", 5, "compliance_score", "complience_score"),
                                  ("plan/targets.csv", 5, "metric_id", "complience_score", "unknown_reference")),
    "text in a whole-number column": (lambda d: _replace_line(d / "teams.csv", 3, ",16,", ",sixteen,"),
                                      ("plan/teams.csv", 3, "capacity_points", "sixteen", "not_a_number")),
    "a decimal in a whole-number column": (lambda d: _replace_line(d / "teams.csv", 2, ",16,", ",16.5,"),
                                           ("plan/teams.csv", 2, "capacity_points", "16.5", "not_a_whole_number")),
    "a repeated key": (lambda d: _replace_line(d / "targets.csv", 3, "2,security_score", "1,security_score"),
                       ("plan/targets.csv", 3, "target_id", "1", "duplicate_key")),
    "an empty required cell": (lambda d: _replace_line(d / "teams.csv", 2, "Security,", ","),
                               ("plan/teams.csv", 2, "team", None, "required_value")),
    "a CSV nobody declared": (lambda d: (d / "extra.csv").write_text("a,b\n1,2\n", encoding="utf-8"),
                              ("plan/extra.csv", None, None, None, "undeclared_table")),
    "a renamed column": (lambda d: _replace_line(d / "calendar.csv", 1, "key,value", "key,val"),
                         ("plan/calendar.csv", 1, "val", None, "unknown_column")),
}


@pytest.fixture
def plan_copy(tmp_path):
    folder = tmp_path / "plan"
    shutil.copytree(PLAN_DIR, folder)
    return folder


@pytest.mark.parametrize("damage", BREAKS)
def test_a_plan_folder_that_breaks_the_contract_is_refused_precisely_and_nothing_is_built(plan_copy, tmp_path,
                                                                                         damage):
    how, expected = BREAKS[damage]
    how(plan_copy)
    db = tmp_path / "dce.duckdb"
    with pytest.raises(LoadError) as refused:
        build.build(db, plan_dir=plan_copy)
    found = [(p.file, p.row, p.column, p.value, p.code) for p in refused.value.problems]
    assert expected in found, found
    if damage not in ("a renamed column", "an empty required cell"):     # these also break a key or the header pair
        assert found == [expected]
    assert not db.exists()


def test_python_m_loaders_build_names_file_row_column_and_value_and_writes_nothing(plan_copy, tmp_path):
    BREAKS["a target naming no metric"][0](plan_copy)
    db = tmp_path / "dce.duckdb"
    out = subprocess.run([sys.executable, "-m", "loaders", "build"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "DCE_DB": str(db), "DCE_PLAN_DIR": str(plan_copy)}, timeout=120)
    assert out.returncode == 1 and out.stdout.splitlines() == [
        "error: plan/targets.csv, row 5, column 'metric_id', value 'complience_score': not a metric_id of "
        "metrics.csv (the contract's reference targets.metric_id → metrics.metric_id) — fix: use a metric_id "
        "listed in metrics.csv, or add it there"], out.stdout + out.stderr
    assert not db.exists()


def test_a_malformed_contract_is_named(plan_copy):
    text = (plan_copy / "contract.toml").read_text(encoding="utf-8")
    (plan_copy / "contract.toml").write_text(text.replace('weight = "DOUBLE"', 'weight = "FLOAT8"'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"contract.toml \[metrics\]: unknown types \{'weight': 'FLOAT8'\}"):
        contract.load(plan_copy / "contract.toml")
