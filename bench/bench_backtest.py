"""Back-test of the pace projections on the 12-week sample history (transforms.pace.backtest).

From the end of weeks 4, 6 and 8, every metric with a target due by week 12 is projected to the end of
week 12 and its verdict (on track / at risk / off track) compared with whether the target was met at
week 12. Row pace_backtest_hit_rate: the share of verdicts the flattening curve (the app's model) gets
right; baseline = the straight line the app used before (the last two weeks' slope), on the same
predictions in the same run; ratio = value ÷ baseline. Deterministic: the sample is seeded.
Run alone: `python -m bench.bench_backtest`.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import row, workdir  # noqa: E402

FROM_WEEKS = (4, 6, 8)
END_WEEK = 12


def hit_rates(db: Path) -> dict[str, object]:
    """{model: (hit rate %, predictions, {from week: hit rate %})} on the sample database `db`."""
    import duckdb

    from loaders import queries
    from transforms import pace
    from transforms.calendar import week_end
    with duckdb.connect(str(db), read_only=True) as con:
        trends = {w: queries.trend_inputs(con, week_end(w)) for w in FROM_WEEKS}
        actual = queries.latest_values(con, week_end(END_WEEK))
        targets, registry = queries.targets(con), queries.registry(con)
    out = {}
    for model in (pace.LINEAR, pace.FLATTENING):
        result = pace.backtest(trends, actual, targets, registry, END_WEEK, model=model)
        by_week = result.groupby("from_week")["hit"].mean().mul(100).round(1).to_dict()
        out[model] = (float(result["hit"].mean() * 100), len(result), by_week)
    return out


def sample_db() -> Path:
    from loaders import build, sample
    path = workdir() / "dce.duckdb"
    build.build(path)
    sample.load_sample(path)
    return path


def run(quick: bool) -> list[dict]:
    from transforms import pace
    db = sample_db()
    try:
        rates = hit_rates(db)
    finally:
        shutil.rmtree(db.parent, ignore_errors=True)
    (after, n, weeks_after), (before, _, weeks_before) = rates[pace.FLATTENING], rates[pace.LINEAR]
    return [row("pace_backtest_hit_rate", after, "%", before, "≥ the straight line's (ratio ≥ 1)", after >= before,
                predictions=n, by_from_week=weeks_after, baseline_by_from_week=weeks_before)]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv[1:]):
        print("  ".join(f"{k}={v}" for k, v in r.items()))
