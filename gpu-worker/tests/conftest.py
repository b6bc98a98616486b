"""Shared fixtures: an S3 API for the store tests (a real endpoint from AWS_ENDPOINT_URL, else a
local moto server as an S3 emulator) and a scratch prefix on it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest

_S3_ENV = {
    "AWS_ACCESS_KEY_ID": "test",  # emulator credentials: any value is accepted
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, log_path: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log_path, errors="replace") as f:
                out = f.read()
            pytest.fail(f"the moto S3 emulator exited with {proc.returncode}: {out[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the moto S3 emulator did not listen on port {port} within {timeout_s:.0f} s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 endpoint URL: $AWS_ENDPOINT_URL when set, else `python3 -m moto.server` started here.

    moto lives in the system python3, not the worker's venv, so it runs as a separate server.
    Fails (never skips) when no emulator can be started.
    """
    saved = {k: os.environ.get(k) for k in [*_S3_ENV, "AWS_ENDPOINT_URL_S3"]}
    for key, value in _S3_ENV.items():
        os.environ.setdefault(key, value)
    given = os.environ.get("AWS_ENDPOINT_URL")
    proc = None
    if given:
        endpoint = given
    else:
        python = os.environ.get("R1FLOW_MOTO_PYTHON") or shutil.which("python3")
        if python is None:
            pytest.fail("no python3 on PATH to run the moto S3 emulator (set AWS_ENDPOINT_URL instead)")
        port = _free_port()
        # Its request log goes to a file: a pipe nobody reads would fill up and stall the server.
        log_file = tempfile.NamedTemporaryFile(prefix="moto-s3-", suffix=".log", delete=False)
        proc = subprocess.Popen(
            [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        _wait_for(port, proc, log_file.name)
        endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL_S3"] = endpoint
    try:
        yield endpoint
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def s3_bucket(s3_endpoint: str) -> str:
    from r1worker.io import s3_store

    name = f"r1worker-test-{uuid.uuid4().hex[:12]}"
    s3_store.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_prefix(s3_bucket: str, request: pytest.FixtureRequest) -> str:
    """A fresh `s3://bucket/<test>-<random>/` folder on the emulator."""
    return f"s3://{s3_bucket}/{request.node.name[:40]}-{uuid.uuid4().hex[:8]}/"
