"""Tests for helpers.pipeline.timing (no timing assertions: only counting and errors)."""

from __future__ import annotations

import pytest
import tensorflow as tf

from helpers.pipeline.timing import clips_per_second, throughput


def test_counts_clips_of_dicts_and_tuples():
    images = tf.zeros((12, 2, 4, 4, 3))
    as_dict = tf.data.Dataset.from_tensor_slices({"image": images}).batch(3)
    as_tuple = tf.data.Dataset.from_tensor_slices((images, tf.range(12))).batch(3)
    assert clips_per_second(as_dict, 3) > 0
    assert clips_per_second(as_tuple, 2, warmup=2) > 0


def test_counts_clips_not_batches_and_times_only_after_the_warmup(monkeypatch):
    from helpers.pipeline import timing

    clock = iter([10.0, 12.0])  # the timed batches take 2 "seconds", whatever really happens
    cpu = iter([1.0, 1.5])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(timing.time, "process_time", lambda: next(cpu))
    ds = tf.data.Dataset.from_tensor_slices((tf.zeros((20, 1)), tf.range(20))).batch(4)
    got = timing.throughput(ds, 3, warmup=2)  # 3 timed batches of 4 clips
    assert got.clips_per_second == 12 / 2.0 and got.cpu_ms_per_clip == 1000 * 0.5 / 12


def test_raises_when_the_dataset_runs_out():
    ds = tf.data.Dataset.from_tensor_slices({"image": tf.zeros((4, 1))}).batch(2)
    with pytest.raises(ValueError, match="ended after 2 of 6 batches"):
        clips_per_second(ds, 5)
    with pytest.raises(ValueError, match="ended after 2 of 4 batches"):  # during the warm-up
        clips_per_second(ds, 1, warmup=3)


def test_throughput_reports_wall_and_cpu_per_clip():
    images = tf.zeros((64, 2, 8, 8, 3))
    ds = tf.data.Dataset.from_tensor_slices({"image": images})
    ds = ds.map(lambda x: {"image": x["image"] * 2})
    got = throughput(ds.batch(8), 6, warmup=2)
    assert got.clips_per_second > 0 and got.cpu_ms_per_clip >= 0
