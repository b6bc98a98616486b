"""The local-disk half of the object store. Writes go to a temp file then `os.replace`, so a
reader never sees half a file."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from r1worker.io.errors import NotFoundError, StoreError

TEMP_MARK = ".tmp-"  # temp files are ".<name>.tmp-<random>"; listings skip them


def _fail(uri: str, action: str, err: OSError) -> StoreError:
    if isinstance(err, FileNotFoundError) or err.errno == errno.ENOENT:
        return NotFoundError(uri)
    reason = {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "read-only file system",
    }.get(err.errno or 0, err.strerror or str(err))
    return StoreError(f"cannot {action} {uri}: {reason}", err.errno or 0)


def read_bytes(path: str, uri: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError as e:
        raise StoreError(f"cannot read {uri}: it is a directory", e.errno) from e
    except OSError as e:
        raise _fail(uri, "read", e) from e


def open_read(path: str, uri: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as e:
        raise _fail(uri, "read", e) from e


@contextlib.contextmanager
def open_write(path: str, uri: str) -> Iterator[BinaryIO]:
    """A file to write `uri` through; it appears under its name only when the block succeeds."""
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{os.path.basename(path)}{TEMP_MARK}")
    except OSError as e:
        raise _fail(uri, "write", e) from e
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        _remove_quietly(tmp)
        raise _fail(uri, "write", e) from e
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def list_files(prefix: str) -> list[str]:
    """Every file whose path starts with `prefix` (string prefix, as S3 lists keys), sorted."""
    base = prefix if prefix.endswith(os.sep) else os.path.dirname(prefix) or "."
    if not os.path.isdir(base):
        return []
    found: list[str] = []
    for root, dirs, files in os.walk(base):
        dirs.sort()
        for name in files:
            if name.startswith(".") and TEMP_MARK in name:
                continue
            path = os.path.join(root, name)
            if base == "." and not prefix.startswith("."):
                path = os.path.relpath(path)
            if path.startswith(prefix):
                found.append(path)
    return sorted(found)


def exists(path: str) -> bool:
    return os.path.isfile(path)


def copy_file(src: str, dst: str, src_uri: str, dst_uri: str) -> None:
    with open_read(src, src_uri) as fin, open_write(dst, dst_uri) as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)


def link_file(src: str, dst: str, src_uri: str, dst_uri: str) -> None:
    """`dst` as a second name of `src` (a hard link, renamed into place), or a copy where the file
    system cannot link. The store never rewrites a file in place, it replaces it, so the two names
    keep the same bytes."""
    parent = os.path.dirname(os.path.abspath(dst))
    tmp = os.path.join(parent, f".{os.path.basename(dst)}{TEMP_MARK}{os.getpid()}-link")
    try:
        os.makedirs(parent, exist_ok=True)
        _remove_quietly(tmp)
        os.link(src, tmp)
    except FileNotFoundError as e:
        if not os.path.exists(src):
            raise NotFoundError(src_uri) from e
        raise _fail(dst_uri, "write", e) from e
    except OSError as e:
        if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise _fail(dst_uri, "write", e) from e
        copy_file(src, dst, src_uri, dst_uri)  # another file system, or one without links
        return
    try:
        os.replace(tmp, dst)
    except OSError as e:
        _remove_quietly(tmp)
        raise _fail(dst_uri, "write", e) from e
