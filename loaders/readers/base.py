"""What every reader shares: the limits an upload is read under, and what a successful read returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

MB = 1024 * 1024
SOURCE_ROW_COLUMN = "__source_row__"


# THE upload limit, stated once. .streamlit/config.toml's server.maxUploadSize carries the same number
# (a test holds them together) and the /data uploader passes it as max_upload_size. Streamlit's browser
# code counts a megabyte as 1,000,000 bytes (1,048,576 only on Windows), so the loader's limit in bytes
# is UPLOAD_LIMIT_MB × 1,000,000: a file the page lets through is never refused for its size here.
UPLOAD_LIMIT_MB = 200
BROWSER_MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Resource ceilings for one upload. The defaults suit the Streamlit app."""

    max_bytes: int = UPLOAD_LIMIT_MB * BROWSER_MB
    max_rows: int = 20_000_000
    max_columns: int = 200
    max_uncompressed_xlsx: int = 1024 * MB
    max_xlsx_ratio: float = 200.0
    timeout_s: float = 120.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()


@dataclass
class Upload:
    """A file that was read successfully; values are as read, not yet validated."""

    table: pa.Table
    file_name: str
    kind: str
    sha256: str
    header_row: int
    sheet: str | None
    notes: list[str] = field(default_factory=list)
    source_rows: pa.Array = field(default_factory=lambda: pa.array([], pa.int64()))
    date1904: bool = False  # XLSX only: the workbook counts serial dates from 1904



def short(exc: BaseException) -> str:
    """An exception's first line, at most 200 characters: what a refusal quotes of a library's error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
