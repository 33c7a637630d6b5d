"""The untrusted-file reader: every file loads or is refused clearly, never crashes or hangs."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from loaders.coerce import parse_number
from loaders.errors import LoadError
from loaders.readers import Limits, Upload, read_upload, sniff_kind

from tests import corpus_outcomes
from tests.conftest import CORPUS, corpus_files, data_files
from tests.conftest import TEST_DATA as DATA
SAFE = Limits(timeout_s=60)
EXPECTED = {"metric_id", "as_of", "value"}


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(LoadError) as info:
        read_upload(path, **kwargs)
    message = str(info.value)
    assert message.startswith(path.name), message
    return message


PINNED = corpus_outcomes.expected()      # tests/corpus_expected.csv


def check_pinned_outcome(path: Path) -> None:
    """The file reads to the number of rows pinned for it, or is refused with the pinned codes, naming it."""
    started = time.monotonic()
    try:
        upload = read_upload(path, limits=SAFE)
    except LoadError as exc:
        assert exc.problems and all(p.file == path.name for p in exc.problems), exc
        assert "Traceback" not in str(exc)
        outcome = "refused " + ";".join(sorted(exc.codes))
    else:
        assert isinstance(upload, Upload) and upload.table.num_rows > 0
        assert len(upload.source_rows) == upload.table.num_rows
        assert upload.file_name == path.name
        outcome = f"rows {upload.table.num_rows}"
    assert outcome == PINNED[corpus_outcomes.key(path)]["read"], path.name
    assert time.monotonic() - started < 60


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_file_reads_as_pinned(path):
    check_pinned_outcome(path)


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_hostile_file_reads_as_pinned(path):
    check_pinned_outcome(path)


# ---- CSV: encodings and bytes -----------------------------------------------------------


def test_utf8_bom_is_stripped():
    up = read_upload(DATA / "bom_utf8.csv")
    assert up.table.column_names == ["metric_id", "as_of", "value"]
    assert up.kind == "csv" and up.sha256 == hashlib.sha256((DATA / "bom_utf8.csv").read_bytes()).hexdigest()


def test_latin1_is_decoded_and_noted():
    up = read_upload(DATA / "latin1.csv")
    assert up.table.column("label").to_pylist() == ["Café crème", "Straße"]
    assert any("cp1252" in n for n in up.notes)


@pytest.mark.parametrize("name", ["utf16le_bom.csv", "utf16be_bom.csv"])
def test_utf16_with_bom(name):
    up = read_upload(DATA / name)
    assert up.table.to_pylist() == [{"metric_id": "m1", "as_of": "2025-01-13", "value": "1"}]
    assert any("UTF-16" in n for n in up.notes)


def test_invalid_utf8_that_is_not_latin1_is_refused_with_offset_and_row():
    message = refusal(DATA / "invalid_utf8.csv")
    assert "row 3" in message and "offset 27" in message and "UTF-8" in message


def test_nul_bytes_are_refused_with_row():
    assert "row 3" in refusal(DATA / "nul_bytes.csv")


def test_greek_and_big5_corpus_files_are_refused_not_mojibaked():
    if not CORPUS.is_dir():
        pytest.skip("corpus missing")
    for name in ("frictionless_iso8859_7_greek.csv", "messytables_big5_chinese_mixed_eol.csv"):
        assert "not valid UTF-8" in refusal(CORPUS / "csv" / name)


# ---- CSV: structure ---------------------------------------------------------------------


def test_ragged_rows_name_each_row():
    with pytest.raises(LoadError) as info:
        read_upload(DATA / "ragged_rows.csv")
    rows = {p.row: p.reason for p in info.value.problems}
    assert rows[3] == "row has 4 fields but the header has 3"
    assert rows[4] == "row has 2 fields but the header has 3"


def test_unterminated_quote_names_the_row():
    message = refusal(DATA / "unterminated_quote.csv")
    assert "row 3" in message and "unterminated" in message


@pytest.mark.parametrize("name", ["empty.csv", "whitespace_only.csv"])
def test_empty_file(name):
    assert "file is empty" in refusal(DATA / name)


def test_header_only():
    assert "no data rows" in refusal(DATA / "header_only.csv")


def test_title_rows_before_header():
    up = read_upload(DATA / "title_rows.csv", expected_columns=EXPECTED)
    assert up.header_row == 3 and up.source_rows.to_pylist() == [4, 5]
    assert up.table.column("value").to_pylist() == ["5", "6"]
    assert read_upload(DATA / "title_rows.csv").header_row == 3  # also found without a hint


def test_wrong_header_is_read_and_noted_for_the_validator():
    up = read_upload(DATA / "wrong_header.csv", expected_columns=EXPECTED)
    assert up.table.column_names == ["kpi", "date", "amount"]
    assert any("expected column names" in n for n in up.notes)


def test_duplicate_headers_name_both_columns():
    message = refusal(DATA / "duplicate_headers.csv")
    assert "column 2 ('Value')" in message and "column 3 ('value ')" in message


def test_blank_header_with_data_is_refused_but_empty_trailing_column_is_dropped():
    assert "no usable header name" in refusal(DATA / "blank_header_with_data.csv")
    up = read_upload(DATA / "trailing_delimiter.csv")
    assert up.table.column_names == ["metric_id", "as_of", "value"]


def test_multiline_quoted_values_keep_file_row_numbers():
    up = read_upload(DATA / "multiline_quoted.csv")
    assert up.table.column("note").to_pylist() == ["line one\nline two", 'say "hi"']
    assert up.source_rows.to_pylist() == [2, 5]


def test_values_stay_strings():
    up = read_upload(DATA / "money_percent_nan.csv")
    assert up.table.schema.field("value").type == pa.string()
    assert up.table.column("value").to_pylist()[:4] == ["$1.5M", "1,500", "12%", "(1,200)"]


def test_pipe_delimiter_is_detected():
    assert read_upload(DATA / "pipe_delimited.txt").table.column_names == ["metric_id", "as_of", "value"]


def test_one_million_rows_are_all_counted(tmp_path):
    """Correctness at size; the speed is measured by `make bench`, never by a timed test."""
    n = 1_000_000
    table = pa.table({"metric_id": pa.array(["m1", "m2"] * (n // 2)), "as_of": pa.array(["2025-01-13"] * n),
                      "value": pa.array(["1.5"] * n), "batch_id": pa.array(["b1"] * n)})
    path = tmp_path / "big.csv"
    pacsv.write_csv(table, path)
    up = read_upload(path)
    assert up.table.num_rows == n and up.source_rows[-1].as_py() == n + 1


# ---- XLSX -------------------------------------------------------------------------------


def test_title_row_money_workbook():
    up = read_upload(DATA / "title_row_money.xlsx", expected_columns=EXPECTED)
    assert up.kind == "xlsx" and up.header_row == 3 and up.sheet == "Data"
    assert up.source_rows.to_pylist() == [4, 5]
    values = up.table.column("value").to_pylist()
    assert parse_number(values[0]) == 1_500_000.0
    assert up.table.column("as_of")[0].as_py() == datetime(2025, 1, 13)


def test_merged_cells_on_header_row_are_refused_naming_the_range():
    message = refusal(DATA / "merged_header.xlsx")
    assert "B1:C1" in message and "merged" in message


def test_merged_cells_above_a_clean_header_are_fine():
    up = read_upload(DATA / "merged_header.xlsx", expected_columns=EXPECTED)
    assert up.header_row == 2 and up.table.column_names == ["metric_id", "as_of", "value"]
    assert read_upload(DATA / "merged_title_ok.xlsx").header_row == 2


def test_formula_cells_return_cached_values():
    up = read_upload(DATA / "formula_cached.xlsx")
    assert up.table.column("double").to_pylist() == [42.0, 5.0]


def test_1904_dates_are_real_dates():
    up = read_upload(DATA / "dates_1904.xlsx")
    assert up.date1904 is True
    assert up.table.column("as_of")[0].as_py() == datetime(2025, 1, 13)


def test_sheet_is_chosen_by_expected_columns():
    up = read_upload(DATA / "two_sheets.xlsx", expected_columns=EXPECTED)
    assert up.sheet == "Data" and any("of 2" in n for n in up.notes)
    assert read_upload(DATA / "two_sheets.xlsx").sheet == "Notes"


def test_dimension_claiming_the_whole_sheet_is_harmless():
    up = read_upload(DATA / "dimension_full_sheet.xlsx", limits=Limits(memory_mb=512))
    assert up.table.num_rows == 1


@pytest.mark.parametrize("name", ["macro.xlsm", "macro_renamed.xlsx"])
def test_macro_workbooks_are_refused(name):
    assert "macro-enabled" in refusal(DATA / name)


def test_ole2_is_refused_as_legacy_or_encrypted():
    assert "password-protected" in refusal(DATA / "encrypted_ole2.xlsx")


def test_zip_bomb_is_refused_before_parsing():
    assert "zip bomb" in refusal(DATA / "zip_bomb.xlsx")
    tight = Limits(max_uncompressed_xlsx=1024 * 1024, max_xlsx_ratio=1e9)
    assert "expands to" in refusal(DATA / "zip_bomb.xlsx", limits=tight)


def test_xml_entity_bomb_is_refused():
    assert "DTD" in refusal(DATA / "xml_bomb.xlsx")


def test_zip_that_is_not_a_workbook():
    assert "not an Excel workbook" in refusal(DATA / "not_a_workbook.zip")


def test_extension_lies_are_read_by_content_and_noted():
    up = read_upload(DATA / "xlsx_named.csv", expected_columns=EXPECTED)
    assert up.kind == "xlsx" and any("really XLSX" in n for n in up.notes)
    up = read_upload(DATA / "csv_named.xlsx")
    assert up.kind == "csv" and any("really CSV" in n for n in up.notes)


# ---- Parquet ----------------------------------------------------------------------------


def test_parquet_good_file_keeps_native_types():
    up = read_upload(DATA / "good.parquet")
    assert up.kind == "parquet" and up.header_row == 0 and up.source_rows.to_pylist() == [1, 2]
    assert up.table.schema.field("value").type == pa.uint64()


def test_parquet_refusals():
    assert "nested type not supported" in refusal(DATA / "nested.parquet")
    assert "0 rows" in refusal(DATA / "zero_rows.parquet")
    assert "corrupt Parquet file" in refusal(DATA / "truncated.parquet")
    message = refusal(DATA / "binary_not_utf8.parquet")
    assert "not UTF-8" in message and "column 'blob'" in message and "row 2" in message


# ---- Process isolation --------------------------------------------------------------------


def test_memory_limit_turns_into_a_load_error(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("a,b\n" + "x" * 1000 + ",y\n" * 20_000)
    message = refusal(path, limits=Limits(memory_mb=8))
    assert "memory limit 8 MB" in message


def test_timeout_turns_into_a_load_error(tmp_path):
    path = tmp_path / "slow.csv"
    path.write_text("a,b\n" + "1,2\n" * 300_000)
    assert "too large or malformed" in refusal(path, limits=Limits(timeout_s=0.01))


def test_missing_file_is_a_load_error(tmp_path):
    assert "cannot be opened" in refusal(tmp_path / "nope.csv")


def test_sniff_kind():
    assert sniff_kind(DATA / "good.parquet") == "parquet"
    assert sniff_kind(DATA / "title_row_money.xlsx") == "xlsx"
    assert sniff_kind(DATA / "latin1.csv") == "csv"
    with pytest.raises(LoadError):
        sniff_kind(DATA / "encrypted_ole2.xlsx")


def test_child_does_not_rerun_the_main_script(tmp_path, monkeypatch):
    """Under Streamlit, __main__ is the page script: the parser child must not execute it."""
    import sys
    import types

    marker = tmp_path / "main_was_run"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    assert read_upload(DATA / "bom_utf8.csv").table.num_rows == 1
    assert not marker.exists()


def test_expected_columns_may_be_a_union_of_several_tables():
    union = EXPECTED | {"team", "week", "velocity", "uptime", "gdpr_score", "tcpa_score", "owner", "phase"}
    up = read_upload(DATA / "title_row_money.xlsx", expected_columns=union)
    assert up.header_row == 3 and not any("guessed" in n for n in up.notes)


# ---- the sandbox's copy of CPython's forkserver launcher ---------------------------------


def _body(function) -> list[str]:
    """The statements of a function, as normalised source (comments and layout do not count)."""
    import ast
    import inspect
    import textwrap
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return [ast.unparse(statement) for statement in tree.body[0].body if not isinstance(statement, ast.Expr)
            or not isinstance(statement.value, ast.Constant)]      # the docstring aside


def test_the_launcher_copy_is_the_running_stdlib_launcher_but_for_not_importing_main():
    from multiprocessing import popen_forkserver

    from loaders.readers import sandbox
    copy = _body(sandbox._NoMainPopen._launch)
    dropped = ["prep_data.pop('init_main_from_name', None)", "prep_data.pop('init_main_from_path', None)"]
    assert [s for s in copy if s not in dropped] == _body(popen_forkserver.Popen._launch)
    assert all(s in copy for s in dropped)
    assert sandbox.launcher() is sandbox._NoMainPopen        # this interpreter is one the copy was checked on


def test_another_python_version_gets_the_stdlib_launcher_and_a_warning(caplog):
    from multiprocessing import popen_forkserver

    from loaders.readers import sandbox
    with caplog.at_level("WARNING", logger="loaders.readers"):
        assert sandbox.launcher((3, 99)) is popen_forkserver.Popen
    assert "Python 3.99" in caplog.text and "3.11" in caplog.text


def test_the_native_paths_copy_of_normalise_name_agrees_with_the_readers():
    from loaders import native, readers
    for raw in (" Report Date (UTC)", "metric_id", "Value ($)", "", None, "as-of", "Ünïcode Name", "__x__"):
        assert native.normalise_name(raw) == readers.normalise_name(raw), raw
