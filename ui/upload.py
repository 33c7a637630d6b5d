"""The /data page's upload flow: read → validate → (map) → preview → Load, and the report tables.

Why a module: the page stays a list of sections; the state machine lives here. An upload is spooled
to disk once; it is read and validated in the capped child process (loaders/spool.py) once per table
choice and mapping, and the result is kept in session state keyed on the uploaded file's id, the chosen
table and the analyst's mapping, so a rerun never re-reads it.
Nothing here writes except `commit`, `remove_days` and `rollback` (loaders.load, one transaction each),
each as the page's user (ui/auth.py), whose role the loaders check again: a control shown by mistake
still cannot write.
Every failure is shown as a message naming the file (and row/column/value where known) and how to fix
it: never a traceback. Problems are grouped and acted on by their code (loaders/errors.py), never by
their wording. User text reaches Markdown only through fmt.md_escape.
"""
from __future__ import annotations


import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import DeletedFile, UploadedFile

from loaders import load, readers, schema, spool, templates
from loaders.errors import BusyError, LoadError, Problem
from loaders.validate import closest
from transforms import fmt
from transforms.export import to_csv_bytes
from ui import auth, widgets

AUTO = "auto-detect"
CALL_RECORDS = "call records"       # a call export of any shape: ui/calls.py maps it onto the call record
SHOW_PROBLEMS = 100
STAGES = {"read": "Reading the file (safely, in a separate process)…", "validate": "Validating every cell…",
          "write": "Writing one batch in one transaction…", "done": "Done"}


# ---- templates ----------------------------------------------------------------------------------

def template_buttons() -> None:
    """CSV and XLSX templates per uploadable table (the header; examples in the XLSX's columns sheet),
    and the JSON example of the collector shape, from loaders/schema.py."""
    st.caption("Templates hold the header only, so no example row can be loaded as a real figure: the XLSX's "
               "*columns* sheet gives an example and the rule of every column.")
    for table in templates.uploadable():
        c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="center")
        c1.markdown(f"**{table.name}** — {table.description} "
                    f"Required: {', '.join(c.name for c in table.columns if c.required)}.")
        # Deferred (built on click): writing the four XLSX templates cost ~110 ms on every rerun (profile).
        c2.download_button("⬇ CSV", lambda t=table: templates.csv_bytes(t), file_name=f"{table.name}_template.csv",
                           mime="text/csv", key=f"tpl_csv_{table.name}", on_click="ignore")
        c3.download_button("⬇ XLSX", lambda t=table: templates.xlsx_bytes(t), file_name=f"{table.name}_template.xlsx",
                           mime=templates.XLSX_MIME, key=f"tpl_xlsx_{table.name}", on_click="ignore")
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    c1.markdown("**JSON** — records of any table above (an array, or one object per line: NDJSON), or the "
                "plan's daily collector output: `{\"date\": ..., \"metrics\": {metric_id: value, ...}, "
                "\"teams\": [...]}`. The example's date is `YYYY-MM-DD`: put the day in before uploading it.")
    c2.download_button("⬇ JSON", templates.json_example_bytes(), file_name=templates.JSON_EXAMPLE_NAME,
                       mime="application/json", key="tpl_json", on_click="ignore")


# ---- reading and validating ----------------------------------------------------------------------

def uploader(container):
    """The file uploader, with THE upload limit (loaders.readers.UPLOAD_LIMIT_MB); returns the upload the
    page works on (`.name`, `.file_id`), or None.

    The bytes are spooled to an anonymous temporary file at once and Streamlit's own copies are dropped
    (it kept every upload in server memory until the session ended, and a closed tab's session is
    never ended). From then on the widget's value is that UploadedFile, emptied, or a DeletedFile with
    the same id: the spooled copy stands in for it until the analyst removes the file or uploads another.
    """
    uploaded = container.file_uploader(
        "CSV, XLSX, Parquet or JSON file", key="upload_file", max_upload_size=readers.UPLOAD_LIMIT_MB,
        help="Any file name is accepted (.csv, .xlsx, .parquet, .json, .ndjson, .jsonl, …): the kind is read from "
             f"the file's content. Limits: {readers.UPLOAD_LIMIT_MB} MB, "
             f"{readers.DEFAULT_LIMITS.max_rows / 1e6:,.0f}M rows, {readers.DEFAULT_LIMITS.max_columns} columns.")
    cache = st.session_state.setdefault("_upload", {})
    if uploaded is not None:
        if cache.get("file_id") != uploaded.file_id:
            cache = _spool(uploaded)
    else:
        value = st.session_state.get("upload_file")
        if not (isinstance(value, DeletedFile) and value.file_id == cache.get("file_id")):
            forget()
            return None
    return cache["spooled"]


