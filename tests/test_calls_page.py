"""Call exports through the /data page (recognised, mapped, previewed, imported, undone) and the /calls page
(figures that match counts worked out with pandas from the files; the as-of week; the empty state)."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from loaders import load
from loaders.__main__ import main
from loaders.calls import schema, store
from tests import calls_exports as ex
from transforms import fmt
from tests.apptest import run_page, tables
from tests.conftest import shown
from tests.test_data_page import button, page, text, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    buffer = io.BytesIO()
    if suffix == ".csv":
        frame.to_csv(buffer, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(buffer, index=False)
    else:
        frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def plain(at) -> str:
    return text(at).replace("**", "")


def whole(shown) -> int:
    """A count as the page shows it ("13,747") read back as a number."""
    return int(str(shown).replace(",", ""))


def frame_of(at, first_column: str) -> pd.DataFrame:
    return next(t for t in tables(at) if list(t.columns)[:1] == [first_column])


@pytest.mark.parametrize("shape,suffix", [("ringba", ".csv"), ("retreaver", ".xlsx"), ("ringba", ".parquet")])
def test_a_call_export_uploaded_on_data_is_previewed_then_imported(db, shape, suffix):
    frame, _ = getattr(ex, shape)()
    doubled = pd.concat([frame, frame.iloc[:5]])
    truth = ex.truth(frame, shape)
    at = upload(page(), f"export{suffix}", file_bytes(doubled, suffix), XLSX if suffix == ".xlsx" else "text/csv")
    assert not at.exception, at.exception
    said = plain(at)
    assert "call-record store" in said
    publishers = truth["publisher"].nunique()
    assert (f"{len(truth):,} calls on {truth['day'].nunique()} days" in said
            and f"{publishers} publishers" in said and f"{len(truth):,} new" in said
            and "0 already stored, 5 repeated in the file" in said), said
    per_day = frame_of(at, "Day")
    expected = {fmt.day(pd.Timestamp(d)): n for d, n in truth.groupby("day").size().items()}
    assert dict(zip(per_day["Day"], per_day["Calls"].map(whole))) == expected
    assert not store.parts(schema.calls_root(db))                     # preview writes nothing
    button(at, "calls_import").click().run()
    assert not at.exception
    assert f"imported {len(truth):,} calls" in text(at)
    assert len(store.parts(schema.calls_root(db))) == truth["day"].nunique()
    history = frame_of(at, "batch")
    assert history["table"].iloc[0] == "calls" and int(history["rows"].iloc[0]) == len(truth)


def test_an_unknown_column_is_mapped_on_data_and_undo_removes_the_part_files(db):
    frame, _ = ex.retreaver(n=40)
    frame = frame.rename(columns={"uuid": "Call UUID"})
    at = upload(page(), "renamed.csv", file_bytes(frame, ".csv"))
    assert not at.exception
    said = plain(at)
    assert "no column gives the call record's 'call_id'" in said and "call_uuid" in said
    assert not any(b.key == "calls_import" for b in at.button)
    at.selectbox(key="calls_need_call_id").set_value("call_uuid").run()
    assert not at.exception
    assert "40 new" in plain(at)
    button(at, "calls_import").click().run()
    batch = int(load.history(db)["batch_id"].iloc[0])
    assert store.parts(schema.calls_root(db))
    at.selectbox(key="undo_batch").set_value(batch).run()
    at.checkbox(key=f"undo_confirm_{batch}").check().run()
    button(at, "undo").click().run()
    assert not at.exception
    assert "removed 40 rows from calls" in text(at)
    assert not store.parts(schema.calls_root(db))


def test_a_bad_call_export_on_data_is_reported_and_nothing_is_written(db):
    frame, _ = ex.ringba(n=12)
    frame.loc[3, "callDt"] = "not a time"
    at = upload(page(), "bad_calls.csv", file_bytes(frame, ".csv"))
    assert not at.exception
    assert at.error and "bad_calls.csv" in shown(at.error[0].value) and "row 5" in shown(at.error[0].value)
    assert not any(b.key == "calls_import" for b in at.button)
    assert not store.parts(schema.calls_root(db)) and (load.history(db)["table_name"] != "calls").all()


def test_a_plan_table_upload_still_takes_the_table_path(db):
    at = upload(page(), "obs.csv", b"metric_id,as_of,value\nconcurrent_users,2025-01-20,1200\n")
    assert not at.exception
    assert "call-record store" not in text(at) and any(b.key == "load" for b in at.button)


def import_cli(path) -> None:
    assert main(["calls", "import", str(path)]) == 0


def test_calls_page_shows_counts_matching_the_files(db, tmp_path, capsys):
    ringba, _ = ex.ringba(n=400, first_day="2025-01-20", days=5)             # plan week 2
    retreaver, _ = ex.retreaver(n=150, first_day="2025-01-22", days=2)
    import_cli(ex.save(ringba, tmp_path / "r.csv"))
    import_cli(ex.save(retreaver, tmp_path / "t.parquet"))
    capsys.readouterr()
    truth = pd.concat([ex.truth(ringba, "ringba"), ex.truth(retreaver, "retreaver")])
    truth = truth[(truth["day"] >= "2025-01-20") & (truth["day"] <= "2025-01-26")]
    at = run_page("calls", week=2)
    assert not at.exception, at.exception
    funnel = frame_of(at, "Stage").set_index("Stage")["Calls"]
    assert [whole(v) for v in funnel] == [
        len(truth), int(truth["connected"].sum()), int(truth["billable"].sum()), int(truth["converted"].sum())]
    publishers = frame_of(at, "Publisher")
    got = dict(zip(publishers["Publisher"], publishers["Incoming"].map(whole)))
    assert got == truth.groupby("publisher").size().to_dict()
    card = next(t for t in tables(at) if "TCPA-blocked rate" in t.columns)
    assert set(card["Publisher"]) == set(truth["publisher"])
    grid = frame_of(at, "Weekday")
    assert int(grid.drop(columns="Weekday").to_numpy().sum()) == len(truth)
    buyers = frame_of(at, "Buyer")
    assert buyers["Incoming"].map(whole).sum() == len(truth)
    said = plain(at)
    assert f"**{len(truth):,}** calls came in" in "\n".join(m.value for m in at.markdown)
    assert "Plan week 2" in said
    # drill-down to a day: the day's publishers add up to that day's calls
    at.selectbox(key="calls_day_publisher").set_value(pd.Timestamp("2025-01-22").date()).run()
    day = [t for t in tables(at) if list(t.columns)[:1] == ["Publisher"]][1]
    assert day["Incoming"].map(whole).sum() == int((truth["day"] == "2025-01-22").sum())
    # every table has its CSV button
    assert len([b for b in at.get("download_button")]) >= 6


def test_calls_page_follows_the_week_and_says_when_a_week_has_no_calls(db, tmp_path):
    ringba, _ = ex.ringba(n=50, first_day="2025-01-20", days=2)
    import_cli(ex.save(ringba, tmp_path / "r.csv"))
    at = run_page("calls", week=5)
    assert not at.exception
    assert any("No calls in plan week 5" in i.value for i in at.info)
    at = run_page("calls")            # no week picked: the week of the newest call
    assert any("Plan week 2" in c.value for c in at.caption)


def test_calls_page_without_call_records_says_how_to_load_some(db):
    at = run_page("calls")
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "python -m loaders calls import" in info and "Data" in info
    assert not tables(at)


def test_consent_coverage_and_blocks_per_publisher_match_the_file(db, tmp_path):
    from transforms import fmt
    frame, _ = ex.retreaver(n=200, first_day="2025-01-21", days=2)
    has_cert = pd.Series(range(len(frame))) % 3 != 0
    frame["trustedform_cert_url"] = ["https://cert.trustedform.com/abc%d" % i if c else "" for i, c in enumerate(has_cert)]
    import_cli(ex.save(frame, tmp_path / "consent.csv"))
    at = run_page("calls", week=2)
    assert not at.exception
    card = next(t for t in tables(at) if "Consent coverage" in t.columns).set_index("Publisher")
    expected = (frame.assign(cert=has_cert).groupby("afid")["cert"].mean() * 100)
    assert {p: card.loc[p, "Consent coverage"] for p in expected.index} == \
        {p: fmt.value(v, "%") for p, v in expected.items()}
    assert (card["Blocked rate"] == fmt.value(0, "%")).all()
    kpis = next(t for t in tables(at) if "Newest day" in t.columns).set_index("KPI")
    assert kpis.loc["Consent coverage (% of calls with verified consent)", "Target"] == "Zero unconsented calls processed"
    assert not any(c in kpis.columns for c in ("rollup", "metric_id"))        # ids only in the export


def test_week_totals_sum_counts_and_recompute_rates_from_them():
    from transforms import calls as tc
    daily = pd.DataFrame({"day": pd.to_datetime(["2025-01-20", "2025-01-21"]), "incoming_calls": [100, 10],
                          "connected_calls": [50, 10], "billable_calls": [20, 5], "converted_calls": [10, 1],
                          "avg_handle_time_s": [60.0, 600.0], "avg_time_to_connect_s": [5.0, None],
                          "revenue": [200.0, 50.0], "payout": [100.0, 20.0], "cost": [10.0, 0.0],
                          "consent_calls": [0, 0], "unblocked_calls": [100, 10]}
                         | {c: [0, 0] for c in tc.COUNTS if c not in ("incoming_calls", "connected_calls",
                                                                     "billable_calls", "converted_calls",
                                                                     "consent_calls", "unblocked_calls")})
    week = tc.totals(daily).iloc[0]
    assert week["connect_rate"] == pytest.approx(100 * 60 / 110)          # not the mean of 50% and 100%
    assert week["avg_handle_time_s"] == pytest.approx((60 * 50 + 600 * 10) / 60)
    assert week["avg_time_to_connect_s"] == pytest.approx(5.0)            # the day without a figure is skipped
    assert week["margin"] == pytest.approx(100 * 120 / 250)
    assert pd.isna(week["consent_coverage"])                               # no certificate at all: unknown, not 0%


def test_recording_the_week_writes_observations_and_leaves_unknown_consent_unrecorded(db, tmp_path):
    import duckdb
    ringba, _ = ex.ringba(n=120, first_day="2025-01-20", days=2)              # no consent column
    retreaver, _ = ex.retreaver(n=90, first_day="2025-01-22", days=1)
    retreaver["jornaya_leadid"] = ["LID-%d" % i if i % 2 else "" for i in range(len(retreaver))]
    import_cli(ex.save(ringba, tmp_path / "r.csv"))
    import_cli(ex.save(retreaver, tmp_path / "t.csv"))
    at = run_page("calls", week=2)
    button(at, "calls_record").click().run()
    assert not at.exception
    assert any("loaded" in s.value and "observations" in s.value for s in at.success)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT metric_id, as_of, value FROM observations WHERE batch_id = "
                           "(SELECT max(batch_id) FROM batches)").df()
    finally:
        con.close()
    days = sorted(set(ex.truth(ringba, "ringba")["day"]) | set(ex.truth(retreaver, "retreaver")["day"]))
    violations = rows[rows["metric_id"] == "tcpa_violations_per_day"]
    assert sorted(violations["as_of"].astype(str)) == days
    picked = rows[rows["metric_id"] == "consent_coverage_pct"]
    consent = pd.Series(picked["value"].to_numpy(), index=picked["as_of"].astype(str).to_numpy())
    with_cert = ex.truth(retreaver, "retreaver").assign(cert=[i % 2 == 1 for i in range(len(retreaver))])
    expected = with_cert.groupby("day")["cert"].mean() * 100          # Ringba days have no certificate: absent
    assert consent.index.tolist() == expected.index.tolist()
    assert consent.tolist() == pytest.approx(expected.tolist())


def test_any_call_export_can_be_chosen_as_call_records_and_mapped_column_by_column(db):
    export = pd.DataFrame({"Ref": ["k1", "k2", "k3"], "When": ["2025-01-21T10:00:00Z"] * 3,
                           "Number": ["3105550100", "3055550101", ""], "Outcome": ["yes", "no", "yes"],
                           "Source": ["Pub X", "Pub X", "Pub Y"]})
    at = upload(page(), "switch.csv", file_bytes(export, ".csv"))
    assert "call-record store" not in plain(at)                   # not recognised: the table loaders answer
    at.selectbox(key="upload_table").set_value("call records").run()
    assert not at.exception
    for need, column in (("call_id", "ref"), ("start_ts", "when"), ("connected", "outcome")):
        at.selectbox(key=f"calls_need_{need}").set_value(column).run()
    at.selectbox(key="calls_map_number").set_value("caller")
    at.selectbox(key="calls_map_source").set_value("publisher").run()
    assert not at.exception
    said = plain(at)
    assert "3 calls on 1 day" in said and "2 publishers" in said and "3 new" in said, said
    button(at, "calls_import").click().run()
    rows = next(t for t in tables(at) if list(t.columns)[:1] == ["batch"])
    assert rows["table"].iloc[0] == "calls" and int(rows["rows"].iloc[0]) == 3
    assert len(store.parts(schema.calls_root(db))) == 1


def test_the_command_line_records_like_the_page_and_leaves_unknown_consent_unrecorded(db, tmp_path):
    import duckdb
    ringba, _ = ex.ringba(n=120, first_day="2025-01-20", days=2)              # no consent column
    import_cli(ex.save(ringba, tmp_path / "r.csv"))
    assert main(["calls", "record"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        recorded = set(con.execute("SELECT DISTINCT metric_id FROM observations WHERE batch_id = "
                                   "(SELECT max(batch_id) FROM batches)").df()["metric_id"])
    assert "tcpa_violations_per_day" in recorded and "consent_coverage_pct" not in recorded


def test_count_charts_tick_whole_numbers():
    """0–3 violations a day: plotly would tick 0, 0.5, 1 … — a count axis ticks 0, 1, 2, 3."""
    from ui import charts
    days = pd.DataFrame({"as_of": pd.to_datetime(["2025-01-20", "2025-01-21", "2025-01-22"]), "value": [0.0, 3.0, 1.0]})
    small = charts.metric_history(days, "TCPA violations per day", "count", [(0.0, "Zero violations")]).layout.yaxis
    assert (small.dtick, small.tickformat) == (1, ",d")
    large = charts.metric_history(days.assign(value=[0.0, 300.0, 10.0]), "Calls", "count", []).layout.yaxis
    assert (large.dtick, large.tickformat) == (None, ",d")                   # plotly's own steps, whole labels
    assert charts.metric_history(days, "Latency", "ms", []).layout.yaxis.tickformat is None


def test_the_funnel_sentence_gives_each_rate_as_the_funnel_table_does(db):
    """One figure, one number on the page: 70.71% in the table is 70.71% in the sentence, not 70.7%."""
    from transforms import calls as tc
    daily = pd.DataFrame({"day": pd.to_datetime(["2025-01-20"]), **{c: [0] for c in tc.COUNTS}})
    daily = daily.assign(incoming_calls=[13_747], connected_calls=[9_720], billable_calls=[6_227],
                         converted_calls=[2_118], unblocked_calls=[13_747], avg_handle_time_s=[60.0],
                         avg_time_to_connect_s=[5.0], revenue=[100.0], payout=[50.0], cost=[0.0])
    table = tc.funnel(daily).display().set_index("Stage")
    sentence = tc.funnel_sentence(tc.totals(daily).iloc[0])
    assert f"**{table.loc['Connected', 'Of incoming']}** connected" in sentence          # 70.71%
    assert f"**{table.loc['Converted', 'Of incoming']}** converted" in sentence
