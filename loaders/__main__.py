"""Command line for analysts' scripts and cron jobs (the plan's daily collection).

    python -m loaders load PATH [--table NAME]   one summary line, exit 0; or one 'error:' line, exit 1
    python -m loaders history
    python -m loaders rollback BATCH_ID
    python -m loaders build
    python -m loaders sample [--remove]

Never prints a traceback: every failure is one 'error:' line and exit code 1.
"""
from __future__ import annotations

import argparse
import sys

from loaders.errors import BusyError, LoadError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="load a CSV, XLSX or Parquet file as one batch")
    load.add_argument("path")
    load.add_argument("--table", help="target table (default: detected from the columns)")
    sub.add_parser("history", help="list load batches, newest first")
    rollback = sub.add_parser("rollback", help="undo one batch")
    rollback.add_argument("batch_id", type=int)
    sub.add_parser("build", help="build or refresh the database from data/plan")
    sample = sub.add_parser("sample", help="load (or --remove) the 12-week sample history")
    sample.add_argument("--remove", action="store_true")
    return parser


def _run(args) -> str:
    from loaders import build, load
    if args.command == "build":
        return "built the database from data/plan" if build.build() else "database already current"
    if args.command == "load":     # load_file builds on first run itself (opening the file once less)
        return load.load_file(args.path, args.table).summary()
    build.ensure_built()
    if args.command == "rollback":
        return load.rollback(args.batch_id)
    if args.command == "history":
        frame = load.history()
        return frame.to_string(index=False) if len(frame) else "no batches"
    if args.command == "sample":
        from loaders import sample
        return sample.remove_sample() if args.remove else sample.load_sample()
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(_run(args))
        return 0
    except LoadError as exc:
        print(f"error: {exc.summary()}")
    except BusyError as exc:
        print(f"error: {exc}")
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file")
    except Exception as exc:   # the contract: one line, never a traceback
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unexpected failure'}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