def _spool(uploaded) -> dict:
    forget()
    cache = st.session_state.setdefault("_upload", {})
    cache["file_id"] = uploaded.file_id
    ctx = get_script_run_ctx()
    records = ctx.uploaded_file_mgr.get_files(ctx.session_id, [uploaded.file_id]) if ctx is not None else []
    try:
        readers.check_size(uploaded.size, uploaded.name)
        held = spool.spool(records[0].data if records else uploaded.getvalue(), uploaded.name)
    except LoadError as exc:
        held = _Refused(uploaded.name, exc)
    held.file_id = uploaded.file_id
    cache["spooled"] = held
    del records
    if ctx is not None:
        ctx.uploaded_file_mgr.remove_file(ctx.session_id, uploaded.file_id)
    # The widget's value keeps its UploadedFile (the bytes) across reruns until the browser sends a new
    # one: emptying it lets the bytes go. Reruns then still return it (empty, same id), or a DeletedFile.
    for value in (uploaded, st.session_state.get("upload_file")):
        if isinstance(value, UploadedFile):
            value.truncate(0)
    readers.give_back_memory()
    return cache


class _Refused:
    """An upload refused before it was spooled (empty, or over the limit)."""

    def __init__(self, name: str, error: LoadError):
        self.name, self.error = name, error

    def close(self) -> None:
        pass


MAX_RESULTS = 3     # validations kept per upload (each maps its rows from disk): the unmapped one and the latest


def prepared_for(uploaded, table_choice: str, column_map: dict, metric_map: dict):
    """(Prepared | None, error | None) for this upload, table choice and mapping; cached in session state.

    Reading and validating run in the capped child (loaders/spool.py); the server keeps the problems and
    a disk-backed frame of the rows.
    """
    if isinstance(uploaded, _Refused):
        return None, uploaded.error
    cache = st.session_state.setdefault("_upload", {})
    key = (table_choice, tuple(sorted(column_map.items())), tuple(sorted(metric_map.items())))
    results = cache.setdefault("results", {})
    if key not in results:
        table_name = None if table_choice == AUTO else table_choice
        with st.status(f"Reading and validating {fmt.md_escape(uploaded.name)}…", expanded=False) as status:
            st.caption(STAGES["read"])
            try:
                prepared = spool.prepare(uploaded, table_name, column_map=column_map, metric_map=metric_map)
                results[key] = (prepared, None)
                status.update(label=f"Read {fmt.md_escape(uploaded.name)}: {len(prepared.frame):,} rows",
                              state="complete")
            except (LoadError, BusyError) as exc:
                results[key] = (None, exc)
                status.update(label=f"{fmt.md_escape(uploaded.name)} could not be read", state="error")
        while len(results) > MAX_RESULTS:
            results.pop(next(iter(results)))
    return results[key]


def forget() -> None:
    held = st.session_state.pop("_upload", {}).get("spooled")
    if held is not None:
        held.close()            # the kernel frees the spooled file (its mapped validations go with their frames)
    st.session_state.pop("_just_loaded", None)


# ---- the report ---------------------------------------------------------------------------------

def problem_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{"row": p.row, "column": p.column, "value": None if p.value is None else str(p.value),
                          "reason": p.reason, "how to fix": p.how_to_fix, "code": p.code} for p in problems],
                        columns=["row", "column", "value", "reason", "how to fix", "code"])


def problem_groups(problems: list[Problem]) -> pd.DataFrame:
    """One line per problem code and column: how many, the first rows, one reason as an example, the fix."""
    frame = problem_frame(problems)
    frame["column"] = frame["column"].fillna("(whole file)")
    grouped = frame.groupby(["code", "column"], sort=False, dropna=False).agg(
        problems=("code", "size"), first_rows=("row", lambda r: ", ".join(str(int(x)) for x in r.dropna()[:5])),
        example=("reason", "first"), fix=("how to fix", "first"))
    return grouped.reset_index().sort_values("problems", ascending=False, kind="stable")


