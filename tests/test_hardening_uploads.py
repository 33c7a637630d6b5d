"""Uploads as an attacker sends them (issue 17, items 5, 8, 9 and 10): one size limit for the page and the
loader, an honest XML pre-check, no temporary file or folder left by any exit, validation in the capped child.

Seen before: the browser refused above 200,000,000 bytes while the loader took up to 209,715,200; the XML
pre-check read only the first 64 KB (padding or UTF-16 slipped past); a killed load left its empty
dce-upload-* folder behind; and a 200 MB upload was validated inside the server.
"""
from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from loaders import load, readers, spool
from loaders.errors import LoadError
from tests.apptest import run_page
from tests.conftest import ROOT, TEST_DATA, write

LIMIT = readers.UPLOAD_LIMIT_MB * 1_000_000        # bytes, as Streamlit's browser code counts 200 MB


# ---- one upload limit ------------------------------------------------------------------------------

def test_the_page_the_server_and_the_loader_state_one_upload_limit(db):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == readers.UPLOAD_LIMIT_MB
    assert readers.DEFAULT_LIMITS.max_bytes == LIMIT == 200_000_000
    at = run_page("data")
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == readers.UPLOAD_LIMIT_MB


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def test_the_loader_refuses_exactly_what_the_browser_refuses(tmp_path):
    with pytest.raises(LoadError) as over:
        readers.read_upload(sparse(tmp_path / "over.csv", LIMIT + 1))
    assert "200,000,001 bytes; the limit is 200,000,000 bytes (200 MB)" in over.value.summary()
    with pytest.raises(LoadError) as at_limit:              # passes the size gate; refused for what it holds
        readers.read_upload(sparse(tmp_path / "edge.csv", LIMIT))
    assert "the limit is" not in at_limit.value.summary() and "NUL" in at_limit.value.summary()


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium not found")
def test_the_browser_refuses_one_byte_over_the_limit_before_sending_it(plan_db, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.browser import launch_chromium, page_text, served_app
    big = sparse(tmp_path / "big.csv", LIMIT + 1)
    with served_app(plan_db) as base, playwright.sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        page_text(page, f"{base}/data")
        page.locator("input[type=file]").first.set_input_files(str(big))
        page.wait_for_selector("text=File must be 200.0MB or smaller", timeout=60_000)
        browser.close()


# ---- the XML pre-check reads every prolog, whatever its length or encoding --------------------------

DOCTYPE = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def workbook() -> bytes:
    book = openpyxl.Workbook()
    for row in (["metric_id", "as_of", "value"], ["security_score", "2025-01-20", 70]):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_part(path: Path, part: str, content: bytes) -> Path:
    """The workbook with `part` replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != part:
                out.writestr(info, source.read(info))
        out.writestr(part, content)
    return path


def sheet_xml() -> str:
    return zipfile.ZipFile(io.BytesIO(workbook())).read("xl/worksheets/sheet1.xml").decode("utf-8")


def root_of(xml: str) -> str:
    """The part from its root element on (without its XML declaration, if it has one)."""
    return xml[xml.index("?>") + 2:] if xml.startswith("<?xml") else xml


@pytest.mark.parametrize("name, part, content", [
    ("padded", "xl/worksheets/sheet1.xml",
     ('<?xml version="1.0" encoding="UTF-8"?>' + " " * 70_000 + DOCTYPE + root_of(sheet_xml())).encode()),
    ("long_comment", "xl/worksheets/sheet1.xml",
     ('<?xml version="1.0"?><!--' + "x" * 100_000 + "-->" + DOCTYPE + root_of(sheet_xml())).encode()),
    ("utf16_bom", "xl/worksheets/sheet1.xml",
     ('<?xml version="1.0" encoding="UTF-16"?>' + DOCTYPE + root_of(sheet_xml())).encode("utf-16")),
    ("utf16_no_bom", "xl/worksheets/sheet1.xml",
     ('<?xml version="1.0" encoding="UTF-16"?>' + DOCTYPE + root_of(sheet_xml())).encode("utf-16-le")),
    ("odd_name", "customXml/item1.dat", ('<?xml version="1.0"?>' + DOCTYPE + "<r>&b;</r>").encode()),
])
def test_a_dtd_anywhere_in_any_xml_prolog_is_refused_by_the_pre_check(tmp_path, name, part, content):
    path = with_part(tmp_path / f"{name}.xlsx", part, content)
    with pytest.raises(LoadError) as refused:
        readers.read_upload(path)
    assert f"part '{part}' declares a DTD/entities" in refused.value.summary()


def test_a_long_but_harmless_prolog_is_not_refused(tmp_path):
    xml = '<?xml version="1.0" encoding="UTF-8"?>' + " " * 70_000 + "<!--" + "<!DOCTYPE " * 10 + "-->" + \
          '<?pi <!ENTITY in a processing instruction ?>' + root_of(sheet_xml())
    path = with_part(tmp_path / "harmless.xlsx", "xl/worksheets/sheet1.xml", xml.encode())
    assert readers.read_upload(path).table.num_rows == 1


# ---- no temporary file or folder outlives a load, however it ends -----------------------------------

READ_AND_WAIT = """
import sys
from loaders import readers
print("reading", flush=True)
readers.read_upload(sys.argv[1])
print("read", flush=True)
"""


def descendants(pid: int) -> list[int]:
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_a_load_killed_while_its_child_parses_leaves_nothing_in_the_temp_folder(tmp_path):
    # A short folder of its own: the forkserver's socket lives in TMPDIR, and a Unix socket path longer
    # than 107 bytes (pytest's tmp_path under xdist is) cannot be bound at all.
    temp = Path(tempfile.mkdtemp(prefix="dce-k-", dir="/tmp"))
    big = tmp_path / "big.csv"
    big.write_text("metric_id,as_of,value\n" + "security_score,2025-01-20,70\n" * 400_000)
    proc = subprocess.Popen([sys.executable, "-c", READ_AND_WAIT, str(big)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True)
    assert proc.stdout.readline().strip() == "reading"
    deadline = time.monotonic() + 60
    while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:   # the forkserver and the parser
        time.sleep(0.01)
    workers = descendants(proc.pid)
    assert len(workers) >= 2, "the parser child never started"
    os.kill(proc.pid, signal.SIGKILL)                       # the loading process dies mid-parse
    proc.wait(10)
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)                                    # its children finish or go
    for pid in workers:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
    left = list(temp.iterdir())
    shutil.rmtree(temp, ignore_errors=True)
    assert left == []


def deleted_temp_maps() -> int:
    return sum(1 for line in Path("/proc/self/maps").read_text().splitlines() if line.endswith("(deleted)"))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_prepared_upload_holds_no_file_once_it_is_dropped(db, tmp_path, monkeypatch):
    import gc
    tmp_path = tmp_path / "tmp"
    tmp_path.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    spool.prepare(spool.spool(b"metric_id,as_of,value\nsecurity_score,2025-01-20,70\n", "warm.csv"), db=db)
    gc.collect()
    maps, fds = deleted_temp_maps(), open_fds()
    held = spool.spool(b"metric_id,as_of,value\nsecurity_score,2025-01-20,71\n", "week.csv")
    prepared = spool.prepare(held, db=db)
    assert deleted_temp_maps() > maps and list(tmp_path.iterdir()) == []   # mapped, yet no name on disk
    held.close()
    del prepared, held
    gc.collect()
    assert deleted_temp_maps() == maps and open_fds() == fds


# ---- the page's upload: read and validated in the capped child, exactly as the loader does ----------

@pytest.mark.parametrize("name", ["good.parquet", "title_row_money.xlsx", "money_percent_nan.csv", "latin1.csv",
                                  "ragged_rows.csv", "dates_1904.xlsx"])
def test_a_spooled_upload_is_prepared_exactly_as_the_loader_prepares_the_file(db, name):
    path = TEST_DATA / name
    try:
        expected = load.prepare(path, db=db)
    except LoadError as refused:
        with pytest.raises(LoadError) as caught:
            spool.prepare(spool.spool(path.read_bytes(), name), db=db)
        assert caught.value.summary() == refused.summary()
        return
    got = spool.prepare(spool.spool(path.read_bytes(), name), db=db)
    assert got.frame.equals(expected.frame) and got.frame.dtypes.equals(expected.frame.dtypes)
    assert [str(p) for p in got.validated.problems] == [str(p) for p in expected.validated.problems]
    assert (got.sha256, got.table.name, got.notes, got.period) == \
        (expected.sha256, expected.table.name, expected.notes, expected.period)


def test_validation_runs_in_the_child_not_in_the_server(db, monkeypatch):
    from loaders import validate

    def not_here(*args, **kwargs):
        raise AssertionError("validated in the server process")
    monkeypatch.setattr(validate, "validate", not_here)      # this process's copy; the child has its own
    prepared = spool.prepare(spool.spool(b"metric_id,as_of,value\nsecurity_score,2025-01-20,70\n", "a.csv"), db=db)
    assert prepared.ok and len(prepared.frame) == 1
    load.commit(prepared, db=db)


def test_a_spooled_upload_commits_like_any_prepared_file(db, tmp_path):
    f = write(tmp_path / "week.csv", "metric_id,as_of,value\nsecurity_score,2025-01-20,70\nsecurity_score,2025-01-21,72\n")
    result = load.commit(spool.prepare(spool.spool(f.read_bytes(), "week.csv"), db=db), db=db)
    assert (result.rows, result.table, result.file_name) == (2, "observations", "week.csv")
    assert load.commit(spool.prepare(spool.spool(f.read_bytes(), "again.csv"), db=db), db=db).noop
