"""XLSX: the package checked before any XML parser sees it (zip bombs, DTDs and entities, macros, not a
workbook), then the sheet chosen, its header found and its body read by fastexcel.

Row numbers are the sheet's own; merged header cells and Excel error cells are refused by reference.
"""
from __future__ import annotations

import os
import posixpath
import re
import zipfile

import numpy as np
import pyarrow as pa

from loaders.errors import LoadError, Problem
from loaders.readers.base import MB, Limits, short
from loaders.readers.headers import HEADER_SEARCH_ROWS, find_header_row, finish_table, matches, nonempty

PEEK_ROWS = 2 * HEADER_SEARCH_ROWS + 2
MAX_ZIP_ENTRIES = 10_000
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


def check_xlsx_package(path, name: str, limits: Limits) -> None:
    """Refuse unsafe or non-workbook zips before any XML parser sees them."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_zip_sizes(infos, name, limits)
            types = _content_types(zf, name)
    except zipfile.BadZipFile as exc:
        raise LoadError(Problem(name, f"damaged zip/xlsx file ({short(exc)})", code="damaged_file")) from None
    names = {i.filename.lower() for i in infos}
    if "macroenabled" in types.lower() or any(n.endswith("vbaproject.bin") for n in names):
        raise LoadError(Problem(name, "macro-enabled workbook (.xlsm): save it as a plain .xlsx workbook",
                                code="unsafe_file"))
    if "spreadsheetml" not in types or ("sheet.main+xml" not in types and "template.main+xml" not in types):
        raise LoadError(Problem(name, "a zip file that is not an Excel workbook", code="not_a_workbook"))


def _check_zip_sizes(infos, name: str, limits: Limits) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise LoadError(Problem(name, f"workbook has {len(infos):,} parts; refused as unsafe", code="unsafe_file"))
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_xlsx:
        raise LoadError(Problem(name, f"workbook expands to {total / MB:,.0f} MB (limit "
                                      f"{limits.max_uncompressed_xlsx / MB:,.0f} MB): refused as a possible zip bomb",
                                code="unsafe_file"))
    for info in infos:
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > MB and ratio > limits.max_xlsx_ratio:
            raise LoadError(Problem(name, f"part '{info.filename}' compresses {ratio:,.0f}:1 (limit "
                                          f"{limits.max_xlsx_ratio:g}:1): refused as a possible zip bomb",
                                    code="unsafe_file"))


def _content_types(zf: zipfile.ZipFile, name: str) -> str:
    try:
        info = zf.getinfo("[Content_Types].xml")
    except KeyError:
        raise LoadError(Problem(name, "a zip file that is not an Excel workbook (no [Content_Types].xml)",
                                code="not_a_workbook")) from None
    if info.file_size > 4 * MB:
        raise LoadError(Problem(name, "workbook content-types part is implausibly large; refused as unsafe",
                                code="unsafe_file"))
    return zf.read(info).decode("utf-8", errors="replace")


def read_xlsx(path: str, name: str, limits: Limits, expected, notes: list[str]):
    import fastexcel

    with zipfile.ZipFile(path) as zf:
        _check_zip_sizes(zf.infolist(), name, limits)
        _refuse_dtds(zf, name)
        book = _workbook_info(zf, name)
    if book["date1904"]:
        notes.append("the workbook uses the 1904 date system")
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # noqa: BLE001 - fastexcel raises several types
        raise LoadError(Problem(name, f"workbook could not be opened ({short(exc)})", code="damaged_file")) from None
    choice = _choose_sheet(reader, name, expected, notes)
    index, sheet_name, offset, h, peek = choice
    header_row = offset + h + 1
    if header_row > 1:
        notes.append(f"header found on row {header_row}")
    with zipfile.ZipFile(path) as zf:
        _check_sheet(zf, book["parts"].get(sheet_name), header_row, name, notes)
    raw_names = list(peek[h])
    table = _load_sheet_body(reader, index, header_row, len(raw_names), name)
    rows = np.arange(header_row + 1, header_row + 1 + len(table), dtype=np.int64)
    table, rows = finish_table(table, raw_names, rows, name, header_row, limits, notes)
    return table, rows, {"header_row": header_row, "sheet": sheet_name, "date1904": book["date1904"]}


def _refuse_dtds(zf: zipfile.ZipFile, name: str) -> None:
    """No spreadsheet needs a DTD; one in any XML part means an entity bomb or XXE attempt.

    Honest about what it checks: every part of the package that is XML (told from its first bytes,
    not its name), decoded in its own encoding (UTF-8, UTF-16/32 with or without a byte-order mark,
    or what its XML declaration names), and its whole prolog, however long: whitespace, comments and
    processing instructions are read through, in streamed chunks, up to the root element. (It used to
    read 64 KB of bytes, so padding or UTF-16 slipped past.) The parsers behind it refuse entities
    too: defusedxml for the workbook parts we read ourselves; fastexcel's does not expand them.
    """
    for info in zf.infolist():
        with zf.open(info) as fh:
            head = fh.read(4)
            codec = _xml_codec(head + fh.read(256))
            if codec is None:
                continue
        with zf.open(info) as fh:
            verdict = _prolog_verdict(fh, codec, info.filename, name)
        if verdict == "dtd":
            raise LoadError(Problem(name, f"part '{info.filename}' declares a DTD/entities (an XML bomb or "
                                          "external-entity attack): refused as unsafe", code="unsafe_file"))


_XML_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
             (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
             (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"))
_XML_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_PROLOG_SPACE = " \t\r\n\ufeff"          # a byte-order mark decodes to U+FEFF


def _xml_codec(head: bytes) -> str | None:
    """The encoding of a package part from its first bytes (XML 1.0, appendix F); None when it is not XML."""
    for mark, codec in _XML_BOMS:
        if head.startswith(mark):
            return codec
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return "utf-16-le"
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be"
    if not head.lstrip(b" \t\r\n").startswith(b"<"):
        return None                      # an image, a binary part: no XML parser reads it
    declared = _XML_DECLARED.match(head.lstrip(b" \t\r\n"))
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _prolog_verdict(fh, codec: str, part: str, name: str) -> str:
    """'root' when the root element is reached with nothing but a safe prolog before it; 'dtd' when a
    declaration (<!DOCTYPE, <!ENTITY, anything '<!' but a comment) comes first; 'end' without a root."""
    import codecs
    try:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    except LookupError:
        raise LoadError(Problem(name, f"part '{part}' is XML in an encoding no spreadsheet uses ({codec}); "
                                      "refused as unsafe", code="unsafe_file")) from None
    state, carry = "between", ""
    while True:
        chunk = fh.read(256 * 1024)
        text = carry + decoder.decode(chunk, final=not chunk)
        carry, i = "", 0
        while i < len(text):
            if state == "between":
                while i < len(text) and text[i] in _PROLOG_SPACE:
                    i += 1
                rest = text[i:i + 4]
                if not rest or (len(rest) < 4 and chunk):
                    carry = text[i:]                 # too short to tell: wait for the next chunk
                    break
                if rest.startswith("<?"):
                    state, i = "?>", i + 2
                elif rest.startswith("<!--"):
                    state, i = "-->", i + 4
                else:
                    return "dtd" if rest.startswith("<!") else "root"
            else:
                found = text.find(state, i)
                if found < 0:
                    carry = text[max(i, len(text) - len(state) + 1):]
                    break
                state, i = "between", found + len(state)
        if not chunk:
            return "end"


def _workbook_info(zf: zipfile.ZipFile, name: str) -> dict:
    """Sheet name -> XML part path, and the date system, from workbook.xml and its rels."""
    from defusedxml import ElementTree as SafeET

    wb_path = _workbook_path(zf)
    try:
        workbook = SafeET.fromstring(zf.read(wb_path))
    except KeyError:
        raise LoadError(Problem(name, f"workbook part '{wb_path}' is missing", code="damaged_file")) from None
    date1904 = any(el.get("date1904") in ("1", "true") for el in workbook.iter() if el.tag.endswith("workbookPr"))
    base = os.path.dirname(wb_path)
    rels_path = f"{base}/_rels/{os.path.basename(wb_path)}.rels" if base else f"_rels/{wb_path}.rels"
    targets = {}
    if rels_path in zf.namelist():
        for rel in SafeET.fromstring(zf.read(rels_path)):
            targets[rel.get("Id")] = _resolve_part(base, rel.get("Target", ""))
    parts = {}
    for el in workbook.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = el.get(f"{{{_NS_REL}}}id") or next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            parts[el.get("name")] = targets.get(rid)
    return {"date1904": date1904, "parts": parts}


def _resolve_part(base: str, target: str) -> str:
    """A relationship target as a zip member name ('/xl/x.xml' is absolute, 'x.xml' relative)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)


