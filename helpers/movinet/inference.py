"""Run MoViNet on a video: Kinetics labels, clip loading, base and streaming inference, top-k.

The official TF Hub tutorial's arc, as functions::

    from helpers import movinet
    labels = movinet.load_labels()                          # Kinetics-600 (or offline names)
    video = movinet.load_video(path, resolution=172)        # [T, 172, 172, 3] float32 in [0, 1]
    base = movinet.load_movinet("a0", "base")               # TF Hub, or an UNTRAINED stand-in
    movinet.get_top_k(movinet.classify(base, video), labels)
    stream = movinet.load_movinet("a0", "stream")
    probs = movinet.stream_probabilities(stream, video)     # [T, 600]: one row per frame
    top = movinet.streaming_top_k(probs, labels, k=5)       # what to draw in the animation

Building, loading and labels live in the sibling modules ``models``, ``load`` and ``labels``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from tqdm import tqdm

from helpers import frames
from helpers.movinet.labels import (
    check_class_names,
)
from helpers.movinet.load import MovinetModel

__all__ = [
    "StreamingTopK",
    "classify",
    "format_top_k",
    "get_top_k",
    "load_video",
    "stream_probabilities",
    "streaming_top_k",
]


def load_video(
    path: str | os.PathLike,
    resolution: int = 172,
    *,
    fps: float | None = None,
    max_frames: int | None = None,
) -> tf.Tensor:
    """Loads a GIF, mp4 or avi as model input: ``[T, resolution, resolution, 3]`` float32 in [0, 1].

    GIFs are decoded with ``tf.io.decode_gif``; other files with :func:`helpers.frames.decode`.
    Frames are resized to cover the square and centre-cropped (no stretching).

    Args:
        path: The video file.
        resolution: Output side; use ``model.resolution``.
        fps: Resample to this frame rate (videos only; GIFs keep every frame).
        max_frames: Keep at most this many frames.

    Returns:
        The clip as a float32 tensor.

    Raises:
        helpers.frames.VideoDecodeError: If the file cannot be decoded.
    """
    path = os.fspath(path)
    if path.lower().endswith(".gif"):
        try:
            rgb = tf.io.decode_gif(tf.io.read_file(path)).numpy()
        except (tf.errors.OpError, ValueError) as err:
            raise frames.VideoDecodeError(path, f"not a readable GIF: {err}") from err
        rgb = frames.resize_frames(rgb[:max_frames], resolution, mode="center_crop")
    else:
        clip = frames.decode(
            path, fps=fps, size=resolution, resize_mode="center_crop", max_frames=max_frames
        )
        rgb = clip.frames
    return tf.convert_to_tensor(rgb, tf.float32) / 255.0


def _batched(video: tf.Tensor | np.ndarray) -> tuple[tf.Tensor, bool]:
    video = tf.convert_to_tensor(video, tf.float32)
    if video.shape.rank == 4:
        return video[tf.newaxis], True
    if video.shape.rank != 5:
        raise ValueError(f"video must be [T, H, W, 3] or [B, T, H, W, 3], got {video.shape}")
    return video, False


def classify(model: MovinetModel, video: tf.Tensor | np.ndarray) -> np.ndarray:
    """Runs a base model on whole clips and returns class probabilities.

    Args:
        model: A base :class:`MovinetModel`.
        video: ``[T, H, W, 3]`` or ``[B, T, H, W, 3]`` in [0, 1].

    Returns:
        ``[num_classes]`` (or ``[B, num_classes]``) softmax probabilities.
    """
    batch, single = _batched(video)
    probs = tf.nn.softmax(model(batch), axis=-1).numpy()
    return probs[0] if single else probs


def stream_probabilities(
    model: MovinetModel,
    video: tf.Tensor | np.ndarray,
    *,
    chunk_size: int = 1,
    progress: bool = False,
) -> np.ndarray:
    """Streams a clip through a stream model and returns the probabilities after every step.

    Each step feeds ``chunk_size`` new frames with the states of the previous step and keeps
    the logits *that step returned* (the seed tutorial kept a stale variable instead).

    Args:
        model: A stream :class:`MovinetModel`.
        video: ``[T, H, W, 3]`` or ``[B, T, H, W, 3]`` in [0, 1].
        chunk_size: Frames per step; 1 gives one row per frame.
        progress: Show a tqdm bar.

    Returns:
        ``[steps, num_classes]`` (or ``[B, steps, num_classes]``) with
        ``steps = ceil(T / chunk_size)``. Row ``i`` is the prediction after frame
        ``min((i + 1) * chunk_size, T) - 1``.

    Raises:
        ValueError: For a base model or a bad chunk size.
    """
    if model.mode != "stream":
        raise ValueError("stream_probabilities needs a mode='stream' model")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    batch, single = _batched(video)
    num_frames = int(batch.shape[1])
    states = model.init_states(batch.shape)
    rows = []
    starts = range(0, num_frames, chunk_size)
    for start in tqdm(starts, desc="streaming", unit="step", disable=not progress):
        logits, states = model({**states, "image": batch[:, start : start + chunk_size]})
        rows.append(tf.nn.softmax(logits, axis=-1))
    probs = tf.stack(rows, axis=1).numpy()
    return probs[0] if single else probs


def get_top_k(
    probs: np.ndarray | tf.Tensor, labels: Sequence[str], k: int = 5
) -> list[tuple[str, float]]:
    """Returns the ``k`` most probable ``(label, probability)`` pairs, best first.

    Args:
        probs: ``[num_classes]`` probabilities of one prediction.
        labels: One name per class.
        k: How many.

    Returns:
        A list of ``(label, probability)``.

    Raises:
        ValueError: If ``labels`` does not match the class count or probs is not 1-D.

    >>> get_top_k(np.array([0.1, 0.7, 0.2]), ["a", "b", "c"], k=2)
    [('b', 0.7), ('c', 0.2)]
    """
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 1:
        raise ValueError(f"get_top_k takes one prediction [num_classes], got shape {probs.shape}")
    labels = check_class_names(labels, probs.shape[0])
    order = np.argsort(-probs, kind="stable")[:k]
    return [(labels[i], float(probs[i])) for i in order]


def format_top_k(top: Sequence[tuple[str, float]], model: MovinetModel | None = None) -> str:
    """Formats top-k pairs as aligned lines; adds an UNTRAINED header for the stand-in.

    Args:
        top: Output of :func:`get_top_k`.
        model: The model that made the prediction (for the UNTRAINED warning).

    Returns:
        A printable multi-line string.
    """
    lines = [f"{label:30s}: {p:.3f}" for label, p in top]
    if model is not None and model.untrained:
        lines.insert(0, "UNTRAINED weights: these labels are random guesses, not predictions.")
    return "\n".join(lines)


@dataclass(frozen=True)
class StreamingTopK:
    """The classes to draw for a streamed clip.

    Attributes:
        indices: Class indices, the final top-1 first.
        labels: Their names.
        probs: ``[len(indices), T]`` probability of each class at each frame.
    """

    indices: np.ndarray
    labels: list[str]
    probs: np.ndarray


def streaming_top_k(
    probs: np.ndarray | tf.Tensor, labels: Sequence[str], k: int = 5
) -> StreamingTopK:
    """Picks the classes worth plotting over a streamed clip.

    The final top-1 always comes first. The other slots go to the classes that are in the
    per-frame top-k on the most frames (ties: higher peak probability first), so a class that led
    early and then faded still shows up.

    Args:
        probs: ``[T, num_classes]`` per-frame probabilities.
        labels: One name per class.
        k: Number of classes to return (fewer if the clip has fewer distinct candidates).

    Returns:
        A :class:`StreamingTopK`.

    Raises:
        ValueError: On a label/class-count mismatch or a probs array that is not 2-D.
    """
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2:
        raise ValueError(f"streaming_top_k takes [T, num_classes], got shape {probs.shape}")
    labels = check_class_names(labels, probs.shape[1])
    per_frame = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    counts = np.bincount(per_frame.ravel(), minlength=probs.shape[1])
    peak = probs.max(axis=0)
    candidates = np.flatnonzero(counts)
    ranked = sorted(candidates, key=lambda i: (-counts[i], -peak[i], i))
    final_top1 = int(np.argmax(probs[-1]))
    chosen = [final_top1] + [int(i) for i in ranked if i != final_top1]
    chosen = np.array(chosen[:k], np.int64)
    return StreamingTopK(chosen, [labels[i] for i in chosen], probs[:, chosen].T)
