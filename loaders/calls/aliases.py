"""Which export column means which canonical call-record column (loaders/calls/schema.py).

Three export shapes are known by name; anything else is mapped explicitly (`--map col=canonical` on the
command line, the mapping step on /data). Names are compared as the readers normalise headers
(`readers.normalise_name`: 'inboundCallId' → 'inboundcallid', 'Start Time' → 'start_time').

Semantics we chose (the exports do not document them all):
- Ringba: `conversionAmount` is the revenue (what the buyer pays), `payoutAmount` the publisher's payout,
  `hasPayout` the call being billable, `buyer` the buyer (`targetName`, the buyer's destination, is used
  only where `buyer` is blank), `callLengthInSeconds` the whole call and `connectedCallLengthInSeconds`
  the talk time. `profitGross` and `noPayoutReason` are derived or free text: read, not stored.
- Retreaver: `cid` is the campaign, `afid` (affiliate id) the publisher, `target_id` the buyer,
  `total_duration` the whole call and `dialed_call_duration` the talk time, `payable` the call being
  billable. `sid` (sub id), `ivr_duration` and `profit_gross` are not stored.
- Generic CDR: `called_state` is the consumer's state (the party whose local calling hours apply), so it
  fills `caller_state`; `disposition` gives connected / blocked / duplicate (DISPOSITIONS below).
- The canonical names themselves are accepted too (the generator's output, or a file already renamed).
The raw phone-number column (`inboundPhoneNumber`, `caller`) maps to the pseudo-column CALLER: it is
hashed on the way in and never stored (importer).
"""
from __future__ import annotations

from loaders.calls import schema
from loaders.readers import normalise_name

CALLER = "caller"            # the raw number: read, normalised, hashed, dropped
DISPOSITION = "disposition"  # the generic CDR's outcome word: read into connected / blocked / is_duplicate
TARGET = "target"            # Ringba's targetName: the buyer where `buyer` is blank
IGNORE = None                # a known column we read past on purpose

RINGBA = {
    "inboundCallId": "call_id", "callDt": "start_ts", "inboundPhoneNumber": CALLER,
    "campaignName": "campaign", "publisherName": "publisher", "buyer": "buyer", "targetName": TARGET,
    "hasConnected": "connected", "callLengthInSeconds": "duration_s",
    "connectedCallLengthInSeconds": "connected_duration_s", "timeToConnectInSeconds": "time_to_connect_s",
    "endCallSource": "ended_by", "isDuplicate": "is_duplicate", "wasBlocked": "blocked",
    "blockReason": "block_reason", "wasBlockedByTCPA": "blocked_by_tcpa", "hasConverted": "converted",
    "hasPayout": "billable", "noPayoutReason": IGNORE, "conversionAmount": "revenue",
    "payoutAmount": "payout", "totalCost": "total_cost", "profitGross": IGNORE,
}
RETREAVER = {
    "uuid": "call_id", "start_time": "start_ts", "caller": CALLER, "caller_state": "caller_state",
    "cid": "campaign", "afid": "publisher", "sid": IGNORE, "target_id": "buyer", "connected": "connected",
    "total_duration": "duration_s", "dialed_call_duration": "connected_duration_s", "ivr_duration": IGNORE,
    "time_to_connect_in_seconds": "time_to_connect_s", "hung_up_by": "ended_by", "duplicate": "is_duplicate",
    "repeat": "is_repeat", "converted": "converted", "payable": "billable", "revenue": "revenue",
    "payout": "payout", "total_cost": "total_cost", "profit_gross": IGNORE,
}
GENERIC = {
    "call_id": "call_id", "start_ts": "start_ts", "caller": CALLER, "called_state": "caller_state",
    "duration_s": "duration_s", "disposition": DISPOSITION,
}
# Columns some exports add under other names (consent certificates, routing time): taken where present.
EXTRAS = {
    "trustedform_cert_url": "consent_certificate", "trustedform_certificate": "consent_certificate",
    "jornaya_leadid": "consent_certificate", "leadid_token": "consent_certificate",
    "routing_time_ms": "routing_ms", "routing_latency_ms": "routing_ms",
}
SOURCES = {"ringba": RINGBA, "retreaver": RETREAVER, "generic": GENERIC,
           "canonical": {n: n for n in schema.NAMES} | {CALLER: CALLER}}

# Generic CDR dispositions (compared upper-case, spaces and dashes as '_'): what each one says.
DISPOSITIONS = {
    "ANSWERED": dict(connected=True), "CONNECTED": dict(connected=True), "COMPLETED": dict(connected=True),
    "SUCCESS": dict(connected=True),
    "NO_ANSWER": dict(connected=False), "NOANSWER": dict(connected=False), "BUSY": dict(connected=False),
    "FAILED": dict(connected=False), "CANCEL": dict(connected=False), "CANCELLED": dict(connected=False),
    "ABANDONED": dict(connected=False), "CONGESTION": dict(connected=False),
    "BLOCKED": dict(connected=False, blocked=True), "DUPLICATE": dict(connected=False, is_duplicate=True),
}

# Every known header, normalised → (source, canonical or None)
_KNOWN: dict[str, tuple[str, str | None]] = {}
for _source, _table in list(SOURCES.items())[::-1]:      # the named exports win over 'canonical'
    for _name, _canonical in _table.items():
        _KNOWN[normalise_name(_name)] = (_source, _canonical)
for _name, _canonical in EXTRAS.items():
    _KNOWN.setdefault(normalise_name(_name), ("extra", _canonical))

EXPECTED_HEADERS = frozenset(_KNOWN)      # for the readers' header-row search
TARGETS = tuple(schema.NAMES) + (CALLER, DISPOSITION)    # what a column may be mapped to


def recognise(columns) -> str | None:
    """'ringba' | 'retreaver' | 'generic' | 'canonical' when the headers are call records, else None.

    A file is call records when, under one source's names, it has the call id and the start time, or at
    least four of that source's columns (so a file whose id column got renamed still reaches the mapping).
    """
    names = {normalise_name(c) for c in columns}
    best, score = None, 0
    for source, table in SOURCES.items():
        own = {normalise_name(k): v for k, v in table.items()}
        hits = names & set(own)
        keyed = {"call_id", "start_ts"} <= {own[h] for h in hits}
        points = len(hits) + (100 if keyed else 0)
        if (keyed or len(hits) >= 4) and points > score:
            best, score = source, points
    return best


def mapping(columns, explicit: dict[str, str | None] | None = None) -> tuple[dict[str, str], list[str]]:
    """({file column: canonical}, [columns nobody maps]) for normalised file headers.

    `explicit` (file column → canonical, or None to drop) wins over the aliases; its keys are matched
    normalised too. Canonical targets must be in TARGETS (the importer refuses others by name).
    """
    explicit = {normalise_name(k): v for k, v in (explicit or {}).items()}
    chosen, unknown = {}, []
    for column in columns:
        key = normalise_name(column)
        if key in explicit:
            if explicit[key]:
                chosen[column] = explicit[key]
            continue
        known = _KNOWN.get(key)
        if known is None:
            unknown.append(column)
        elif known[1] is not None:
            chosen[column] = known[1]
    return chosen, unknown
