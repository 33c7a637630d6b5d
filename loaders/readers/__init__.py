"""Read one untrusted upload (CSV, XLSX, Parquet or JSON) into an Arrow table, or refuse it.

`read_upload(path)` is the entry point; every refusal is a `LoadError` whose `Problem`s name the file,
and row/column/value where known, with a stable code (loaders/errors.py). No other exception leaves it.
The package is cut by job:

* `sandbox`  — the capped child process every parse runs in (forkserver, rlimits, wall time), the
               anonymous files results come back through, and the memory-mapped hand-off;
* `dispatch` — `read_upload`, the size gate, the kind from magic bytes (never the name), the reader map;
* `headers`  — the header-row rules and column names, shared by every format;
* `csv_reader`, `xlsx_reader` (with the package's zip/XML/DTD pre-checks), `parquet_reader`,
  `json_reader` — one module per format, each `reader(path, name, limits, expected, notes)`;
* `base`     — `Limits` (THE upload limit, `UPLOAD_LIMIT_MB`) and `Upload`, what a read returns.

Row numbers (`Upload.source_rows`, `Problem.row`) are what the analyst sees: the physical line where a
CSV record starts, the sheet row for XLSX, the 1-based record index for Parquet (whose `header_row` is
0: it has a schema, not a header row), the line a JSON record starts on.
"""
from loaders.readers.base import (BROWSER_MB, DEFAULT_LIMITS, MB, SOURCE_ROW_COLUMN, UPLOAD_LIMIT_MB, Limits,
                                  Upload)
from loaders.readers.dispatch import READERS, check_size, read_upload, sniff_kind
from loaders.readers.headers import HEADER_SEARCH_ROWS, find_header_row, normalise_name
from loaders.readers.sandbox import (CHILD_PEAKS_MB, Spooled, evict, give_back_memory, map_arrow, prewarm,
                                     run_sandboxed, source_path, write_arrow)

__all__ = ["BROWSER_MB", "CHILD_PEAKS_MB", "DEFAULT_LIMITS", "HEADER_SEARCH_ROWS", "MB", "READERS",
           "SOURCE_ROW_COLUMN", "UPLOAD_LIMIT_MB", "Limits", "Spooled", "Upload", "check_size", "evict",
           "find_header_row", "give_back_memory", "map_arrow", "normalise_name", "prewarm", "read_upload",
           "run_sandboxed", "sniff_kind", "source_path", "write_arrow"]
