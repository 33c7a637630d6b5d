"""`python -m bench [--quick] [module ...]`: run every bench/bench_*.py, write bench/results.json, print a table.

Each module exposes `run(quick: bool) -> list[dict]`; a row has name, value, unit, baseline, ratio,
goal, met. Every figure is a median of several runs measured side by side with its baseline in
the same run. A module that fails yields one unmet row naming the error, and the others still run.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(mem / 1024 / 1024, 1),
            "load_avg": os.getloadavg(), "python": platform.python_version()}


def table(rows: list[dict]) -> str:
    def fmt(v):
        if v is None:
            return "—"
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"
        return str(v)
    head = ["name", "value", "unit", "baseline", "ratio", "goal", "met"]
    body = [[fmt(r.get(k)) if k != "met" else ("✅" if r["met"] else "❌") for k in head] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(b) for b in body])


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    only = [a for a in argv if not a.startswith("--")]
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        names = [n for n in names if n in only or n.removeprefix("bench_") in only]
    rows, started = [], time.perf_counter()
    for name in names:
        print(f"== {name} ({'quick' if quick else 'full'})", file=sys.stderr)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            got = module.run(quick)
        except Exception as exc:   # one module failing must not hide the others
            traceback.print_exc()
            got = [{"name": name, "value": None, "unit": "", "baseline": None, "ratio": None,
                    "goal": f"error: {type(exc).__name__}: {str(exc)[:120]}", "met": False}]
        for r in got:
            r.setdefault("module", name)
        rows += got
        print(f"   {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    result = {"quick": quick, "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
              "seconds": round(time.perf_counter() - started, 1), "rows": rows}
    (HERE / "results.json").write_text(json.dumps(result, indent=1, default=str))
    print(table(rows))
    m = result["machine"]
    print(f"\n{m['nproc']} cores · {m['cpu']} · {m['ram_gb']} GB RAM · load {m['load_avg'][0]:.1f} · "
          f"{'quick' if quick else 'full'} run in {result['seconds']:.0f} s · bench/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
