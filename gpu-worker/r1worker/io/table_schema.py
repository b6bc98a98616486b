"""The Arrow tables as declared on the TypeScript side (`schemas/generated/tables.json`): column
type names → pyarrow types, schema checks with precise messages, and row validation."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from r1worker.io.errors import SchemaMismatchError
from r1worker.io.schemas import load_document

# The type names of `ARROW_TYPE_NAMES` in schemas/tables/define.ts, and their pyarrow types.
ARROW_TYPES: dict[str, pa.DataType] = {
    "utf8": pa.utf8(),
    "dict<utf8>": pa.dictionary(pa.int32(), pa.utf8()),
    "bool": pa.bool_(),
    "int8": pa.int8(),
    "int32": pa.int32(),
    "float32": pa.float32(),
    "float64": pa.float64(),
    "list<int8>": pa.list_(pa.int8()),
    "list<int32>": pa.list_(pa.int32()),
    "list<float32>": pa.list_(pa.float32()),
    "list<utf8>": pa.list_(pa.utf8()),
}


@dataclass(frozen=True)
class Column:
    """One declared column."""

    name: str
    type: str  # a key of ARROW_TYPES
    nullable: bool  # whether a null may appear (list items are always nullable, as in pa.list_)
    doc: str


def table_names() -> list[str]:
    return list(load_document("tables.json"))


def _table_doc(table_name: str) -> Mapping[str, Any]:
    tables = load_document("tables.json")
    if table_name not in tables:
        raise ValueError(f'unknown table "{table_name}"; valid tables: {", ".join(tables)}')
    return tables[table_name]


def columns(table_name: str) -> list[Column]:
    return [
        Column(c["name"], c["type"], bool(c["nullable"]), c.get("doc", ""))
        for c in _table_doc(table_name)["columns"]
    ]


def row_schema(table_name: str) -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of one row."""
    return _table_doc(table_name)["row"]


def arrow_type(type_name: str) -> pa.DataType:
    try:
        return ARROW_TYPES[type_name]
    except KeyError:
        raise ValueError(f'unknown column type "{type_name}"; valid: {", ".join(ARROW_TYPES)}') from None


@functools.cache
def _arrow_schema(table_name: str, schemas_key: int) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in columns(table_name)],
        metadata={"r1flow.table": table_name},
    )


def arrow_schema(table_name: str) -> pa.Schema:
    """The pyarrow schema of a table, columns in declared order."""
    return _arrow_schema(table_name, id(load_document("tables.json")))


def type_name(t: pa.DataType) -> str:
    """Our name for a pyarrow type, or pyarrow's own spelling when it is none of ours.

    Dictionary index width, list item field names and nullability, and large_ variants do not
    change the name: they are encodings of the same logical column.
    """
    if pa.types.is_dictionary(t):
        value = type_name(t.value_type)
        return "dict<utf8>" if value == "utf8" else f"dictionary<{value}>"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"list<{type_name(t.value_type)}>"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "utf8"
    if pa.types.is_boolean(t):
        return "bool"
    return _PYARROW_SPELLING.get(str(t), str(t))  # int8, int32, … are already ours


_PYARROW_SPELLING = {"float": "float32", "double": "float64", "halffloat": "float16"}


def check_schema(actual: pa.Schema, table_name: str, uri: str) -> None:
    """Raise SchemaMismatchError unless `actual` has exactly the declared columns and types.

    Column order is not checked (readers select by name); nulls are a property of the data and
    are checked by `check_nulls`.
    """
    declared = columns(table_name)
    found = {f.name: f for f in actual}
    for col in declared:
        field = found.get(col.name)
        if field is None:
            raise SchemaMismatchError(
                f'table "{table_name}": column "{col.name}" is missing (expected {col.type})',
                uri=uri,
                column=col.name,
                expected=col.type,
                found="missing",
            )
        got = type_name(field.type)
        if got != col.type:
            raise SchemaMismatchError(
                f'table "{table_name}": column "{col.name}" has type {got}, expected {col.type}',
                uri=uri,
                column=col.name,
                expected=col.type,
                found=got,
            )
    names = {c.name for c in declared}
    extra = [f.name for f in actual if f.name not in names]
    if extra:
        raise SchemaMismatchError(
            f'table "{table_name}": unexpected column "{extra[0]}" ({type_name(actual.field(extra[0]).type)});'
            f" declared columns: {', '.join(sorted(names))}",
            uri=uri,
            column=extra[0],
            expected="absent",
            found=type_name(actual.field(extra[0]).type),
        )