def report(error_or_problems, file_name: str) -> None:
    """Every problem: grouped by code and column, then the first 100 with row, column, value and fix."""
    problems = error_or_problems.problems if isinstance(error_or_problems, LoadError) else error_or_problems
    n = len(problems)
    st.error(f"**{fmt.md_escape(file_name)}** was not loaded: {n:,} problem{'s' if n != 1 else ''} found. "
             f"Nothing was written. First: {fmt.md_escape(problems[0])}", icon=":material/block:")
    if n > 1:
        st.markdown("**Problems by kind and column**")
        widgets.table(problem_groups(problems), "problem_groups")
    st.markdown(f"**Problems** (the first {min(n, SHOW_PROBLEMS)}" + (f"; {n - SHOW_PROBLEMS:,} more in the CSV)"
                                                                      if n > SHOW_PROBLEMS else ")"))
    frame = problem_frame(problems)
    st.dataframe(frame.head(SHOW_PROBLEMS), hide_index=True)
    st.download_button("⬇ All problems (CSV)", to_csv_bytes(frame), file_name="problems.csv",
                       mime="text/csv", key="problems_csv", on_click="ignore")


def needs_table_choice(error) -> bool:
    return isinstance(error, LoadError) and "unknown_table" in error.codes


# ---- mapping what the report names --------------------------------------------------------------

def review(uploaded, table_choice: str, registry_ids: list[str]) -> None:
    """An uploaded file, read and validated: its report or preview above, the mapping of unknown columns and
    metrics below (the mapping re-validates the file, and the report above follows it)."""
    first, error = prepared_for(uploaded, table_choice, {}, {})
    results = st.container()
    column_map, metric_map = {}, {}
    if first is not None and not first.ok:
        column_map, metric_map = mapping_controls(first, registry_ids)
    prepared, error = prepared_for(uploaded, table_choice, column_map, metric_map)
    with results:
        if isinstance(error, LoadError):
            report(error, uploaded.name)
            if needs_table_choice(error):
                st.info("Choose the **Target table** above: the report will then name each column it does "
                        "not know, and you can map it.", icon=":material/arrow_forward:")
        elif error is not None:
            st.warning(f"Busy, retry: {fmt.md_escape(error)}", icon=":material/hourglass_top:")
        else:
            preview(prepared)
            if prepared.ok:
                replacement(prepared)
            else:
                report(prepared.validated.problems, prepared.file_name)


def mapping_controls(prepared, registry_ids: list[str]) -> tuple[dict, dict]:
    """Selectboxes to map unknown columns and unknown metric ids, read from the previous validation."""
    column_map, metric_map = {}, {}
    if prepared is None:
        return column_map, metric_map
    table = prepared.table
    problems = prepared.validated.problems
    unknown_cols = [p.column for p in problems if p.code == "unknown_column" and p.column]
    bad_metrics = sorted({str(p.value) for p in problems if p.code == "unknown_metric"})[:20]
    if not unknown_cols and not bad_metrics:
        return column_map, metric_map
    with st.container(border=True):
        st.markdown("**Map what the report names** — choose what each unknown column or metric id means; the "
                    "file is validated again (your file itself is not changed).")
        targets = ["— keep (refused) —", "— drop this column —"] + table.column_names
        for column in unknown_cols:
            guess = closest(column, table.column_names)
            hint = f" (did you mean {guess}?)" if guess else ""
            choice = st.selectbox(f"File column '{fmt.md_escape(column)}' is{fmt.md_escape(hint)}", targets,
                                  key=f"map_col_{column}")
            if choice == targets[1]:
                column_map[column] = None
            elif choice != targets[0]:
                column_map[column] = choice
        for value in bad_metrics:
            guess = closest(value, registry_ids)
            hint = f" (did you mean {guess}?)" if guess else ""
            choice = st.selectbox(f"metric_id '{fmt.md_escape(value)}' is{fmt.md_escape(hint)}",
                                  ["— unknown —"] + registry_ids, key=f"map_metric_{value}")
            if choice != "— unknown —":
                metric_map[value] = choice
    return column_map, metric_map


# ---- preview and load ---------------------------------------------------------------------------

# Arrow's type names in the words a spreadsheet user knows.
_KIND_WORDS = (("timestamp", "date and time"), ("date", "date"), ("int", "whole number"), ("uint", "whole number"),
               ("double", "number"), ("float", "number"), ("decimal", "number"), ("bool", "true/false"),
               ("string", "text"), ("large_string", "text"), ("null", "empty"))


