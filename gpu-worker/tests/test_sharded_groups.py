"""ShardedWriter with `group_column`: a rollout group never spans two shards, under either cap."""

from __future__ import annotations

import pytest

from r1worker.io import tables
from r1worker.io.samples import sample_rows


def _groups(n_groups: int, size: int, tokens: int = 10) -> list[dict]:
    rows = sample_rows("rollouts", rows=n_groups * size)
    for i, r in enumerate(rows):
        r["group_id"] = f"g{i // size}"
        r["sample_index"] = i % size
        r["completion_token_ids"] = list(range(tokens))
    return rows


def _group_shards(uris: list[str]) -> dict[str, set[int]]:
    where: dict[str, set[int]] = {}
    for k, uri in enumerate(uris):
        for gid in tables.read_table(uri, "rollouts").column("group_id").to_pylist():
            where.setdefault(gid, set()).add(k)
    return where


def test_row_cap_cuts_at_group_boundaries(tmp_path):
    rows = _groups(n_groups=5, size=4)  # 20 rows; a cap of 6 rows would cut groups at rows 6, 12, 18
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(prefix, "rollouts", max_rows=6, max_bytes=None, group_column="group_id") as w:
        for i in range(0, 20, 3):  # writes that themselves cut groups in the middle
            w.write(rows[i : i + 3])
    where = _group_shards(w.uris)
    assert all(len(s) == 1 for s in where.values()), where
    counts = [tables.read_table(u, "rollouts").num_rows for u in w.uris]
    assert counts == [4, 4, 4, 4, 4]  # one group (4 rows) fits under 6; two (8) do not
    assert tables.read_shards(prefix, "rollouts").to_pylist() == rows


def test_byte_cap_cuts_at_group_boundaries_and_keeps_an_oversized_group_whole(tmp_path):
    rows = _groups(n_groups=6, size=3, tokens=1000)  # ~4 kB a row, ~12 kB a group
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(
        prefix, "rollouts", max_rows=None, max_bytes=30_000, group_column="group_id"
    ) as w:
        w.write(rows)
    where = _group_shards(w.uris)
    assert all(len(s) == 1 for s in where.values()), where
    assert len(w.uris) == 3  # two groups (~24 kB) a shard

    big = str(tmp_path / "big")
    with tables.ShardedWriter(big, "rollouts", max_rows=None, max_bytes=5_000, group_column="group_id") as w:
        w.write(rows)
    # every group is over the cap on its own: one shard per group, none split
    assert [tables.read_table(u, "rollouts").num_rows for u in w.uris] == [3] * 6


def test_a_group_that_reappears_is_an_error(tmp_path):
    rows = _groups(n_groups=2, size=2)
    with pytest.raises(ValueError, match=r"group_id='g0' are not contiguous"):
        with tables.ShardedWriter(str(tmp_path / "out"), "rollouts", group_column="group_id") as w:
            w.write(rows + rows[:1])


def test_an_empty_write_adds_nothing(tmp_path):
    rows = _groups(n_groups=2, size=2)
    prefix = str(tmp_path / "out")
    with tables.ShardedWriter(prefix, "rollouts", group_column="group_id") as w:
        w.write([])
        w.write(rows)
        w.write([])
    assert tables.read_shards(prefix, "rollouts").to_pylist() == rows
