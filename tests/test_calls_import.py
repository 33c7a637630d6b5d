"""The call-record importer end to end: real exports (CSV, XLSX, Parquet) through the CLI into the
day-partitioned Parquet store beside a real database; counts checked against pandas over the file."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from loaders import load
from loaders.__main__ import main
from loaders.calls import importer, schema, store
from tests import calls_exports as ex


def cli(capsys, *args) -> tuple[int, str]:
    code = main(["calls", "import", *map(str, args)])
    return code, capsys.readouterr().out.strip()


def stored(db) -> pd.DataFrame:
    files = store.parts(schema.calls_root(db))
    if not files:
        return pd.DataFrame(columns=list(schema.NAMES) + ["day"])
    return duckdb.sql(f"SELECT * FROM read_parquet({[str(f) for f in files]}, hive_partitioning = true)").df()


def calls_batches(db) -> pd.DataFrame:
    frame = load.history(db)
    return frame[frame["table_name"] == "calls"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_ringba_export_through_the_cli_matches_the_file(db, tmp_path, capsys, suffix):
    frame, _ = ex.ringba()
    path = ex.save(frame, tmp_path / f"ringba_calls{suffix}")
    code, out = cli(capsys, path)
    assert code == 0, out
    truth = ex.truth(frame, "ringba")
    assert out.startswith("batch ") and f"imported {len(truth):,} calls" in out
    got = stored(db)
    assert len(got) == len(truth) and set(got["call_id"]) == set(truth["call_id"])
    assert got.groupby(got["day"].astype(str)).size().to_dict() == truth.groupby("day").size().to_dict()
    for column in ("connected", "billable", "converted", "blocked"):
        assert int(got[column].sum()) == int(truth[column].sum()), column
    assert int(got["blocked_by_tcpa"].sum()) == int(truth["tcpa"].sum())
    assert got["revenue"].sum() == pytest.approx(truth["revenue"].sum())
    assert got.groupby("publisher").size().to_dict() == truth.groupby("publisher").size().to_dict()
    # caller state from the area code (the export has none)
    assert (got["caller_state"] == got["caller_area_code"].map(ex.NPAS)).all()
    batch = calls_batches(db).iloc[0]
    assert batch["row_count"] == len(truth) and batch["kind"] == "upload"
    assert str(batch["period_start"])[:10] == truth["day"].min() and str(batch["period_end"])[:10] == truth["day"].max()
    # one part file per day of the batch
    files = store.parts(schema.calls_root(db))
    assert sorted(f.parent.name for f in files) == sorted(f"day={d}" for d in truth["day"].unique())


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_retreaver_export_through_the_cli_matches_the_file(db, tmp_path, capsys, suffix):
    frame, _ = ex.retreaver()
    code, out = cli(capsys, ex.save(frame, tmp_path / f"retreaver{suffix}"))
    assert code == 0, out
    truth, got = ex.truth(frame, "retreaver"), stored(db)
    assert len(got) == len(truth)
    assert got.groupby(got["day"].astype(str)).size().to_dict() == truth.groupby("day").size().to_dict()
    assert got.groupby("publisher").size().to_dict() == truth.groupby("publisher").size().to_dict()
    for column in ("connected", "billable", "converted"):
        assert int(got[column].sum()) == int(truth[column].sum()), column
    assert int(got["is_repeat"].sum()) == int((frame["repeat"] == "TRUE").sum())
    states = got.set_index("call_id")["caller_state"]
    assert states.to_dict() == frame.set_index("uuid")["caller_state"].to_dict()
    assert set(got["buyer"].dropna()) == {"T-9", "T-8"} and set(got["campaign"]) == {"C-100", "C-200"}


def test_no_raw_phone_number_in_the_database_or_the_parquet(db, tmp_path, capsys):
    ringba, ringba_digits = ex.ringba(n=120)
    retreaver, retreaver_digits = ex.retreaver(n=90)
    assert cli(capsys, ex.save(ringba, tmp_path / "r.csv"))[0] == 0
    assert cli(capsys, ex.save(retreaver, tmp_path / "t.xlsx"))[0] == 0
    numbers = set(ringba_digits) | set(retreaver_digits)
    blobs = [db.read_bytes()] + [p.read_bytes() for p in schema.calls_root(db).rglob("*") if p.is_file()]
    for digits in numbers:
        for form in (digits, digits[3:], f"{digits[3:6]}-{digits[6:]}"):
            assert not any(form.encode() in blob for blob in blobs), form
    # the bytes may be compressed: read every stored value back as text, too
    text = [str(v) for v in stored(db).to_numpy().ravel()]
    assert not any(d[3:] in cell for cell in text for d in numbers)
    # the hash is a salted SHA-256 of the E.164 number: same caller, same hash; not the bare SHA-256
    import hashlib
    got = stored(db).set_index("call_id")
    first = ringba.iloc[0]
    e164 = "+1" + ringba_digits[0]
    assert got.loc[first["inboundCallId"], "caller_hash"] == hashlib.sha256(
        (store.salt(schema.calls_root(db)) + e164).encode()).hexdigest()
    assert got.loc[first["inboundCallId"], "caller_hash"] != hashlib.sha256(e164.encode()).hexdigest()
    assert (schema.calls_root(db) / ".salt").stat().st_mode & 0o077 == 0


def test_overlapping_exports_add_only_new_calls_and_undo_removes_the_part_files(db, tmp_path, capsys):
    whole, _ = ex.ringba(n=300, days=4)
    whole = whole.sort_values("callDt").reset_index(drop=True)
    first, second = whole.iloc[:200], whole.iloc[120:]          # 80 calls in both exports
    assert cli(capsys, ex.save(first, tmp_path / "monday.csv"))[0] == 0
    code, out = cli(capsys, ex.save(second, tmp_path / "tuesday.csv"))
    assert code == 0, out
    assert "imported 100 calls" in out and "skipped 80 already stored" in out
    assert len(stored(db)) == 300 and stored(db)["call_id"].is_unique
    code, out = cli(capsys, tmp_path / "tuesday.csv")
    assert code == 0 and out.startswith("unchanged:") and "skipped 180 already stored" in out
    batches = calls_batches(db)
    assert list(batches["row_count"]) == [100, 200]                 # newest first; no empty batch for the re-import
    newest = int(batches["batch_id"].iloc[0])
    root = schema.calls_root(db)
    assert any(store.batch_of(p) == newest for p in store.parts(root))
    assert "removed 100 rows" in load.rollback(newest, db)
    assert not any(store.batch_of(p) == newest for p in store.parts(root))
    assert len(stored(db)) == 200 and set(stored(db)["call_id"]) == set(first["inboundCallId"])
    # after the undo the overlapping export's new calls can come in again
    code, out = cli(capsys, tmp_path / "tuesday.csv")
    assert "imported 100 calls" in out


def test_duplicate_ids_in_one_file_are_kept_once_and_counted(db, tmp_path, capsys):
    frame, _ = ex.ringba(n=50)
    doubled = pd.concat([frame, frame.iloc[:7]])
    code, out = cli(capsys, ex.save(doubled, tmp_path / "doubled.csv"))
    assert code == 0 and "imported 50 calls" in out and "7 repeated in the file" in out
    assert len(stored(db)) == 50


def written_nothing(db) -> bool:
    return calls_batches(db).empty and not store.parts(schema.calls_root(db))


def test_bad_cells_refuse_the_file_with_row_and_column_and_write_nothing(db, tmp_path, capsys):
    frame, _ = ex.ringba(n=20)
    frame.loc[4, "callDt"] = "yesterday"
    frame.loc[9, "inboundPhoneNumber"] = "call me maybe 555"
    frame.loc[11, "hasConnected"] = "perhaps"
    frame.loc[12, "callLengthInSeconds"] = -3
    frame.loc[13, "inboundCallId"] = ""
    prepared = importer.prepare(ex.save(frame, tmp_path / "bad.csv"), db=db)
    found = {(p.row, p.column, p.code) for p in prepared.problems}
    assert found == {(6, "calldt", "not_a_date"), (11, "inboundphonenumber", "not_a_phone_number"),
                     (13, "hasconnected", "not_a_boolean"), (14, "calllengthinseconds", "out_of_range"),
                     (15, "inboundcallid", "required_value")}
    assert all(p.file == "bad.csv" for p in prepared.problems)
    assert not any("555" in str(p.value) and "maybe" in str(p.value) for p in prepared.problems)  # masked
    code, out = cli(capsys, tmp_path / "bad.csv")
    assert code == 1 and out.startswith("error: bad.csv") and "row 6" in out
    assert written_nothing(db)


def test_a_file_without_the_required_columns_is_refused_naming_them(db, tmp_path, capsys):
    frame, _ = ex.ringba(n=10)
    path = ex.save(frame.drop(columns=["inboundCallId"]), tmp_path / "noid.csv")
    code, out = cli(capsys, path)
    assert code == 1 and "call_id" in out and "--map" in out
    assert written_nothing(db)
    assert importer.prepare(path, db=db).missing == ["call_id"]


def test_an_unknown_export_maps_with_explicit_columns_and_a_generic_cdr_reads_dispositions(db, tmp_path, capsys):
    cdr = pd.DataFrame({"Call Ref": ["a1", "a2", "a3", "a4"],
                        "start_ts": ["2025-01-22 08:00:00", "2025-01-22 23:30:00", "2025-01-23T07:45:00Z",
                                     "01/23/2025 02:15:00 PM"],
                        "caller": ["2125550123", "anonymous", "+442079460000", "512-555-0199"],
                        "called_state": ["ny", "", "", ""], "duration_s": [30, 0, 12, 400],
                        "disposition": ["ANSWERED", "BLOCKED", "NO ANSWER", "completed"]})
    path = ex.save(cdr, tmp_path / "switch_cdr.csv")
    code, out = cli(capsys, path)
    assert code == 1 and "call_id" in out
    code, out = cli(capsys, path, "--map", "Call Ref=call_id")
    assert code == 0 and "imported 4 calls on 2 days" in out, out
    got = stored(db).set_index("call_id").sort_index()
    assert list(got["connected"]) == [True, False, False, True]
    assert list(got["blocked"]) == [False, True, False, False]
    assert list(got["day"].astype(str)) == ["2025-01-22", "2025-01-22", "2025-01-22", "2025-01-23"]
    assert str(got.loc["a2", "start_ts"]) == "2025-01-23 07:30:00+00:00"       # 23:30 Pacific, stored in UTC
    assert str(got.loc["a4", "start_ts"]) == "2025-01-23 22:15:00+00:00"
    assert list(got["caller_state"].fillna("-")) == ["NY", "-", "-", "TX"]
    assert list(got["caller_area_code"].fillna("-")) == ["212", "-", "-", "512"]
    assert got["caller_hash"].notna().tolist() == [True, False, True, True]


def test_tz_option_reads_wall_clock_times_in_another_zone(db, tmp_path, capsys):
    frame = pd.DataFrame({"call_id": ["x"], "start_ts": ["2025-01-22 01:30:00"], "connected": ["true"]})
    path = ex.save(frame, tmp_path / "east.csv")
    code, out = cli(capsys, path, "--tz", "America/New_York")
    assert code == 0, out
    got = stored(db)
    assert str(got["start_ts"].iloc[0]) == "2025-01-22 06:30:00+00:00" and str(got["day"].iloc[0])[:10] == "2025-01-21"
    code, out = cli(capsys, path, "--tz", "Mars/Olympus")
    assert code == 1 and "unknown time zone" in out


def test_area_code_table_covers_every_state():
    states = store.area_code_states()
    assert len(states) > 300 and len(set(states.values())) == 51
    assert states["212"] == "NY" and states["305"] == "FL" and states["907"] == "AK" and states["202"] == "DC"


def test_a_database_rebuilt_beside_the_store_keeps_the_stored_calls(db, plan_db, tmp_path, capsys):
    import shutil
    first, _ = ex.ringba(n=60, first_day="2025-01-20", days=1)
    assert cli(capsys, ex.save(first, tmp_path / "a.csv"))[0] == 0
    before = {p: p.read_bytes() for p in store.parts(schema.calls_root(db))}
    shutil.copy(plan_db, db)                      # the database is rebuilt; calls/ beside it stays
    second, _ = ex.ringba(n=40, seed=9, first_day="2025-01-20", days=1, id_from=1000)
    code, out = cli(capsys, ex.save(second, tmp_path / "b.csv"))
    assert code == 0 and "imported 40 calls" in out
    assert all(p.read_bytes() == blob for p, blob in before.items())    # nothing overwritten or swept
    assert len(stored(db)) == 100
    newest = int(calls_batches(db)["batch_id"].iloc[0])
    assert newest > max(store.batch_of(p) for p in before)
    load.rollback(newest, db)
    assert len(stored(db)) == 60


def test_a_header_that_says_utc_reads_naive_times_as_utc(db, tmp_path, capsys):
    frame = pd.DataFrame({"Call ID": ["u1"], "Start Time (UTC)": ["2025-01-22 06:30:00"], "connected": ["no"]})
    code, out = cli(capsys, ex.save(frame, tmp_path / "utc.csv"), "--map", "Call ID=call_id",
                    "--map", "Start Time (UTC)=start_ts")
    assert code == 0, out
    got = stored(db)
    assert str(got["start_ts"].iloc[0]) == "2025-01-22 06:30:00+00:00" and str(got["day"].iloc[0])[:10] == "2025-01-21"
