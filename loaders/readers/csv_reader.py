"""CSV (and TSV, pipe- or semicolon-delimited text): bytes -> UTF-8 -> an all-string Arrow table.

No type guessing (the validation layer decides). The row count is checked against an independent,
quote-aware count of record terminators, because a reader that silently drops rows is worse than one
that refuses. Row numbers are the physical line where a record starts.
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa

from loaders.errors import LoadError, Problem
from loaders.readers.base import MB, Limits, short
from loaders.readers.headers import HEADER_SEARCH_ROWS, find_header_row, finish_table

CSV_DELIMITERS = (",", ";", "|", "\t")
MAX_REPORTED_ROWS = 10

def read_csv(path: str, name: str, limits: Limits, expected, notes: list[str]):
    with open(path, "rb") as fh:
        raw = fh.read()
    data = _decode_to_utf8(raw, name, notes)
    del raw
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.strip():
        raise LoadError(Problem(name, "file is empty", code="empty_file"))
    delimiter = _detect_delimiter(data[: 256 * 1024])
    starts, lines = _record_starts(data, delimiter, name)
    sample = _sample_rows(data, starts, delimiter)
    h = find_header_row(sample, expected, notes)
    header_line = int(lines[h])
    if header_line > 1:
        notes.append(f"header found on row {header_line}")
    if delimiter != ",":
        notes.append(f"delimiter is {_DELIMITER_NAMES[delimiter]}")
    raw_names = sample[h]
    if len(raw_names) > limits.max_columns:
        raise LoadError(Problem(name, f"{len(raw_names)} columns; at most {limits.max_columns} are supported",
                                row=header_line, code="too_large"))
    expected_rows = len(starts) - h - 1
    if expected_rows <= 0:
        raise LoadError(Problem(name, "no data rows (only a header)", row=header_line, code="no_rows"))
    if expected_rows > limits.max_rows:
        raise LoadError(Problem(name, f"{expected_rows:,} rows; at most {limits.max_rows:,} are supported",
                                code="too_large"))
    body_start = int(starts[h + 1])
    table = _arrow_csv(data, body_start, starts, lines, len(raw_names), delimiter, name)
    if table.num_rows != expected_rows:
        raise LoadError(Problem(name, f"the CSV reader found {table.num_rows:,} data rows but a quote-aware count "
                                      f"found {expected_rows:,}: the file probably has a stray quote (\") "
                                      "or a line break inside an unquoted value", code="malformed_csv"))
    rows = lines[h + 1:]
    table, rows = finish_table(table, raw_names, rows, name, header_line, limits, notes)
    return table, rows, {"header_row": header_line, "sheet": None}


_DELIMITER_NAMES = {",": "comma", ";": "semicolon ';'", "|": "pipe '|'", "\t": "tab"}


def _decode_to_utf8(raw: bytes, name: str, notes: list[str]) -> bytes:
    """UTF-8 bytes without BOM; UTF-16 and cp1252/latin-1 converted (and noted); else refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8 with byte-order mark")
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(raw, "utf-16", name, notes, "UTF-16 with byte-order mark")
    elif _looks_utf16_le(raw):
        return _decode_utf16(raw, "utf-16-le", name, notes, "UTF-16 LE without byte-order mark")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise LoadError(Problem(name, f"contains a NUL (zero) byte at byte {nul}: this looks like a binary file, "
                                      "not CSV text", row=raw.count(b"\n", 0, nul) + 1, code="binary_file"))
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError as exc:
        return _decode_legacy(raw, exc.start, name, notes)


def _looks_utf16_le(raw: bytes) -> bool:
    head = raw[:2000]
    return len(head) >= 4 and head[1::2].count(0) > 0.4 * len(head[1::2]) and head[0::2].count(0) < 0.1 * len(head[0::2])


def _decode_utf16(raw: bytes, codec: str, name: str, notes: list[str], label: str) -> bytes:
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise LoadError(Problem(name, f"{label}, but invalid at byte {exc.start}", code="bad_encoding")) from None
    notes.append(f"decoded as {label}")
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        pos = text.index("\x00")
        raise LoadError(Problem(name, "contains a NUL character", row=text.count("\n", 0, pos) + 1,
                                code="binary_file"))
    return text.encode("utf-8")


