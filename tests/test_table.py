"""transforms.table: one frame of raw values, shown formatted, exported as data."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd

from loaders import queries
from loaders.db import connect
from transforms import model, status
from transforms.export import to_csv_bytes
from transforms.table import Table


def test_display_formats_each_unit_once_and_export_keeps_raw_values():
    t = Table(pd.DataFrame({"Stream": ["New customers", "=SUM(A1)"], "Annual target": [4_000_000.0, 1_200_000.0],
                            "Share": [12.5, 99.95], "Day": pd.to_datetime(["2025-01-13", "2025-02-01"]),
                            "Status": [status.MET, status.NOT_MET], "id": ["s1", "s2"]}),
              {"Annual target": "$", "Share": "%", "Day": "date", "Status": "status", "id": "id"})
    shown = t.display()
    assert list(shown.columns) == ["Stream", "Annual target", "Share", "Day", "Status"]
    assert list(shown["Annual target"]) == ["$4M", "$1.2M"]
    assert list(shown["Day"]) == ["13 Jan 2025", "1 Feb 2025"]
    assert list(shown["Status"]) == ["🟢 Met", "🔴 Not met"]
    out = t.export()
    assert list(out.columns) == ["Stream", "Annual target (USD)", "Share (%)", "Day", "Status", "id"]
    assert list(out["Annual target (USD)"]) == [4_000_000.0, 1_200_000.0]
    assert list(out["Day"]) == [date(2025, 1, 13), date(2025, 2, 1)]
    assert list(out["Status"]) == ["Met", "Not met"]
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(out)), encoding="utf-8-sig")
    assert csv["Annual target (USD)"].sum() == 5_200_000          # a spreadsheet can sum it
    assert csv.loc[1, "Stream"] == "'=SUM(A1)"                    # text neutralised, numbers untouched


def test_per_row_units_show_in_their_unit_and_export_beside_a_unit_column():
    t = Table(pd.DataFrame({"Metric": ["Latency", "Pipeline"], "Current": [1.12, 5_959_000.0], "u": ["ms", "$"]}),
              {"Current": "unit:u"})
    assert list(t.display().columns) == ["Metric", "Current"]
    assert list(t.display()["Current"]) == ["1.12 ms", "$5.96M"]
    assert t.export().to_dict("list") == {"Metric": ["Latency", "Pipeline"], "Current": [1.12, 5_959_000.0],
                                          "Unit": ["ms", "USD"]}


def test_kpi_table_exports_numbers_ids_and_status_words(plan_db):
    with connect(plan_db) as con:
        registry, targets, latest = queries.registry(con), queries.targets(con), queries.latest_values(con, None)
    data = model.PlanData(registry, targets, {}, latest)
    rows = model.target_rows(data, "security_control")      # week 0: API Security 20%, Data Encryption 30%, …
    table = model.kpi_table(rows)
    shown, out = table.display(), table.export()
    assert "metric_id" not in shown and "metric_id" in out
    assert set(out["Status"]) <= {"Met", "Partial", "Not met", "No data"}
    assert pd.api.types.is_numeric_dtype(out["Current"]) and out["Current"].notna().all()
    assert set(out["Unit"]) == {"%"}
    assert list(out["Current"].fillna(-1)) == list(rows["value"].fillna(-1))


def test_a_status_in_a_tables_own_words_keeps_its_colour_and_exports_the_words():
    t = Table(pd.DataFrame({"Risk": ["TCPA", "GDPR", "FTC"], "Status": [status.PARTIAL, status.NOT_MET, status.MET]}),
              {"Status": "status:protection"})
    assert list(t.display()["Status"]) == ["🟡 Partially protected", "🔴 Unprotected", "🟢 Protected"]
    assert list(t.export()["Status"]) == ["Partially protected", "Unprotected", "Protected"]


def test_whole_counts_show_exact_with_separators_and_export_as_numbers():
    t = Table(pd.DataFrame({"Publisher": ["A", "B"], "Incoming": [13747, 998], "Missing": [float("nan"), 2.0]}),
              {"Incoming": "integer", "Missing": "integer"})
    shown = t.display()
    assert list(shown["Incoming"]) == ["13,747", "998"]              # not 13.7K: a count is exact
    assert list(shown["Missing"]) == ["no data", "2"]
    assert list(t.export()["Incoming"]) == [13747, 998]


def test_a_recorded_kpi_without_a_numeric_target_draws_no_target_line():
    from collections import namedtuple
    from transforms import calls
    Row = namedtuple("Row", "target_value Target")
    assert calls.target_lines(Row(1.0, "< 1ms p99")) == [(1.0, "< 1ms p99")]
    assert calls.target_lines(Row(float("nan"), "no target")) == []
    assert calls.busiest_sentence(("Tue", 9, 1244), "America/Los_Angeles") == (
        "The busiest hour was **Tue 09:00–10:00** (1,244 calls), hours of the day in America/Los_Angeles.")
