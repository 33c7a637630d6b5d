"""Open exported files in LibreOffice Calc (headless) and read back every cell as a spreadsheet user gets it.

    book = open_in_calc([Path("a.csv"), Path("b.xlsx")])[Path("a.csv")]     # {sheet name: rows of Cell}
    open_in_calc([Path("report.html")], html=True)                          # HTML through Calc's HTML import

Calc saves what it opened as XLSX, which openpyxl reads twice: once for formulas (a cell Calc
evaluated is stored as a formula) and once for the values Calc computed. A private user profile per
call, so parallel test workers (and other LibreOffice users) never share one.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@dataclass(frozen=True)
class Cell:
    value: object            # what Calc shows (the computed value of a formula)
    formula: str | None      # the formula Calc evaluated, if it took the cell for one


def open_in_calc(paths: list[Path], *, html: bool = False, timeout: float = 180) -> dict[Path, dict[str, list]]:
    """Every file opened by Calc (HTML through its HTML import): {path: {sheet: rows of Cell}}."""
    with tempfile.TemporaryDirectory(prefix="dce-calc-") as tmp:
        out = Path(tmp) / "out"
        argv = [SOFFICE, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out)]
        if html:
            argv.append("--infilter=HTML (StarCalc)")
        # Calc names each output after its input's stem: convert files of one stem one call at a time.
        result = {}
        for path in paths:
            proc = subprocess.run(argv + [str(path)], capture_output=True, text=True, timeout=timeout)
            converted = out / f"{path.stem}.xlsx"
            assert converted.exists(), f"LibreOffice did not convert {path.name}: {proc.stdout} {proc.stderr}"
            result[path] = _cells(converted)
            converted.unlink()
    return result


def _cells(path: Path) -> dict[str, list[list[Cell]]]:
    with_formulas, with_values = openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)
    book = {}
    for name in with_formulas.sheetnames:
        book[name] = [[Cell(v.value, f.value if f.data_type == "f" else None) for f, v in zip(f_row, v_row)]
                      for f_row, v_row in zip(with_formulas[name].iter_rows(), with_values[name].iter_rows())]
    return book


def first(book: dict[str, list]) -> list[list[Cell]]:
    return next(iter(book.values()))


BOOLEANS = ("=TRUE()", "=FALSE()")     # how Calc writes a true/false cell to XLSX: a value, not a formula of ours


def formulas(book: dict[str, list]) -> list[str]:
    """Every cell Calc took for a formula, in any sheet."""
    return [c.formula for rows in book.values() for row in rows for c in row
            if c.formula is not None and c.formula.upper() not in BOOLEANS]


def column(rows: list[list[Cell]], header: str) -> list:
    """The values under `header` (first row), in order."""
    names = [c.value for c in rows[0]]
    i = names.index(header)
    return [row[i].value if i < len(row) else None for row in rows[1:]]
