"""`ShardedWriter`: one logical table written as `part-00000.arrow`, `part-00001.arrow`, … so that
a Distributed Map (or several GPU ranks) can fan out over the shards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from r1worker.io.uri import join


def shard_name(index: int) -> str:
    return f"part-{index:05d}.arrow"


class ShardedWriter:
    """Buffers rows and writes a shard whenever `max_rows` rows or about `max_bytes` bytes (Arrow
    in-memory size, close to the file size) have accumulated; `close()` writes the rest.

    A writer that received no rows still writes an empty `part-00000.arrow`, so every finished
    table has at least one shard. On an exception inside `with`, buffered rows are dropped: the
    stage has failed and writes no `_SUCCESS`.

        with ShardedWriter(join(out, "rollouts"), "rollouts", max_rows=50_000) as w:
            for batch in batches:
                w.write(batch)
        w.uris  # the shard URIs, in order
    """

    def __init__(
        self,
        prefix: str,
        table_name: str,
        max_rows: int | None = 100_000,
        max_bytes: int | None = 256 * 1024 * 1024,
    ) -> None:
        if not max_rows and not max_bytes:
            raise ValueError("ShardedWriter needs max_rows or max_bytes")
        if (max_rows is not None and max_rows < 1) or (max_bytes is not None and max_bytes < 1):
            raise ValueError(f"max_rows and max_bytes must be positive, found {max_rows}, {max_bytes}")
        self.prefix = prefix
        self.table_name = table_name
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.uris: list[str] = []  # shards written so far
        self.rows_written = 0
        self._buffer: list[pa.Table] = []
        self._rows = 0
        self._bytes = 0.0
        self._closed = False

    def write(self, data: Sequence[Mapping[str, Any]] | pa.Table | pa.RecordBatch) -> None:
        """Append rows (dicts, a table or a batch); they are checked against the table now."""
        from r1worker.io.tables import to_table  # tables imports this module

        if self._closed:
            raise ValueError("ShardedWriter is closed")
        table = to_table(data, self.table_name, self.prefix)
        per_row = max(table.nbytes / table.num_rows, 1.0) if table.num_rows else 1.0
        start = 0
        while start < table.num_rows:
            room = self.max_rows - self._rows if self.max_rows else table.num_rows
            if self.max_bytes:
                room = min(room, int((self.max_bytes - self._bytes) // per_row))
            if room <= 0:
                if self._rows:
                    self._flush()
                    continue
                room = 1  # a single row over max_bytes still gets a shard of its own
            piece = table.slice(start, room)
            self._buffer.append(piece)
            self._rows += piece.num_rows
            self._bytes += piece.num_rows * per_row
            start += piece.num_rows
            full_rows = self.max_rows is not None and self._rows >= self.max_rows
            full_bytes = self.max_bytes is not None and self._bytes + per_row > self.max_bytes
            if full_rows or full_bytes:
                self._flush()

    def _flush(self) -> None:
        from r1worker.io.tables import write_table

        table = pa.concat_tables(self._buffer).combine_chunks() if self._buffer else None
        uri = join(self.prefix, shard_name(len(self.uris)))
        write_table(uri, self.table_name, table if table is not None else [])
        self.uris.append(uri)
        self.rows_written += self._rows
        self._buffer, self._rows, self._bytes = [], 0, 0.0

    def close(self) -> list[str]:
        """Write what is buffered; returns every shard URI in order."""
        if not self._closed:
            if self._rows or not self.uris:
                self._flush()
            self._closed = True
        return list(self.uris)

    def __enter__(self) -> ShardedWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._closed = True
