"""Read a JSON upload (an array of records, NDJSON, or the plan's collector output) into an Arrow table.

Runs inside the readers' capped child process (loaders/readers/dispatch.py sends it here by content), so a
JSON file gets the same limits, sandbox and messages as CSV; values come out as text, exactly as a
CSV's would, and loaders/validate.py types and checks them.

Accepted shapes (docs/architecture.md, "JSON input"):
* records, as a JSON array or one object per line (NDJSON / JSON Lines), in any uploadable table's
  shape: long observations ({"metric_id", "as_of", "value"}) or a plan table's columns
  ({"date", "security_score", ...}; {"date", "team_name", "story_points_completed", ...});
* the collector shape: the plan's Daily Data Pipeline writes metrics/daily-*.json, whose content the
  plan does not show. A collector record is an object with a date (`date`, `as_of`, `day`,
  `timestamp` or `collected_at`; a timestamp counts as its UTC day) and metric values, either at the
  top level or under `metrics` (an object, or a list of {"metric_id"|"name", "value"}). A metric is a
  registry metric_id or a plan column name (uptime_percentage 0.9995 → system_uptime_pct 99.95;
  dnc_list_sync_status true → 100). A value may be a number, a string as analysts type it ("$1.5M"),
  a boolean (a done-type metric: true = 100) or {"value": ...}. Per-team figures go under `teams`:
  a list of {"team_name", "story_points_completed", ...} or {"Security": {...}}. Fields named in
  IGNORED (source, host, ...) are metadata. A file holds one record, an array of them, or NDJSON.
  Collector records become long observations (metric_id, as_of, value), one per metric value.
Rows are the line a record (collector: a field) starts on, so a problem points at the line to fix.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa

from loaders import schema
from loaders.errors import LoadError, Problem
from loaders.readers.headers import finish_table

DATE_FIELDS = ("date", "as_of", "day", "timestamp", "collected_at")
IGNORED = frozenset({"source", "collector", "host", "hostname", "generated_at", "version", "schema", "notes",
                     "comment", "unit", "units", "environment", "env"})
CONTAINERS = ("records", "data", "rows", "items", "observations")
MAX_PROBLEMS = 100
_WS = re.compile(r"[ \t\n\r]*")


def read_json(path: str, name: str, limits, expected, notes: list[str]):
    """(table of text columns, source rows, extra meta) — the readers' contract."""
    text = _decode(path, name, notes)
    records = _records(text, name)
    if not records:
        raise LoadError(Problem(name, "no data rows (the JSON holds no records)", code="no_rows"))
    if _is_collector([r for r, _ in records]):
        columns, rows = _collector_rows(records, text, name, notes)
        notes.append(f"JSON collector shape: {len(records):,} record{'s' if len(records) != 1 else ''} "
                     f"unpivoted into {len(rows):,} observations (metric_id, as_of, value)")
    else:
        columns, rows = _table_rows(records, text, name)
    if len(rows) > limits.max_rows:
        raise LoadError(Problem(name, f"{len(rows):,} rows; at most {limits.max_rows:,} are supported",
                                code="too_large"))
    table = pa.table({f"c{i}": pa.array(columns[c], pa.string()) for i, c in enumerate(columns)})
    table, rows = finish_table(table, list(columns), np.asarray(rows, dtype=np.int64), name, 0, limits, notes)
    return table, rows, {"header_row": 0, "sheet": None}


def _decode(path: str, name: str, notes: list[str]) -> str:
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        notes.append("UTF-8 with byte-order mark")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(Problem(name, f"JSON must be UTF-8; byte {exc.start} is not", row=raw.count(b"\n", 0, exc.start) + 1,
                                code="not_json", fix="save the file as UTF-8")) from None


def _bad_json(name: str, exc: json.JSONDecodeError) -> Problem:
    return Problem(name, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", row=exc.lineno,
                   code="not_json")


