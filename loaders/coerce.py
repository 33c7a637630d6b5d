"""Turn cells as analysts type them into numbers and dates, or say exactly why not.

Why a separate, pure module: the readers return values as read (strings for CSV), and
the validation layer needs one place that knows '$1.5M', '(1,200)', '12%', '13.01.2025'
and Excel serials, and that refuses what is ambiguous ('03/04/2025') or meaningless
('NaN', 'inf') instead of guessing. Every refusal is a ValueError whose message can be
shown to the analyst as it stands, and carries a stable `code` (loaders/errors.py FIXES).
Column helpers take a fast vectorised path and run the per-cell parser only on the cells that
path rejected; their problems are (index, value, Reason) where a Reason is the message (a str)
with its code attached.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class CellError(ValueError):
    """A cell that cannot be read, with the problem code the report groups it by."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class Reason(str):
    """A problem message (compares and prints as the plain text) that remembers its code."""

    code: str

    def __new__(cls, text: str, code: str):
        obj = super().__new__(cls, text)
        obj.code = code
        return obj


def _reason(exc: ValueError) -> Reason:
    return Reason(str(exc), getattr(exc, "code", "not_a_number"))


# What people type for "no value": refused (not silently blanked), so a missing figure is a decision
# the analyst makes by leaving the cell empty. Compared lower-case, after trimming.
PLACEHOLDERS = frozenset({"n/a", "na", "n.a.", "#n/a", "-", "--", "—", "null", "none", "nil", "missing", "tbd", "?"})


def _placeholder(raw: str, cleaned: str) -> None:
    if cleaned.lower() in PLACEHOLDERS:
        raise CellError(f"'{raw}' stands for a missing value; it is not read as an empty cell", "placeholder_value")


class ParsedNumber(float):
    """A float that remembers whether it was written as a percentage ('12%')."""

    percent: bool

    def __new__(cls, value: float, percent: bool = False):
        obj = super().__new__(cls, value)
        obj.percent = percent
        return obj


_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
_NUMBER_RE = re.compile(
    r"""^(?P<sign>[+-]?)\s*(?P<cur>[$€£]?)\s*(?P<sign2>[+-]?)
        (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
        (?:[eE](?P<exp>[+-]?\d+))?
        \s*(?P<scale>k|m|mm|mn|b|bn)?\s*(?P<pct>%)?$""",
    re.IGNORECASE | re.VERBOSE,
)
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_MINUSES = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-"})
_SPACES = str.maketrans({"\u00a0": "", "\u202f": "", "\u2009": ""})


