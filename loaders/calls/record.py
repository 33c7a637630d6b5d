"""Recording rules: the daily call rollups that match a plan KPI, written as ordinary observations.

    python -m loaders calls record [--start YYYY-MM-DD] [--end YYYY-MM-DD]

The mapping is data, `data/plan/recording_rules.csv` (rollup_column, metric_id, scale, notes; a
row without metric_id documents a rollup deliberately NOT recorded, and why). The figures of the
days asked (default: every day in the store) are written as a `metric_id,as_of,value` file and
loaded through the ordinary loader (loaders/load.py) as one batch of its own: replace by key, undo
with `python -m loaders rollback BATCH`, and every page, alert and report reads them unchanged.
Days without calls get no observation (no data is not zero); a rollup that is null on a day (no
call with routing_ms, say) is skipped for that day. Consent coverage is not recorded on a day when no
call carries a consent certificate: exports without a certificate column (Ringba's and Retreaver's
standard ones) cannot say whether a call had consent, and 0% would turn "unknown" into a red KPI.
The command line and the /calls page's button both record through `record`.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from loaders.calls import rollups, zones

CONSENT_ROLLUP = "consent_coverage_rate"


def rules():
    """The mapped rows of recording_rules.csv: rollup_column, metric_id, scale, notes."""
    import pandas as pd
    frame = pd.read_csv(zones.PLAN / "recording_rules.csv", dtype={"metric_id": str})
    unknown = sorted(set(frame["rollup_column"]) - set(rollups.ROLLUP_COLUMNS))
    if unknown:
        raise ValueError(f"recording_rules.csv names rollup columns that do not exist: {', '.join(unknown)}")
    mapped = frame[frame["metric_id"].notna() & (frame["metric_id"].str.strip() != "")].copy()
    mapped["scale"] = mapped["scale"].fillna(1.0).astype(float)
    return mapped.reset_index(drop=True)


def observations(root=None, *, start=None, end=None, engine="duckdb"):
    """metric_id, as_of, value for the mapped rollups of each day in [start, end]."""
    import pandas as pd
    mapped = rules()
    daily = rollups.daily(root, start=start, end=end, engine=engine)
    parts = []
    for r in mapped.itertuples():
        part = pd.DataFrame({"metric_id": r.metric_id, "as_of": pd.to_datetime(daily["day"]).dt.date,
                             "value": daily[r.rollup_column].astype(float) * r.scale})
        if r.rollup_column == CONSENT_ROLLUP:
            part = part[daily["consent_calls"].to_numpy() > 0]          # no certificate column: unknown, not 0%
        parts.append(part.dropna(subset=["value"]))
    if not parts:
        return pd.DataFrame(columns=["metric_id", "as_of", "value"])
    return pd.concat(parts, ignore_index=True).sort_values(["metric_id", "as_of"], ignore_index=True)


def record(root=None, *, start=None, end=None, db: Path | None = None, engine="duckdb",
           actor=None):
    """Load the mapped figures as one observations batch; returns the loader's LoadResult (or None
    when the store has no call in the range)."""
    from loaders import load
    frame = observations(root, start=start, end=end, engine=engine)
    if frame.empty:
        return None
    first, last = frame["as_of"].min(), frame["as_of"].max()
    name = f"call-rollups_{first}_{last}.csv"
    with tempfile.TemporaryDirectory(prefix="dce-record-") as tmp:
        path = Path(tmp) / name
        frame.to_csv(path, index=False, float_format="%.10g")
        return load.load_file(path, "observations", display_name=name, actor=actor, db=db)
