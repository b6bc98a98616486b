"""Arrow tables against the declarations in schemas/generated/tables.json."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from r1worker.io import store, tables
from r1worker.io.errors import NotFoundError, SchemaMismatchError
from r1worker.io.samples import sample_rows
from r1worker.io.schemas import schemas_dir

TABLES = list(json.loads((schemas_dir() / "tables.json").read_text()))


def _write_raw(path, table: pa.Table) -> str:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return str(path)


@pytest.mark.parametrize("name", TABLES)
def test_every_declared_table_maps_to_an_arrow_schema(name):
    schema = tables.arrow_schema(name)
    declared = tables.columns(name)
    assert schema.names == [c.name for c in declared]
    for field, col in zip(schema, declared, strict=True):
        assert tables.type_name(field.type) == col.type
        assert field.nullable == col.nullable


def test_dictionary_columns_use_int32_indices():
    assert tables.arrow_type("dict<utf8>") == pa.dictionary(pa.int32(), pa.utf8())


@pytest.mark.parametrize("name", TABLES)
def test_sample_rows_round_trip_through_an_arrow_file(tmp_path, name):
    rows = sample_rows(name, rows=9, seed=3)
    assert tables.validate_rows(rows, name) == 9
    uri = str(tmp_path / f"{name}.arrow")
    assert tables.write_table(uri, name, rows) == 9
    back = tables.read_table(uri, name)
    assert back.schema.remove_metadata() == tables.arrow_schema(name).remove_metadata()
    assert back.to_pylist() == rows


@pytest.mark.parametrize("name", TABLES)
def test_sample_rows_cover_nulls_empty_lists_and_non_ascii(name):
    rows = sample_rows(name, rows=8)
    assert sample_rows(name, rows=8) == rows  # deterministic
    for col in tables.columns(name):
        values = [r[col.name] for r in rows]
        if col.nullable:
            assert None in values, col.name
        if col.type.startswith("list<"):
            assert [] in values, col.name
        if col.type == "dict<utf8>":
            present = [v for v in values if v is not None]
            assert len(set(present)) < len(present), f"{col.name}: dictionary values should repeat"
    text = json.dumps(rows, ensure_ascii=False)
    assert any(ord(ch) > 127 for ch in text)


def test_streaming_reads_batch_by_batch(tmp_path):
    rows = sample_rows("rollouts", rows=10)
    uri = str(tmp_path / "r.arrow")
    tables.write_table(uri, "rollouts", rows, batch_rows=4)
    batches = list(tables.iter_batches(uri, "rollouts"))
    assert [b.num_rows for b in batches] == [4, 4, 2]
    assert pa.Table.from_batches(batches).to_pylist() == rows


def test_plain_strings_are_refused_on_read_where_a_dictionary_is_declared(tmp_path):
    table = tables.to_table(sample_rows("step_labels", rows=2), "step_labels")
    table = table.set_column(5, "origin", table["origin"].cast(pa.utf8()))
    uri = _write_raw(tmp_path / "s.arrow", table)
    with pytest.raises(SchemaMismatchError, match='column "origin" has type utf8, expected dict<utf8>'):
        tables.read_table(uri, "step_labels")


def test_pyarrow_input_is_cast_to_the_declared_schema(tmp_path):
    rows = sample_rows("step_labels", rows=3)
    loose = pa.Table.from_pylist(rows)  # strings not dictionaries, int64 not int8
    uri = f"file://{tmp_path}/s.arrow"
    tables.write_table(uri, "step_labels", loose)
    assert tables.read_table(uri, "step_labels").to_pylist() == rows


def test_int8_dictionary_indices_and_large_strings_are_accepted(tmp_path):
    rows = sample_rows("preference_pairs", rows=4)
    table = tables.to_table(rows, "preference_pairs")
    table = table.set_column(
        table.schema.get_field_index("origin"),
        "origin",
        table["origin"].cast(pa.dictionary(pa.int8(), pa.utf8())),
    )
    table = table.set_column(0, "id", table["id"].cast(pa.large_utf8()))
    uri = _write_raw(tmp_path / "p.arrow", table)
    back = tables.read_table(uri, "preference_pairs")
    assert back.schema.field("origin").type == pa.dictionary(pa.int32(), pa.utf8())
    assert back.to_pylist() == rows


def test_wrong_type_names_uri_column_expected_and_found(tmp_path):
    table = tables.to_table(sample_rows("preference_pairs", rows=2), "preference_pairs")
    table = table.set_column(
        table.schema.get_field_index("margin"), "margin", table["margin"].cast(pa.float64())
    )
    uri = _write_raw(tmp_path / "bad.arrow", table)
    with pytest.raises(SchemaMismatchError) as info:
        tables.read_table(uri, "preference_pairs")
    e = info.value
    assert (e.uri, e.column, e.expected, e.found) == (uri, "margin", "float32", "float64")
    assert str(e) == f'{uri}: table "preference_pairs": column "margin" has type float64, expected float32'


def test_missing_column_is_named(tmp_path):
    table = tables.to_table(sample_rows("sft_examples", rows=2), "sft_examples").drop_columns(["origin"])
    uri = _write_raw(tmp_path / "bad.arrow", table)
    with pytest.raises(SchemaMismatchError, match='column "origin" is missing') as info:
        tables.read_table(uri, "sft_examples")
    assert info.value.uri == uri and info.value.found == "missing"


def test_extra_column_is_named(tmp_path):
    table = tables.to_table(sample_rows("sft_examples", rows=2), "sft_examples").append_column(
        "oops", pa.array([1, 2])
    )
    uri = _write_raw(tmp_path / "bad.arrow", table)
    with pytest.raises(SchemaMismatchError, match='unexpected column "oops"') as info:
        tables.iter_batches(uri, "sft_examples").__next__()
    assert info.value.column == "oops" and info.value.found == "int64"


def test_null_in_a_non_nullable_column_names_the_row(tmp_path):
    rows = sample_rows("problems", rows=6)
    table = tables.to_table(rows, "problems")
    answers = table["answer"].to_pylist()
    answers[4] = None
    uri = _write_raw(tmp_path / "bad.arrow", table.set_column(4, "answer", pa.array(answers, pa.utf8())))
    with pytest.raises(SchemaMismatchError, match='row 4: column "answer" is null') as info:
        tables.read_table(uri, "problems")
    assert info.value.row == 4
    rows[2]["answer"] = None
    with pytest.raises(SchemaMismatchError, match='row 2: column "answer" is null'):
        tables.write_table(str(tmp_path / "w.arrow"), "problems", rows)


def test_row_dicts_with_missing_or_extra_keys_are_refused(tmp_path):
    rows = sample_rows("sft_examples", rows=2)
    del rows[1]["origin"]
    with pytest.raises(SchemaMismatchError, match='row 1: missing column "origin"'):
        tables.write_table(str(tmp_path / "w.arrow"), "sft_examples", rows)


def test_validate_rows_names_row_and_field():
    rows = sample_rows("problems", rows=3)
    rows[2]["level"] = 9
    with pytest.raises(SchemaMismatchError, match=r"row 2\.level: 9 is greater than the maximum of 5"):
        tables.validate_rows(rows, "problems", uri="x.arrow")


def test_not_an_arrow_file(tmp_path):
    path = tmp_path / "x.arrow"
    path.write_bytes(b"not arrow at all")
    with pytest.raises(SchemaMismatchError, match="not an Arrow IPC file"):
        tables.read_table(str(path), "problems")


def test_sharded_writer_by_rows(tmp_path):
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(prefix, "problems", max_rows=4, max_bytes=None) as w:
        w.write(sample_rows("problems", rows=6, seed=1))
        w.write(sample_rows("problems", rows=5, seed=2))
    assert [u.rsplit("/", 1)[1] for u in w.uris] == [
        "part-00000.arrow",
        "part-00001.arrow",
        "part-00002.arrow",
    ]
    assert [tables.read_table(u, "problems").num_rows for u in w.uris] == [4, 4, 3]
    assert tables.shard_uris(prefix) == w.uris
    combined = tables.read_shards(prefix, "problems").to_pylist()
    assert combined == sample_rows("problems", rows=6, seed=1) + sample_rows("problems", rows=5, seed=2)
    assert tables.read_shards(w.uris[1:], "problems").num_rows == 7


def test_sharded_writer_by_bytes(tmp_path):
    rows = sample_rows("rollouts", rows=40)
    for r in rows:
        r["completion_token_ids"] = list(range(1000))  # ~4 kB a row
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(prefix, "rollouts", max_rows=None, max_bytes=20_000) as w:
        for i in range(0, 40, 7):
            w.write(rows[i : i + 7])
    sizes = [tables.read_table(u, "rollouts").nbytes for u in w.uris]
    assert len(w.uris) >= 8 and all(s <= 20_000 for s in sizes), sizes
    assert tables.read_shards(prefix, "rollouts").to_pylist() == rows


def test_empty_sharded_writer_still_writes_one_shard(tmp_path):
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(prefix, "eval_records") as w:
        pass
    assert tables.read_shards(prefix, "eval_records").num_rows == 0 and len(w.uris) == 1


def test_read_shards_of_an_empty_prefix_is_missing_input(tmp_path):
    with pytest.raises(NotFoundError, match="no part-"):
        tables.read_shards(str(tmp_path / "nothing"), "problems")


def test_s3_emulator_table_round_trip_streams_batches(s3_prefix):
    rows = sample_rows("scored_rollouts", rows=12)
    uri = store.join(s3_prefix, "part-00000.arrow")
    tables.write_table(uri, "scored_rollouts", rows, batch_rows=5)
    assert [b.num_rows for b in tables.iter_batches(uri, "scored_rollouts")] == [5, 5, 2]
    assert tables.read_shards(s3_prefix, "scored_rollouts").to_pylist() == rows
