"""Reading and writing the pipeline's Arrow tables (IPC *file* format, `part-00000.arrow` shards),
always checked against the declaration in `schemas/generated/tables.json`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from r1worker.io import store
from r1worker.io.errors import NotFoundError, SchemaMismatchError
from r1worker.io.sharded import ShardedWriter, shard_name
from r1worker.io.table_schema import (
    ARROW_TYPES,
    Column,
    arrow_schema,
    arrow_type,
    check_nulls,
    check_schema,
    columns,
    conform,
    row_schema,
    table_names,
    type_name,
    validate_rows,
)
from r1worker.io.uri import parse

__all__ = [
    "ARROW_TYPES",
    "Column",
    "ShardedWriter",
    "arrow_schema",
    "arrow_type",
    "check_nulls",
    "check_schema",
    "columns",
    "iter_batches",
    "read_shards",
    "read_table",
    "row_schema",
    "shard_name",
    "shard_uris",
    "table_names",
    "to_table",
    "type_name",
    "validate_rows",
    "write_table",
]

SHARD_PATTERN = re.compile(r"part-\d+\.arrow")
TARGET_BATCH_BYTES = 64 * 1024 * 1024  # record batches of about this size: streaming readers hold one


def to_table(
    data: Sequence[Mapping[str, Any]] | pa.Table | pa.RecordBatch, table_name: str, uri: str = ""
) -> pa.Table:
    """Rows (dicts) or an Arrow table as a pa.Table of exactly the declared schema.

    Dict rows must carry every column (None for a null); pyarrow inputs are cast (strings →
    dictionary columns, int64 → int32 …). Problems raise SchemaMismatchError naming the row/column.
    """
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        table = conform(data, table_name, uri, strict=False)
        return table.unify_dictionaries() if table.num_columns else table  # type: ignore[return-value]
    schema = arrow_schema(table_name)
    names = set(schema.names)
    for i, row in enumerate(data):
        keys = set(row)
        if keys != names:
            missing, extra = sorted(names - keys), sorted(keys - names)
            what = f'missing column "{missing[0]}"' if missing else f'unexpected column "{extra[0]}"'
            raise SchemaMismatchError(
                f'table "{table_name}": row {i}: {what}', uri=uri, column=(missing or extra)[0], row=i
            )
    arrays = []
    for field in schema:
        try:
            arrays.append(pa.array([row[field.name] for row in data], type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
            raise SchemaMismatchError(
                f'table "{table_name}": column "{field.name}": values do not fit '
                f"{type_name(field.type)}: {e}",
                uri=uri,
                column=field.name,
                expected=type_name(field.type),
            ) from e
    table = pa.Table.from_arrays(arrays, schema=schema)
    check_nulls(table, table_name, uri)
    return table


def write_table(
    uri: str, table_name: str, data: Sequence[Mapping[str, Any]] | pa.Table, batch_rows: int | None = None
) -> int:
    """Write one Arrow IPC file of the declared schema; returns the row count.

    `batch_rows` sets the record-batch size (default: batches of about 64 MiB) so readers can
    stream. The object appears whole or not at all.
    """
    table = to_table(data, table_name, uri)
    if batch_rows is None:
        per_row = table.nbytes / table.num_rows if table.num_rows else 1
        batch_rows = max(1, int(TARGET_BATCH_BYTES // max(per_row, 1)))
    with store.open_write_stream(uri) as f, pa.ipc.new_file(f, table.schema) as writer:
        if table.num_rows:
            writer.write_table(table, max_chunksize=batch_rows)
    return table.num_rows


def _open_source(uri: str) -> Any:
    loc = parse(uri)
    if loc.scheme == "file":  # zero-copy: batches point into the page cache
        try:
            return pa.memory_map(loc.key)
        except FileNotFoundError as e:
            raise NotFoundError(uri) from e
    return store.open_read_stream(uri)


def iter_batches(uri: str, table_name: str) -> Iterator[pa.RecordBatch]:
    """Stream one Arrow IPC file batch by batch, each checked and cast to the declared schema.

    S3 objects are read with ranged GETs, one batch at a time, so memory stays at one batch.
    """
    with _open_source(uri) as source:
        try:
            reader = pa.ipc.open_file(source)
        except (pa.ArrowInvalid, OSError) as e:
            raise SchemaMismatchError(
                f"not an Arrow IPC file (the file format, not the stream format): {e}", uri=uri
            ) from e
        check_schema(reader.schema, table_name, uri)
        offset = 0
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            check_nulls(batch, table_name, uri, row_offset=offset)
            offset += batch.num_rows
            yield conform(batch, table_name, uri)  # type: ignore[misc]


def read_table(uri: str, table_name: str) -> pa.Table:
    """One whole Arrow IPC file as a table of the declared schema."""
    batches = list(iter_batches(uri, table_name))
    return pa.Table.from_batches(batches, schema=arrow_schema(table_name))


def shard_uris(prefix: str) -> list[str]:
    """The `part-NNNNN.arrow` objects directly under the folder `prefix`, in shard order."""
    folder = prefix if prefix.endswith("/") else prefix + "/"
    return [
        u
        for u in store.list_uris(folder)
        if "/" not in u[len(folder) :] and SHARD_PATTERN.fullmatch(u[len(folder) :])
    ]


def read_shards(prefix_or_uris: str | Sequence[str], table_name: str) -> pa.Table:
    """Every shard of a table, in order: a folder prefix, or the explicit shard URIs a spec lists.

    A prefix with no shards raises NotFoundError (the producing stage wrote nothing).
    """
    if isinstance(prefix_or_uris, str):
        uris = shard_uris(prefix_or_uris)
        if not uris:
            raise NotFoundError(prefix_or_uris, "no part-*.arrow shards under it")
    else:
        uris = list(prefix_or_uris)
    tables = [read_table(u, table_name) for u in uris]
    if not tables:
        return arrow_schema(table_name).empty_table()
    return pa.concat_tables(tables)
