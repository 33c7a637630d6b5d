"""Call records in the app: the /data page's import flow for call exports, and the /calls page's cached reads.

/data: an upload the table loaders cannot place (unknown_table) whose headers are a call export
(loaders/calls/aliases.py `recognise`) goes through the call importer instead: read once in the capped
child (readers), mapped (a selectbox per column no alias knows, and for each required column missing),
validated, previewed (calls, days, publishers, how many are already stored or repeated in the file), and
imported on an explicit click as one batch that Undo on the same page removes.
Reads for /calls are keyed on the data version (every import writes a batch row, so the version moves).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from loaders import db, readers
from loaders.calls import aliases, importer, rollups, schema, store
from loaders.errors import BusyError, LoadError
from transforms import calls, fmt
from ui import upload, widgets
from ui.data import or_busy, version

IGNORE = "— not used —"


# ---- /data: the import flow ----------------------------------------------------------------------

def claims(uploaded, choice: str) -> bool:
    """True when the upload is call records: chosen as such, or auto-detect found no table and the headers
    are a call export."""
    chosen = choice == upload.CALL_RECORDS
    if not (chosen or choice == upload.AUTO) or not isinstance(uploaded, readers.Spooled):
        return False
    cache = st.session_state.setdefault("_calls_upload", {})
    if (cache.get("file_id"), cache.get("chosen")) != (uploaded.file_id, chosen):
        holder = st.empty()             # the table loader's "could not be read" status goes if calls take the file
        if not chosen:
            with holder.container():
                _, error = upload.prepared_for(uploaded, choice, {}, {})
            if not (isinstance(error, LoadError) and "unknown_table" in error.codes):
                return False
        cache.clear()
        cache.update(file_id=uploaded.file_id, chosen=chosen, source=None, error=None)
        try:
            with st.spinner(f"Reading {fmt.md_escape(uploaded.name)} as call records…"):
                cache["upload"] = importer.read(uploaded, uploaded.name)
            cache["source"] = aliases.recognise(cache["upload"].table.column_names) or ("other" if chosen else None)
        except LoadError as exc:
            cache["error"] = exc if chosen else None
        if cache["source"] is not None:
            holder.empty()
    return cache.get("source") is not None or cache.get("error") is not None


def forget() -> None:
    """Drop the call upload held for the page (its rows are mapped from the readers' anonymous file)."""
    st.session_state.pop("_calls_upload", None)
    st.session_state.pop("_calls_done", None)


def upload_flow(uploaded) -> None:
    """Mapping → validation → preview → Import, for an upload `claims` accepted."""
    cache = st.session_state["_calls_upload"]
    if cache.get("error") is not None:          # chosen as call records, but the file cannot be read
        upload.report(cache["error"], uploaded.name)
        return
    read = cache["upload"]
    first = _checked(cache, read, {})
    column_map = mapping_controls(first)
    prepared = _checked(cache, read, column_map)
    label = {"ringba": "a Ringba call log", "retreaver": "a Retreaver calls report",
             "generic": "a call detail record (CDR) export", "canonical": "call records",
             "other": "read as call records (chosen)"}[cache["source"]]
    st.markdown(f"**{fmt.md_escape(read.file_name)}** is {label}: it goes to the call-record store "
                "(Parquet beside the database), not to a plan table.")
    for note in prepared.notes + list(read.notes):
        st.caption(f"ℹ️ {fmt.md_escape(note)}")
    if not prepared.ok:
        upload.report(prepared.problems, prepared.file_name)
        return
    preview(prepared)


def _checked(cache: dict, read, column_map: dict) -> importer.Prepared:
    key = ("checked", tuple(sorted(column_map.items(), key=str)))
    if key not in cache:
        cache[key] = importer.check(read, column_map=column_map, salt=store.salt(importer.root()))
    return cache[key]


def mapping_controls(prepared: importer.Prepared) -> dict:
    """A selectbox per column nobody maps, and one per required column missing; returns the mapping."""
    column_map: dict = {}
    if not prepared.unmapped and not prepared.missing:
        return column_map
    with st.container(border=True):
        st.markdown("**Map the columns** — choose what each column means (the file itself is not changed).")
        for column in prepared.missing:
            choice = st.selectbox(f"Which column is the call record's **{column}**?",
                                  [IGNORE] + prepared.unmapped, key=f"calls_need_{column}")
            if choice != IGNORE:
                column_map[choice] = column
        for column in prepared.unmapped:
            if column in column_map:
                continue
            choice = st.selectbox(f"File column '{fmt.md_escape(column)}' is", [IGNORE, *aliases.TARGETS],
                                  key=f"calls_map_{column}")
            if choice != IGNORE:
                column_map[column] = choice
    return column_map


def preview(prepared: importer.Prepared) -> None:
    done = st.session_state.get("_calls_done")
    if done and done[0] == prepared.sha256:
        st.success(fmt.md_escape(done[1]), icon=":material/check_circle:")
        return
    plan = importer.preview(prepared)
    days = f"{plan.days[0]} – {plan.days[-1]}" if len(plan.days) > 1 else plan.days[0]
    st.success(f"No problems found. **{fmt.count(plan.rows, 'call')}** on **{fmt.count(len(plan.days), 'day')}** "
               f"({days}), **{fmt.count(len(plan.publishers), 'publisher')}**. **{fmt.integer(plan.new)}** new; "
               f"skipped: **{fmt.integer(plan.stored)}** already stored, **{fmt.integer(plan.in_file)}** repeated "
               "in the file.", icon=":material/check_circle:")
    widgets.table(calls.preview_days(prepared.frame), "calls_preview_days")
    if not plan.new:
        st.info("Every call in this file is already stored: importing it would change nothing.",
                icon=":material/sync:")
        return
    if st.button(f"Import {fmt.count(plan.new, 'call')}", type="primary", key="calls_import", icon=":material/upload:"):
        try:
            result = importer.commit(prepared)
        except BusyError as exc:
            st.warning(f"Busy, retry: {fmt.md_escape(exc)}. Nothing was written.", icon=":material/hourglass_top:")
            return
        except LoadError as exc:
            upload.report(exc, prepared.file_name)
            return
        st.session_state["_calls_done"] = (prepared.sha256, result.summary())
        st.session_state.pop("undo_batch", None)
        st.rerun()


# ---- /calls: cached reads ------------------------------------------------------------------------

def reporting_timezone() -> str:
    """The zone whose days the store is partitioned by (data/plan/calendar.csv)."""
    return store.reporting_timezone()


def _root() -> str:
    return str(schema.calls_root(db.db_path()))


@or_busy
def span() -> dict | None:
    return _span(version(), _root())


@st.cache_data(show_spinner=False, max_entries=4)
def _span(version: tuple, root: str) -> dict | None:
    days = store.days(Path(root))
    if not days:
        return None
    return {"first": date.fromisoformat(days[0]), "last": date.fromisoformat(days[-1])}


@or_busy
def daily(by: tuple = (), start: date | None = None, end: date | None = None) -> pd.DataFrame:
    return _daily(version(), _root(), tuple(by), start, end)


@st.cache_data(show_spinner="Rolling up the call records…", max_entries=32)
def _daily(version: tuple, root: str, by: tuple, start, end) -> pd.DataFrame:
    return rollups.daily(root, by=by, start=start, end=end)


@or_busy
def heatmap(start: date, end: date) -> pd.DataFrame:
    return _heatmap(version(), _root(), start, end)


@st.cache_data(show_spinner=False, max_entries=16)
def _heatmap(version: tuple, root: str, start, end) -> pd.DataFrame:
    return rollups.heatmap(root, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=1)
def recording_rules() -> pd.DataFrame:
    """The recording rules (data/plan/recording_rules.csv, mapped rows): rollup_column, metric_id, scale, notes."""
    from loaders.calls import record
    return record.rules()


def record_button(first: date, last: date) -> None:
    """Write the week's recorded KPIs as observations (one batch; undo on /data), then show what was written."""
    done = st.session_state.pop("_calls_recorded", None)
    if done:
        st.success(fmt.md_escape(done), icon=":material/check_circle:")
    if st.button(f"Record these KPIs for {first:%d %b} – {last:%d %b} as observations", key="calls_record",
                 icon=":material/playlist_add:", help="One batch of observations (undo it on the Data page): "
                 "Technical, Security and Alerts then show these days' figures"):
        from loaders.calls import record
        try:
            result = record.record(start=first, end=last)
        except (LoadError, BusyError) as exc:
            st.error(f"Nothing recorded: {fmt.md_escape(exc)}", icon=":material/block:")
            return
        st.session_state["_calls_recorded"] = "No calls on those days." if result is None else result.summary()
        st.rerun()
