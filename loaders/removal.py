"""Removing days: its own confirmed, undoable batch (the /data page's "Remove days" and its preview).

Nothing is deleted: the live values on the chosen days are marked superseded by a batch of kind
'removal' (loaders/supersede.py), and undoing that batch (load.rollback) brings them back.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from loaders import access, schema, supersede
from loaders.access import Actor
from loaders.build import next_batch_id
from loaders.db import connect, transaction
from loaders.errors import LoadError, Problem
from loaders.load import LoadResult, Replacement, _record


def _removal_args(start, end, table_name: str | None, metric_ids):
    from datetime import date as _date
    start, end = (_date.fromisoformat(str(d)[:10]) for d in (start, end))
    if end < start:
        start, end = end, start
    table = schema.TABLES[table_name] if table_name else None
    return start, end, table, sorted(set(metric_ids)) if metric_ids else None


def removal_preview(start, end, *, table_name: str | None = None, metric_ids=None,
                    db: Path | None = None) -> Replacement:
    """The live values `remove_days` would remove (nothing is written)."""
    start, end, table, ids = _removal_args(start, end, table_name, metric_ids)
    with connect(db) as con:
        return supersede.removal_preview(con, start, end, table, ids)


def removal_label(start, end, table_name: str | None = None, metric_ids=None) -> str:
    start, end, _, ids = _removal_args(start, end, table_name, metric_ids)
    days = f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    what = (", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")) if ids else \
        (f"{table_name} figures" if table_name else "every metric")
    return f"remove {days} ({what})"


def remove_days(start, end, *, table_name: str | None = None, metric_ids=None, actor: Actor | None = None,
                db: Path | None = None) -> LoadResult:
    """Remove the live values on days start..end (every metric, one table's metrics, or the given metric ids)
    as one batch of kind 'removal': nothing is deleted, and undo brings the values back."""
    actor = access.require(actor, "remove_days")
    start, end, table, ids = _removal_args(start, end, table_name, metric_ids)
    label = removal_label(start, end, table_name, ids)
    with transaction(db) as con:
        batch_id = next_batch_id(con)
        removed = supersede.remove(con, batch_id, start, end, table, ids)
        if not removed:
            raise LoadError(Problem(label, "there are no live values to remove on those days",
                                    code="nothing_to_remove"))
        _record(con, [batch_id, label, f"removal:{batch_id}", (table or schema.OBSERVATIONS).name, 0, datetime.now(),
                      actor.who, "removal", start, end, removed, actor.via])
    note = f"batch {batch_id}: {label} — {removed:,} value{'s' if removed != 1 else ''} removed (undo brings them back)"
    return LoadResult(batch_id, (table or schema.OBSERVATIONS).name, 0, label, replaced_rows=removed, note=note)
