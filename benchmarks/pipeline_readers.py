"""The readers bench_pipeline.py times against each other (see its docstring for what each is).

Every reader yields batches of ``BATCH`` clips of ``T`` frames at ``SIZE`` x ``SIZE``, or (for the
limits (d), (e), (f)) does exactly the part of that work its row names.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import cv2
import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import pipeline, records, sources  # noqa: E402
from helpers.pipeline import augment  # noqa: E402
from helpers.pipeline import decode as decode_window  # noqa: E402

T, SIZE, BATCH = 16, 172, 8
ROTATE = augment.AugmentConfig(max_degrees=15, min_crop_scale=1.0, max_brightness=0, max_contrast=0)
NO_AUG = augment.AugmentConfig(max_degrees=0, min_crop_scale=1.0, max_brightness=0, max_contrast=0)
DEFAULT_AUG = augment.AugmentConfig()


def reader_a(files: list[str], aug: augment.AugmentConfig = ROTATE, **kw) -> tf.data.Dataset:
    return pipeline.build_dataset(
        files, num_frames=T, image_size=SIZE, batch_size=BATCH, training=True, augment=aug,
        repeat=True, deterministic=False, shuffle_buffer=16, **kw,
    )  # fmt: skip


def _format_frame(frame_bgr: np.ndarray) -> tf.Tensor:
    """The tutorial's per-frame formatting: to float, then to the output size (centre crop)."""
    frame = tf.image.convert_image_dtype(frame_bgr[..., ::-1], tf.float32)
    side = min(frame.shape[0], frame.shape[1])
    frame = tf.image.resize_with_crop_or_pad(frame, side, side)
    return tf.image.resize(frame, (SIZE, SIZE))


def _frames_from_video(path: str, rng: random.Random) -> np.ndarray:
    cap = cv2.VideoCapture(path)
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    start = rng.randint(0, max(0, count - T))
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    out, last = [], None
    for _ in range(T):
        ok, frame = cap.read()
        if ok:
            last = _format_frame(frame)
        out.append(last if last is not None else tf.zeros((SIZE, SIZE, 3)))
    cap.release()
    return np.stack(out)


def reader_b(items: list[sources.VideoItem], labels: dict[str, int]) -> tf.data.Dataset:
    def generate():
        rng = random.Random(0)
        while True:
            order = list(items)
            rng.shuffle(order)
            for item in order:
                yield _frames_from_video(item.path, rng), labels[item.label]

    spec = (tf.TensorSpec((T, SIZE, SIZE, 3), tf.float32), tf.TensorSpec((), tf.int32))
    ds = tf.data.Dataset.from_generator(generate, output_signature=spec)
    seeds = tf.data.Dataset.counter().map(lambda i: tf.stack([i, i]))
    ds = tf.data.Dataset.zip((ds, seeds)).map(
        lambda clip, seed: (augment.random_rotate_clip(clip[0], seed, ROTATE), clip[1])
    )
    return ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)


def window_bytes(files: list[str], limit: int = 64) -> list[bytes]:
    """The JPEG strings of one 16-frame window per record (for the decode-only limit)."""
    out: list[bytes] = []
    for path in files:
        for serialized in records.iter_records(path):
            encoded = records.parse_example(serialized)["frames"].numpy()[:T]
            out.extend(encoded[k % len(encoded)] for k in range(T))
            if len(out) >= limit * T:
                return out
    return out


def dct_ratio(jpeg: bytes) -> int:
    """The DCT scale (1, 2, 4 or 8) helpers.pipeline.decode picks for a frame at the output size."""
    height, width = tf.image.extract_jpeg_shape(jpeg)[:2].numpy()
    scale = min(height, width) / SIZE
    return max((r for r in decode_window.RATIOS if scale >= r), default=1)


def reader_d(data: list[bytes], scaled: bool = False) -> tf.data.Dataset:
    """(d): tf.io.decode_jpeg of whole frames. (d'): whole frames at the DCT scale (a) picks.

    One JPEG per element, with the ratio a static attribute in both, so the two have the same
    per-element cost. (decode_and_crop_jpeg of the window is no tighter limit: in TF 2.20 it is
    slower than decoding the whole frame.)
    """
    groups: dict[int, list[bytes]] = {}
    for jpeg in data:
        groups.setdefault(dct_ratio(jpeg) if scaled else 1, []).append(jpeg)
    parts = [
        tf.data.Dataset.from_tensor_slices(tf.constant(group)).map(
            # Keep only each frame's height: frames of different sizes cannot be batched.
            lambda x, r=ratio: tf.shape(tf.io.decode_jpeg(x, 3, ratio=r))[0],
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=False,
        )
        for ratio, group in sorted(groups.items())
    ]
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    ds = ds.repeat()
    return ds.batch(T).map(lambda x: {"image": x}).batch(BATCH).prefetch(tf.data.AUTOTUNE)


def reader_e(files: list[str]) -> tf.data.Dataset:
    """(e): (a)'s own stages 1-5 (shards, interleave, parse, choose, gather, decode) only."""
    mode, indexes = pipeline.read_mode(files)
    ds = pipeline.source_dataset(files, mode, indexes, [False] * len(files), training=True, seed=0,
                                 cycle_length=4, deterministic=False)  # fmt: skip
    ds = ds.repeat().shuffle(16).enumerate()

    def load(index: tf.Tensor, element) -> dict[str, tf.Tensor]:
        seed, _ = pipeline.clip_seeds(0, index)
        choose = lambda n: pipeline.frame_indices(n, T, seed=seed)  # noqa: E731
        jpegs = pipeline.chosen_frames(mode, *element, choose)[3]
        decoded, _ = decode_window.decode_scaled(jpegs, (SIZE, SIZE))
        return {"image": tf.add_n([tf.shape(f)[0] for f in decoded])}

    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    return ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)


@tf.function(jit_compile=True)
def _write_float(heights: tf.Tensor) -> tf.Tensor:
    """A float32 batch of the pipeline's output shape, written in one pass (nothing computed)."""
    scalars = tf.cast(heights, tf.float32)[:, None, None, None, None]
    return tf.zeros([BATCH, T, SIZE, SIZE, 3]) + scalars


def reader_f(files: list[str]) -> tf.data.Dataset:
    """(f): (e), plus writing each batch's float32 ``[B, T, H, W, 3]`` output, and no warp.

    (f)/(d) is the best (a)/(d) any reader could reach that must hand the model float32 clips of
    this size: (a) minus (f) is what the resize, rotation and packing cost.
    """
    write = lambda batch: {"image": _write_float(batch["image"])}  # noqa: E731
    return reader_e(files).map(write, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
