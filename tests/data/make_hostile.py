"""Build the small hostile files in tests/data/ (run once; the outputs are committed).

Why handmade: the shared corpus has real messy files, but not every attack we must
survive (zip and XML bombs, macro workbooks, lying extensions, NUL bytes, ...).
XLSX files are assembled from raw XML parts so that we control exactly what is inside
(cached formula values, the 1904 flag, merged ranges, DTDs), which openpyxl would not
let us write. Run: `.venv/bin/python tests/data/make_hostile.py`.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent

CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}>'
          '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')


def col_letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def cell(ref: str, value) -> str:
    """Inline string, number, date (('date', serial)), formula (('f', formula, cached)) or an Excel error
    cell (('error', formula, '#N/A'))."""
    if value is None:
        return ""
    if isinstance(value, tuple) and value[0] == "date":
        return f'<c r="{ref}" s="1"><v>{value[1]}</v></c>'
    if isinstance(value, tuple) and value[0] == "f":
        return f'<c r="{ref}"><f>{value[1]}</f><v>{value[2]}</v></c>'
    if isinstance(value, tuple) and value[0] == "error":           # ('error', formula, cached error)
        return f'<c r="{ref}" t="e"><f>{value[1]}</f><v>{value[2]}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[list], merges=(), dimension: str | None = None) -> str:
    body = "".join(
        f'<row r="{r + 1}">' + "".join(cell(f"{col_letter(c)}{r + 1}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows))
    merge = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
             + "</mergeCells>") if merges else ""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{body}</sheetData>{merge}</worksheet>'


def write_xlsx(path: Path, sheets: dict[str, str], *, date1904=False, content_type=CT_MAIN, extra=None,
               shared_strings: str | None = None) -> None:
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(names)))
    if shared_strings is not None:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    types = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{content_type}"/>'
             '<Override PartName="/xl/styles.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
             f'{overrides}</Types>')
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?>'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} {NS_R}>{pr}<sheets>'
                + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
                + "</sheets></workbook>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               + "".join(f'<Relationship Id="rId{i + 1}" Type="{rel}worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                         for i in range(len(names)))
               + f'<Relationship Id="rId{len(names) + 1}" Type="{rel}styles" Target="styles.xml"/>'
               + (f'<Relationship Id="rId{len(names) + 2}" Type="{rel}sharedStrings" Target="sharedStrings.xml"/>'
                  if shared_strings is not None else "")
               + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/styles.xml", STYLES)
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
        for i, n in enumerate(names):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheets[n])
        for part, data in (extra or {}).items():
            zf.writestr(part, data)


def write_bytes(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def make_csvs() -> None:
    write_bytes("bom_utf8.csv", "\ufeffmetric_id,as_of,value\nm1,2025-01-13,1\n".encode("utf-8"))
    write_bytes("latin1.csv", "metric_id,label,value\nm1,Caf\u00e9 cr\u00e8me,1\nm2,Stra\u00dfe,2\n".encode("cp1252"))
    write_bytes("utf16le_bom.csv", "metric_id,as_of,value\r\nm1,2025-01-13,1\r\n".encode("utf-16"))
    write_bytes("utf16be_bom.csv", b"\xfe\xff" + "metric_id,as_of,value\nm1,2025-01-13,1\n".encode("utf-16-be"))
    write_bytes("invalid_utf8.csv", "metric_id,label\nm1,ok\nm2,".encode() + "指标名称数据".encode("gbk") + b"\n")
    write_bytes("nul_bytes.csv", b"metric_id,value\nm1,1\nm2,2\x00\x00\nm3,3\n")
    write_bytes("ragged_rows.csv", b"metric_id,as_of,value\nm1,2025-01-13,1\nm2,2025-01-14,2,extra\nm3,2025-01-15\n")
    write_bytes("unterminated_quote.csv", b'metric_id,label,value\nm1,"fine",1\nm2,"never closed,2\nm3,x,3\n')
    write_bytes("empty.csv", b"")
    write_bytes("whitespace_only.csv", b"  \r\n\r\n")
    write_bytes("header_only.csv", b"metric_id,as_of,value\n")
    write_bytes("title_rows.csv", b"DCE metrics export\n\nmetric_id,as_of,value\nm1,2025-01-13,5\nm2,2025-01-13,6\n")
    write_bytes("wrong_header.csv", b"kpi,date,amount\nm1,2025-01-13,5\n")
    write_bytes("duplicate_headers.csv", b"metric_id,Value,value \nm1,1,2\n")
    write_bytes("blank_header_with_data.csv", b"metric_id,,value\nm1,oops,2\n")
    write_bytes("trailing_delimiter.csv", b"metric_id;as_of;value;\nm1;2025-01-13;1;\n")
    write_bytes("multiline_quoted.csv", b'metric_id,note,value\r\nm1,"line one\r\nline two",1\r\n\r\nm2,"say ""hi""",2\r\n')
    write_bytes("dates_formats.csv", ("metric_id,as_of,value\n"
                                      "m1,2025-01-13,1\nm1,2025/01/14,2\nm1,15/01/2025,3\nm1,01/16/2025,4\n"
                                      "m1,17.01.2025,5\nm1,18 Jan 2025,6\nm1,\"Jan 19, 2025\",7\n"
                                      "m1,2025-01-20T23:30:00-03:00,8\nm1,45677,9\nm1,03/04/2025,10\n").encode())
    write_bytes("money_percent_nan.csv", ('metric_id,value\nm1,$1.5M\nm2,"1,500"\nm3,12%\nm4,(1,200)\nm5,NaN\n'
                                          'm6,inf\nm7,-inf\nm8,$390K\n').replace("(1,200)", '"(1,200)"').encode())
    write_bytes("pipe_delimited.txt", b"metric_id|as_of|value\nm1|2025-01-13|1\n")


