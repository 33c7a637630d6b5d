"""Record the call KPIs of some days as observations, from the /calls page (one batch, undone on /data).

The figures are the recording rules' (loaders/calls/record.py `observations`: data/plan/recording_rules.csv),
with one difference: consent coverage is not recorded on a day when no call carries a consent certificate.
Exports without a certificate column (Ringba's and Retreaver's standard ones) cannot say whether a call had
consent, and writing 0% would turn "unknown" into a red KPI. The rows are loaded through the ordinary loader,
as `record.record` does, so they replace by key and undo like any other observations file.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from loaders.calls import record, rollups, schema

CONSENT_ROLLUP = "consent_coverage_rate"


def observations(start, end, *, db: Path | None = None):
    """metric_id, as_of, value for days start..end (None: nothing in the store)."""
    root = schema.calls_root(db)
    frame = record.observations(root, start=start, end=end)
    if frame.empty:
        return frame
    daily = rollups.daily(root, start=start, end=end)
    unknown = set(daily.loc[daily["consent_calls"] == 0, "day"].dt.date)
    rules = record.rules()
    consent = set(rules.loc[rules["rollup_column"] == CONSENT_ROLLUP, "metric_id"])
    return frame[~(frame["metric_id"].isin(consent) & frame["as_of"].isin(unknown))].reset_index(drop=True)


def record_days(start, end, *, loaded_by: str | None = None, db: Path | None = None):
    """Load the figures as one observations batch; the loader's LoadResult, or None without calls."""
    from loaders import load
    frame = observations(start, end, db=db)
    if frame.empty:
        return None
    name = f"call-kpis_{frame['as_of'].min()}_{frame['as_of'].max()}.csv"
    with tempfile.TemporaryDirectory(prefix="dce-kpis-") as tmp:
        path = Path(tmp) / name
        frame.to_csv(path, index=False, float_format="%.10g")
        return load.load_file(path, "observations", display_name=name, loaded_by=loaded_by, db=db)
