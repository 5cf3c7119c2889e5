"""The tf.data reader for our SequenceExample records: choose frames, decode only those, augment.

One function, :func:`build_dataset`, builds the whole input pipeline in fixed stages::

    shuffle shards (training) -> parallel interleave -> parse -> choose frame indices and
    gather only those JPEGs -> decode -> resize/crop -> augment (training) -> batch -> prefetch

Sampling modes (``sampling=``):

* ``"random"``: one window of ``num_frames`` frames, ``stride`` apart, at a random start (training).
* ``"middle"``: the window in the middle of the clip (evaluation).
* ``"linspace"``: ``num_clips`` windows spread evenly over the clip; images get a clip axis
  ``[B, num_clips, T, H, W, 3]`` (multi-view test).
* ``"all"``: every ``stride``-th frame (at most ``num_frames`` if given); variable length,
  padded per batch, with a boolean ``mask [B, T]``.

Frames stay ``uint8`` until the batch is made: the resize (and, in training, the random crop,
flip, rotation and brightness/contrast) is ONE affine warp of the decoded frames
(``helpers.warp``), and ``warp.to_float`` turns the whole batch into ``float32`` at the end.
XLA compiles the warp once per distinct decoded frame size (about 0.1 s each), so the first
batches are slower. (The variable-length ``"all"`` mode uses plain float ops instead.)

Clips shorter than a window are looped (``short="loop"``) or padded with black frames
(``short="pad"``, which also adds ``mask``). Output: ``{'image': float32 [B, T, H, W, 3] in [0, 1],
'label': int32 [B], 'label_name': string [B], 'id': string [B]}`` or ``(image, label)``.
"""

from __future__ import annotations

import tensorflow as tf

from helpers import augment as augment_lib
from helpers import warp
from helpers.decode_window import decode_frames, decode_scaled, mean_colour, resize_frames
from helpers.records import parse_example
from helpers.shard_check import Files, check_record_file, is_gzip, list_files

__all__ = [
    "SAMPLING_MODES",
    "build_dataset",
    "clip_seeds",
    "decode_frames",
    "frame_indices",
    "resize_frames",
]

SAMPLING_MODES = ("random", "middle", "linspace", "all")
AUTOTUNE = tf.data.AUTOTUNE


