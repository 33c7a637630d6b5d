"""Command line for analysts' scripts and cron jobs (the plan's daily collection).

    python -m loaders load PATH [--table NAME]   one summary line, exit 0; or one 'error:' line, exit 1
    python -m loaders history
    python -m loaders rollback BATCH_ID
    python -m loaders build
    python -m loaders sample [--remove]
    python -m loaders calls import FILE [--map COLUMN=CANONICAL ...] [--tz ZONE]   (a call export)
    python -m loaders calls generate --days N --calls-per-day M [--seed S]   (generated call records)
    python -m loaders calls record [--start DAY] [--end DAY]                 (call KPIs as observations)
    python -m loaders report [--week N] [--kind executive|technical]   the weekly report as Markdown

Every command acts as the operating-system user, or as `--as NAME` (an email, so the audit matches the
app's sign-in), recorded in the batches table with where it came from ('cli'). The command line is the
server's operator: whoever can run it can write the database file anyway, so it has the admin role
(loaders/access.py); --as names who acts, it grants nothing.

Never prints a traceback: every refusal, a mistyped command included, is one 'error:' line and exit
code 1. A file to load must be a regular file: a FIFO or a device is refused before it is opened (a
FIFO would hang the load), and a symbolic link is followed only to a file in the folder it was given
in (a link to /etc/passwd would otherwise be read, and a refusal would quote its first line). Names
are printed with control characters escaped, so one line stays one line.
"""
from __future__ import annotations

import argparse
import functools
import os
import stat
import sys
from pathlib import Path

from loaders.errors import BusyError, LoadError
from transforms.fmt import printable


class _Refused(Exception):
    """A command line or an input file we will not act on; the message is the whole 'error:' line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):     # argparse would print usage + a line and exit 2
        raise _Refused(f"{message} (python -m loaders --help lists the commands)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m loaders", description=__doc__.splitlines()[0])
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--as", dest="as_", metavar="NAME",
                     help="who acts, as recorded in the load history (default: the operating-system user)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser = functools.partial(sub.add_parser, parents=[who])
    load = sub.add_parser("load", help="load a CSV, XLSX or Parquet file as one batch")
    load.add_argument("path")
    load.add_argument("--table", help="target table (default: detected from the columns)")
    sub.add_parser("history", help="list load batches, newest first")
    rollback = sub.add_parser("rollback", help="undo one batch")
    rollback.add_argument("batch_id", type=int)
    sub.add_parser("build", help="build or refresh the database from data/plan")
    sample = sub.add_parser("sample", help="load (or --remove) the 12-week sample history")
    sample.add_argument("--remove", action="store_true")
    calls = sub.add_parser("calls", help="call records (CDRs)").add_subparsers(dest="calls_command", required=True)
    imp = calls.add_parser("import", help="import a Ringba, Retreaver or CDR export as one batch")
    imp.add_argument("path")
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=CANONICAL",
                     help="map a file column to a call-record column (empty after = to drop it)")
    imp.add_argument("--tz", help="time zone of timestamps without an offset (default: the reporting zone)")
    from loaders.calls import cli as calls_cli
    calls_cli.add_commands(calls)
    report = sub.add_parser("report", help="write a weekly report as Markdown on stdout")
    report.add_argument("--week", type=int, help="plan week (default: the week the data reaches)")
    report.add_argument("--kind", choices=("executive", "technical"), default="executive")
    return parser


def input_file(given: str) -> Path:
    """The regular file `given` names, links resolved and kept inside the folder it was given in."""
    path = Path(given)
    folder = path.absolute().parent.resolve()
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise _Refused(f"{given}: no such file") from None
    except (RuntimeError, OSError):
        raise _Refused(f"{given}: cannot be resolved (a symbolic link loop?)") from None
    if not real.is_relative_to(folder):
        raise _Refused(f"{given}: a symbolic link to a file outside its folder; refused "
                       "(copy the file into the folder, or give its real path)")
    mode = real.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        raise _Refused(f"{given}: {kind}, not a regular file; refused")
    if not os.access(real, os.R_OK):
        raise _Refused(f"{given}: not readable (permission denied)")
    return real


def _history() -> str:
    import pandas as pd

    from loaders import load
    frame = load.history()
    if not len(frame):
        return "no batches"
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(printable, na_action="ignore")
    return frame.to_string(index=False)


def _run(args) -> str:
    from loaders import access, build, load
    try:
        actor = access.operator(args.as_, via="cli")
    except ValueError as exc:
        raise _Refused(f"--as: {exc}") from None
    if args.command == "build":
        return "built the database from data/plan" if build.build(actor=actor) else "database already current"
    if args.command == "load":     # load_file builds on first run itself (opening the file once less)
        path = input_file(args.path)
        return printable(load.load_file(path, args.table, display_name=Path(args.path).name, actor=actor).summary())
    if args.command == "calls":
        if args.calls_command == "import":
            return _calls_import(args, actor)
        from loaders.calls import cli as calls_cli
        return printable(calls_cli.run(args, actor))
    build.ensure_built()
    if args.command == "rollback":
        return printable(load.rollback(args.batch_id, actor=actor))
    if args.command == "history":
        return _history()
    if args.command == "sample":
        from loaders import sample
        return sample.remove_sample(actor=actor) if args.remove else sample.load_sample(actor=actor)
    if args.command == "report":
        return _report(args.kind, args.week)
    raise AssertionError(args.command)


def _calls_import(args, actor) -> str:
    from loaders.calls import importer
    mapping = {}
    for item in args.map:
        column, sep, target = item.partition("=")
        if not sep or not column.strip():
            raise _Refused(f"--map {item}: write COLUMN=CANONICAL (e.g. --map 'Caller ID=caller')")
        mapping[column.strip()] = target.strip() or None
    path = input_file(args.path)
    result = importer.import_file(path, display_name=Path(args.path).name, column_map=mapping, zone=args.tz,
                                  actor=actor)
    return printable(result.summary())


def _report(kind: str, week: int | None) -> str:
    from loaders import bundle, db
    from transforms import report
    from transforms.calendar import PLAN_WEEKS
    if week is not None and not 0 <= week <= PLAN_WEEKS:
        raise _Refused(f"--week must lie in 0..{PLAN_WEEKS}")
    with db.connect() as con:
        return report.to_markdown(report.build(kind, bundle.report_inputs(con, week))).rstrip("\n")


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, LoadError):
        return exc.summary()
    if isinstance(exc, (BusyError, _Refused)):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: no such file"
    text = str(exc).strip()          # the contract: one line, never a traceback
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else 'unexpected failure'}"


def main(argv: list[str] | None = None) -> int:
    try:
        print(_run(_parser().parse_args(argv)))
        return 0
    except Exception as exc:   # noqa: BLE001 - every refusal is one line
        print(f"error: {printable(_error_line(exc))}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
