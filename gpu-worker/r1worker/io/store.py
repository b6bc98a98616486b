"""One small object store for every URI a stage reads or writes: `s3://bucket/key`,
`file:///abs/path` or a plain path. Missing objects raise `NotFoundError("object not found: <uri>")`;
other failures raise `StoreError` naming the URI."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from r1worker.io import local_store, s3_store
from r1worker.io.errors import NotFoundError
from r1worker.io.uri import basename, format_uri, join, parse

__all__ = [
    "basename",
    "copy_prefix",
    "download_prefix",
    "exists",
    "join",
    "list_uris",
    "open_read_stream",
    "open_write_stream",
    "read_bytes",
    "read_json",
    "read_text",
    "upload_dir",
    "write_bytes",
    "write_json",
    "write_text",
]


def read_bytes(uri: str) -> bytes:
    loc = parse(uri)
    if loc.scheme == "s3":
        return s3_store.read_bytes(loc.bucket, loc.key, uri)
    return local_store.read_bytes(loc.key, uri)


def read_text(uri: str) -> str:
    return read_bytes(uri).decode("utf-8")


def read_json(uri: str) -> Any:
    """Parse a JSON object; malformed JSON raises ValueError naming the URI, line and column."""
    text = read_text(uri)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{uri}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from e


def write_bytes(uri: str, data: bytes) -> None:
    """Write one object whole; readers see the old object or the new one, never half of one."""
    with open_write_stream(uri) as f:
        f.write(data)


def write_text(uri: str, text: str) -> None:
    write_bytes(uri, text.encode("utf-8"))


def write_json(uri: str, value: Any) -> None:
    write_text(uri, json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


@contextlib.contextmanager
def open_write_stream(uri: str) -> Iterator[BinaryIO]:
    """A binary file to stream an object into; it is published only if the block succeeds.

    Local: a temp file in the same folder, then `os.replace`. S3: a local spool, then an upload
    (multipart for large objects).
    """
    loc = parse(uri)
    if loc.scheme == "s3":
        with s3_store.open_write(loc.bucket, loc.key, uri) as f:
            yield f
    else:
        with local_store.open_write(loc.key, uri) as f:
            yield f


def open_read_stream(uri: str) -> BinaryIO:
    """A seekable binary file-like for pyarrow (`pa.ipc.open_file`, `pa.PythonFile`); close it after.

    S3 objects are read by ranged GETs on demand, not downloaded whole.
    """
    loc = parse(uri)
    if loc.scheme == "s3":
        raw = s3_store.RangeReader(loc.bucket, loc.key, uri)
        return io.BufferedReader(raw, buffer_size=8 * 1024 * 1024)  # type: ignore[return-value]
    return local_store.open_read(loc.key, uri)


def exists(uri: str) -> bool:
    """Whether an object (not a folder) exists at `uri`."""
    loc = parse(uri)
    if loc.scheme == "s3":
        return s3_store.exists(loc.bucket, loc.key, uri)
    return local_store.exists(loc.key)


def list_uris(prefix: str) -> list[str]:
    """Every object whose URI starts with `prefix`, sorted; end `prefix` with "/" for a folder.

    URIs come back in the caller's form (s3://, file:// or paths). S3 listings are paginated.
    """
    loc = parse(prefix)
    if loc.scheme == "s3":
        keys = s3_store.list_keys(loc.bucket, loc.key, prefix)
    else:
        keys = local_store.list_files(loc.key)
    return sorted(format_uri(loc, key) for key in keys)


def _folder(prefix: str) -> str:
    return prefix if prefix.endswith("/") else prefix + "/"


def download_prefix(prefix: str, local_dir: str) -> list[str]:
    """Copy every object under the folder `prefix` into `local_dir`, keeping relative paths.

    Returns the local paths written, sorted. For model checkpoints (S3 → the GPU host's disk).
    Folder markers (S3 keys ending in "/") are skipped; a key that would land outside `local_dir`
    (a `..` segment) is not written: it raises ValueError.
    """
    folder = _folder(prefix)
    root = Path(local_dir).resolve()
    written: list[str] = []
    for uri in list_uris(folder):
        relative = uri[len(folder) :]
        if not relative or relative.endswith("/"):
            continue
        dest = os.path.join(local_dir, *relative.split("/"))
        if root not in Path(dest).resolve().parents:
            raise ValueError(f"{uri} escapes the download directory {local_dir}")
        loc = parse(uri)
        if loc.scheme == "s3":
            s3_store.download_file(loc.bucket, loc.key, dest, uri)
        else:
            local_store.copy_file(loc.key, dest, uri, dest)
        written.append(dest)
    return sorted(written)


def upload_dir(local_dir: str, prefix: str) -> list[str]:
    """Copy every file under `local_dir` to the folder `prefix`; returns the URIs written, sorted.

    Large files go up as multipart uploads. Raises NotFoundError when `local_dir` is missing.
    """
    if not os.path.isdir(local_dir):
        raise NotFoundError(local_dir)
    folder = _folder(prefix)
    written: list[str] = []
    for root, dirs, files in os.walk(local_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, local_dir).replace(os.sep, "/")
            uri = join(folder, relative)
            loc = parse(uri)
            if loc.scheme == "s3":
                with local_store.open_read(path, path) as f:
                    s3_store.upload_fileobj(f, loc.bucket, loc.key, uri)
            else:
                local_store.copy_file(path, loc.key, path, uri)
            written.append(uri)
    return sorted(written)


def copy_prefix(src: str, dst: str) -> list[str]:
    """Copy every object under the folder `src` to the same relative key under the folder `dst`;
    returns the URIs written, sorted. The bytes do not pass through this process: S3 copies
    server-side, local disk links (a copy across file systems). Both must be on the same kind of
    store. Raises NotFoundError when `src` holds no object."""
    src_loc, dst_loc = parse(src), parse(dst)
    if (src_loc.scheme == "s3") != (dst_loc.scheme == "s3"):
        raise ValueError(f"copy_prefix: {src} and {dst} are on different stores")
    folder, target = _folder(src), _folder(dst)
    uris = [u for u in list_uris(folder) if not u.endswith("/")]
    if not uris:
        raise NotFoundError(folder)
    written: list[str] = []
    for uri in uris:
        out = join(target, uri[len(folder) :])
        a, b = parse(uri), parse(out)
        if a.scheme == "s3":
            s3_store.copy(a.bucket, a.key, b.bucket, b.key, uri, out)
        else:
            local_store.link_file(a.key, b.key, uri, out)
        written.append(out)
    return sorted(written)
