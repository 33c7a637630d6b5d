"""Parquet: the schema checked from the footer (nested types, row and column limits) before the data is
read; dictionaries decoded, binary columns read as UTF-8 text or refused. Row numbers are 1-based record
indexes (`header_row` is 0: a Parquet file has a schema, not a header row)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from loaders.errors import LoadError, Problem
from loaders.readers.base import Limits, short
from loaders.readers.headers import finish_table

def read_parquet(path: str, name: str, limits: Limits, expected, notes: list[str]):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except Exception as exc:  # noqa: BLE001 - ArrowInvalid, OSError, ...
        raise LoadError(Problem(name, f"corrupt Parquet file: {short(exc)}", code="damaged_file")) from None
    _check_parquet_schema(schema, pf.metadata.num_rows, name, limits)
    try:
        table = pf.read()
    except Exception as exc:  # noqa: BLE001
        raise LoadError(Problem(name, f"corrupt Parquet file: {short(exc)}", code="damaged_file")) from None
    if table.num_rows == 0:
        raise LoadError(Problem(name, "no data rows (the Parquet file has 0 rows)", code="no_rows"))
    table = _flatten_parquet_columns(table, name, notes)
    raw_names = list(table.column_names)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    table, rows = finish_table(table, raw_names, rows, name, 0, limits, notes)
    return table, rows, {"header_row": 0, "sheet": None}


def _check_parquet_schema(schema: pa.Schema, num_rows: int, name: str, limits: Limits) -> None:
    real = [f for f in schema if f.name != "__index_level_0__"]
    if not real:
        raise LoadError(Problem(name, "the Parquet file has no columns", code="unnamed_column"))
    nested = [f for f in real if pa.types.is_nested(f.type) or _is_nested_extension(f.type)]
    if nested:
        raise LoadError([Problem(name, f"nested type not supported ({f.type}): flatten it into plain columns",
                                 column=f.name, code="unsupported_type") for f in nested])
    if num_rows == 0:
        raise LoadError(Problem(name, "no data rows (the Parquet file has 0 rows)", code="no_rows"))
    if num_rows > limits.max_rows:
        raise LoadError(Problem(name, f"{num_rows:,} rows; at most {limits.max_rows:,} are supported",
                                code="too_large"))
    if len(real) > limits.max_columns:
        raise LoadError(Problem(name, f"{len(real)} columns; at most {limits.max_columns} are supported",
                                code="too_large"))


def _is_nested_extension(t: pa.DataType) -> bool:
    return isinstance(t, pa.ExtensionType) and pa.types.is_nested(t.storage_type)


def _flatten_parquet_columns(table: pa.Table, name: str, notes: list[str]) -> pa.Table:
    """Drop the pandas index; decode dictionaries; binary -> UTF-8 text or refuse; float16 -> float32."""
    if "__index_level_0__" in table.column_names:
        table = table.drop_columns(["__index_level_0__"])
    for i, f in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_dictionary(f.type):
            column = column.cast(f.type.value_type)
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type) \
                or pa.types.is_fixed_size_binary(column.type):
            column = _binary_as_text(column, f.name, name, notes)
        elif pa.types.is_float16(column.type):
            column = column.cast(pa.float32())
        if column is not table.column(i):
            table = table.set_column(i, f.name, column)
    return table


def _binary_as_text(column: pa.ChunkedArray, col: str, name: str, notes: list[str]) -> pa.ChunkedArray:
    try:
        if pa.types.is_fixed_size_binary(column.type):
            column = column.cast(pa.binary())
        text = column.cast(pa.string())  # validates UTF-8
    except pa.ArrowInvalid:
        for index, value in enumerate(column.to_pylist()):
            try:
                None if value is None else value.decode("utf-8")
            except UnicodeDecodeError:
                raise LoadError(Problem(name, "binary column that is not UTF-8 text", row=index + 1, column=col,
                                        value=value[:20], code="unsupported_type")) from None
        raise LoadError(Problem(name, "binary column that is not UTF-8 text", column=col,
                                code="unsupported_type")) from None
    notes.append(f"column '{col}' was binary without a text annotation; decoded as UTF-8")
    return text


