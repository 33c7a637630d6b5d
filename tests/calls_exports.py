"""Ringba-style and Retreaver-style call exports, made in the test (no file of theirs is needed), and the
expected counts worked out from the file with plain pandas (never the app's code)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ZONE = "America/Los_Angeles"       # data/plan/calendar.csv reporting_timezone
NPAS = {"310": "CA", "305": "FL", "212": "NY", "512": "TX", "602": "AZ"}
PUBLISHERS = ["Pub Alpha", "Pub Beta", "Pub Gamma"]
BUYERS = ["Buyer One", "Buyer Two"]


def _numbers(rng, n: int) -> list[str]:
    npas = rng.choice(list(NPAS), n)
    lines = rng.integers(2000000, 9999999, n)
    return [f"{a}{b}" for a, b in zip(npas, lines)]


def ringba(n: int = 240, seed: int = 1, first_day: str = "2025-01-20", days: int = 3, id_from: int = 0) -> pd.DataFrame:
    """Ringba call-log columns; callDt as Ringba writes it (local wall-clock time, no offset)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(first_day) + pd.to_timedelta(rng.integers(0, days * 86400, n), unit="s")
    digits = _numbers(rng, n)
    connected = rng.random(n) < 0.7
    blocked = ~connected & (rng.random(n) < 0.3)
    tcpa = blocked & (rng.random(n) < 0.5)
    payout = connected & (rng.random(n) < 0.6)
    converted = payout & (rng.random(n) < 0.5)
    talk = np.where(connected, rng.integers(5, 900, n), 0)
    revenue = np.where(payout, rng.integers(10, 60, n), 0).astype(float)
    return pd.DataFrame({
        "inboundCallId": [f"RGB{id_from + i:06d}" for i in range(n)],
        "callDt": start.strftime("%Y-%m-%d %H:%M:%S"),
        "inboundPhoneNumber": [f"({d[:3]}) {d[3:6]}-{d[6:]}" if i % 2 else f"+1{d}" for i, d in enumerate(digits)],
        "campaignName": rng.choice(["Auto Insurance", "Medicare"], n),
        "publisherName": rng.choice(PUBLISHERS, n),
        "buyer": np.where(connected, rng.choice(BUYERS, n), ""),
        "targetName": np.where(connected, "target-1", ""),
        "hasConnected": np.where(connected, "true", "false"),
        "callLengthInSeconds": talk + rng.integers(3, 40, n),
        "connectedCallLengthInSeconds": talk,
        "timeToConnectInSeconds": np.where(connected, rng.integers(1, 20, n), 0),
        "endCallSource": rng.choice(["Caller", "Target", "System"], n),
        "isDuplicate": np.where(rng.random(n) < 0.05, "true", "false"),
        "wasBlocked": np.where(blocked, "true", "false"),
        "blockReason": np.where(blocked, np.where(tcpa, "TCPA Litigator", "Spam"), ""),
        "wasBlockedByTCPA": np.where(tcpa, "true", "false"),
        "hasConverted": np.where(converted, "true", "false"),
        "hasPayout": np.where(payout, "true", "false"),
        "noPayoutReason": np.where(payout, "", "Short call"),
        "conversionAmount": revenue,
        "payoutAmount": revenue * 0.6,
        "totalCost": np.round(rng.random(n) * 0.3, 2),
        "profitGross": revenue * 0.4,
    }), digits


def retreaver(n: int = 180, seed: int = 2, first_day: str = "2025-01-21", days: int = 2) -> pd.DataFrame:
    """Retreaver calls columns; start_time with its UTC offset (the instant is explicit)."""
    rng = np.random.default_rng(seed)
    start = (pd.Timestamp(first_day, tz=ZONE) + pd.to_timedelta(rng.integers(0, days * 86400, n), unit="s"))
    digits = _numbers(rng, n)
    connected = rng.random(n) < 0.65
    payable = connected & (rng.random(n) < 0.55)
    revenue = np.where(payable, rng.integers(15, 80, n), 0).astype(float)
    return pd.DataFrame({
        "uuid": [f"4f1c-{seed}-{i:05d}" for i in range(n)],
        "start_time": start.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "caller": [f"1{d}" for d in digits],
        "caller_state": [NPAS[d[:3]] for d in digits],
        "cid": rng.choice(["C-100", "C-200"], n),
        "afid": rng.choice(["AF-1", "AF-2", "AF-3", "AF-4"], n),
        "sid": "sub",
        "target_id": np.where(connected, rng.choice(["T-9", "T-8"], n), ""),
        "connected": np.where(connected, "yes", "no"),
        "total_duration": rng.integers(5, 600, n),
        "dialed_call_duration": np.where(connected, rng.integers(1, 500, n), 0),
        "ivr_duration": 0,
        "time_to_connect_in_seconds": np.where(connected, rng.integers(1, 30, n), 0),
        "hung_up_by": rng.choice(["caller", "target"], n),
        "duplicate": np.where(rng.random(n) < 0.1, "TRUE", "FALSE"),
        "repeat": np.where(rng.random(n) < 0.2, "TRUE", "FALSE"),
        "converted": np.where(payable & (rng.random(n) < 0.5), "TRUE", "FALSE"),
        "payable": np.where(payable, "TRUE", "FALSE"),
        "revenue": revenue,
        "payout": revenue / 2,
        "total_cost": 0.05,
        "profit_gross": revenue / 2 - 0.05,
    }), digits


def save(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="Calls")
    return path


def truth(frame: pd.DataFrame, shape: str) -> pd.DataFrame:
    """One row per distinct call id with day (reporting zone), publisher, connected, billable, converted,
    revenue — from the export as pandas reads it."""
    if shape == "ringba":
        t = pd.to_datetime(frame["callDt"]).dt.tz_localize(ZONE)
        yes = lambda c: frame[c].astype(str).str.lower() == "true"   # noqa: E731
        out = pd.DataFrame({"call_id": frame["inboundCallId"], "day": t.dt.strftime("%Y-%m-%d"),
                            "publisher": frame["publisherName"], "connected": yes("hasConnected"),
                            "billable": yes("hasPayout"), "converted": yes("hasConverted"),
                            "blocked": yes("wasBlocked"), "tcpa": yes("wasBlockedByTCPA"),
                            "revenue": frame["conversionAmount"].astype(float)})
    else:
        t = pd.to_datetime(frame["start_time"], utc=True).dt.tz_convert(ZONE)
        yes = lambda c: frame[c].astype(str).str.lower().isin(["yes", "true"])   # noqa: E731
        out = pd.DataFrame({"call_id": frame["uuid"], "day": t.dt.strftime("%Y-%m-%d"), "publisher": frame["afid"],
                            "connected": yes("connected"), "billable": yes("payable"), "converted": yes("converted"),
                            "blocked": False, "tcpa": False, "revenue": frame["revenue"].astype(float)})
    return out.drop_duplicates("call_id")