def _workbook_path(zf: zipfile.ZipFile) -> str:
    """The officeDocument target of the package rels; else the usual places."""
    from defusedxml import ElementTree as SafeET

    names = set(zf.namelist())
    if "_rels/.rels" in names:
        for rel in SafeET.fromstring(zf.read("_rels/.rels")):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "").lstrip("/")
    for override in SafeET.fromstring(zf.read("[Content_Types].xml")):
        if override.get("PartName") and "main+xml" in (override.get("ContentType") or ""):
            return override.get("PartName").lstrip("/")
    return "xl/workbook.xml" if "xl/workbook.xml" in names else "workbook.xml"


def _choose_sheet(reader, name: str, expected, notes: list[str]):
    """First visible sheet with data rows; with several, the one matching expected_columns."""
    candidates, hidden, header_only, empty_match = [], [], [], None
    for index, sheet_name in enumerate(reader.sheet_names):
        peek, offset, visible, height = _peek_sheet(reader, index, name)
        if not any(nonempty(r) for r in peek):
            continue
        if visible != "visible":
            hidden.append(sheet_name)
            continue
        h = find_header_row(peek, expected, None)
        if height <= offset + h + 1:
            header_only.append(sheet_name)
            empty_match = empty_match or (bool(expected) and matches(peek[h], expected) and sheet_name)
            continue
        candidates.append((index, sheet_name, offset, h, peek))
    if not candidates:
        raise LoadError(Problem(name, _no_sheet_reason(hidden, header_only, len(reader.sheet_names)),
                                code="hidden_sheet" if hidden and not header_only else "no_rows"))
    if empty_match and not any(matches(c[4][c[3]], expected) for c in candidates):
        # an unfilled template: its data sheet has the table's header and no rows; its notes sheet has rows
        raise LoadError(Problem(name, _no_sheet_reason([], [empty_match], len(reader.sheet_names)), code="no_rows",
                                fix=f"add data rows under the header of sheet '{empty_match}'"))
    chosen = candidates[0]
    if expected and len(candidates) > 1:
        chosen = next((c for c in candidates if matches(c[4][c[3]], expected)), chosen)
    if expected and not matches(chosen[4][chosen[3]], expected):
        find_header_row(chosen[4], expected, notes)  # records the "header guessed" note
    if len(reader.sheet_names) > 1:
        others = [c[1] for c in candidates if c is not chosen]
        more = f"; other sheets with data: {', '.join(repr(o) for o in others)}" if others else ""
        notes.append(f"sheet '{chosen[1]}' of {len(reader.sheet_names)}{more}")
    if hidden:
        notes.append(f"ignored hidden sheet{'s' if len(hidden) > 1 else ''}: {', '.join(repr(s) for s in hidden)}")
    return chosen