def make_xlsx() -> None:
    title = sheet_xml([["DCE metrics export"], [], ["metric_id", "as_of", "value"],
                       ["m1", ("date", 45670), "$1.5M"], ["m2", ("date", 45671), 2500]])
    write_xlsx(HERE / "title_row_money.xlsx", {"Data": title})
    merged = sheet_xml([["Metric", "Observation", None], ["metric_id", "as_of", "value"],
                        ["m1", ("date", 45670), 1]], merges=["B1:C1"])
    write_xlsx(HERE / "merged_header.xlsx", {"Sheet1": merged})
    merged_title = sheet_xml([["DCE metrics export", None, None], ["metric_id", "as_of", "value"],
                              ["m1", ("date", 45670), 1]], merges=["A1:C1"])
    write_xlsx(HERE / "merged_title_ok.xlsx", {"Sheet1": merged_title})
    formulas = sheet_xml([["metric_id", "value", "double"], ["m1", 21, ("f", "B2*2", 42)],
                          ["m2", 5, ("f", 'HYPERLINK("http://example.invalid",B3)', 5)]])
    write_xlsx(HERE / "formula_cached.xlsx", {"Sheet1": formulas})
    dates1904 = sheet_xml([["metric_id", "as_of"], ["m1", ("date", 44208)]])  # 44208 days after 1904-01-01
    write_xlsx(HERE / "dates_1904.xlsx", {"Sheet1": dates1904}, date1904=True)
    make_1904_serials()
    make_excel_errors()
    write_xlsx(HERE / "macro.xlsm", {"Sheet1": sheet_xml([["a"], [1]])}, content_type=CT_MACRO,
               extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake vba"})
    write_xlsx(HERE / "macro_renamed.xlsx", {"Sheet1": sheet_xml([["a"], [1]])},
               extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake vba"})
    write_xlsx(HERE / "two_sheets.xlsx", {
        "Notes": sheet_xml([["readme"], ["this workbook holds metrics"]]),
        "Data": sheet_xml([["metric_id", "as_of", "value"], ["m1", ("date", 45670), 3]])})
    write_xlsx(HERE / "dimension_full_sheet.xlsx", {"Sheet1": sheet_xml(
        [["metric_id", "value"], ["m1", 1]], dimension="A1:XFD1048576")})
    make_bombs()
    (HERE / "xlsx_named.csv").write_bytes((HERE / "title_row_money.xlsx").read_bytes())


def make_1904_serials() -> None:
    """A 1904-date-system workbook whose dates are plain serial numbers (no date format: what a script or an
    export often writes), plus one date-formatted cell. 44208 is 2025-01-13 in the 1904 system (2021-01-12
    in the 1900 one), 44215 is 2025-01-20, 44209 is 2025-01-14."""
    rows = [["metric_id", "as_of", "value"], ["security_score", 44208, 70], ["security_score", 44215, 72],
            ["compliance_score", ("date", 44209), 45]]
    write_xlsx(HERE / "dates_1904_serials.xlsx", {"Sheet1": sheet_xml(rows)}, date1904=True)


def make_excel_errors() -> None:
    """Cached Excel errors under the header (a failed VLOOKUP, a division by zero): a reader hands them
    over as empty cells, so they must be refused, by cell reference."""
    rows = [["date", "security_score", "compliance_score"], [("date", 45677), ("error", "VLOOKUP(A2,X!A:B,2,0)", "#N/A"), 45],
            [("date", 45678), 71, ("error", "B3/0", "#DIV/0!")]]
    write_xlsx(HERE / "excel_errors.xlsx", {"Sheet1": sheet_xml(rows)})


def make_bombs() -> None:
    ss = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + f']><sst {NS} count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    bomb_sheet = sheet_xml([["a"], [1]]).replace("<v>1</v>", "<v>1</v>").replace(
        '<c r="A1" t="inlineStr"><is><t>a</t></is></c>', '<c r="A1" t="s"><v>0</v></c>')
    write_xlsx(HERE / "xml_bomb.xlsx", {"Sheet1": bomb_sheet}, shared_strings=ss)
    path = HERE / "zip_bomb.xlsx"
    write_xlsx(path, {"Sheet1": sheet_xml([["a"], [1]])})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/worksheets/sheet2.xml", "w") as fh:
        chunk = b"0" * (1 << 20)
        for _ in range(64):  # 64 MB of zeros, about 64 KB compressed
            fh.write(chunk)
    with zipfile.ZipFile(HERE / "not_a_workbook.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")


def make_others() -> None:
    write_bytes("encrypted_ole2.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"EncryptedPackage")
    write_bytes("csv_named.xlsx", b"metric_id,as_of,value\nm1,2025-01-13,1\n")
    pq.write_table(pa.table({"metric_id": ["m1", "m2"], "tags": [[1, 2], [3]]}), HERE / "nested.parquet")
    pq.write_table(pa.table({"metric_id": pa.array([], pa.string())}), HERE / "zero_rows.parquet")
    pq.write_table(pa.table({"blob": pa.array([b"ok", b"\xff\xfe\x00bad"], pa.binary())}), HERE / "binary_not_utf8.parquet")
    good = pa.table({"metric_id": ["m1", "m2"], "as_of": pa.array([20101, 20102], pa.date32()),
                     "value": pa.array([1, 2], pa.uint64())})
    pq.write_table(good, HERE / "good.parquet")
    data = (HERE / "good.parquet").read_bytes()
    write_bytes("truncated.parquet", data[: len(data) // 2] + b"PAR1")


if __name__ == "__main__":
    make_csvs()
    make_xlsx()
    make_others()
    print("wrote", len([p for p in HERE.iterdir() if p.name != "make_hostile.py"]), "files in", HERE)
