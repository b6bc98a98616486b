"""Resolve a model reference from a stage spec to a local directory, then load it.

A reference is one of:
- `builtin:tiny`: the built-in tiny Llama with its arithmetic tokenizer, built into the cache on
  first use (deterministic: same corpus, same seed, same weights);
- a local directory, or `file://<dir>`;
- `s3://bucket/prefix`: every object under the prefix is downloaded once into
  `<cache_dir>/s3-<hash>` by the worker's store (its S3 client honours AWS_ENDPOINT_URL_S3, then
  AWS_ENDPOINT_URL, e.g. LocalStack);
- anything else is a Hugging Face hub id, passed through to `from_pretrained` as is.
Directories are filled under a temporary name and renamed into place, so concurrent ranks (torchrun)
and interrupted downloads never see half a model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from r1worker.io import store

from .corpus import arithmetic_corpus
from .tiny import build_tiny_model
from .tokenizer import build_tokenizer

BUILTIN_PREFIX = "builtin:"
# Built locally from a config, never downloaded: `tiny` for tests, `small` for the CPU demo
# (about 0.8M parameters, still minutes on a laptop CPU).
BUILTIN_CONFIGS = {
    "tiny": {"n_layer": 2, "hidden": 64, "heads": 4},
    "small": {"n_layer": 4, "hidden": 128, "heads": 4},
}
BUILTIN_MODELS = tuple(BUILTIN_CONFIGS)
_COMPLETE = ".r1flow-complete"  # written last into a cache directory that is whole


def _fill_atomically(dest: Path, fill) -> Path:
    """Run `fill(tmp_dir)` and rename tmp_dir to `dest`, unless `dest` is already complete."""
    if (dest / _COMPLETE).exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        fill(tmp)
        (tmp / _COMPLETE).write_text("")
        try:
            os.rename(tmp, dest)
        except OSError:
            if not (dest / _COMPLETE).exists():  # not a lost race: something else is in the way
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _build_builtin(name: str, out_dir: Path) -> None:
    if name not in BUILTIN_CONFIGS:
        raise ValueError(f"unknown builtin model {name!r}; valid names: {', '.join(BUILTIN_MODELS)}")
    tokenizer = build_tokenizer(arithmetic_corpus(n=2000, seed=0), vocab_size=512)
    build_tiny_model(tokenizer, out_dir, max_pos=512, seed=0, **BUILTIN_CONFIGS[name])


def download_s3_prefix(uri: str, out_dir: Path) -> int:
    """Download every object under `s3://bucket/prefix` into `out_dir`, keeping relative paths.

    Goes through the worker's store, so through its one S3 client (endpoint `AWS_ENDPOINT_URL_S3`,
    then `AWS_ENDPOINT_URL`; adaptive retries). A key escaping `out_dir` raises ValueError.
    Returns the number of files written; an empty prefix is a FileNotFoundError naming `uri`.
    """
    written = store.download_prefix(uri, str(out_dir))
    if not written:
        raise FileNotFoundError(f"no objects under {uri}")
    return len(written)


def resolve_model_ref(ref: str, cache_dir: str | os.PathLike) -> str:
    """A directory (or, for hub ids, the id itself) that `from_pretrained` can read for `ref`."""
    cache = Path(cache_dir)
    if ref.startswith(BUILTIN_PREFIX):
        name = ref[len(BUILTIN_PREFIX) :]
        if name not in BUILTIN_MODELS:
            raise ValueError(f"unknown builtin model {name!r}; valid names: {', '.join(BUILTIN_MODELS)}")
        return str(_fill_atomically(cache / f"builtin-{name}", lambda d: _build_builtin(name, d)))
    if ref.startswith("s3://"):
        digest = hashlib.sha256(ref.rstrip("/").encode()).hexdigest()[:16]
        return str(_fill_atomically(cache / f"s3-{digest}", lambda d: download_s3_prefix(ref, d)))
    if ref.startswith("file://"):
        path = Path(urlparse(ref).path)
        if not path.is_dir():
            raise FileNotFoundError(f"model directory {path} does not exist")
        return str(path)
    if Path(ref).expanduser().is_dir():
        return str(Path(ref).expanduser())
    if ref.startswith(("/", "./", "../", "~")):
        raise FileNotFoundError(f"model directory {ref} does not exist")
    return ref  # a Hugging Face hub id


def _torch_dtype(dtype: str | torch.dtype) -> torch.dtype | str:
    if isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    try:
        value = getattr(torch, dtype)
    except AttributeError:
        value = None
    if not isinstance(value, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}; use e.g. 'float32', 'bfloat16', 'float16' or 'auto'")
    return value


def load_causal_lm(
    ref: str,
    cache_dir: str | os.PathLike,
    dtype: str | torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
) -> PreTrainedModel:
    """Load the causal LM named by `ref` (see the module docstring) onto `device` in `dtype`.

    `dtype` is a torch dtype or its name ("float32", "bfloat16"); "auto" keeps the checkpoint's.
    """
    path = resolve_model_ref(ref, cache_dir)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=_torch_dtype(dtype))
    return model.to(device)


def freeze(model: torch.nn.Module) -> torch.nn.Module:
    """`model` for inference only (a KL reference, a reward model): eval mode, no gradients."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def load_tokenizer(ref: str, cache_dir: str | os.PathLike) -> PreTrainedTokenizerBase:
    """Load the tokenizer saved with the model named by `ref`."""
    return AutoTokenizer.from_pretrained(resolve_model_ref(ref, cache_dir))
