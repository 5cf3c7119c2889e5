"""Tests for helpers.utils.atomic: a crash leaves the old file or the whole new one, never a cut."""

from __future__ import annotations

import json

import pytest

from helpers.records import framing as shard_check
from helpers.utils import atomic


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "out.bin"
    assert atomic.atomic_write_bytes(path, b"first") == path
    atomic.atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_json_round_trips_in_key_order(tmp_path):
    path = tmp_path / "m.json"
    atomic.atomic_write_json(path, {"b": 1, "a": [1, 2]})
    assert path.read_text().endswith("\n") and list(json.loads(path.read_text())) == ["b", "a"]


@pytest.mark.parametrize("where", ["write", "rename"])
def test_a_crash_keeps_the_old_file_and_leaves_no_partial(tmp_path, monkeypatch, where):
    path = tmp_path / "model.tflite"
    atomic.atomic_write_bytes(path, b"old model")

    def crash(*args, **kwargs):
        raise OSError(f"crash at {where}")

    if where == "rename":
        monkeypatch.setattr(atomic.os, "replace", crash)
    else:
        monkeypatch.setattr(atomic.os, "fsync", crash)  # after half the bytes are down
    with pytest.raises(OSError, match="crash"):
        atomic.atomic_write_bytes(path, b"new model")
    assert path.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.tflite"]


def test_the_partial_name_is_skipped_by_shard_patterns(tmp_path):
    shard = tmp_path / "clips-00000-of-00001.tfrecord"
    name = atomic.partial_name(shard).name
    assert name == "clips-00000-of-00001.tfrecord.incomplete"
    assert name.endswith(shard_check.SIDECAR_SUFFIXES)
