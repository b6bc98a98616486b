"""Parsing and joining the URIs stages name their data by: `s3://bucket/key`, `file:///abs`, paths."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class Location:
    """Where a URI points."""

    scheme: str  # "s3" or "file" (plain paths and file:// URIs alike)
    bucket: str  # S3 bucket; "" for files
    key: str  # S3 key, or the local path for files
    form: str  # how the caller spelled it: "s3", "file-uri" or "path", so listings answer alike


def parse(uri: str) -> Location:
    """Split a URI; a path with no scheme is a local path (relative to the working directory)."""
    if not uri:
        raise ValueError("empty URI")
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {uri!r}")
        return Location("s3", bucket, key, "s3")
    if uri.startswith("file://"):
        rest = uri[len("file://") :]
        if not rest.startswith("/"):  # file://host/path is not supported; only file:///abs
            raise ValueError(f"expected file:///absolute/path, found {uri!r}")
        return Location("file", "", unquote(rest), "file-uri")
    if _SCHEME.match(uri):
        raise ValueError(f"unsupported URI scheme in {uri!r}; expected s3://, file:// or a path")
    return Location("file", "", uri, "path")


def format_uri(loc: Location, key: str) -> str:
    """A URI for `key` (an S3 key or a local path) spelled in the same form as `loc`."""
    if loc.scheme == "s3":
        return f"s3://{loc.bucket}/{key}"
    if loc.form == "file-uri":
        return "file://" + os.path.abspath(key)
    return key


def join(base: str, *parts: str) -> str:
    """Join URI segments: `join("s3://b/runs/x", "metrics.json")` → "s3://b/runs/x/metrics.json".

    A trailing "" gives a trailing "/" (a folder prefix), as with `os.path.join`.
    """
    loc = parse(base)
    if loc.scheme == "s3" or loc.form == "file-uri":
        prefix, rest = (base.split("://", 1)[0] + "://", base.split("://", 1)[1])
        return prefix + posixpath.join(rest, *parts)
    return os.path.join(base, *parts)


def basename(uri: str) -> str:
    """The last segment of a URI ("" for a folder prefix ending in "/")."""
    return uri.rsplit("/", 1)[-1] if parse(uri).scheme == "s3" else os.path.basename(parse(uri).key)