def _decode_legacy(raw: bytes, bad_at: int, name: str, notes: list[str]) -> bytes:
    """Not UTF-8: accept cp1252/latin-1 when the stray bytes look like accented letters."""
    high = np.frombuffer(raw, dtype=np.uint8) >= 0x80
    in_runs = high[1:] & high[:-1]
    share_paired = (2 * int(in_runs.sum())) / max(1, int(high.sum()))
    if share_paired > 0.5:
        raise LoadError(Problem(name, f"not valid UTF-8 (first bad byte at offset {bad_at}) and does not look like "
                                      "Latin-1/cp1252 either (maybe Chinese, Greek or another encoding): "
                                      "save it as 'CSV UTF-8'", row=raw.count(b"\n", 0, bad_at) + 1, code="bad_encoding"))
    try:
        text, codec = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, codec = raw.decode("latin-1"), "latin-1"
    notes.append(f"decoded as {codec} (the file is not valid UTF-8)")
    return text.encode("utf-8")


def _detect_delimiter(sample: bytes) -> str:
    """The candidate giving the most rows with the same (>1) field count."""
    text = sample.decode("utf-8", errors="replace")
    lines = [ln for ln in text.split("\n")[:60] if ln.strip()]
    if len(sample) == 256 * 1024 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_score = ",", (0, 0)
    for delim in CSV_DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode = max(set(multi), key=multi.count)
        score = (multi.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _record_starts(data: bytes, delimiter: str, name: str):
    """Byte offset and line number of every non-blank record, counted outside quotes."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    quotes = _structural_quotes(arr, delimiter) if b'"' in data else newlines[:0]
    if quotes.size % 2:
        line = int(np.searchsorted(newlines, quotes[-1])) + 1
        raise LoadError(Problem(name, "unterminated quoted field: a quote (\") opened here is never closed "
                                      "(look for a stray quote on or before this row)", row=line, code="malformed_csv"))
    if quotes.size:
        outside = np.searchsorted(quotes, newlines) % 2 == 0
        term_index = np.flatnonzero(outside)
    else:
        term_index = np.arange(newlines.size)
    starts = np.concatenate(([0], newlines[term_index] + 1))
    lines = np.concatenate(([1], term_index + 2))
    keep = starts < len(data)
    starts, lines = starts[keep], lines[keep]
    not_blank = arr[starts] != 10
    return starts[not_blank], lines[not_blank]


def _structural_quotes(arr: np.ndarray, delimiter: str) -> np.ndarray:
    """Quote positions that open/close fields; a lone quote inside a bare value is literal."""
    quotes = np.flatnonzero(arr == 34)
    if quotes.size == 0:
        return quotes
    edge = {10, 34, ord(delimiter)}
    padded = np.concatenate(([10], arr, [10]))
    before = padded[quotes]
    after = padded[quotes + 2]
    structural = np.isin(before, list(edge)) | np.isin(after, list(edge))
    return quotes[structural]


def _sample_rows(data: bytes, starts: np.ndarray, delimiter: str) -> list[list[str]]:
    end = int(starts[HEADER_SEARCH_ROWS + 1]) if len(starts) > HEADER_SEARCH_ROWS + 1 else len(data)
    text = data[int(starts[0]):end].decode("utf-8")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r]
    return rows[:HEADER_SEARCH_ROWS + 1]


def _arrow_csv(data: bytes, body_start: int, starts, lines, n_columns: int, delimiter: str, name: str) -> pa.Table:
    import pyarrow.csv as pacsv

    bad = []

    def on_invalid(row):
        bad.append(row.text)
        return "skip"

    placeholder = [f"c{i}" for i in range(n_columns)]
    read = pacsv.ReadOptions(column_names=placeholder, block_size=8 * MB)
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                               newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in placeholder}, null_values=[""],
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    try:
        table = pacsv.read_csv(pa.py_buffer(memoryview(data)[body_start:]), read_options=read,
                               parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise LoadError(Problem(name, f"not a readable CSV file ({short(exc)})", code="malformed_csv")) from None
    if bad:
        raise LoadError(_ragged_problems(bad, data, starts, lines, n_columns, delimiter, name))
    return table


def _ragged_problems(bad_texts, data, starts, lines, n_columns, delimiter, name) -> list[Problem]:
    problems = []
    for text in bad_texts[:MAX_REPORTED_ROWS]:
        pos = data.find(text.encode("utf-8"))
        line = int(lines[np.searchsorted(starts, pos, side="right") - 1]) if pos >= 0 else None
        got = len(next(csv.reader([text], delimiter=delimiter), []))
        problems.append(Problem(name, f"row has {got} fields but the header has {n_columns}", row=line,
                                value=text[:80], code="ragged_row"))
    problems.sort(key=lambda p: p.row or 0)
    if len(bad_texts) > MAX_REPORTED_ROWS:
        problems.append(Problem(name, f"{len(bad_texts) - MAX_REPORTED_ROWS} more rows with the wrong number of fields",
                                code="ragged_row"))
    return problems

