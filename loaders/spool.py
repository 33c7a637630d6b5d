"""An upload as the /data page holds it: spooled to disk, read and validated in the capped child.

Why: validating a 200 MB upload inside the Streamlit server cost about 1 GB there (pandas), three
at once grew it past 3.5 GB, and none of it came back. Now the server keeps, per upload:
- the file's bytes in an anonymous temporary file (`readers.Spooled`): disk, not memory, and gone
  with its descriptor whatever way the process ends;
- the validated rows as an Arrow IPC file the child wrote, memory-mapped here as zero-copy pandas
  columns: disk pages, which `readers.evict` hands back to the kernel when they go idle;
- the problems, notes and the file's column names and types: small.
Reading and validating run in `readers.run_sandboxed` (address-space, CPU and wall-time limits), so
the worst a file can do is get itself refused. The references (metric ids and units, team names) are
read here and passed in: the child never opens the database, where another process's lock would
turn it away.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from loaders import load, readers, schema
from loaders.build import ensure_built

# Validating in the child needs more address space than parsing: a 199 MB CSV of 6.9M observations
# reached 3.4 GB of virtual memory (1.4 GB resident) there, DuckDB's and pandas' reservations included.
PREPARE_LIMITS = replace(readers.DEFAULT_LIMITS, memory_mb=4096)


def spool(data, name: str) -> readers.Spooled:
    """The upload's bytes (bytes or a buffer) in an anonymous temporary file, named `name` for messages."""
    return readers.Spooled(data, name)


def prepare(spooled: readers.Spooled, table_name: str | None = None, *, column_map: dict | None = None,
            metric_map: dict | None = None, db: Path | None = None,
            limits: readers.Limits = PREPARE_LIMITS) -> load.Prepared:
    """`load.prepare` for a spooled upload, run in the capped child (LoadError when refused, as there).

    The result's `upload` holds the file's columns and types but no rows: to validate again with
    another table or mapping, call `prepare` again (the child reads the spooled file again).
    """
    readers.check_size(spooled.size, spooled.name, limits)
    ensure_built(db)
    references = load._references(db)
    args = (spooled, spooled.name, table_name, column_map, metric_map, references)
    prepared, out = readers.run_sandboxed(_prepare_here, args, spooled.name, limits)
    prepared.table = prepared.validated.table = schema.TABLES[prepared.table.name]   # the one object, not a copy
    empty = prepared.validated.frame
    frame = readers.map_arrow(out).to_pandas(split_blocks=True)      # zero-copy: columns over the mapped file
    if not frame.dtypes.equals(empty.dtypes):
        frame = frame.astype(empty.dtypes.to_dict())
    prepared.validated.frame = frame
    return prepared


def _prepare_here(source, name, table_name, column_map, metric_map, references, out) -> load.Prepared:
    """In the child: read and validate; the rows go to `out`, everything else (small) back by pickle."""
    import pyarrow as pa
    upload = load.read(source, table_name, display_name=name, column_map=column_map)
    prepared = load.check(upload, table_name, column_map=column_map, metric_map=metric_map, references=references)
    frame = prepared.validated.frame
    readers.write_arrow(pa.Table.from_pandas(frame, preserve_index=False), out)
    prepared.validated.frame = frame.iloc[:0]
    prepared.upload.table = upload.table.schema.empty_table()
    prepared.upload.source_rows = pa.array([], pa.int64())
    return prepared
