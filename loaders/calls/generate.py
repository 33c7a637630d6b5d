"""A deterministic generator of realistic call records, written straight into the Parquet store.

    python -m loaders calls generate --days N --calls-per-day M [--seed S] [--start YYYY-MM-DD] [--root DIR]

Same arguments, same files, byte for byte (numpy's seeded generator; one stream per day and chunk).
It writes `<root>/day=YYYY-MM-DD/part-gen-s<seed>.parquet` in the canonical schema
(loaders/calls/schema.py), one file per day, streamed as row groups of at most `chunk` calls, so
memory is bounded by the chunk, not by the volume. Generated files are not an import batch (the
importer's undo does not list them): remove them with `rm <root>/day=*/part-gen-s<seed>.parquet`.

What the records look like:
- Volume: `calls_per_day` on average over all days (exact total days × M), a weekday effect
  (Saturday ~0.55×, Sunday ~0.45× a weekday) and ±5% day noise; a diurnal curve in the reporting
  time zone (calendar.csv), peaking late morning Pacific, quiet at night.
- Callers: a state mix by population (data/plan/state_timezones.csv), a real area code of the state,
  a number hashed as the importer does (salted SHA-256 hex; the salt is `generator-salt-<seed>`; no
  number is stored). ~11% repeat callers (a caller from the previous 30 days), ~3.5% duplicates
  (the same caller through the same publisher minutes earlier; flagged is_duplicate and is_repeat,
  never billable).
- Twelve publishers (two of them poor: more litigators, fewer consent certificates, more night
  traffic) over four campaigns; nine buyers with prices, billable buffers and DAILY CAPS: once a
  buyer's cap is reached its calls go to another buyer of the campaign with room, and when none
  has room the call is unrouted (no buyer, not connected, ended by the system). Weekday evenings
  run out of capacity; weekends do not.
- Blocks: TCPA (known litigator, DNC, outside calling hours: the TCPA Shield catches most calls
  placed outside the caller's local window, federal 8am–9pm, Florida 8am–8pm, and lets a share
  through, shrinking over the period) and non-TCPA (spam score, anonymous caller id).
- routing_ms: log-normal around a median that improves over the period (2.4 ms → 0.4 ms) with a
  Pareto tail; missing on blocked calls and on ~2% of the rest (exports without it).
- Consent certificates (TrustedForm / Jornaya ids) on most calls, coverage improving over time.
- Durations in whole seconds, revenue per billable call by buyer, payout a publisher share of it,
  telephony cost per minute.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from loaders.calls import schema, zones

HOUR_WEIGHTS = np.array([0.2, 0.15, 0.1, 0.1, 0.2, 1.0, 2.2, 3.6, 4.6, 5.2, 5.4, 5.3, 5.0, 4.8, 4.6, 4.3,
                         3.5, 2.6, 1.6, 1.0, 0.7, 0.5, 0.4, 0.3])          # reporting-zone hour of day
WEEKDAY_FACTOR = np.array([1.0, 1.03, 1.01, 0.98, 0.94, 0.55, 0.45])       # Monday … Sunday
NIGHT_HOURS = np.array([h < 6 or h >= 20 for h in range(24)])

CAMPAIGNS = ("Medicare Advantage", "Final Expense", "Auto Insurance", "Home Services")
CAMPAIGN_WEIGHTS = np.array([0.38, 0.22, 0.25, 0.15])

# name, weight, night bias, litigator rate, consent rate (start → end of period), payout share, quality
PUBLISHERS = (
    ("LeadNest Media", 0.16, 0.0, 0.002, (0.95, 0.995), 0.70, 1.05),
    ("CallSpring", 0.13, 0.1, 0.003, (0.93, 0.99), 0.68, 1.00),
    ("Apex Inbound", 0.11, 0.0, 0.002, (0.96, 0.995), 0.72, 1.10),
    ("BlueHarbor Leads", 0.10, 0.2, 0.004, (0.92, 0.985), 0.66, 0.95),
    ("Quotewell", 0.09, 0.0, 0.002, (0.94, 0.99), 0.70, 1.00),
    ("RingRoute Partners", 0.08, 0.3, 0.005, (0.90, 0.98), 0.65, 0.90),
    ("Summit Performance", 0.08, 0.0, 0.002, (0.95, 0.995), 0.71, 1.05),
    ("TrueNorth Calls", 0.07, 0.1, 0.003, (0.93, 0.99), 0.69, 1.00),
    ("Velocity Direct", 0.06, 1.5, 0.018, (0.70, 0.90), 0.60, 0.80),
    ("Nimbus Media", 0.05, 0.2, 0.004, (0.91, 0.985), 0.67, 0.95),
    ("Keystone Affiliates", 0.04, 0.0, 0.002, (0.95, 0.995), 0.72, 1.05),
    ("Pinnacle Call Co", 0.03, 2.0, 0.025, (0.60, 0.85), 0.58, 0.75),
)
# name, campaign index, share of the campaign, cap as a share of its weekday demand, price USD,
# billable buffer s, answer rate, conversion rate of billable calls
BUYERS = (
    ("HealthFirst Agency", 0, 0.45, 0.42, 55.0, 120, 0.90, 0.45),
    ("SeniorPlan Direct", 0, 0.35, 0.33, 48.0, 90, 0.88, 0.40),
    ("CareBridge Insurance", 0, 0.20, 0.20, 42.0, 90, 0.85, 0.35),
    ("Legacy Life Group", 1, 0.60, 0.55, 38.0, 120, 0.87, 0.38),
    ("Evergreen Final Expense", 1, 0.40, 0.38, 34.0, 90, 0.84, 0.33),
    ("DriveSafe Quotes", 2, 0.55, 0.50, 24.0, 60, 0.91, 0.30),
    ("RoadShield Insurance", 2, 0.45, 0.42, 21.0, 60, 0.89, 0.28),
    ("HomePro Network", 3, 0.70, 0.70, 18.0, 60, 0.86, 0.25),
    ("FixIt Local", 3, 0.30, 0.32, 16.0, 45, 0.82, 0.22),
)
TCPA_REASONS = ("TCPA: known litigator", "TCPA: national DNC registry", "TCPA: outside calling hours")
OTHER_REASONS = ("Spam score", "Anonymous caller ID")
CHUNK = 500_000


@dataclass(frozen=True)
class Generated:
    rows: int
    days: int
    files: int
    seconds: float
    root: Path

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0
        return (f"generated {self.rows:,} calls over {self.days} days into {self.root} "
                f"({self.files} files, {self.seconds:.1f} s, {rate:,.0f} rows/s)")


def _splitmix(x: np.ndarray) -> np.ndarray:
    """A 64-bit integer hash (splitmix64), vectorised: caller index → stable pseudo-random bits."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class _Callers:
    """Caller index → state, area code, 10-digit number; the same index always gives the same caller."""

    def __init__(self, seed: int):
        st = zones.states()
        self.states = st["state"].to_numpy()
        w = st["population_m"].to_numpy()
        self.cum = np.cumsum(w) / w.sum()
        codes = [c for cs in st["area_codes"] for c in cs]
        self.codes = np.array([int(c) for c in codes], dtype=np.int64)
        self.first = np.cumsum([0] + [len(cs) for cs in st["area_codes"]])[:-1]
        self.count = np.array([len(cs) for cs in st["area_codes"]])
        self.mix = np.uint64(seed * 0x100000001B3 + 7)

    def lookup(self, idx: np.ndarray):
        h = _splitmix(idx.astype(np.uint64) ^ self.mix)
        u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
        state = np.minimum(np.searchsorted(self.cum, u), len(self.cum) - 1)
        h2 = _splitmix(h)
        code = self.codes[self.first[state] + (h2 % self.count[state].astype(np.uint64)).astype(np.int64)]
        exchange = 200 + (h2 >> np.uint64(20)) % np.uint64(800)
        line = (h2 >> np.uint64(40)) % np.uint64(10000)
        number = code * 10_000_000 + exchange.astype(np.int64) * 10_000 + line.astype(np.int64)
        return state, number


