"""Stage commits: canonical hashing, `_SUCCESS` written last, summaries and the metrics log."""

from __future__ import annotations

import json
import os

import pytest

from r1worker.io import commit, s3_store, store
from r1worker.io.canonical import canonical_json
from r1worker.io.uri import parse


def test_stage_hash_matches_a_hand_computed_sha256():
    # printf '%s' '[{"a":[1,0.5,"ü"],"b":null,"c":true},"x",0.00001]' | sha256sum
    expected = "8396001c6c41f9775ff667612287649260f48a5927d79ab036fa0ead3c9bfebb"
    assert canonical_json([{"c": True, "b": None, "a": [1.0, 0.5, "ü"]}, "x", 1e-5]) == (
        '[{"a":[1,0.5,"ü"],"b":null,"c":true},"x",0.00001]'
    )
    assert commit.stage_hash({"c": True, "b": None, "a": [1.0, 0.5, "ü"]}, "x", 1e-5) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (123456789012345680000.0, "123456789012345680000"),
        (-0.0, "0"),
        (3e-6, "0.000003"),
        ('a"\\\n\x01\u2028', '"a\\"\\\\\\n\\u0001\u2028"'),
    ],
)
def test_canonical_json_spells_values_as_javascript_does(value, text):
    assert canonical_json(value) == text


def test_canonical_json_refuses_non_finite_numbers():
    with pytest.raises(ValueError):
        canonical_json(float("nan"))


def test_commit_writes_success_last_and_is_complete(tmp_path):
    prefix = str(tmp_path / "stages" / "03-sft")
    digest = commit.stage_hash({"stage": "sft"})
    assert commit.read_success(prefix) is None and not commit.is_complete(prefix, digest)
    store.write_bytes(store.join(prefix, "part-00000.arrow"), b"data")
    summary = commit.write_summary(
        prefix, {"stage": "sft", "status": "succeeded", "startedAt": commit.now_iso(), "durationS": 2.5}
    )
    assert summary["outputs"] == {} and summary["warnings"] == []
    marker = commit.commit_stage(prefix, "sft", digest, ["part-00000.arrow", "metrics.json"])
    assert commit.read_success(prefix) == marker
    assert commit.is_complete(prefix, digest) and not commit.is_complete(prefix, commit.stage_hash("other"))
    mtimes = {name: os.stat(os.path.join(prefix, name)).st_mtime_ns for name in os.listdir(prefix)}
    assert max(mtimes, key=mtimes.get) == "_SUCCESS"


def test_a_damaged_marker_means_not_complete(tmp_path):
    store.write_text(str(tmp_path / "_SUCCESS"), '{"stage": "sft"}')
    assert not commit.is_complete(str(tmp_path), "0" * 64)


def test_invalid_summary_lists_its_problems(tmp_path):
    with pytest.raises(ValueError, match=r"\$\.durationS: -1 is less than the minimum of 0.*\$\.status"):
        commit.write_summary(
            str(tmp_path), {"stage": "sft", "status": "done", "startedAt": "t", "durationS": -1}
        )


def test_commit_refuses_a_bad_hash(tmp_path):
    with pytest.raises(ValueError, match="does not match"):
        commit.commit_stage(str(tmp_path), "sft", "not-a-hash", [])


def test_s3_emulator_commit_writes_success_last(s3_prefix):
    store.write_bytes(store.join(s3_prefix, "part-00000.arrow"), b"x")
    commit.commit_stage(s3_prefix, "grpo", commit.stage_hash(1), ["part-00000.arrow"])
    assert commit.is_complete(s3_prefix, commit.stage_hash(1))
    loc = parse(s3_prefix)
    stamps = {
        o["Key"].rsplit("/", 1)[1]: o["LastModified"]
        for o in s3_store.client().list_objects_v2(Bucket=loc.bucket, Prefix=loc.key)["Contents"]
    }
    assert stamps["_SUCCESS"] == max(stamps.values())


def test_metrics_log_local_lines_are_flushed_each_call(tmp_path):
    log = commit.MetricsLog(str(tmp_path))
    log.log(step=1, loss=0.5)
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()  # readable before close
    assert json.loads(lines[0])["loss"] == 0.5
    log.log(step=2, loss=float("inf"))
    log.close()
    assert [json.loads(x)["loss"] for x in (tmp_path / "metrics.jsonl").read_text().splitlines()] == [
        0.5,
        None,
    ]


def test_s3_emulator_metrics_log_uploads_every_n_seconds_and_at_close(s3_prefix):
    now = [0.0]
    log = commit.MetricsLog(s3_prefix, upload_every_s=10, clock=lambda: now[0])
    uri = store.join(s3_prefix, "metrics.jsonl")
    log.log(step=1)
    assert not store.exists(uri)
    now[0] = 11.0
    log.log(step=2)
    assert len(store.read_text(uri).splitlines()) == 2
    log.log(step=3)
    log.close()
    assert [json.loads(x)["step"] for x in store.read_text(uri).splitlines()] == [1, 2, 3]