def parse_number(text) -> ParsedNumber | None:
    """'1,500' '1.5M' '$1.5M' '$390K' '12%' '(1,200)' '−3' -> float; blank -> None."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise CellError(f"{text!r} is a true/false value, not a number", "not_a_number")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return _finite(float(text), text)
    raw = str(text)
    cleaned = raw.strip().translate(_MINUSES).translate(_SPACES)
    if not cleaned:
        return None
    _placeholder(raw, cleaned)
    if cleaned.lower() in _NOT_FINITE:
        raise CellError(f"'{raw}' is not a number (NaN and infinite values are not accepted)", "not_a_number")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1].strip()
    match = _NUMBER_RE.match(cleaned)
    if not match:
        raise CellError(_number_hint(raw, cleaned), "not_a_number")
    value = _number_from_match(match, raw)
    if negative:
        if value < 0:
            raise CellError(f"'{raw}' is not a number (both parentheses and a minus sign)", "not_a_number")
        value = -value
    return ParsedNumber(_finite(value, raw), percent=bool(match.group("pct")))


def _number_from_match(match: re.Match, raw: str) -> float:
    signs = (match.group("sign") or "") + (match.group("sign2") or "")
    if len(signs) > 1:
        raise CellError(f"'{raw}' is not a number (two signs)", "not_a_number")
    value = float(match.group("num").replace(",", "") + (f"e{match.group('exp')}" if match.group("exp") else ""))
    value *= _SCALE[(match.group("scale") or "").lower()]
    return -value if signs == "-" else value


def _finite(value: float, shown) -> float:
    if not math.isfinite(value):
        raise CellError(f"'{shown}' is not a number (NaN and infinite values are not accepted)", "not_a_number")
    return ParsedNumber(value)


def _number_hint(raw: str, cleaned: str) -> str:
    if re.fullmatch(r"[+-]?\d+,\d{1,2}", cleaned) or re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?", cleaned):
        return f"'{raw}' is not a number (decimal comma or dot thousands separator? write 1500.5, not 1.500,5)"
    return f"'{raw}' is not a number"


# ----------------------------------------------------------------------------------------
# Dates
# ----------------------------------------------------------------------------------------

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTH_WORD = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm)?\s*(?P<tz>z|utc|[+-]\d{2}:?\d{2})?)?"
_DATE_PATTERNS = [
    ("ymd", re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$", re.I)),
    ("dot", re.compile(rf"^(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_TIME}$", re.I)),
    ("slash", re.compile(rf"^(?P<a>\d{{1,2}})[/-](?P<b>\d{{1,2}})[/-](?P<y>\d{{4}}){_TIME}$", re.I)),
    ("d_mon_y", re.compile(rf"^(?:\w+,?\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH_WORD}[\s,-]+(?P<y>\d{{4}}){_TIME}$", re.I)),
    ("mon_d_y", re.compile(rf"^(?:\w+,?\s+)?{_MONTH_WORD}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}$", re.I)),
]
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31


def parse_date(text, *, date1904: bool = False) -> date | None:
    """ISO, d.m.Y, unambiguous d/m/Y or m/d/Y, '13 Jan 2025', 'Jan 13, 2025', Excel serials."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return _datetime_to_date(text)
    if isinstance(text, date):
        return text
    if isinstance(text, bool):
        raise CellError(f"{text!r} is a true/false value, not a date", "not_a_date")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return excel_serial_to_date(float(text), date1904=date1904)
    raw = str(text)
    cleaned = " ".join(raw.strip().split())
    if not cleaned:
        return None
    _placeholder(raw, cleaned)
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return excel_serial_to_date(float(cleaned), date1904=date1904)
    iso = _try_isoformat(cleaned)
    if iso is not None:
        return iso
    for kind, pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            return _date_from_match(kind, match, raw)
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2}", cleaned):
        raise CellError(f"'{raw}' has a two-digit year, which is ambiguous: write the full year (2025-01-13)",
                        "ambiguous_date")
    raise CellError(f"'{raw}' is not a date (use YYYY-MM-DD, e.g. 2025-01-13)", "not_a_date")