def day_counts(days: int, calls_per_day: int, seed: int, start: date) -> np.ndarray:
    """Calls per day: weekday effect and ±5% noise, scaled so the total is exactly days × calls_per_day."""
    rng = np.random.default_rng([seed, 0])
    w = np.array([WEEKDAY_FACTOR[(start + timedelta(d)).weekday()] for d in range(days)])
    w = w * rng.lognormal(0.0, 0.05, days)
    raw = w / w.sum() * days * calls_per_day
    counts = np.floor(raw).astype(np.int64)
    rest = days * calls_per_day - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def _utc_seconds(day: date, sod: np.ndarray, zone: str) -> np.ndarray:
    """UTC epoch seconds of local wall-clock seconds-of-day on `day` in `zone` (DST gaps shift forward)."""
    import pandas as pd
    wall = pd.to_datetime(np.datetime64(day, "s") + sod.astype("timedelta64[s]"))
    local = wall.tz_localize(zone, ambiguous=np.zeros(len(sod), dtype=bool), nonexistent="shift_forward")
    return local.as_unit("s").asi8


class _State:
    """What carries from chunk to chunk: callers seen so far and the buyers' use of today's caps."""

    def __init__(self):
        self.fresh = 0
        self.used = np.zeros(len(BUYERS), dtype=np.int64)


