"""The expected outcome of every corpus and hostile file, kept as data: tests/corpus_expected.csv.

Each file (keyed `corpus/<path under ../shared/corpus>` or `data/<name>` for tests/data) has two pinned
outcomes, both in the problem-code vocabulary of loaders/errors.py, never in English:
* `read`: what the readers make of it alone (`read_upload`, no expected columns): `rows N`, or
  `refused <code>[;<code>...]` (the distinct codes of the refusal, sorted);
* `load`: what `python -m loaders load FILE` does to a copy of the plan database, the files loaded one
  after another in this order: `loaded N rows into TABLE`, `unchanged` (identical content loaded before),
  or `refused <codes>`.
A file a reader refuses for a reason no rule foresaw shows as `refused unreadable`; a good file refused is
a bug. After a deliberate change of behaviour, regenerate and review the diff:

    .venv/bin/python -m tests.corpus_outcomes          # rewrites tests/corpus_expected.csv
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.conftest import CORPUS, TEST_DATA, corpus_files, data_files  # noqa: E402

EXPECTED = ROOT / "tests" / "corpus_expected.csv"     # beside tests/data, not in it: not an input file
FIELDS = ("file", "read", "load")

# One process loads every file in turn (a process per file would pay ~4 s of imports each). It watches
# load.load_file on its way out (the real function, called as the CLI calls it) to note the refusal's codes.
RUNNER = r"""
import contextlib, hashlib, io, json, sys
from pathlib import Path
from loaders.__main__ import main
from loaders import build, load
from loaders.errors import LoadError
build.ensure_built()
db = Path(sys.argv[1])
real, seen = load.load_file, {}
def watched(*args, **kwargs):
    try:
        return real(*args, **kwargs)
    except LoadError as exc:
        seen["codes"] = sorted(exc.codes)
        raise
    except Exception as exc:
        seen["codes"] = [type(exc).__name__]
        raise
load.load_file = watched
def sha(): return hashlib.sha256(db.read_bytes()).hexdigest()
for path in sys.argv[2:]:
    before = sha()
    seen.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["load", path])
    print(json.dumps({"path": path, "code": code, "out": out.getvalue(), "changed": sha() != before,
                      "codes": seen.get("codes", [])}), flush=True)
"""


def key(path: Path) -> str:
    path = Path(path)
    if path.is_relative_to(TEST_DATA):
        return f"data/{path.relative_to(TEST_DATA)}"
    return f"corpus/{path.relative_to(CORPUS)}"


def all_files() -> list[Path]:
    return corpus_files() + data_files()


def read_outcome(path: Path, limits) -> str:
    from loaders.errors import LoadError
    from loaders.readers import read_upload
    try:
        upload = read_upload(path, limits=limits)
    except LoadError as exc:
        return "refused " + ";".join(sorted(exc.codes))
    return f"rows {upload.table.num_rows}"


def run_cli_over(files: list[Path], db: Path) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(db), *map(str, files)], cwd=ROOT,
                          env={**os.environ, "DCE_DB": str(db)}, capture_output=True, text=True, timeout=900)
    if "Traceback" in proc.stdout + proc.stderr or proc.returncode != 0:
        raise AssertionError(proc.stderr[-3000:])
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def load_outcome(result: dict) -> str:
    line = result["out"].strip()
    if result["code"] != 0:
        return "refused " + ";".join(result["codes"])
    if line.startswith("unchanged:"):
        return "unchanged"
    _, _, rest = line.partition(": loaded ")           # batch 7: loaded 12 rows into observations from x.csv
    rows, _, table = rest.partition(" rows into ")
    return f"loaded {rows} rows into {table.split(' from ')[0]}"


def expected() -> dict[str, dict[str, str]]:
    with open(EXPECTED, newline="", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def generate() -> str:
    from loaders import build
    from loaders.readers import Limits

    files = all_files()
    reads = {key(f): read_outcome(f, Limits(timeout_s=60)) for f in files}
    with tempfile.TemporaryDirectory(prefix="dce_corpus_") as tmp:
        db = Path(tmp) / "dce.duckdb"
        build.build(db)
        loads = {key(Path(r["path"])): load_outcome(r) for r in run_cli_over(files, db)}
        shutil.rmtree(tmp, ignore_errors=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for f in files:
        writer.writerow((key(f), reads[key(f)], loads[key(f)]))
    return out.getvalue()


if __name__ == "__main__":
    EXPECTED.write_text(generate(), encoding="utf-8")
    print(f"wrote {EXPECTED.relative_to(ROOT)}: review the diff (git diff) before committing it")
