"""`ShardedWriter`: one logical table written as `part-00000.arrow`, `part-00001.arrow`, … so that
a Distributed Map (or several GPU ranks) can fan out over the shards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from r1worker.io.uri import join

_NO_GROUP = object()


def shard_name(index: int) -> str:
    return f"part-{index:05d}.arrow"


class ShardedWriter:
    """Buffers rows and writes a shard whenever `max_rows` rows or about `max_bytes` bytes (Arrow
    in-memory size, close to the file size) have accumulated; `close()` writes the rest.

    With `group_column`, rows sharing its value (a rollout group) are kept in one shard: a shard is
    cut only where the value changes, so a group larger than the caps makes one larger shard rather
    than being split (a split group would be scored as two partial groups). A group's rows must be
    contiguous; a value that reappears after another group started is an error.

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
        group_column: str | None = None,
    ) -> None:
        if not max_rows and not max_bytes:
            raise ValueError("ShardedWriter needs max_rows or max_bytes")
        if (max_rows is not None and max_rows < 1) or (max_bytes is not None and max_bytes < 1):
            raise ValueError(f"max_rows and max_bytes must be positive, found {max_rows}, {max_bytes}")
        self.prefix = prefix
        self.table_name = table_name
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.group_column = group_column
        self._open_group: object = _NO_GROUP  # the group written last (group_column only)
        self._open_at = 0  # where the open group starts in the buffer
        self._closed_groups: set[object] = set()
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
        if self.group_column is not None:
            for run in _runs(table, self.group_column):
                self._write_group(run)
            return
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

    def _write_group(self, run: pa.Table) -> None:
        """One run of rows of one group. When the buffer goes over a cap, the groups before the open one
        become a shard; the open group stays buffered whole, however large it grows."""
        key = run.column(self.group_column)[0].as_py()
        if key != self._open_group:
            if key in self._closed_groups:
                raise ValueError(
                    f"{self.table_name} at {self.prefix}: the rows of {self.group_column}={key!r} are not "
                    "contiguous (another group was written between them)"
                )
            if self._open_group is not _NO_GROUP:
                self._closed_groups.add(self._open_group)
            self._open_group, self._open_at = key, len(self._buffer)
        self._buffer.append(run)
        self._rows += run.num_rows
        self._bytes += run.nbytes
        over_rows = self.max_rows is not None and self._rows > self.max_rows
        over_bytes = self.max_bytes is not None and self._bytes > self.max_bytes
        if (over_rows or over_bytes) and self._open_at > 0:
            self._flush(keep=len(self._buffer) - self._open_at)
            self._open_at = 0

    def _flush(self, keep: int = 0) -> None:
        """Writes the buffer, but for its last `keep` pieces, as the next shard."""
        from r1worker.io.tables import write_table

        pieces, rest = self._buffer[: len(self._buffer) - keep], self._buffer[len(self._buffer) - keep :]
        table = pa.concat_tables(pieces).combine_chunks() if pieces else None
        uri = join(self.prefix, shard_name(len(self.uris)))
        write_table(uri, self.table_name, table if table is not None else [])
        self.uris.append(uri)
        self.rows_written += table.num_rows if table is not None else 0
        self._buffer = rest
        self._rows = sum(t.num_rows for t in rest)
        self._bytes = float(sum(t.nbytes for t in rest))

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


def _runs(table: pa.Table, column: str) -> list[pa.Table]:
    """`table` cut where `column`'s value changes: each piece holds consecutive rows of one value."""
    values = table.column(column).to_pylist()
    if not values:
        return []
    starts = [i for i in range(len(values)) if i == 0 or values[i] != values[i - 1]]
    ends = starts[1:] + [len(values)]
    return [table.slice(a, b - a) for a, b in zip(starts, ends, strict=True)]