def kind_in_words(arrow_type) -> str:
    name = str(arrow_type)
    return next((words for prefix, words in _KIND_WORDS if name.startswith(prefix)), name)


def types_frame(prepared) -> pd.DataFrame:
    read_as = ({f.name: kind_in_words(f.type) for f in prepared.upload.table.schema}
               if prepared.upload is not None else {})
    rows = []
    for column in prepared.table.columns:
        values = prepared.frame[column.name] if column.name in prepared.frame else pd.Series(dtype=object)
        rows.append({"column": column.name, "in the file as": read_as.get(column.name, "(absent)"),
                     "loads as": kind_in_words(column.sql_type.lower().replace("varchar", "string")), "filled": int(values.notna().sum()),
                     "example": None if values.dropna().empty else _shown(values.dropna().iloc[0])})
    return pd.DataFrame(rows)


def _shown(value) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, pd.Timestamp) else str(value)


def preview(prepared) -> None:
    how = "detected from its columns" if prepared.detected else "as chosen"
    st.markdown(f"**{fmt.md_escape(prepared.file_name)}** → table **{prepared.table.name}** ({how}): "
                f"{len(prepared.frame):,} rows.")
    for note in prepared.notes:
        st.caption(f"ℹ️ {fmt.md_escape(note)}")
    st.markdown("**Columns and inferred types**")
    st.dataframe(types_frame(prepared), hide_index=True)
    st.markdown("**Parsed rows** (first 50)")
    rows = prepared.frame.head(50).copy()
    for column in prepared.table.columns:       # a DATE shows as a date, not a midnight timestamp
        if column.sql_type == "DATE" and column.name in rows:
            rows[column.name] = rows[column.name].dt.date
    st.dataframe(rows, hide_index=True)


def replacement(prepared) -> None:
    """What the load would do, by key: which values it replaces (named when few), on which days; or the
    success of the load just made (it replaces the 'already loaded' notice that would otherwise follow)."""
    done = st.session_state.get("_just_loaded")
    if done and done[0] == prepared.sha256:
        st.success(fmt.md_escape(done[1]), icon=":material/check_circle:")
        return
    plan = load.replacement_preview(prepared)
    if plan.same_as:                   # recognised by sha256: nothing to do, so no Load button
        st.info(f"Already loaded: {fmt.md_escape(plan.sentence())}.", icon=":material/sync:")
        return
    st.success(f"No problems found. {fmt.md_escape(_sentence(plan.sentence()))}.", icon=":material/check_circle:")
    if plan.rows:
        with st.expander(f"The {plan.rows:,} value{'s' if plan.rows != 1 else ''} this load replaces"
                         + (" (the first 200)" if plan.rows > 200 else "")):
            widgets.table(load.replaced_values(prepared), "replaced_values")
    load_button(prepared)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def load_button(prepared) -> None:
    """The explicit Load: one transaction, with the read → validate → write stages shown."""
    label = f"Load {len(prepared.frame):,} rows into {prepared.table.name}"
    if not st.button(label, type="primary", key="load", icon=":material/upload:"):
        return
    with st.status(f"Loading {fmt.md_escape(prepared.file_name)}…", expanded=True) as status:
        bar = st.progress(0.4, text="Read ✓ · Validated ✓")
        try:
            result = load.commit(prepared, actor=auth.actor(),
                                 progress=lambda stage, f: bar.progress(f, text=STAGES.get(stage, stage)))
        except BusyError as exc:
            status.update(label="The database is busy", state="error")
            st.warning(f"Busy, retry: {fmt.md_escape(exc)}. Nothing was written.", icon=":material/hourglass_top:")
            return
        except LoadError as exc:
            status.update(label="Not loaded", state="error")
            report(exc, prepared.file_name)
            return
        status.update(label=fmt.md_escape(result.summary()), state="complete")
    st.session_state["_just_loaded"] = (prepared.sha256, ("Nothing changed — " if result.noop else "") + result.summary())
    st.session_state.pop("undo_batch", None)       # the undo picker offers the newest batch again
    st.rerun()


def flash(kind: str, text: str) -> None:
    st.session_state["_flash"] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop("_flash", (None, None))
    if kind:
        getattr(st, kind)(fmt.md_escape(text), icon=":material/check_circle:" if kind == "success" else "ℹ️")


# ---- history, undo, freshness -------------------------------------------------------------------

def table_options() -> list[str]:
    return [AUTO] + [t.name for t in schema.UPLOADABLE] + [CALL_RECORDS]
