"""Choosing a clip's frames before anything is decoded: windows, strides, short clips, seeds.

``helpers.pipeline`` calls :func:`frame_indices` on each record's frame count, then reads and
decodes only the frames it returns::

    idx, valid = frame_indices(40, 8, stride=2, sampling="random", seed=[0, 7])
    # idx: 8 consecutive frame numbers 2 apart at a random start; valid: all True
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["SAMPLING_MODES", "clip_seeds", "frame_indices"]

SAMPLING_MODES = ("random", "middle", "linspace", "all")


def clip_seeds(seed: int, key: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Returns the ``(sampling, augmentation)`` stateless seeds of one clip read.

    Every random choice about a clip derives from ``(seed, key)``, so a deterministic dataset
    with the same seed yields the same windows and the same augmentations. ``key`` is the clip's
    position in the stream (eval), or a per-clip draw that changes every epoch (training: see
    :func:`helpers.pipeline.build_dataset`).
    """
    base = tf.stack([tf.constant(seed, tf.int64), tf.cast(key, tf.int64)])
    sample_seed, aug_seed = tf.unstack(tf.random.experimental.stateless_split(base, 2))
    return sample_seed, aug_seed


def frame_indices(
    num_available: tf.Tensor,
    num_frames: int | None,
    *,
    stride: int = 1,
    sampling: str = "random",
    num_clips: int = 1,
    seed: tf.Tensor | None = None,
    short: str = "loop",
) -> tuple[tf.Tensor, tf.Tensor]:
    """Chooses which frames to decode, before anything is decoded.

    Args:
        num_available: Scalar count of frames in the clip (``N``).
        num_frames: Window length ``T`` (for ``"all"``: an optional cap).
        stride: Step between chosen frames.
        sampling: One of :data:`SAMPLING_MODES`.
        num_clips: Windows for ``"linspace"`` (one window: the middle one).
        seed: ``[2]`` stateless seed for ``"random"``.
        short: ``"loop"`` or ``"pad"`` for clips shorter than a window.

    Returns:
        ``(indices, valid)``: int32 indices into ``[0, N)`` and a bool mask of the same shape
        (``[T]``, or ``[num_clips, T]`` for linspace, or ``[L]`` for all). Invalid positions are
        padding (index clamped to ``N - 1``).
    """
    if stride < 1 or num_clips < 1:
        raise ValueError(f"stride and num_clips must be >= 1, got {stride} and {num_clips}")
    n = tf.cast(num_available, tf.int32)
    if sampling == "all":
        idx = tf.range(0, n, stride, dtype=tf.int32)
        if num_frames:
            idx = idx[:num_frames]
        return idx, tf.ones_like(idx, tf.bool)
    span = (num_frames - 1) * stride + 1
    room = tf.maximum(n - span, 0)
    if sampling == "random":
        if seed is None:
            raise ValueError("sampling='random' needs a seed")
        starts = tf.random.stateless_uniform([1], seed, maxval=room + 1, dtype=tf.int32)
    elif sampling == "middle" or (sampling == "linspace" and num_clips == 1):
        starts = tf.reshape(room // 2, [1])
    elif sampling == "linspace":  # the first window at the start, the last at the end
        starts = tf.cast(tf.round(tf.linspace(0.0, tf.cast(room, tf.float32), num_clips)), tf.int32)
    else:
        raise ValueError(f"sampling must be one of {SAMPLING_MODES}, got {sampling!r}")
    raw = starts[:, None] + tf.range(num_frames, dtype=tf.int32)[None, :] * stride
    if short == "loop":
        idx, valid = raw % tf.maximum(n, 1), tf.ones_like(raw, tf.bool)
    elif short == "pad":
        idx, valid = tf.minimum(raw, n - 1), raw < n
    else:
        raise ValueError(f"short must be 'loop' or 'pad', got {short!r}")
    if sampling != "linspace":
        idx, valid = idx[0], valid[0]
    return idx, valid