def generate(root=None, *, days: int, calls_per_day: int, seed: int = 1, start=None,
             chunk: int = CHUNK) -> Generated:
    """Write days × calls_per_day call records under `root` (default schema.calls_root())."""
    import duckdb
    import pyarrow.parquet as pq
    if days < 1 or calls_per_day < 1:
        raise ValueError("days and calls per day must be at least 1")
    root = Path(root or schema.calls_root())
    start = date.fromisoformat(str(start)) if start else _plan_start()
    counts = day_counts(days, calls_per_day, seed, start)
    caps = _caps(calls_per_day)
    callers, state, zone = _Callers(seed), _State(), zones.reporting_timezone()
    rules = zones.state_rules()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t0, files = time.perf_counter(), 0
    for d in range(days):
        day = start + timedelta(d)
        progress = d / max(days - 1, 1)
        state.used[:] = 0
        rng = np.random.default_rng([seed, 1, d])
        per_hour = rng.multinomial(counts[d], HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        folder = root / f"day={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-gen-s{seed}.parquet"
        tmp = target.with_suffix(".parquet.tmp")
        done = 0
        with pq.ParquetWriter(tmp, schema.arrow_schema(), compression="zstd") as writer:
            for c, hours in enumerate(_chunks(per_hour, chunk)):
                crng = np.random.default_rng([seed, 2, d, c])
                table = _chunk(crng, con, day, hours, per_hour, done, seed, progress, callers, state,
                               caps, rules, zone)
                writer.write_table(table)
                done += table.num_rows
        os.replace(tmp, target)
        files += 1
    con.close()
    return Generated(int(counts.sum()), days, files, time.perf_counter() - t0, root)


def _plan_start() -> date:
    import pandas as pd
    cal = pd.read_csv(zones.PLAN / "calendar.csv", dtype=str)
    return date.fromisoformat(cal.loc[cal["key"] == "plan_start", "value"].iloc[0])


def _caps(calls_per_day: int) -> np.ndarray:
    """Daily cap per buyer: a share of its campaign's weekday demand (total capacity < demand at peaks)."""
    return np.array([max(1, int(round(calls_per_day * CAMPAIGN_WEIGHTS[b[1]] * b[3] * 0.97)))
                     for b in BUYERS], dtype=np.int64)


def _chunks(per_hour: np.ndarray, chunk: int):
    """Consecutive hours grouped into chunks of at most `chunk` calls (an hour is never split)."""
    group, size = [], 0
    for h, n in enumerate(per_hour):
        if group and size + n > chunk:
            yield group
            group, size = [], 0
        group.append(h)
        size += n
    if group:
        yield group


def _pick(rng, n: int, weights: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(n)), len(weights) - 1)