def _records(text: str, name: str) -> list[tuple[object, int]]:
    """(value, start offset) of every record: array elements, NDJSON lines, or the single object."""
    decoder = json.JSONDecoder()
    pos = _WS.match(text, 0).end()
    if pos == len(text):
        raise LoadError(Problem(name, "file is empty", code="no_rows"))
    if text[pos] == "[":
        return _array(text, pos, decoder, name)
    values, problems = [], []
    while pos < len(text):          # one object, or NDJSON: each line decoded on its own, every bad line reported
        try:
            value, end = decoder.raw_decode(text, pos)
            values.append((value, pos))
            pos = _WS.match(text, end).end()
        except json.JSONDecodeError as exc:
            problems.append(_bad_json(name, exc))
            nxt = text.find("\n", exc.pos)
            if nxt < 0 or len(problems) >= MAX_PROBLEMS:
                break
            pos = _WS.match(text, nxt).end()
    if problems:
        raise LoadError(problems)
    if len(values) == 1 and isinstance(values[0][0], dict):
        return _unwrap(values[0], text, decoder)
    return values


def _array(text: str, pos: int, decoder, name: str, whole: bool = True) -> list[tuple[object, int]]:
    out, pos = [], _WS.match(text, pos + 1).end()
    try:
        while text[pos:pos + 1] != "]":
            value, end = decoder.raw_decode(text, pos)
            out.append((value, pos))
            pos = _WS.match(text, end).end()
            if text[pos:pos + 1] == ",":
                pos = _WS.match(text, pos + 1).end()
            elif text[pos:pos + 1] != "]":
                raise json.JSONDecodeError("expected ',' or ']' after a record", text, pos)
        rest = _WS.match(text, pos + 1).end()
        if whole and rest < len(text):
            raise json.JSONDecodeError("extra data after the array", text, rest)
    except json.JSONDecodeError as exc:
        raise LoadError(_bad_json(name, exc)) from None
    return out


def _unwrap(single: tuple[dict, int], text: str, decoder) -> list[tuple[object, int]]:
    """{"records": [...]} (or data/rows/items/observations) without a date of its own: those records."""
    obj, start = single
    if any(k in obj for k in DATE_FIELDS):
        return [single]
    lists = [k for k in CONTAINERS if isinstance(obj.get(k), list)]
    if len(lists) != 1:
        return [single]
    inner = text.find("[", text.find(json.dumps(lists[0]), start))
    return _array(text, inner, decoder, "", whole=False) if inner >= 0 else [(r, start) for r in obj[lists[0]]]


# ---- which shape --------------------------------------------------------------------------------

def _norm(key) -> str:
    return re.sub(r"[^\w]+", "_", str(key).strip().lower()).strip("_")


def _is_collector(records: list) -> bool:
    """Table records when every key belongs to one uploadable table (or there is a metric_id);
    collector records otherwise (metrics/teams sections, registry ids the tables do not have)."""
    keys = set()
    for record in records:
        if isinstance(record, dict):
            keys |= {_norm(k) for k in record}
    if "metric_id" in keys:
        return False
    if keys & {"metrics", "teams"}:
        return True
    return not any(keys <= set(t.column_names) for t in schema.UPLOADABLE)


# ---- table records ------------------------------------------------------------------------------

def _line_of(text: str, pos: int, cache: dict) -> int:
    """1-based line of offset `pos` (offsets come in increasing order, so counting resumes)."""
    last_pos, last_line = cache.get("at", (0, 1))
    if pos < last_pos:
        last_pos, last_line = 0, 1
    line = last_line + text.count("\n", last_pos, pos)
    cache["at"] = (pos, line)
    return line


