"""The canonical call record, declared once: importers map exports onto it, the generator writes it,
rollups read it (on DuckDB or Spark), and the Parquet store is laid out by it.

Storage: `<calls root>/day=YYYY-MM-DD/part-<batch>.parquet` (Hive partitioning), where `day` is the
call's start date in the exchange's reporting time zone (calendar.csv `reporting_timezone`). DuckDB
reads the folder in place (`read_parquet('<root>/*/*.parquet', hive_partitioning = true)`); the same
layout moves to object storage unchanged.

Privacy (GDPR): the caller's number is never stored. `caller_hash` is a salted SHA-256 of the
normalised E.164 number (per-install salt); `caller_state` and `caller_area_code` are kept because the
calling-hours checks need them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallColumn:
    name: str
    arrow_type: str          # pyarrow type name: string, timestamp[us, tz=UTC], bool, double, int32
    required: bool
    description: str


COLUMNS: tuple[CallColumn, ...] = (
    CallColumn("call_id", "string", True, "The export's call id (Ringba inboundCallId, Retreaver uuid); "
               "the key: a call seen in two overlapping exports is stored once."),
    CallColumn("start_ts", "timestamp[us, tz=UTC]", True, "When the call came in, in UTC."),
    CallColumn("caller_hash", "string", False, "Salted SHA-256 of the caller's number (never the number)."),
    CallColumn("caller_state", "string", False, "US state (2 letters) of the caller, for calling-hour windows."),
    CallColumn("caller_area_code", "string", False, "NPA of the caller's number (3 digits)."),
    CallColumn("campaign", "string", False, "Campaign name."),
    CallColumn("publisher", "string", False, "Traffic source that sent the call."),
    CallColumn("buyer", "string", False, "Buyer (target) the call was routed to; empty if not routed."),
    CallColumn("connected", "bool", True, "The call reached a buyer."),
    CallColumn("duration_s", "double", False, "Total call length, seconds."),
    CallColumn("connected_duration_s", "double", False, "Talk time with the buyer, seconds (handle time)."),
    CallColumn("time_to_connect_s", "double", False, "Seconds from arrival to the buyer answering."),
    CallColumn("ended_by", "string", False, "Who hung up: caller, buyer or system."),
    CallColumn("is_duplicate", "bool", False, "The exchange flagged the call as a duplicate."),
    CallColumn("is_repeat", "bool", False, "The caller called before within the repeat window."),
    CallColumn("blocked", "bool", False, "The call was blocked before routing."),
    CallColumn("blocked_by_tcpa", "bool", False, "Blocked by a TCPA rule (litigator, DNC, calling hours)."),
    CallColumn("block_reason", "string", False, "Why it was blocked, as the export says."),
    CallColumn("converted", "bool", False, "The buyer's conversion event fired."),
    CallColumn("billable", "bool", False, "The buyer pays for the call (Ringba hasPayout, Retreaver payable)."),
    CallColumn("revenue", "double", False, "What the buyer pays the exchange, USD."),
    CallColumn("payout", "double", False, "What the exchange pays the publisher, USD."),
    CallColumn("total_cost", "double", False, "Telephony and other cost of the call, USD."),
    CallColumn("routing_ms", "double", False, "Routing decision time, milliseconds, where the export has it."),
    CallColumn("consent_certificate", "string", False, "Consent certificate id (TrustedForm/Jornaya), if any."),
)

KEY = "call_id"
PARTITION = "day"
NAMES = tuple(c.name for c in COLUMNS)


def column(name: str) -> CallColumn:
    return next(c for c in COLUMNS if c.name == name)


def arrow_schema():
    """The pyarrow schema of a stored call record (without the `day` partition column)."""
    import pyarrow as pa
    types = {"string": pa.string(), "bool": pa.bool_(), "double": pa.float64(), "int32": pa.int32(),
             "timestamp[us, tz=UTC]": pa.timestamp("us", tz="UTC")}
    return pa.schema([pa.field(c.name, types[c.arrow_type], nullable=not c.required) for c in COLUMNS])


def calls_root(db_file=None):
    """Where the call-record Parquet store lives: `calls/` beside the database file ($DCE_CALLS overrides)."""
    import os
    from pathlib import Path

    from loaders.db import db_path
    if os.environ.get("DCE_CALLS"):
        return Path(os.environ["DCE_CALLS"])
    return Path(db_file or db_path()).parent / "calls"
