"""Shared helpers for the benchmarks: medians, timing, result rows, free ports, sub-processes."""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def median(values) -> float:
    return float(statistics.median(values))


def row(name: str, value: float, unit: str, baseline: float | None, goal: str, met: bool,
        ratio: float | None = None, **extra) -> dict:
    """One result row; ratio defaults to value / baseline."""
    if ratio is None and baseline:
        ratio = value / baseline
    out = {"name": name, "value": round(value, 3), "unit": unit,
           "baseline": None if baseline is None else round(baseline, 3),
           "ratio": None if ratio is None else round(ratio, 3), "goal": goal, "met": bool(met)}
    out.update(extra)
    return out


def timed(fn, *args, **kw) -> float:
    t0 = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t0


def run_process(argv: list[str], env: dict | None = None, check: bool = True) -> float:
    """Wall seconds of one process, interpreter start included."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env={**os.environ, **(env or {})}, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {proc.stdout[-500:]} {proc.stderr[-2000:]}")
    return elapsed


def fresh_copy(src: Path, workdir: Path, name: str = "dce.duckdb") -> Path:
    dst = workdir / name
    for p in (dst, dst.with_name(dst.name + ".wal")):
        p.unlink(missing_ok=True)
    shutil.copy(src, dst)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="dce-bench-"))
