"""The S3 half of the object store (AWS, LocalStack or any S3 API at `AWS_ENDPOINT_URL[_S3]`)."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from r1worker.io.errors import NotFoundError, StoreError

# Parts of 16 MiB above 16 MiB: large checkpoints upload in parallel parts, small files in one PUT.
MULTIPART_THRESHOLD = 16 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
_MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}

# Called with each new client, e.g. to register botocore event handlers on `client.meta.events`.
# Empty in production; the IAM test records every call the worker makes through one.
CLIENT_HOOKS: list[Callable[[Any], None]] = []


def endpoint_url() -> str | None:
    """The S3 endpoint override: `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL` (the SDK's own order)."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


@functools.cache
def _client_for(endpoint: str | None, region: str | None) -> Any:
    import boto3  # imported here so that local-only runs never pay for it
    from botocore.config import Config

    # Emulators answer on host:port, where virtual-host bucket names do not resolve.
    s3_config = {"addressing_style": "path"} if endpoint else {}
    config = Config(retries={"max_attempts": 8, "mode": "adaptive"}, s3=s3_config)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region, config=config)
    for hook in CLIENT_HOOKS:
        hook(s3)
    return s3


def client() -> Any:
    """A boto3 S3 client for the current endpoint settings (shared; boto3 clients are thread-safe)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return _client_for(endpoint_url(), region)


def transfer_config() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK)


def _fail(uri: str, action: str, err: Exception) -> Exception:
    """A botocore error as ours: missing → NotFoundError, anything else → StoreError naming the URI."""
    from botocore.exceptions import ClientError

    if isinstance(err, ClientError):
        code = str(err.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_CODES:
            detail = "no such bucket" if code == "NoSuchBucket" else ""
            return NotFoundError(uri, detail)
        message = err.response.get("Error", {}).get("Message", "") or code
        return StoreError(f"cannot {action} {uri}: {code}: {message}")
    return StoreError(f"cannot {action} {uri}: {err}")


def _guard(uri: str, action: str):
    from botocore.exceptions import BotoCoreError, ClientError

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        try:
            yield
        except (ClientError, BotoCoreError) as e:
            raise _fail(uri, action, e) from e

    return guard()


def read_bytes(bucket: str, key: str, uri: str) -> bytes:
    with _guard(uri, "read"):
        return client().get_object(Bucket=bucket, Key=key)["Body"].read()


def size(bucket: str, key: str, uri: str) -> int:
    with _guard(uri, "read"):
        return int(client().head_object(Bucket=bucket, Key=key)["ContentLength"])


def exists(bucket: str, key: str, uri: str) -> bool:
    try:
        size(bucket, key, uri)
    except NotFoundError:
        return False
    return True


def upload_fileobj(f: BinaryIO, bucket: str, key: str, uri: str) -> None:
    """One object from a file object; multipart above MULTIPART_THRESHOLD."""
    with _guard(uri, "write"):
        client().upload_fileobj(f, bucket, key, Config=transfer_config())


def copy(src_bucket: str, src_key: str, bucket: str, key: str, src_uri: str, uri: str) -> None:
    """A server-side copy (the bytes never pass through this process); multipart above
    MULTIPART_THRESHOLD, so objects over CopyObject's 5 GiB limit copy too."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client().copy({"Bucket": src_bucket, "Key": src_key}, bucket, key, Config=transfer_config())
    except (ClientError, BotoCoreError) as e:
        err = _fail(src_uri, "copy", e)
        if isinstance(err, NotFoundError):
            raise err from e
        raise StoreError(f"cannot copy {src_uri} to {uri}: {e}") from e


def download_file(bucket: str, key: str, path: str, uri: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with _guard(uri, "read"):
        client().download_file(bucket, key, path, Config=transfer_config())


def list_keys(bucket: str, prefix: str, uri: str) -> list[str]:
    """Every key under `prefix`, over as many pages as it takes (1,000 keys a page)."""
    keys: list[str] = []
    with _guard(uri, "list"):
        for page in client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return sorted(keys)


@contextlib.contextmanager
def open_write(bucket: str, key: str, uri: str) -> Iterator[BinaryIO]:
    """A local spool file that is uploaded when the block succeeds (S3 PUTs are atomic anyway)."""
    with tempfile.TemporaryFile() as spool:
        yield spool  # type: ignore[misc]
        spool.seek(0)
        upload_fileobj(spool, bucket, key, uri)  # type: ignore[arg-type]


class RangeReader(io.RawIOBase):
    """A seekable, read-only view of one S3 object by ranged GETs.

    The Arrow IPC file format is read footer first and then batch by batch, so a stage can
    stream a multi-GB shard without holding it in memory or on disk.
    """

    def __init__(self, bucket: str, key: str, uri: str) -> None:
        super().__init__()
        self._bucket, self._key, self._uri = bucket, key, uri
        self._size = size(bucket, key, uri)  # raises NotFoundError up front
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        end = min(self._pos + len(view), self._size)
        if end <= self._pos:
            return 0
        with _guard(self._uri, "read"):
            body = (
                client()
                .get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-{end - 1}")["Body"]
                .read()
            )
        view[: len(body)] = body
        self._pos += len(body)
        return len(body)
