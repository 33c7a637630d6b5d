"""Monte Carlo of the annual revenue (transforms.projection.monte_carlo): 10,000 seeded draws ≤ 50 ms.

Rows (keys name, value, unit, baseline, ratio, goal, met):
  * montecarlo_10k_ms — median wall time of ≥ 5 runs of the vectorised 10,000-draw Monte Carlo;
    baseline = the same model run draw by draw in a plain Python loop (1,000 draws, or 200 in quick
    mode, timed in the same run and scaled to 10,000); ratio = baseline ÷ value (the speed-up).
  * montecarlo_reproducible — the same seed gives the same P10/P50/P90 (value 1 = yes).
Run alone: `.venv/bin/python bench/bench_montecarlo.py [--quick]`, or through `python -m bench`.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from loaders.build import read_plan_csv  # noqa: E402
from transforms import projection as pj  # noqa: E402

GOAL_MS = 50.0
DRAWS = 10_000
RANGES = {"revenue_delivery": (70, 110), "delay_months": (0, 3), "customers": (20, 35), "churn_pct": (1, 8)}


def _base() -> pj.Baseline:
    return pj.Baseline.from_plan({n: read_plan_csv(n) for n in (
        "revenue_streams", "cost_avoidance", "customer_acquisition", "stated_totals", "teams")})


def _loop(base: pj.Baseline, levers: dict, n: int, seed: int = 42) -> list[float]:
    """The same model, one draw at a time (what a non-vectorised implementation would do)."""
    rng = np.random.default_rng(seed)
    mult = pj._mults(base, levers)
    out = []
    for _ in range(n):
        delivery, delay, customers, churn = (rng.uniform(*RANGES[k]) for k in
                                             ("revenue_delivery", "delay_months", "customers", "churn_pct"))
        out.append(float(pj._annual_core(base, mult * delivery / 100, delay, customers, levers["deal_size"],
                                         churn)[0]))
    return out


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(quick: bool) -> list[dict]:
    base = _base()
    levers = base.neutral_levers()
    pj.monte_carlo(base, levers, RANGES, n=DRAWS)                    # warm-up
    runs = 5 if quick else 15
    vectorised = _median_ms(lambda: pj.monte_carlo(base, levers, RANGES, n=DRAWS), runs)
    loop_draws = 200 if quick else 1_000
    loop = _median_ms(lambda: _loop(base, levers, loop_draws), 5 if not quick else 3) * DRAWS / loop_draws
    same = pj.monte_carlo(base, levers, RANGES, seed=7) == pj.monte_carlo(base, levers, RANGES, seed=7)
    return [
        {"name": "montecarlo_10k_ms", "value": round(vectorised, 2), "unit": "ms", "baseline": round(loop, 1),
         "ratio": round(loop / vectorised, 1), "goal": GOAL_MS, "met": vectorised <= GOAL_MS},
        {"name": "montecarlo_reproducible", "value": int(same), "unit": "bool", "baseline": 1,
         "ratio": 1.0, "goal": 1, "met": same},
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv[1:]):
        print("  ".join(f"{k}={v}" for k, v in row.items()))
