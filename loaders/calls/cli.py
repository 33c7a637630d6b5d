"""`python -m loaders calls generate|record`: the generator and the recording rules on the command line
(loaders/__main__.py hands the `calls` sub-commands it does not handle itself to `run`)."""
from __future__ import annotations


def add_commands(calls) -> None:
    """Add generate and record to the `calls` sub-parsers."""
    gen = calls.add_parser("generate", help="write N days of realistic generated call records into the store")
    gen.add_argument("--days", type=int, required=True)
    gen.add_argument("--calls-per-day", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--start", help="first day, YYYY-MM-DD (default: the plan's start)")
    gen.add_argument("--root", help="store folder (default: calls/ beside the database, or $DCE_CALLS)")
    rec = calls.add_parser("record", help="write the call rollups that match plan KPIs as observations (one batch)")
    rec.add_argument("--start", help="first day, YYYY-MM-DD (default: the first day in the store)")
    rec.add_argument("--end", help="last day, YYYY-MM-DD (default: the last day in the store)")


def run(args, actor=None) -> str:
    from datetime import date
    for name in ("start", "end"):
        value = getattr(args, name, None)
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"--{name} {value}: not a date (write YYYY-MM-DD)") from None
    if args.calls_command == "generate":
        from loaders.calls import generate
        return generate.generate(args.root, days=args.days, calls_per_day=args.calls_per_day, seed=args.seed,
                                 start=args.start).summary()
    if args.calls_command == "record":
        from loaders import build
        from loaders.calls import record
        build.ensure_built()
        result = record.record(start=args.start, end=args.end, actor=actor)
        return "no call records in the store for those days" if result is None else result.summary()
    raise AssertionError(args.calls_command)
