"""Time zones and calling windows for call records, as small tables both engines can join.

- `data/plan/state_timezones.csv`: US state → IANA time zone (the state's main zone; states split
  between two zones take the one most of their people live in), its area codes and population (the
  generator's state mix).
- Calling windows come from `data/plan/regulatory_rules.csv`: the rule whose name starts with "TCPA
  calling window" is the federal window (8am–9pm); a rule "<State name> calling window ..." is that
  state's stricter window (Florida 8am–8pm). A new state rule there is picked up with no code change.
- The reporting zone is calendar.csv `reporting_timezone`.

Local time without engine time-zone functions: DuckDB's and Spark's time-zone functions differ and
depend on session settings, so rollups join `offsets()` instead, a table of UTC offsets per zone and
year with the (at most two) DST transitions of that year as UTC epoch seconds. Local seconds are then
plain integer arithmetic on the UTC epoch, identical on both engines.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

PLAN = Path(__file__).resolve().parents[2] / "data" / "plan"
NEVER = 1 << 40                     # epoch seconds far beyond any call: "no further transition this year"
YEARS = range(2000, 2051)


def _csv(name: str):
    import pandas as pd
    return pd.read_csv(PLAN / f"{name}.csv", keep_default_na=False, dtype=str)


def reporting_timezone() -> str:
    cal = _csv("calendar")
    return cal.loc[cal["key"] == "reporting_timezone", "value"].iloc[0]


@lru_cache(maxsize=1)
def states():
    """state, name, timezone, area_codes (list of str), population_m (float)."""
    frame = _csv("state_timezones")
    frame["area_codes"] = frame["area_codes"].str.split()
    frame["population_m"] = frame["population_m"].astype(float)
    return frame


_WINDOW = re.compile(r"(\d{1,2})\s*(am|pm)\s*[–-]\s*(\d{1,2})\s*(am|pm)", re.IGNORECASE)


def _hour(h: str, ampm: str) -> int:
    return int(h) % 12 + (12 if ampm.lower() == "pm" else 0)


@lru_cache(maxsize=1)
def calling_windows() -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """((federal start hour, end hour), {state code: (start hour, end hour)}) from regulatory_rules.csv.
    A call is inside a window when start ≤ local hour-of-day < end (8am–9pm: 08:00:00 to 20:59:59)."""
    rules = _csv("regulatory_rules")
    names = {n.lower(): s for s, n in zip(states()["state"], states()["name"])}
    federal, by_state = None, {}
    for rule, value in zip(rules["rule"], rules["value"]):
        if "calling window" not in rule.lower():
            continue
        m = _WINDOW.search(value)
        if not m:
            raise ValueError(f"regulatory_rules.csv: cannot read hours from {rule!r}: {value!r}")
        window = (_hour(m[1], m[2]), _hour(m[3], m[4]))
        if rule.upper().startswith("TCPA"):
            federal = window
        else:
            state = names.get(rule.lower().split(" calling window")[0].strip())
            if state is None:
                raise ValueError(f"regulatory_rules.csv: {rule!r} names no state in state_timezones.csv")
            by_state[state] = window
    if federal is None:
        raise ValueError("regulatory_rules.csv has no 'TCPA calling window' rule")
    return federal, by_state


def _transitions(zone: str, year: int) -> list[tuple[int, int]]:
    """[(utc epoch second of the change, offset seconds after it)] within `year`, at most two."""
    tz = ZoneInfo(zone)

    def offset(epoch: int) -> int:
        return int(datetime.fromtimestamp(epoch, tz).utcoffset().total_seconds())

    start = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
    marks = [start + int(timedelta(days=d).total_seconds()) for d in range(0, 366, 14)]
    marks.append(int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp()))
    out = []
    for lo, hi in zip(marks, marks[1:]):
        if offset(lo) == offset(hi):
            continue
        while hi - lo > 1:                          # bisect to the second
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
        out.append((hi, offset(hi)))
    return out


def offsets(zones, years=YEARS):
    return _offsets(tuple(sorted(set(zones))), tuple(years)).copy()


@lru_cache(maxsize=None)
def _offsets(zones: tuple, years: tuple):
    """zone, year, o0, t1, o1, t2, o2: offset o0 before UTC second t1, o1 from t1 to t2, o2 from t2
    (t1 = t2 = NEVER when the zone has no DST that year). Key: (zone, year of the call's `day`); the
    year of the reporting day equals the UTC year except around New Year, where no US zone changes."""
    import pandas as pd
    rows = []
    for zone in zones:
        for year in years:
            jan = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
            o0 = int(datetime.fromtimestamp(jan, ZoneInfo(zone)).utcoffset().total_seconds())
            ts = _transitions(zone, year)[:2]
            t1, o1 = ts[0] if ts else (NEVER, o0)
            t2, o2 = ts[1] if len(ts) > 1 else (NEVER, o1)
            rows.append((zone, year, o0, t1, o1, t2, o2))
    return pd.DataFrame(rows, columns=["zone", "year", "o0", "t1", "o1", "t2", "o2"]).astype(
        {"year": "int32", "o0": "int64", "t1": "int64", "o1": "int64", "t2": "int64", "o2": "int64"})


def state_rules():
    """state, zone, own_window (bool: the state has its own window), and seconds of the local day:
    fed_start_s/fed_end_s (federal window), state_start_s/state_end_s (the state's own window, the
    federal one where it has none), win_start_s/win_end_s (the window that applies: the narrower).
    No nullable columns: both engines receive plain ints and bools."""
    federal, by_state = calling_windows()
    frame = states()[["state", "timezone"]].rename(columns={"timezone": "zone"}).copy()
    frame["own_window"] = frame["state"].isin(list(by_state))
    own = [by_state.get(s, federal) for s in frame["state"]]
    frame["fed_start_s"] = federal[0] * 3600
    frame["fed_end_s"] = federal[1] * 3600
    frame["state_start_s"] = [w[0] * 3600 for w in own]
    frame["state_end_s"] = [w[1] * 3600 for w in own]
    frame["win_start_s"] = frame[["fed_start_s", "state_start_s"]].max(axis=1)
    frame["win_end_s"] = frame[["fed_end_s", "state_end_s"]].min(axis=1)
    cols = ["fed_start_s", "fed_end_s", "state_start_s", "state_end_s", "win_start_s", "win_end_s"]
    return frame.astype({c: "int64" for c in cols})


def local_seconds(epoch, zone: str):
    """Vectorised local wall-clock epoch seconds for numpy int64 UTC epoch seconds (the generator)."""
    import numpy as np
    first, o0, t1, o1, t2, o2 = _zone_arrays(zone)
    years = np.asarray(epoch, dtype="datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970 - first
    off = np.where(epoch < t1[years], o0[years], np.where(epoch < t2[years], o1[years], o2[years]))
    return epoch + off


@lru_cache(maxsize=None)
def _zone_arrays(zone: str):
    table = _offsets((zone,), tuple(YEARS))
    return (YEARS.start, *(table[c].to_numpy() for c in ("o0", "t1", "o1", "t2", "o2")))