def _no_sheet_reason(hidden, header_only, n_sheets) -> str:
    if header_only:
        return f"no data rows (sheet '{header_only[0]}' has only a header)"
    if hidden:
        return (f"the only data is on hidden sheets ({', '.join(repr(s) for s in hidden)}): "
                "unhide the sheet or copy the data to a visible one")
    return f"workbook has no data (all {n_sheets} sheet{'s are' if n_sheets > 1 else ' is'} empty)"


def _peek_sheet(reader, index: int, name: str):
    """Rows from the first non-empty row on, that row's 0-based offset, visibility, height.

    fastexcel re-parses the whole sheet on every load, so this usually costs one parse:
    a second one only when more than PEEK_ROWS blank rows sit above the data.
    """
    try:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, n_rows=PEEK_ROWS, dtypes="string")
        rows = _rows_of_sheet(sheet)
        first = next((i for i, r in enumerate(rows) if nonempty(r)), None)
        if first is None and sheet.total_height > len(rows):
            top = reader.load_sheet(index, header_row=None, n_rows=PEEK_ROWS, dtypes="string")
            return _rows_of_sheet(top), sheet.total_height - top.total_height, sheet.visible, sheet.total_height
    except Exception as exc:  # noqa: BLE001 - fastexcel raises several types
        raise LoadError(Problem(name, f"sheet {reader.sheet_names[index]!r} could not be read ({short(exc)})",
                                code="damaged_file")) from None
    first = first or 0
    return rows[first:], first, sheet.visible, sheet.total_height