def _cell(value) -> str | None:
    """A JSON value as the text a CSV cell would hold; a nested object or list as its JSON text (validation
    then refuses it in place, with its row and field, beside every other problem)."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value)[:200]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _table_rows(records, text: str, name: str) -> tuple[dict, list[int]]:
    columns: dict[str, list] = {}
    rows, problems, lines = [], [], {}
    for index, (record, start) in enumerate(records):
        line = _line_of(text, start, lines)
        if not isinstance(record, dict):
            problems.append(Problem(name, f"record {index + 1} is {_kind(record)}, not an object", row=line,
                                    code="json_shape"))
            continue
        for key, value in record.items():
            column = columns.setdefault(str(key), [None] * len(rows))
            column.append(_cell(value))
        rows.append(line)
        for column in columns.values():
            if len(column) < len(rows):
                column.append(None)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise LoadError(problems)
    return columns, rows


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


# ---- collector records --------------------------------------------------------------------------

def _collector_rows(records, text: str, name: str, notes: list[str]) -> tuple[dict, list[int]]:
    out = {"metric_id": [], "as_of": [], "value": []}
    rows, problems, lines, skipped = [], [], {}, {}
    for index, (record, start) in enumerate(records):
        line = _line_of(text, start, lines)
        if not isinstance(record, dict):
            problems.append(Problem(name, f"record {index + 1} is {_kind(record)}, not an object",
                                    row=line, code="json_shape"))
            continue
        fields = {_norm(k): (k, v) for k, v in record.items()}
        day_key = next((d for d in DATE_FIELDS if d in fields), None)
        if day_key is None:
            problems.append(Problem(name, "collector record without a date", row=line, code="json_shape",
                                    fix='add "date": "YYYY-MM-DD" to the record'))
            continue
        day = _cell(fields[day_key][1])
        for metric, value, field in _metric_values(fields, day_key, skipped):
            out["metric_id"].append(metric)
            out["as_of"].append(day)
            out["value"].append(_cell(value))
            rows.append(_field_line(text, start, field, line))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise LoadError(problems)
    if skipped:
        notes.append("ignored fields that feed no metric: " + ", ".join(f"{k} ({n}×)" for k, n in skipped.items()))
    return out, rows


def _field_line(text: str, start: int, field: str, default: int) -> int:
    """The line of `"field"` at or after the record's start (the record's own line when not found)."""
    found = text.find(json.dumps(field), start)
    return default if found < 0 else default + text.count("\n", start, found)


def _metric_values(fields: dict, day_key: str, skipped: dict):
    """(metric_id, value as text, field name as written) for every metric in one collector record."""
    for key, (raw_key, value) in fields.items():
        if key == day_key or key in IGNORED or key in DATE_FIELDS:
            continue
        if key == "metrics":
            yield from _metrics_section(value)
        elif key == "teams":
            yield from _teams_section(value, skipped)
        else:
            yield (*_metric(key, value), raw_key)


def _metrics_section(section):
    if isinstance(section, dict):
        for key, value in section.items():
            yield (*_metric(_norm(key), value), str(key))
    elif isinstance(section, list):
        for item in section:
            if isinstance(item, dict):
                metric = item.get("metric_id", item.get("name", item.get("metric")))
                yield (*_metric(_norm(metric), item.get("value")), str(metric))
            else:
                yield "metrics", item, "metrics"
    else:
        yield "metrics", section, "metrics"


def _teams_section(section, skipped: dict):
    items = section.items() if isinstance(section, dict) else \
        [(t.get("team_name", t.get("team")) if isinstance(t, dict) else None, t) for t in section or []]
    for team, figures in items:
        if not isinstance(figures, dict) or team is None:
            yield "teams", figures, "teams"
            continue
        for key, value in figures.items():
            column = _norm(key)
            if column in ("team_name", "team"):
                continue
            prefix = schema.TEAM_COLUMN_METRICS.get(column)
            if prefix is None:
                skipped[column] = skipped.get(column, 0) + 1
                continue
            yield f"{prefix}_{str(team).strip().lower()}", _scalar(value, 1.0), str(key)


def _metric(key: str, value) -> tuple[str, object]:
    alias = schema.collector_metric(key)
    metric, factor = alias if alias else (key, 1.0)
    return metric, _scalar(value, factor)


def _scalar(value, factor: float):
    """The value as text, in the metric's unit. {"value": x} → x; a boolean is done-type (true = 100)."""
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if isinstance(value, (dict, list)):
        return _cell(value)
    if isinstance(value, bool):
        return "100" if value else "0"
    if factor != 1.0 and value is not None and not isinstance(value, str):
        return repr(float(value) * factor)
    if factor != 1.0 and isinstance(value, str):
        from loaders.coerce import parse_number
        try:
            parsed = parse_number(value)
        except ValueError:
            return value                       # validation names it
        return None if parsed is None else repr(float(parsed) / 100 * factor if parsed.percent else float(parsed) * factor)
    return _cell(value)
