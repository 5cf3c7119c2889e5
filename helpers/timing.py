"""Tiny throughput timer for tf.data pipelines, shared by notebooks and benchmarks."""

from __future__ import annotations

import time

import tensorflow as tf

__all__ = ["clips_per_second"]


def clips_per_second(ds: tf.data.Dataset, num_batches: int, *, warmup: int = 1) -> float:
    """Iterates ``warmup + num_batches`` batches and returns clips per second after the warm-up.

    The dataset should repeat (or hold enough batches). The batch size is read from the first
    component of each element (the ``image`` of a dict, or the first item of a tuple).

    Args:
        ds: A batched dataset.
        num_batches: Batches to time.
        warmup: Batches to read before the clock starts (tracing, file opening, buffers).

    Returns:
        Clips per second over the timed batches.

    Raises:
        ValueError: The dataset ran out before ``warmup + num_batches`` batches.
    """
    it = iter(ds)
    for _ in range(warmup):
        next(it)
    clips, start = 0, time.perf_counter()
    for i in range(num_batches):
        try:
            batch = next(it)
        except StopIteration:
            raise ValueError(f"dataset ended after {warmup + i} batches") from None
        first = batch["image"] if isinstance(batch, dict) else tf.nest.flatten(batch)[0]
        clips += int(first.shape[0])
    return clips / (time.perf_counter() - start)