def _rows_of_sheet(sheet) -> list[list]:
    return [list(r.values()) for r in sheet.to_arrow().to_pylist()] if sheet.width else []


def _load_sheet_body(reader, index: int, header_row: int, n_columns: int, name: str) -> pa.Table:
    placeholder = [f"c{i}" for i in range(n_columns)]
    try:
        sheet = reader.load_sheet(index, header_row=None, skip_rows=header_row, column_names=placeholder,
                                  schema_sample_rows=None, dtype_coercion="coerce", whitespace_as_null=True)
        batch = sheet.to_arrow()
    except Exception as exc:  # noqa: BLE001
        raise LoadError(Problem(name, f"sheet could not be read ({short(exc)})", code="damaged_file")) from None
    return pa.Table.from_batches([batch])


def _check_sheet(zf: zipfile.ZipFile, part: str | None, header_row: int, name: str, notes: list[str]):
    """Merged cells on the header row make column names ambiguous: refuse, naming the range. Excel error
    cells (#N/A, #DIV/0!, ...) under the header would reach us as blanks (the reader drops them): refuse
    them too, by cell reference, so a failed lookup is never loaded as 'no value'."""
    if not part:
        return
    ranges, errors = _scan_sheet(zf, part)
    crossing = [r for r in ranges if _rows_of(r)[0] <= header_row <= _rows_of(r)[1]]
    if crossing:
        raise LoadError(Problem(name, f"merged cells in the header row ({', '.join(crossing[:5])}): unmerge them "
                                      "so that each column has its own name in one row", row=header_row,
                                code="merged_header"))
    if any(_rows_of(r)[1] < header_row for r in ranges):
        notes.append("merged title cells above the header were ignored")
    below = [(ref, value) for ref, value in errors.items() if _rows_of(ref)[0] > header_row]
    if below:
        raise LoadError([Problem(name, f"cell {ref} holds the Excel error {value or '(error)'}, which would load as "
                                       "an empty cell", row=_rows_of(ref)[0], value=value or None,
                                 code="placeholder_value", fix="correct the formula, or clear the cell if there "
                                                               "is no value") for ref, value in below[:100]])


_ERROR_CELL_RE = re.compile(rb"<(?:\w+:)?c\b(?=[^>]*\bt=\"e\")[^>]*?\br=\"([A-Z]+\d+)\"[^>]*>"
                            rb"(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)<", re.S)


def _scan_sheet(zf: zipfile.ZipFile, part: str) -> tuple[list[str], dict[str, str]]:
    """mergeCell refs and error cells (ref → '#N/A'), found by one streaming byte scan (the sheet may be
    very large; the error pattern only runs on chunks that hold an error cell at all)."""
    found, errors, tail = [], {}, b""
    try:
        fh = zf.open(part)
    except KeyError:
        return [], {}
    with fh:
        for chunk in iter(lambda: fh.read(4 * MB), b""):
            buf = tail + chunk
            found.extend(m.group(1).decode() for m in _MERGE_RE.finditer(buf))
            if b't="e"' in buf and len(errors) < 1000:
                errors.update((m.group(1).decode(), m.group(2).decode("utf-8", "replace"))
                              for m in _ERROR_CELL_RE.finditer(buf))
            tail = buf[-256:]  # a tag cut by the chunk boundary is matched next round
    return list(dict.fromkeys(found)), errors


def _rows_of(ref: str) -> tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", ref)]
    return min(numbers), max(numbers)
