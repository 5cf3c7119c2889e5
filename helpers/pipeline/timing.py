"""Tiny throughput timer for tf.data pipelines, shared by notebooks and benchmarks."""

from __future__ import annotations

import time
from dataclasses import dataclass

import tensorflow as tf

__all__ = ["Throughput", "clips_per_second", "throughput"]


@dataclass(frozen=True)
class Throughput:
    """What :func:`throughput` measured.

    Attributes:
        clips_per_second: Clips per wall-clock second.
        cpu_ms_per_clip: Process CPU time (all threads) per clip, in ms: the work a clip costs,
            which noisy neighbours on a shared machine disturb less than the wall clock.
    """

    clips_per_second: float
    cpu_ms_per_clip: float


def clips_per_second(ds: tf.data.Dataset, num_batches: int, *, warmup: int = 1) -> float:
    """Clips per second after the warm-up (see :func:`throughput`)."""
    return throughput(ds, num_batches, warmup=warmup).clips_per_second


def throughput(ds: tf.data.Dataset, num_batches: int, *, warmup: int = 1) -> Throughput:
    """Iterates ``warmup + num_batches`` batches and measures the timed ones.

    The dataset should repeat (or hold enough batches). The batch size is read from the first
    component of each element (the ``image`` of a dict, or the first item of a tuple).

    Args:
        ds: A batched dataset.
        num_batches: Batches to time.
        warmup: Batches to read before the clock starts (tracing, file opening, buffers).

    Returns:
        Wall-clock clips per second and CPU ms per clip over the timed batches.

    Raises:
        ValueError: The dataset ran out before ``warmup + num_batches`` batches.
    """
    it = iter(ds)

    def batch_number(n: int):
        try:
            return next(it)
        except StopIteration:
            raise ValueError(f"dataset ended after {n} of {warmup + num_batches} batches") from None

    for n in range(warmup):
        batch_number(n)
    clips, start, cpu_start = 0, time.perf_counter(), time.process_time()
    for i in range(num_batches):
        batch = batch_number(warmup + i)
        first = batch["image"] if isinstance(batch, dict) else tf.nest.flatten(batch)[0]
        clips += int(first.shape[0])
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return Throughput(clips / wall, 1000.0 * cpu / clips)
