"""The built-in tiny model and loading models by reference (builtin, local dir, file://, s3://)."""

import uuid
from pathlib import Path

import pytest
import torch
from botocore.awsrequest import AWSResponse
from transformers import AutoModelForCausalLM, AutoTokenizer

from r1worker.io import s3_store
from r1worker.model.load import download_s3_prefix, load_causal_lm, load_tokenizer, resolve_model_ref
from r1worker.model.tiny import build_tiny_model


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def builtin_dir(cache):
    return Path(resolve_model_ref("builtin:tiny", cache))


def _ids(tok):
    return torch.tensor([tok.encode("User: Compute 12 + 30.\nAssistant: <think> 12 + 30 = 42 </think> 42")])


def test_builtin_tiny_is_built_once_into_the_cache(cache, builtin_dir):
    assert builtin_dir == cache / "builtin-tiny"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "generation_config.json"):
        assert (builtin_dir / name).exists(), name
    stamp = (builtin_dir / "model.safetensors").stat().st_mtime_ns
    assert resolve_model_ref("builtin:tiny", cache) == str(builtin_dir)
    assert (builtin_dir / "model.safetensors").stat().st_mtime_ns == stamp
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_tiny_model_saves_and_reloads_with_identical_logits(builtin_dir, tmp_path):
    tok = AutoTokenizer.from_pretrained(builtin_dir)
    model = build_tiny_model(tok, tmp_path, n_layer=2, hidden=32, heads=2, max_pos=128, seed=1)
    again = AutoModelForCausalLM.from_pretrained(tmp_path)
    ids = _ids(tok)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(ids).logits, again(ids).logits)
    assert again.config.num_hidden_layers == 2 and again.config.hidden_size == 32
    assert again.config.vocab_size == len(tok) and again.config.pad_token_id == tok.pad_token_id
    same_seed = build_tiny_model(tok, None, n_layer=2, hidden=32, heads=2, max_pos=128, seed=1)
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), same_seed.state_dict().values(), strict=False)
    )
    with pytest.raises(ValueError, match="not divisible"):
        build_tiny_model(tok, None, hidden=30, heads=4)


def test_load_causal_lm_and_tokenizer_by_reference(cache, builtin_dir):
    tok = load_tokenizer("builtin:tiny", cache)
    model = load_causal_lm("builtin:tiny", cache, dtype="float32", device="cpu")
    by_dir = load_causal_lm(str(builtin_dir), cache)
    by_uri = load_causal_lm(f"file://{builtin_dir}", cache)
    ids = _ids(tok)
    with torch.no_grad():
        want = model(ids).logits
        assert torch.equal(by_dir(ids).logits, want) and torch.equal(by_uri(ids).logits, want)
    assert load_causal_lm("builtin:tiny", cache, dtype="bfloat16").dtype == torch.bfloat16
    assert model.generate(ids[:, :5], max_new_tokens=3, do_sample=False).shape[1] <= 8


def test_bad_references_fail_clearly(cache, tmp_path):
    with pytest.raises(ValueError, match="valid names: tiny"):
        resolve_model_ref("builtin:huge", cache)
    with pytest.raises(FileNotFoundError):
        resolve_model_ref(str(tmp_path / "missing"), cache)
    with pytest.raises(FileNotFoundError):
        resolve_model_ref(f"file://{tmp_path}/missing", cache)
    with pytest.raises(ValueError, match="unknown dtype"):
        load_causal_lm("builtin:tiny", cache, dtype="float13")
    assert resolve_model_ref("Qwen/Qwen2.5-0.5B", cache) == "Qwen/Qwen2.5-0.5B"  # hub ids pass through


