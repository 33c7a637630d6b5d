"""The one way to format numbers and user text for people: $1.5M, 99.9%, 12 ms; a file name as text."""
from __future__ import annotations

import math
import re
import sys

# C0/C1 controls, line/paragraph separators and bidi overrides: they make one name look like two lines,
# or like another name, wherever it is printed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Every ASCII punctuation mark: CommonMark lets any of them be backslash-escaped, and escaping them all
# also defuses what Streamlit adds to Markdown (autolinked URLs, :icons:, :color[...], $math$).
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GFM turns URLs and e-mail addresses in plain text into links after escapes are resolved, so escaping
# cannot stop it; an invisible WORD JOINER inside each trigger ("http:", "www.", "@x") does.
_AUTOLINK = re.compile(r"(?i)(?<=htt)(?=ps?:)|(?<=ww)(?=w\.)|(?<=@)(?=[\w-])|(?<=mailt)(?=o:)|(?<=xmp)(?=p:)")
WORD_JOINER = "\u2060"


def _trim(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pd():
    """pandas, imported on first use: `python -m loaders load` prints through this module and must start
    without pandas (its DuckDB-native path never needs it)."""
    import pandas
    return pandas


def is_missing(value) -> bool:
    pandas = sys.modules.get("pandas")      # a pd.NA or pd.NaT can only exist once pandas is imported
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        pandas is not None and (value is pandas.NA or value is pandas.NaT))


def money(value, decimals: int | None = None, exact: bool = False) -> str:
    """$13.9M, $5.96M, $390K, $950: three significant digits, the one money format on screen (`decimals`
    fixes the decimals instead); `exact`: every dollar with thousands separators ($624,000), for what
    someone typed in."""
    if is_missing(value):
        return "—"
    sign = "-" if value < 0 else ""
    amount = abs(float(value))
    if exact:
        return f"{sign}${amount:,.0f}"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= size or (decimals is None and amount >= size * 0.9995):     # $999.6K reads $1M
            scaled = amount / size
            return f"{sign}${_trim(scaled, _significant(scaled) if decimals is None else decimals)}{suffix}"
    return f"{sign}${_trim(amount, 0)}"


def _significant(scaled: float) -> int:
    """Decimals that give three significant digits to a number in [1, 1000)."""
    return 0 if scaled >= 99.95 else 1 if scaled >= 9.995 else 2


def pct(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "—"
    return f"{_trim(float(value), decimals)}%"


def number(value, decimals: int = 1) -> str:
    if is_missing(value):
        return "—"
    amount = float(value)
    if abs(amount) >= 10_000:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(amount) >= size:
                return f"{_trim(amount / size, decimals)}{suffix}"
    return _trim(amount, decimals)


def integer(value) -> str:
    """A whole count exact, with thousands separators: 13,747 calls (never abbreviated to 13.7K)."""
    return "no data" if is_missing(value) else f"{round(float(value)):,}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """'1 batch', '1,204 batches': a whole count with its noun agreeing."""
    return f"{integer(n)} {singular if n == 1 else plural or singular + 's'}"


def score(value, decimals: int = 1) -> str:
    return "—" if is_missing(value) else f"{float(value):.{decimals}f}"


def day(value) -> str:
    """13 Jan 2025 (a date or timestamp; the time of day is not shown)."""
    pd = _pd()
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


def moment(value) -> str:
    """1 Dec 2026 04:58 (a timestamp to the minute)."""
    text = day(value)
    return f"{text} {_pd().Timestamp(value):%H:%M}" if text else ""


def value(value, unit: str | None) -> str:
    """A metric's value in its unit, as a person reads it."""
    if is_missing(value):
        return "no data"
    if unit == "$":
        return money(value)
    if unit == "$/month":
        return f"{money(value)}/month"
    if unit in ("%", "index"):      # index: a percentage that may exceed 100 (feature parity 110%)
        return pct(value, 2)
    if unit == "ms":
        return f"{number(value, 2)} ms"
    if unit == "per_sec":
        return f"{number(value)}/s"
    if unit == "done":
        return "done" if float(value) >= 100 else f"{pct(value)} done"
    if unit == "score":
        return f"{number(value)}/100"
    if unit == "points":
        return f"{number(value)} pts"
    if unit == "h":                  # hours (a response time)
        return f"{number(value)} h"
    if unit == "days":
        return f"{number(value, 0)} day{'' if float(value) == 1 else 's'}"
    return number(value)


def change(amount, unit: str | None) -> str:
    """A difference in a unit, signed: +4.2 pts (scores and percentages move in points), +$1.2M, −3 ms."""
    if is_missing(amount):
        return "—"
    size = abs(float(amount))
    if unit in ("%", "score", "index", "done"):
        shown = f"{_trim(size, 1)} pts"
    else:
        shown = value(size, unit)
    if shown.lstrip("$").startswith("0") and not any(ch in shown for ch in "123456789"):
        return f"±{shown}"              # rounds to nothing: no direction to claim
    return ("+" if amount >= 0 else "-") + shown     # ASCII minus: st.metric colours a delta by its sign


def printable(text) -> str:
    """`text` with every control character shown as its escape (\\r, \\n, \\x1b): one name stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def md_escape(text) -> str:
    """User text (a file, column, sheet or scenario name, a cell value, a message quoting them) for any place
    Streamlit renders Markdown: st.markdown/success/error/info/warning/caption/toast and widget labels.

    It shows as the characters it holds: no link, image, emphasis, heading or line break of its own.
    """
    return _MD_PUNCTUATION.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, printable(text)))