def _chunk(rng, con, day, hours, per_hour, done, seed, progress, callers, st, caps, rules, zone):
    """One time-ordered chunk of a day's calls as a pyarrow table in the canonical schema."""
    import pyarrow as pa
    n = int(per_hour[hours].sum())
    hour = np.repeat(np.array(hours), per_hour[hours])
    sod = np.sort(hour * 3600 + rng.integers(0, 3600, n))
    hour = sod // 3600
    start_s = _utc_seconds(day, sod, zone)

    # publishers (night-biased ones send more of the night's calls) and campaigns
    pubs = np.array([p[1] for p in PUBLISHERS])
    bias = np.array([p[2] for p in PUBLISHERS])
    pub = np.where(NIGHT_HOURS[hour], _pick(rng, n, pubs * (1 + bias)), _pick(rng, n, pubs))
    camp = _pick(rng, n, CAMPAIGN_WEIGHTS)

    # callers: fresh, repeat (a caller of the last 30 days), duplicate (same caller, same publisher, minutes ago)
    u = rng.random(n)
    dup = (u < 0.035) & (np.arange(n) > 0)
    rep = ~dup & (u < 0.145) & (st.fresh > 0)
    fresh = ~dup & ~rep
    idx = np.empty(n, dtype=np.int64)
    idx[fresh] = st.fresh + np.arange(int(fresh.sum()))
    st.fresh += int(fresh.sum())
    window = max(1, min(st.fresh, 30 * len(sod)))
    idx[rep] = st.fresh - 1 - rng.integers(0, window, int(rep.sum()))
    back = np.maximum(np.arange(n) - rng.integers(1, 40, n), 0)[dup]
    idx[dup] = st.fresh                      # placeholder, resolved from the earlier call below
    for _ in range(4):                       # a duplicate of a duplicate resolves in a later pass
        idx[dup] = idx[back]
        pub[dup] = pub[back]
        camp[dup] = camp[back]
    state_i, number = callers.lookup(idx)
    state = callers.states[state_i]

    # calling hours in the caller's zone (rules rows are in state_timezones.csv order, as state_i)
    zone_of = rules["zone"].to_numpy()[state_i]
    local_sod = np.empty(n, dtype=np.int64)
    for z in np.unique(zone_of):
        m = zone_of == z
        local_sod[m] = zones.local_seconds(start_s[m], z) % 86400
    win_lo = rules["win_start_s"].to_numpy()[state_i]
    win_hi = rules["win_end_s"].to_numpy()[state_i]
    outside = (local_sod < win_lo) | (local_sod >= win_hi)

    # blocks before routing
    lit = np.array([p[3] for p in PUBLISHERS])[pub]
    leak = 0.12 * (1 - 0.75 * progress)      # share of outside-hours calls the TCPA Shield lets through
    v = rng.random(n)
    reason = np.full(n, -1)
    reason[v < lit] = 0
    reason[(reason < 0) & (v >= lit) & (v < lit + 0.005)] = 1
    reason[(reason < 0) & outside & (rng.random(n) >= leak)] = 2
    w = rng.random(n)
    reason[(reason < 0) & (w < 0.006)] = 3
    reason[(reason < 0) & (w >= 0.006) & (w < 0.009)] = 4
    blocked = reason >= 0
    tcpa = (reason >= 0) & (reason <= 2)

    # routing: preferred buyer of the campaign, daily caps, overflow to buyers with room, else unrouted
    buyer = _route(rng, camp, blocked, st, caps)
    routed = buyer >= 0
    b = np.maximum(buyer, 0)
    price, buffer_s, answer, conv = (np.array([x[i] for x in BUYERS]) for i in (4, 5, 6, 7))
    connected = routed & (rng.random(n) < answer[b])
    ttc = np.where(connected, 2 + np.round(rng.gamma(2.0, 3.0, n)), np.nan)
    short = rng.random(n) < 0.22
    talk = np.where(short, 1 + np.round(rng.exponential(12.0, n)),
                    np.round(np.minimum(rng.lognormal(np.log(210), 0.85, n), 5400)))
    talk = np.where(connected, talk, 0.0)
    ivr = rng.integers(0, 21, n).astype(float)
    duration = np.where(blocked, rng.integers(1, 6, n).astype(float),
                        np.where(connected, ivr + ttc + talk,
                                 np.where(routed, ivr + rng.integers(10, 46, n), ivr + 20)))
    e = rng.random(n)
    ended = np.where(~connected, np.where(blocked | ~routed, 2, np.where(e < 0.7, 0, 2)),
                     np.where(talk < 30, np.where(e < 0.7, 1, 0),
                              np.where(e < 0.35, 1, np.where(e < 0.95, 0, 2))))
    billable = connected & ~dup & (talk >= buffer_s[b])
    quality = np.array([p[6] for p in PUBLISHERS])[pub]
    converted = billable & (rng.random(n) < conv[b] * quality)
    revenue = np.where(billable, price[b], 0.0)
    payout = np.round(revenue * np.array([p[5] for p in PUBLISHERS])[pub], 2)
    cost = np.round(0.0025 + duration / 60 * 0.013, 4)

    median_ms = 2.4 * (0.4 / 2.4) ** progress
    routing = rng.lognormal(np.log(median_ms), 0.55, n)
    tail = rng.random(n) < 0.015
    routing[tail] += median_ms * 5 * (rng.pareto(1.5, int(tail.sum())) + 1)
    routing = np.where(blocked | (rng.random(n) < 0.02), np.nan, np.round(routing, 3))

    lo, hi = (np.array([p[4][i] for p in PUBLISHERS]) for i in (0, 1))
    consent = rng.random(n) < (lo + (hi - lo) * progress)[pub]
    cert_kind = np.where(consent, np.where(rng.random(n) < 0.7, 1, 2), 0)

    strings = _strings(con, seed, day, done, number, cert_kind)
    none_if = lambda names, i, mask: pa.array(np.array(names, dtype=object)[i], pa.string(),  # noqa: E731
                                              mask=mask)
    cols = {
        "call_id": strings.column("call_id"),
        "start_ts": pa.array(start_s * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "caller_hash": strings.column("caller_hash"),
        "caller_state": pa.array(state, pa.string()),
        "caller_area_code": pa.array((number // 10_000_000).astype(str), pa.string()),
        "campaign": none_if(CAMPAIGNS, camp, None),
        "publisher": none_if([p[0] for p in PUBLISHERS], pub, None),
        "buyer": none_if([x[0] for x in BUYERS], b, ~routed),
        "connected": pa.array(connected),
        "duration_s": pa.array(duration),
        "connected_duration_s": pa.array(talk),
        "time_to_connect_s": pa.array(ttc, from_pandas=True),
        "ended_by": none_if(["caller", "buyer", "system"], ended, None),
        "is_duplicate": pa.array(dup),
        "is_repeat": pa.array(rep | dup),
        "blocked": pa.array(blocked),
        "blocked_by_tcpa": pa.array(tcpa),
        "block_reason": none_if(TCPA_REASONS + OTHER_REASONS, np.maximum(reason, 0), ~blocked),
        "converted": pa.array(converted),
        "billable": pa.array(billable),
        "revenue": pa.array(revenue),
        "payout": pa.array(payout),
        "total_cost": pa.array(cost),
        "routing_ms": pa.array(routing, from_pandas=True),
        "consent_certificate": strings.column("consent_certificate"),
    }
    return pa.table(cols, schema=schema.arrow_schema())


def _route(rng, camp, blocked, st, caps) -> np.ndarray:
    """Buyer index per call (-1: blocked or unrouted). Calls are in time order; a buyer takes calls
    until its cap; overflow goes to a buyer of the same campaign with room left, weighted by room."""
    shares = np.array([x[2] for x in BUYERS])
    camp_of = np.array([x[1] for x in BUYERS])
    n = len(camp)
    buyer = np.full(n, -1)
    for c in range(len(CAMPAIGNS)):
        m = (camp == c) & ~blocked
        ids = np.flatnonzero(camp_of == c)
        buyer[m] = ids[_pick(rng, int(m.sum()), shares[ids])]
    pending = buyer >= 0
    for _ in range(6):
        order = np.flatnonzero(pending)
        order = order[np.argsort(buyer[order], kind="stable")]          # by buyer, then time
        bs = buyer[order]
        first = np.searchsorted(bs, bs, side="left")
        rank = np.arange(len(order)) - first + st.used[bs]
        over = order[rank >= caps[bs]]
        taken = np.bincount(buyer[pending], minlength=len(BUYERS))
        room = np.maximum(caps - st.used - taken, 0)
        if not len(over):
            break
        for c in range(len(CAMPAIGNS)):
            m = over[camp[over] == c]
            ids = np.flatnonzero(camp_of == c)
            if not len(m):
                continue
            if room[ids].sum() == 0:
                buyer[m] = -1
                continue
            buyer[m] = ids[_pick(rng, len(m), room[ids].astype(float))]
        pending = buyer >= 0
    # whatever is still over a cap after the rounds is unrouted: caps are never exceeded
    order = np.flatnonzero(buyer >= 0)
    order = order[np.argsort(buyer[order], kind="stable")]
    bs = buyer[order]
    rank = np.arange(len(order)) - np.searchsorted(bs, bs, side="left") + st.used[bs]
    buyer[order[rank >= caps[bs]]] = -1
    st.used += np.bincount(buyer[buyer >= 0], minlength=len(BUYERS))
    return buyer


def _strings(con, seed, day, done, number, cert_kind):
    """call_id, caller_hash (salted SHA-256 of the E.164 number) and consent certificate ids, built
    by DuckDB from integers (vectorised; Python string formatting would dominate the run time)."""
    import pyarrow as pa
    ints = pa.table({"i": pa.array(np.arange(done, done + len(number), dtype=np.int64)),
                     "num": pa.array(number), "cert": pa.array(cert_kind.astype(np.int8))})
    con.register("_ints", ints)
    try:
        return con.sql(
            """SELECT $prefix || lpad(i::VARCHAR, 8, '0') AS call_id,
                      sha256($salt || num::VARCHAR) AS caller_hash,
                      CASE cert WHEN 1 THEN 'https://cert.trustedform.com/' || md5($prefix || i::VARCHAR)
                                            || left(md5(i::VARCHAR || $prefix), 8)
                                WHEN 2 THEN 'LeadiD-' || upper(md5('j' || $prefix || i::VARCHAR)) END
                        AS consent_certificate
               FROM _ints""",
            params={"prefix": f"G{seed}-{day:%Y%m%d}-", "salt": f"generator-salt-{seed}+1"}).to_arrow_table()
    finally:
        con.unregister("_ints")