def _try_isoformat(cleaned: str) -> date | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", cleaned):
        return None
    try:
        value = datetime.fromisoformat(cleaned.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return _datetime_to_date(value)


def _datetime_to_date(value: datetime) -> date:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.date()


def _date_from_match(kind: str, match: re.Match, raw: str) -> date:
    groups = match.groupdict()
    year = int(groups["y"])
    if kind == "slash":
        day, month = _day_month(int(groups["a"]), int(groups["b"]), raw)
    elif kind in ("d_mon_y", "mon_d_y"):
        day, month = int(groups["d"]), _MONTHS[groups["mon"].lower()[:3]]
    else:
        day, month = int(groups["d"]), int(groups["m"])
    try:
        result = datetime(year, month, day)
    except ValueError:
        raise CellError(f"'{raw}' is not a real date", "not_a_date") from None
    tz = (groups.get("tz") or "").lower()
    if tz and tz not in ("z", "utc"):
        raise CellError(f"'{raw}' has a time-zone offset; write it as ISO 8601 (2025-01-13T10:00:00{groups['tz']})",
                        "not_a_date")
    return result.date()


def _day_month(a: int, b: int, raw: str) -> tuple[int, int]:
    """'13/01/2025' is day-first, '01/13/2025' month-first; '03/04/2025' is ambiguous."""
    if a > 12 and b <= 12:
        return a, b
    if b > 12 and a <= 12:
        return b, a
    if a == b:
        return a, b
    if a > 12 and b > 12:
        raise CellError(f"'{raw}' is not a real date", "not_a_date")
    raise CellError(f"'{raw}' is ambiguous: it could be day/month or month/day; write it as YYYY-MM-DD",
                    "ambiguous_date")


def excel_serial_to_date(serial: float, *, date1904: bool = False) -> date:
    """Excel day number -> date; 1900 system with its fictitious 29 Feb 1900, or 1904."""
    if not math.isfinite(serial):
        raise CellError(f"'{serial}' is not a date", "not_a_date")
    day = int(math.floor(serial))
    if date1904:
        if not 0 <= day <= _EXCEL_MAX_SERIAL - 1462:
            raise CellError(f"{serial:g} is outside Excel's date range", "not_a_date")
        return date(1904, 1, 1) + timedelta(days=day)
    if not 1 <= day <= _EXCEL_MAX_SERIAL:
        raise CellError(f"{serial:g} is outside Excel's date range (1 = 1900-01-01)", "not_a_date")
    if day == 60:
        raise CellError("Excel serial 60 is 29 February 1900, a date that never existed (Excel's leap-year bug)",
                        "not_a_date")
    return date(1899, 12, 31) + timedelta(days=day) if day < 60 else date(1899, 12, 30) + timedelta(days=day)


# ----------------------------------------------------------------------------------------
# Columns
# ----------------------------------------------------------------------------------------

_PLAIN_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _as_arrow(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(values, from_pandas=True) if hasattr(values, "dtype") else pa.array(list(values))


def coerce_number_column(values, *, allow_percent: bool = True):
    """(float64 array with nulls, [(index, value, reason), ...]) for a column of cells.

    `index` is the position, or the index label when `values` is a pandas Series.
    """
    result, problems = _coerce_numbers(_as_arrow(values), allow_percent)
    return result, _relabel(problems, values)


def _relabel(problems: list, values) -> list:
    if not hasattr(values, "iloc") or not problems:  # only pandas objects carry labels
        return problems
    labels = values.index
    return [(labels[i], value, reason) for i, value, reason in problems]


def _coerce_numbers(arr: pa.Array, allow_percent: bool):
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        out = pc.cast(arr, pa.float64())
        return _refuse_non_finite(out, arr)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.float64()), []
    text = pc.cast(arr, pa.string()) if not pa.types.is_string(arr.type) else arr
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
    fast = pc.cast(pc.if_else(plain, pc.utf8_trim_whitespace(text), None), pa.float64())
    result = fast.to_numpy(zero_copy_only=False).astype(float)
    problems = []
    for index in np.flatnonzero(~plain.to_numpy(zero_copy_only=False) & text.is_valid().to_numpy(zero_copy_only=False)):
        cell = text[int(index)].as_py()
        try:
            parsed = parse_number(cell)
            if parsed is not None and parsed.percent and not allow_percent:
                raise CellError(f"'{cell}' is a percentage, but this column is not a percent", "percent_not_allowed")
            result[index] = np.nan if parsed is None else float(parsed)
        except ValueError as exc:
            problems.append((int(index), cell, _reason(exc)))
            result[index] = np.nan
    mask = np.isnan(result)
    return pa.array(result, mask=mask), problems


def _refuse_non_finite(out: pa.Array, original: pa.Array):
    data = out.to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(~np.isfinite(data) & out.is_valid().to_numpy(zero_copy_only=False))
    problems = [(int(i), original[int(i)].as_py(), Reason(f"'{original[int(i)].as_py()}' is not a number "
                 "(NaN and infinite values are not accepted)", "not_a_number")) for i in bad]
    if problems:
        keep = np.isfinite(data)
        out = pa.array(np.where(keep, data, 0.0), mask=~keep)
    return out, problems


def coerce_date_column(values, *, date1904: bool = False):
    """(date32 array with nulls, [(index, value, reason), ...]); ISO strings take the fast path.

    `index` is the position, or the index label when `values` is a pandas Series.
    """
    result, problems = _coerce_dates(_as_arrow(values), date1904)
    return result, _relabel(problems, values)


def _coerce_dates(arr: pa.Array, date1904: bool):
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            arr = pc.cast(arr, pa.timestamp(arr.type.unit, "UTC")).cast(pa.timestamp(arr.type.unit))
        return pc.cast(arr, pa.date32()), []
    if pa.types.is_date(arr.type):
        return pc.cast(arr, pa.date32()), []
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.date32()), []
    text = pc.cast(arr, pa.string()) if not pa.types.is_string(arr.type) else arr
    iso = pc.fill_null(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"), False)
    fast = pc.strptime(pc.if_else(iso, text, None), format="%Y-%m-%d", unit="s", error_is_null=True)
    out = pc.cast(fast, pa.date32()).to_pylist()
    problems = []
    slow = ~pc.and_(iso, fast.is_valid()).to_numpy(zero_copy_only=False) & text.is_valid().to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(slow):
        original = arr[int(index)].as_py()
        try:
            out[index] = parse_date(original, date1904=date1904)
        except ValueError as exc:
            problems.append((int(index), original, _reason(exc)))
    return pa.array(out, pa.date32()), problems
