"""The errors the I/O layer raises; the CLI maps each to an exit code (see `r1worker.cli`)."""

from __future__ import annotations

import errno


class StoreError(OSError):
    """An object could not be read or written (permission, disk full, network); names the URI."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(code, message)
        self.message = message

    def __str__(self) -> str:  # OSError's own __str__ would prefix "[Errno n]"
        return self.message


class NotFoundError(StoreError, FileNotFoundError):
    """An input object does not exist. Exit code 3: an upstream stage did not produce it."""

    def __init__(self, uri: str, detail: str = "") -> None:
        self.uri = uri
        super().__init__(f"object not found: {uri}" + (f" ({detail})" if detail else ""), errno.ENOENT)


class SchemaMismatchError(ValueError):
    """An Arrow object does not match its declared table. Exit code 4.

    The message always names the object; `column`, `expected` and `found` are set when the
    problem is one column's type, and `row` when it is one row's value.
    """

    def __init__(
        self,
        message: str,
        *,
        uri: str = "",
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        row: int | None = None,
    ) -> None:
        self.uri = uri
        self.column = column
        self.expected = expected
        self.found = found
        self.row = row
        super().__init__(f"{uri}: {message}" if uri else message)


class SchemaFilesNotFoundError(RuntimeError):
    """The generated JSON Schema files (schemas/generated) could not be located."""