def clip_seeds(seed: int, index: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Returns the ``(sampling, augmentation)`` stateless seeds of the ``index``-th clip read.

    Every random choice about a clip derives from ``(seed, index)``, so a deterministic dataset
    with the same seed yields the same windows and the same augmentations.
    """
    base = tf.stack([tf.constant(seed, tf.int64), tf.cast(index, tf.int64)])
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
        num_clips: Windows for ``"linspace"``.
        seed: ``[2]`` stateless seed for ``"random"``.
        short: ``"loop"`` or ``"pad"`` for clips shorter than a window.

    Returns:
        ``(indices, valid)``: int32 indices into ``[0, N)`` and a bool mask of the same shape
        (``[T]``, or ``[num_clips, T]`` for linspace, or ``[L]`` for all). Invalid positions are
        padding (index clamped to ``N - 1``).
    """
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
    elif sampling == "middle":
        starts = tf.reshape(room // 2, [1])
    elif sampling == "linspace":
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


def build_dataset(
    files: Files,
    *,
    num_frames: int | None,
    compressed: bool | None = None,
    stride: int = 1,
    sampling: str = "random",
    num_clips: int = 1,
    training: bool = False,
    image_size: int | tuple[int, int] = 172,
    batch_size: int = 8,
    shuffle_buffer: int = 64,
    seed: int = 0,
    deterministic: bool | None = None,
    short: str = "loop",
    as_tuple: bool = False,
    num_classes: int | None = None,
    augment: augment_lib.AugmentConfig | None = None,
    drop_remainder: bool | None = None,
    repeat: bool = False,
    validate: bool = True,
    return_indices: bool = False,
    cycle_length: int = 4,
    decode_all: bool = False,
) -> tf.data.Dataset:
    """Builds the batched clip dataset from SequenceExample record files.

    Args:
        files: A glob pattern, a path, or a list of them.
        num_frames: Frames per window ``T`` (for ``sampling="all"``: an optional cap, or None).
        compressed: True for GZIP, False for plain; None decides per file from a ``.gz`` suffix.
        stride: Take every ``stride``-th frame.
        sampling: ``"random"``, ``"middle"``, ``"linspace"`` or ``"all"``.
        num_clips: Windows per clip for ``"linspace"``.
        training: Shuffles shards and records and augments; eval does neither.
        image_size: Output side (square) or ``(height, width)``; frames are centre-cropped to
            that aspect ratio, then resized.
        batch_size: Clips per batch.
        shuffle_buffer: Records in the shuffle buffer (training only).
        seed: Seeds shuffling, window starts and augmentation: same seed, same batches.
        deterministic: Keep element order fixed; None means True (set False for speed).
        short: ``"loop"`` or ``"pad"`` for clips shorter than a window.
        as_tuple: Yield ``(image, label)`` for ``model.fit`` instead of a dict.
        num_classes: If given, ``label`` becomes a float32 one-hot ``[B, num_classes]``.
        augment: Augmentations for training; ``AugmentConfig()`` when None. Pass
            ``AugmentConfig(max_degrees=0, min_crop_scale=1, max_brightness=0, max_contrast=0)``
            to turn them off.
        drop_remainder: Drop the last partial batch; None means ``training``.
        repeat: Repeat forever (after shuffling, before sampling).
        validate: Check every file's record framing before building (names a bad file).
        return_indices: Add ``frame_index``: the chosen frame numbers per clip.
        cycle_length: Files read at once by the interleave.
        decode_all: Decode EVERY frame, then pick the window (the slow way some readers do it);
            only for comparisons: the output is the same.

    Returns:
        A ``tf.data.Dataset`` of dicts (``image``, ``label``, ``label_name``, ``id``, and
        ``mask`` for ``"all"`` or ``short="pad"``) or of ``(image, label)`` tuples.

    Raises:
        shard_check.RecordFileError: A file is missing, empty or truncated (with ``validate``).
        ValueError: An unknown sampling or short mode.
    """
    if sampling not in SAMPLING_MODES:
        raise ValueError(f"sampling must be one of {SAMPLING_MODES}, got {sampling!r}")
    if sampling != "all" and not num_frames:
        raise ValueError(f"sampling={sampling!r} needs num_frames >= 1")
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    deterministic = True if deterministic is None else deterministic
    drop_remainder = training if drop_remainder is None else drop_remainder
    aug_cfg = augment or augment_lib.AugmentConfig()
    paths = list_files(files)
    if validate:
        for path in paths:
            check_record_file(path, compressed)
    gz = tf.constant([is_gzip(p, compressed) for p in paths])

    # 1. Shuffle the shards (training only).
    ds = tf.data.Dataset.from_tensor_slices((tf.constant(paths), gz))
    if training:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)

    # 2. Parallel interleave over shards.
    def read(path: tf.Tensor, is_gz: tf.Tensor) -> tf.data.Dataset:
        return tf.data.TFRecordDataset(path, tf.where(is_gz, "GZIP", ""))

    ds = ds.interleave(
        read,
        cycle_length=min(cycle_length, len(paths)),
        num_parallel_calls=AUTOTUNE,
        deterministic=deterministic,
    )
    if training:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    # 3-7. Parse, choose indices and gather, decode, resize, augment: one map per clip.
    pad_mask = sampling == "all" or short == "pad"

    def _resize_augment(frames, box: tf.Tensor | None, aug_seed: tf.Tensor) -> tf.Tensor:
        """Resize (+ crop, flip, rotation, colour in training) as one warp; uint8 in and out."""
        if sampling == "all":  # variable length: plain float ops, no XLA program per length
            clip = resize_frames(frames, size)
            if training:
                clip = augment_lib.augment_clip(clip, aug_seed, aug_cfg)
            return tf.cast(clip * 255.0 + 0.5, tf.uint8)
        box = warp.full_box(tf.shape(frames[0])[:2]) if box is None else box
        if not training:
            return warp.warp_frames(frames, warp.box_transform(box, size), size)
        gain, offset = 1.0, 0.0
        if aug_cfg.max_brightness or aug_cfg.max_contrast:
            gain, offset = augment_lib.color_gain_offset(aug_seed, aug_cfg, mean_colour(frames))
        transform = augment_lib.clip_transform(aug_seed, aug_cfg, box, size)
        fill = (aug_cfg.fill_value, aug_cfg.fill_mode, aug_cfg.interpolation)
        return warp.warp_frames(frames, transform, size, *fill, gain=gain, offset=offset)

    def load(index: tf.Tensor, serialized: tf.Tensor) -> dict[str, tf.Tensor]:
        parsed = parse_example(serialized)  # the record format's one parser (helpers.records)
        sample_seed, aug_seed = clip_seeds(seed, index)
        count = tf.shape(parsed["frames"])[0]
        idx, valid = frame_indices(count, num_frames, stride=stride, sampling=sampling,
                                   num_clips=num_clips, seed=sample_seed, short=short)  # fmt: skip
        flat_idx = tf.reshape(idx, [-1])
        chosen = tf.gather(parsed["frames"], flat_idx)  # only these JPEGs are decoded
        if decode_all:  # the slow way (decode everything, then pick), kept for comparisons
            frames, box = tf.gather(decode_frames(parsed["frames"], size), flat_idx), None
        elif sampling == "all":
            frames, box = decode_frames(chosen, size), None
        else:  # whole frames (at a DCT scale) + the window: the warp crops for free
            frames, box = decode_scaled(chosen, size)
        clip = _resize_augment(frames, box, aug_seed)  # uint8 [K, H, W, 3]
        flat_valid = tf.reshape(valid, [-1])
        if short == "pad":
            clip = clip * tf.cast(flat_valid, clip.dtype)[:, None, None, None]
        if sampling == "linspace":
            clip = tf.reshape(clip, [num_clips, num_frames, size[0], size[1], 3])
        elif sampling != "all":
            clip = tf.ensure_shape(clip, [num_frames, size[0], size[1], 3])
        out = {"image": clip, "label": tf.cast(parsed["label"], tf.int32),
               "label_name": parsed["label_string"], "id": parsed["id"]}  # fmt: skip
        if pad_mask:
            out["mask"] = valid
        if return_indices:
            out["frame_index"] = idx
        return out

    ds = ds.enumerate().map(load, num_parallel_calls=AUTOTUNE, deterministic=deterministic)

    # 8. Batch (padded for the variable-length "all" mode).
    if sampling == "all":
        ds = ds.padded_batch(batch_size, drop_remainder=drop_remainder)
    else:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def finish(batch: dict[str, tf.Tensor]):
        batch = {**batch, "image": warp.to_float(batch["image"])}  # uint8 -> [0, 1], once
        if num_classes is not None:
            batch["label"] = tf.one_hot(batch["label"], num_classes)
        return (batch["image"], batch["label"]) if as_tuple else batch

    ds = ds.map(finish, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    options = tf.data.Options()
    options.deterministic = deterministic

    # 9. Prefetch.
    return ds.with_options(options).prefetch(AUTOTUNE)
