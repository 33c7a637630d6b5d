"""Cells as analysts type them: numbers and dates parsed, or refused with a reason."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

from loaders.coerce import (coerce_date_column, coerce_number_column, excel_serial_to_date, parse_date,
                            parse_number)


@pytest.mark.parametrize("text, expected", [
    ("1,500", 1500.0), ("1.5M", 1_500_000.0), ("$1.5M", 1_500_000.0), ("$390K", 390_000.0),
    ("(1,200)", -1200.0), ("\u22123", -3.0), ("-$2.5k", -2500.0), (" 42 ", 42.0), ("1e3", 1000.0),
    ("\u20ac1,234.50", 1234.5), ("0", 0.0), (7, 7.0), (2.5, 2.5), ("$1.2bn", 1.2e9),
])
def test_parse_number_accepts(text, expected):
    value = parse_number(text)
    assert value == pytest.approx(expected) and value.percent is False


def test_percent_is_flagged():
    value = parse_number("12%")
    assert value == 12.0 and value.percent is True


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_is_none(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-inf", "INF", "Infinity", float("nan"), float("inf")])
def test_non_finite_is_refused(text):
    with pytest.raises(ValueError, match="NaN and infinite"):
        parse_number(text)


@pytest.mark.parametrize("text, fragment", [
    ("$1.5X", "'$1.5X' is not a number"), ("****", "is not a number"), ("1,5", "decimal comma"),
    ("1.500,5", "decimal comma"), ("--3", "is not a number"), ("(-3)", "parentheses"), (True, "true/false"),
])
def test_parse_number_refuses(text, fragment):
    with pytest.raises(ValueError, match=fragment.replace("$", r"\$").replace("(", r"\(")):
        parse_number(text)


@pytest.mark.parametrize("text", [
    "2025-01-13", "2025/01/13", "13/01/2025", "01/13/2025", "13.01.2025", "13 Jan 2025", "Jan 13, 2025",
    "January 13 2025", "13-Jan-2025", "2025-01-13 10:30", "2025-01-13T10:30:00Z", "13.01.2025 12:00:00",
    "45670", 45670, 45670.75, datetime(2025, 1, 13, 23, 59), date(2025, 1, 13), "Mon, 13 Jan 2025",
])
def test_parse_date_accepts(text):
    assert parse_date(text) == date(2025, 1, 13)


def test_timezone_offsets_become_utc_dates():
    assert parse_date("2025-01-13T23:30:00-03:00") == date(2025, 1, 14)
    assert parse_date("2025-01-14T01:00:00+03:00") == date(2025, 1, 13)
    assert parse_date(datetime(2025, 1, 13, 23, 0, tzinfo=timezone.utc)) == date(2025, 1, 13)


def test_ambiguous_day_month_is_refused_with_reason():
    with pytest.raises(ValueError, match="ambiguous"):
        parse_date("03/04/2025")
    assert parse_date("05/05/2025") == date(2025, 5, 5)  # both readings agree


@pytest.mark.parametrize("text, fragment", [
    ("2025-02-30", "not a real date"), ("31/02/2025", "not a real date"), ("01-01-13", "two-digit year"),
    ("cabbage", "not a date"), ("13/13/2025", "not a real date"),
])
def test_parse_date_refuses(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_date(text)


def test_blank_date_is_none():
    assert parse_date("  ") is None and parse_date(None) is None


def test_excel_serials_1900_system_and_its_leap_year_bug():
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    with pytest.raises(ValueError, match="29 February 1900"):
        excel_serial_to_date(60)
    with pytest.raises(ValueError, match="outside"):
        excel_serial_to_date(0)


def test_excel_serials_1904_system():
    assert excel_serial_to_date(0, date1904=True) == date(1904, 1, 1)
    assert parse_date(44208, date1904=True) == date(2025, 1, 13)
    assert parse_date("44208", date1904=True) == date(2025, 1, 13)


def test_number_column_fast_path_and_slow_path():
    values, problems = coerce_number_column(pa.array(["1", " 2.5 ", None, "$1.5M", "x", "nan", "12%", ""]))
    assert values.to_pylist() == [1.0, 2.5, None, 1_500_000.0, None, None, 12.0, None]
    assert [(i, v) for i, v, _ in problems] == [(4, "x"), (5, "nan")]
    assert "NaN and infinite" in problems[1][2]


def test_number_column_can_refuse_percent():
    _, problems = coerce_number_column(pa.array(["12%", "3"]), allow_percent=False)
    assert problems == [(0, "12%", "'12%' is a percentage, but this column is not a percent")]


def test_number_column_native_numbers_and_non_finite():
    values, problems = coerce_number_column(pa.array([1.0, float("nan"), None, float("inf")]))
    assert values.to_pylist() == [1.0, None, None, None]
    assert [i for i, _, _ in problems] == [1, 3]
    values, problems = coerce_number_column(pa.array([1, 2], pa.uint64()))
    assert values.to_pylist() == [1.0, 2.0] and problems == []


def test_number_column_accepts_pandas_series():
    pd = pytest.importorskip("pandas")
    values, problems = coerce_number_column(pd.Series(["1,500", "2"]))
    assert values.to_pylist() == [1500.0, 2.0] and problems == []


def test_date_column_fast_and_slow_paths():
    values, problems = coerce_date_column(pa.array(["2025-01-13", None, "13/01/2025", "03/04/2025", "x"]))
    assert values.to_pylist() == [date(2025, 1, 13), None, date(2025, 1, 13), None, None]
    assert [i for i, _, _ in problems] == [3, 4] and "ambiguous" in problems[0][2]


def test_date_column_from_timestamps_and_serials():
    ts = pa.array([datetime(2025, 1, 13, 23, 0)], pa.timestamp("ms", "America/Sao_Paulo"))
    assert coerce_date_column(ts)[0].to_pylist() == [date(2025, 1, 13)]  # stored as UTC instant
    serials, problems = coerce_date_column(pa.array([45670.0, 60.0]))
    assert serials.to_pylist() == [date(2025, 1, 13), None] and problems[0][0] == 1


def test_problems_carry_pandas_index_labels():
    pd = pytest.importorskip("pandas")
    _, problems = coerce_number_column(pd.Series(["1", "x"], index=[10, 11]))
    assert problems == [(11, "x", "'x' is not a number")]
    _, problems = coerce_date_column(pd.Series(["2025-01-13", "03/04/2025"], index=[5, 6]))
    assert problems[0][0] == 6


def test_every_number_the_sql_fast_paths_accept_reads_the_same_in_the_worded_parser():
    """The SQL paths take a cell as it stands only when it matches sqlcheck.SQL_PLAIN_NUMBER; the worded
    path (parse_number) must then read the same value, or a file's rows would depend on its size."""
    import itertools

    import duckdb

    from loaders import sqlcheck
    cells = sorted({"".join(t) for n in range(1, 6) for t in itertools.product("09.e+-", repeat=n)})
    with duckdb.connect() as con:
        rows = con.execute("SELECT s, TRY_CAST(s AS DOUBLE) FROM unnest(?) AS u(s) WHERE regexp_full_match(s, ?)",
                           [cells, sqlcheck.SQL_PLAIN_NUMBER]).fetchall()
    assert len(rows) > 500 and any(s == "5." or s == "9." for s, _ in rows)
    for cell, value in rows:
        if value in (float("inf"), float("-inf")):      # both refuse these: sql_number_checks' isinf, and here
            with pytest.raises(ValueError):
                parse_number(cell)
        else:
            assert parse_number(cell) == pytest.approx(value), cell
