"""The object store, on local disk and against an S3 emulator (moto server or $AWS_ENDPOINT_URL)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from r1worker.io import s3_store, store
from r1worker.io.errors import NotFoundError, StoreError
from r1worker.io.uri import parse


def test_join_keeps_the_uri_form():
    assert store.join("s3://b/runs/x", "stages", "a.arrow") == "s3://b/runs/x/stages/a.arrow"
    assert store.join("s3://b/runs/x/", "") == "s3://b/runs/x/"
    assert store.join("file:///tmp/x", "a") == "file:///tmp/x/a"
    assert store.join("rel/dir", "a") == os.path.join("rel/dir", "a")


def test_parse_rejects_unknown_schemes():
    with pytest.raises(ValueError, match="unsupported URI scheme"):
        parse("gs://bucket/key")
    with pytest.raises(ValueError, match="no bucket"):
        parse("s3:///key")


@pytest.mark.parametrize("form", ["path", "file-uri"])
def test_local_round_trip_and_listing(tmp_path, form):
    base = str(tmp_path) if form == "path" else f"file://{tmp_path}"
    store.write_bytes(store.join(base, "a", "x.bin"), b"\x00\x01")
    store.write_text(store.join(base, "a", "y.txt"), "héllo")
    store.write_json(store.join(base, "b.json"), {"k": [1, "ü"]})
    assert store.read_bytes(store.join(base, "a", "x.bin")) == b"\x00\x01"
    assert store.read_text(store.join(base, "a", "y.txt")) == "héllo"
    assert store.read_json(store.join(base, "b.json")) == {"k": [1, "ü"]}
    assert store.exists(store.join(base, "b.json")) and not store.exists(store.join(base, "nope"))
    assert store.list_uris(store.join(base, "a", "")) == [
        store.join(base, "a", "x.bin"),
        store.join(base, "a", "y.txt"),
    ]
    # A string prefix, as S3 lists keys: "b" matches b.json but not the folder a/.
    assert store.list_uris(store.join(base, "b")) == [store.join(base, "b.json")]


def test_local_missing_object_names_the_uri(tmp_path):
    uri = str(tmp_path / "missing.json")
    with pytest.raises(NotFoundError, match=f"object not found: {uri}$"):
        store.read_json(uri)


def test_local_write_is_atomic_and_leaves_no_temp_file(tmp_path):
    uri = str(tmp_path / "out.bin")
    store.write_bytes(uri, b"old")
    with pytest.raises(RuntimeError), store.open_write_stream(uri) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert store.read_bytes(uri) == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_local_unwritable_target_names_the_uri(tmp_path):
    (tmp_path / "file").write_text("x")
    uri = str(tmp_path / "file" / "child.bin")  # a parent that is a file: no folder can be made
    with pytest.raises(StoreError, match=f"cannot write {uri}"):
        store.write_bytes(uri, b"x")


def test_local_upload_and_download_dirs(tmp_path):
    src = tmp_path / "ckpt"
    (src / "sub").mkdir(parents=True)
    (src / "model.safetensors").write_bytes(b"w" * 1000)
    (src / "sub" / "config.json").write_text("{}")
    uris = store.upload_dir(str(src), str(tmp_path / "remote" / "ckpt"))
    assert [u.rsplit("/", 2)[-2:] for u in uris] == [["ckpt", "model.safetensors"], ["sub", "config.json"]]
    paths = store.download_prefix(str(tmp_path / "remote" / "ckpt"), str(tmp_path / "back"))
    assert [os.path.relpath(p, tmp_path / "back") for p in paths] == [
        "model.safetensors",
        os.path.join("sub", "config.json"),
    ]
    assert (tmp_path / "back" / "model.safetensors").read_bytes() == b"w" * 1000


def test_s3_emulator_round_trip(s3_prefix):
    uri = store.join(s3_prefix, "dir", "a.json")
    store.write_json(uri, {"ü": 1})
    assert store.read_json(uri) == {"ü": 1}
    assert store.exists(uri) and not store.exists(store.join(s3_prefix, "dir", "b.json"))
    with store.open_read_stream(uri) as f:
        f.seek(2)
        assert f.read(3) == store.read_bytes(uri)[2:5]
    assert store.list_uris(s3_prefix) == [uri]


def test_s3_emulator_missing_object_and_bucket(s3_prefix, s3_bucket):
    uri = store.join(s3_prefix, "nope.json")
    with pytest.raises(NotFoundError, match=f"object not found: {uri}$"):
        store.read_bytes(uri)
    with pytest.raises(NotFoundError, match="object not found: s3://r1worker-no-such-bucket/k"):
        store.read_bytes("s3://r1worker-no-such-bucket/k")
    with pytest.raises(NotFoundError):
        store.open_read_stream(uri)


def test_s3_emulator_multipart_upload_of_20_mb(s3_prefix):
    data = os.urandom(1 << 20) * 20
    uri = store.join(s3_prefix, "big.bin")
    store.write_bytes(uri, data)
    loc = parse(uri)
    head = s3_store.client().head_object(Bucket=loc.bucket, Key=loc.key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")  # two 16 MiB parts: a multipart upload
    assert store.read_bytes(uri) == data


def test_s3_emulator_list_pagination_over_1100_keys(s3_prefix):
    loc = parse(s3_prefix)
    keys = [f"{loc.key}k/{i:05d}" for i in range(1100)]
    client = s3_store.client()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=loc.bucket, Key=k, Body=b"x"), keys))
    listed = store.list_uris(store.join(s3_prefix, "k", ""))
    assert listed == [f"s3://{loc.bucket}/{k}" for k in keys]


def test_s3_emulator_upload_and_download_dirs(s3_prefix, tmp_path):
    src = tmp_path / "ckpt"
    (src / "sub").mkdir(parents=True)
    (src / "weights.bin").write_bytes(b"w" * 4096)
    (src / "sub" / "tok.json").write_text('{"a": 1}')
    uris = store.upload_dir(str(src), store.join(s3_prefix, "ckpt"))
    assert uris == [
        store.join(s3_prefix, "ckpt", "sub", "tok.json"),
        store.join(s3_prefix, "ckpt", "weights.bin"),
    ]
    paths = store.download_prefix(store.join(s3_prefix, "ckpt"), str(tmp_path / "back"))
    assert len(paths) == 2
    assert (tmp_path / "back" / "sub" / "tok.json").read_text() == '{"a": 1}'
    assert (tmp_path / "back" / "weights.bin").read_bytes() == b"w" * 4096


def test_local_copy_prefix_links_every_file_under_the_folder(tmp_path):
    src = tmp_path / "ckpt" / "model"
    (src / "sub").mkdir(parents=True)
    (src / "model.safetensors").write_bytes(b"w" * 1000)
    (src / "sub" / "config.json").write_text("{}")
    (tmp_path / "ckpt" / "model-other.bin").write_text("not under the folder")
    dst = tmp_path / "out" / "model"
    dst.mkdir(parents=True)
    (dst / "model.safetensors").write_bytes(b"old")  # an earlier attempt's file is replaced
    uris = store.copy_prefix(str(src), str(dst))
    assert uris == [str(dst / "model.safetensors"), str(dst / "sub" / "config.json")]
    assert (dst / "model.safetensors").read_bytes() == b"w" * 1000
    assert os.stat(dst / "model.safetensors").st_ino == os.stat(src / "model.safetensors").st_ino
    assert sorted(os.listdir(dst)) == ["model.safetensors", "sub"]  # no temp name left behind
    store.write_bytes(str(dst / "model.safetensors"), b"new")  # a write replaces, never edits in place
    assert (src / "model.safetensors").read_bytes() == b"w" * 1000


def test_copy_prefix_refuses_an_empty_folder_and_mixed_stores(tmp_path):
    with pytest.raises(NotFoundError, match=f"object not found: {tmp_path / 'none'}/"):
        store.copy_prefix(str(tmp_path / "none"), str(tmp_path / "out"))
    with pytest.raises(ValueError, match="different stores"):
        store.copy_prefix(str(tmp_path), "s3://bucket/out")


def test_s3_emulator_copy_prefix_copies_server_side(s3_prefix, tmp_path):
    src = tmp_path / "model"
    (src / "sub").mkdir(parents=True)
    (src / "weights.bin").write_bytes(b"w" * 4096)
    (src / "sub" / "tok.json").write_text('{"a": 1}')
    store.upload_dir(str(src), store.join(s3_prefix, "ckpt", "model"))
    uris = store.copy_prefix(store.join(s3_prefix, "ckpt", "model"), store.join(s3_prefix, "model"))
    assert uris == [
        store.join(s3_prefix, "model", "sub", "tok.json"),
        store.join(s3_prefix, "model", "weights.bin"),
    ]
    assert store.read_bytes(store.join(s3_prefix, "model", "weights.bin")) == b"w" * 4096
    assert store.read_json(store.join(s3_prefix, "model", "sub", "tok.json")) == {"a": 1}
    with pytest.raises(NotFoundError):
        store.copy_prefix(store.join(s3_prefix, "nothing"), store.join(s3_prefix, "model2"))