def check_nulls(data: pa.RecordBatch | pa.Table, table_name: str, uri: str, row_offset: int = 0) -> None:
    """Raise SchemaMismatchError naming the first row with a null in a non-nullable column."""
    for col in columns(table_name):
        if col.nullable or col.name not in data.schema.names:
            continue
        array = data.column(col.name)
        if array.null_count:
            valid = array.is_valid()
            first = next(i for i, ok in enumerate(valid.to_pylist()) if not ok)
            raise SchemaMismatchError(
                f'table "{table_name}": row {row_offset + first}: column "{col.name}" is null,'
                f" expected a {col.type} value (the column is not nullable)",
                uri=uri,
                column=col.name,
                expected=col.type,
                found="null",
                row=row_offset + first,
            )


def check_column_names(actual: pa.Schema, table_name: str, uri: str) -> None:
    """Raise SchemaMismatchError for a missing or an extra column (types not compared)."""
    declared = {c.name: c.type for c in columns(table_name)}
    for name, type_ in declared.items():
        if name not in actual.names:
            raise SchemaMismatchError(
                f'table "{table_name}": column "{name}" is missing (expected {type_})',
                uri=uri,
                column=name,
                expected=type_,
                found="missing",
            )
    for field in actual:
        if field.name not in declared:
            raise SchemaMismatchError(
                f'table "{table_name}": unexpected column "{field.name}" ({type_name(field.type)})',
                uri=uri,
                column=field.name,
                expected="absent",
                found=type_name(field.type),
            )


def conform(
    data: pa.RecordBatch | pa.Table, table_name: str, uri: str, strict: bool = True
) -> pa.RecordBatch | pa.Table:
    """Check `data` against the table, then cast it to the exact declared schema (column order,
    int32 dictionary indices, utf8 not large_utf8), so every reader sees the same types.

    strict (reading): types must match by name. Not strict (writing): any type pyarrow can cast
    to the declared one is accepted (plain strings become dictionaries, int64 → int32 …).
    """
    if strict:
        check_schema(data.schema, table_name, uri)
    else:
        check_column_names(data.schema, table_name, uri)
    schema = arrow_schema(table_name)
    data = data.select(schema.names)
    check_nulls(data, table_name, uri)
    if data.schema.remove_metadata() != schema.remove_metadata():
        try:
            data = data.cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise SchemaMismatchError(
                f'table "{table_name}": cannot cast to the declared schema: {e}', uri=uri
            ) from e
    return data.replace_schema_metadata(schema.metadata)


def validate_rows(
    rows: Iterable[Mapping[str, Any]], table_name: str, uri: str = "", row_offset: int = 0
) -> int:
    """Validate rows (dicts) with jsonschema against the row schema; returns how many rows.

    Meant for small tables, samples and contract tests: it costs a Python dict per row.
    Raises SchemaMismatchError naming the row, the field path and the problem.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(row_schema(table_name))
    count = 0
    for i, row in enumerate(rows):
        error = jsonschema.exceptions.best_match(validator.iter_errors(row))
        if error is not None:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            raise SchemaMismatchError(
                f'table "{table_name}": row {row_offset + i}{path}: {error.message}',
                uri=uri,
                column=str(error.absolute_path[0]) if error.absolute_path else None,
                row=row_offset + i,
            )
        count += 1
    return count