class _FakeS3:
    """The two boto3 S3 client calls the store makes to download a prefix, over an in-memory bucket."""

    def __init__(self, objects: dict[str, bytes]):
        self.objects = objects
        self.downloads = 0

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        objects = self.objects

        class _Pages:
            def paginate(self, Bucket, Prefix):
                keys = sorted(k for k in objects if k.startswith(Prefix))
                yield {"Contents": [{"Key": k} for k in keys[:2]]}
                yield {"Contents": [{"Key": k} for k in keys[2:]]}

        return _Pages()

    def download_file(self, bucket, key, filename, Config=None):
        self.downloads += 1
        Path(filename).write_bytes(self.objects[key])


def test_s3_prefix_is_downloaded_once_and_loads(cache, builtin_dir, monkeypatch):
    objects = {f"ckpt/step-1/{p.name}": p.read_bytes() for p in builtin_dir.iterdir() if p.is_file()}
    objects["ckpt/step-1/"] = b""  # a "folder" marker some tools write
    objects["ckpt/step-10/config.json"] = b"{}"  # a sibling prefix must not leak in
    fake = _FakeS3(objects)
    monkeypatch.setattr(s3_store, "client", lambda: fake)  # the store's one client getter
    model = load_causal_lm("s3://bucket/ckpt/step-1", cache)
    n = fake.downloads
    assert n == len(objects) - 2
    load_causal_lm("s3://bucket/ckpt/step-1/", cache)  # same prefix, trailing slash: cached
    assert fake.downloads == n
    tok = load_tokenizer("s3://bucket/ckpt/step-1", cache)
    ref = load_causal_lm("builtin:tiny", cache)
    with torch.no_grad():
        assert torch.equal(model(_ids(tok)).logits, ref(_ids(tok)).logits)
    with pytest.raises(FileNotFoundError, match="no objects under s3://bucket/nothing"):
        download_s3_prefix("s3://bucket/nothing", cache / "empty")


def test_s3_key_escaping_the_download_directory_is_refused(tmp_path, monkeypatch):
    # Sorted, "ckpt/../../x.txt" comes first: it would land at tmp_path/out/../../x.txt.
    fake = _FakeS3({"ckpt/../../x.txt": b"x", "ckpt/config.json": b"{}"})
    monkeypatch.setattr(s3_store, "client", lambda: fake)
    with pytest.raises(ValueError, match=r"s3://bucket/ckpt/\.\./\.\./x\.txt escapes the download directory"):
        download_s3_prefix("s3://bucket/ckpt", tmp_path / "out")
    assert fake.downloads == 0 and not (tmp_path.parent / "x.txt").exists()


class _Body:
    """The raw body botocore reads an HTTP response from."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_):
        yield self.data


_EMPTY_LISTING = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Name>models</Name><Prefix>ckpt/step-3/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>"
    b"<IsTruncated>false</IsTruncated></ListBucketResult>"
)


def test_s3_model_download_goes_to_aws_endpoint_url_s3(tmp_path, monkeypatch):
    """The request leaves the store's client for AWS_ENDPOINT_URL_S3 (not AWS_ENDPOINT_URL), path
    style; it is answered in process by a botocore `before-send` handler, so nothing is sent."""
    endpoint = f"http://s3-{uuid.uuid4().hex[:8]}.test:9000"  # a fresh endpoint: a fresh cached client
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://not-this-one.test:4566")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")  # requests are signed before `before-send`
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    sent: list[str] = []

    def answer(request, **_):
        sent.append(request.url)
        return AWSResponse(request.url, 200, {}, _Body(_EMPTY_LISTING))

    hook = lambda s3: s3.meta.events.register("before-send.s3", answer)  # noqa: E731
    monkeypatch.setattr(s3_store, "CLIENT_HOOKS", [hook])
    with pytest.raises(FileNotFoundError, match="no objects under s3://models/ckpt/step-3"):
        download_s3_prefix("s3://models/ckpt/step-3", tmp_path / "out")
    assert s3_store.client().meta.endpoint_url == endpoint
    assert sent == [f"{endpoint}/models?list-type=2&prefix=ckpt%2Fstep-3%2F&encoding-type=url"]
