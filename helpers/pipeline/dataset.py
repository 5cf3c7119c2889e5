"""The tf.data reader for our SequenceExample records: choose frames, decode only those, augment.

One function, :func:`build_dataset`, builds the whole input pipeline in fixed stages::

    shuffle shards (training) -> parallel interleave -> parse -> choose frame indices and
    gather only those JPEGs -> decode -> resize/crop -> augment (training) -> batch -> prefetch

How the chosen JPEGs are gathered (``read=``): shards written by ``helpers.writer`` carry a
random-access index (``helpers.records.index``), so the pipeline interleaves over the small index
entries, then reads just the record's context and the chosen frames' bytes (``"index"``, the
default when every shard has a current index and records average 512 KB or more). Without an
index (GZIP shards, shards from other tools), or for small records, it reads and parses whole
records and picks the JPEGs from them (``"record"``). Both
give the same batches; the index makes a clip's cost independent of its length, and the shuffle
buffer holds index entries (a few KB) instead of whole clips. The ranged reads run in a small
Python function (``tf.numpy_function`` around ``os.pread``): use ``read="record"`` where a
dataset must be serialized (``tf.data`` service, snapshots).

Sampling modes (``sampling=``):

* ``"random"``: one window of ``num_frames`` frames, ``stride`` apart, at a random start (training).
* ``"middle"``: the window in the middle of the clip (evaluation).
* ``"linspace"``: ``num_clips`` windows spread evenly over the clip; images get a clip axis
  ``[B, num_clips, T, H, W, 3]`` (multi-view test).
* ``"all"``: every ``stride``-th frame (at most ``num_frames`` if given); variable length,
  padded per batch, with a boolean ``mask [B, T]``.

Frames stay integers until the batch is made: the resize (and, in training, the random crop,
flip and rotation) is ONE affine warp of the decoded frames into packed pixels (``helpers.warp``,
one ``uint32`` per pixel), and ``warp.unpack`` turns the whole batch into ``float32`` at the end,
applying the brightness/contrast jitter in the same pass. XLA compiles the warp once per distinct
decoded frame size (about 0.1 s each), so the first batches are slower. (The variable-length
``"all"`` mode uses plain float ops instead.)

Clips shorter than a window are looped (``short="loop"``) or padded with black frames
(``short="pad"``, which also adds ``mask``); a record with no frames at all is an error that names
its shard, and so is a damaged record (a failed CRC). Output: ``{'image': float32 [B, T, H, W, 3] in
[0, 1], 'label': int32 [B], 'label_name': string [B], 'id': string [B]}`` or ``(image, label)``.
"""

from __future__ import annotations

import numbers
import os
import warnings

import tensorflow as tf

from helpers.pipeline import augment as augment_lib
from helpers.pipeline import warp
from helpers.pipeline.decode import (
    crop_to_box,
    decode_scaled,
    decode_to_aspect,
    mean_colour,
    resize_to_float,
)
from helpers.pipeline.sampling import SAMPLING_MODES, clip_seeds, frame_indices
from helpers.pipeline.source import chosen_frames, read_mode, source_dataset
from helpers.records.framing import Files, check_record_file, is_gzip, list_files
from helpers.records.manifest import load_manifest, shard_files

__all__ = [
    "build_dataset",
]

AUTOTUNE = tf.data.AUTOTUNE


def _from_manifest(
    folder: Files, split: str, num_frames: int | None, compressed: bool | None
) -> tuple[list[str], int | None, bool | None]:
    """A dataset folder's split: its shards, and the stored example length and compression."""
    if not isinstance(folder, (str, os.PathLike)):
        raise ValueError("split= needs the dataset folder (with manifest.json) as files")
    manifest = load_manifest(folder)
    trunc = manifest["truncation"]
    if num_frames is None:  # the stored length, when the writer made every example equal
        num_frames = {"fixed": trunc["frames_per_example"], "chunks": trunc["chunk_length"]}.get(
            trunc["policy"]
        )
    if compressed is None:
        compressed = manifest.get("compression") == "gzip"
    return shard_files(folder, split), num_frames, compressed


def build_dataset(
    files: Files,
    *,
    split: str | None = None,
    num_frames: int | None = None,
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
    read: str = "auto",
) -> tf.data.Dataset:
    """Builds the batched clip dataset from SequenceExample record files.

    Args:
        files: A glob pattern, a path, or a list of them; or, with ``split``, a dataset folder
            written by ``helpers.writer`` or ``helpers.beam`` (it holds ``manifest.json``).
        split: Read this split of the dataset folder ``files``: its shards as the manifest
            lists them, and ``num_frames`` and ``compressed`` from the manifest when left None.
        num_frames: Frames per window ``T`` (for ``sampling="all"``: an optional cap, or None).
            None with ``split`` takes the stored example length (``"fixed"`` or ``"chunks"``).
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
            In training, each pass over the dataset (each epoch) draws new windows and
            augmentations; in eval, every pass reads the same windows. The shuffles are
            op-seeded, so TensorFlow's global seed (``tf.random.set_seed``, Keras'
            ``set_random_seed``) enters too: keep it the same between runs as well.
        deterministic: Keep element order fixed; None means True (set False for speed).
        short: ``"loop"`` or ``"pad"`` for clips shorter than a window.
        as_tuple: Yield ``(image, label)`` for ``model.fit`` instead of a dict. This drops
            ``mask`` (a warning says so when there is one).
        num_classes: If given, ``label`` becomes a float32 one-hot ``[B, num_classes]``
            (unlabelled records, label -1, give all-zero rows).
        augment: Augmentations for training; ``AugmentConfig()`` when None. Pass
            ``AugmentConfig(max_degrees=0, min_crop_scale=1, max_brightness=0, max_contrast=0)``
            to turn them off.
        drop_remainder: Drop the last partial batch; None means ``training``. (With fewer
            records than one batch and no ``repeat``, that leaves nothing: a warning says so.)
        repeat: Repeat forever (after shuffling, before sampling; in eval, every pass reads
            the same windows).
        validate: Check every file's record framing before building (names a bad file).
            Its record counts also let a damaged record (a failed CRC) raise an error
            naming its file and record while iterating; without, TensorFlow's names
            only a byte offset.
        return_indices: Add ``frame_index``: the chosen frame numbers per clip.
        cycle_length: Files read at once by the interleave.
        decode_all: Decode EVERY frame, then pick the window (the slow way some readers do it);
            only for comparisons: the output is the same. Reads whole records.
        read: How to gather the chosen JPEGs (:func:`read_mode`): ``"auto"``, ``"index"``
            (read only the chosen frames' bytes, via the shards' index) or ``"record"``
            (read and parse whole records). All give the same batches.

    Returns:
        A ``tf.data.Dataset`` of dicts (``image``, ``label``, ``label_name``, ``id``, and
        ``mask`` for ``"all"`` or ``short="pad"``) or of ``(image, label)`` tuples.

    Raises:
        shard_check.RecordFileError: A file is missing, empty or truncated (with ``validate``),
            or ``read="index"`` and a file has no current index.
        ValueError: An unknown sampling, short or read mode.
    """
    if split is not None:
        files, num_frames, compressed = _from_manifest(files, split, num_frames, compressed)
    if sampling not in SAMPLING_MODES:
        raise ValueError(f"sampling must be one of {SAMPLING_MODES}, got {sampling!r}")
    if sampling != "all" and not num_frames:
        raise ValueError(f"sampling={sampling!r} needs num_frames >= 1")
    square = isinstance(image_size, numbers.Integral)  # numpy integers too
    size = (int(image_size),) * 2 if square else tuple(int(s) for s in image_size)
    deterministic = True if deterministic is None else deterministic
    drop_remainder = training if drop_remainder is None else drop_remainder
    aug_cfg = augment or augment_lib.AugmentConfig()
    paths = list_files(files)
    counts = [check_record_file(path, compressed) for path in paths] if validate else None
    if counts is not None and drop_remainder and not repeat and sum(counts) < batch_size:
        warnings.warn(f"{sum(counts)} records, fewer than batch_size={batch_size}, with "
                      "drop_remainder: no batches at all (pass drop_remainder=False or "
                      "repeat=True)", stacklevel=2)  # fmt: skip
    mode, indexes = read_mode(paths, "record" if decode_all else read, compressed, counts)
    gz = tf.constant([is_gzip(p, compressed) for p in paths])

    # 1-2. Shuffle the shards (training only), parallel interleave over them.
    ds = source_dataset(paths, mode, indexes, gz, training=training, seed=seed,
                        cycle_length=cycle_length, deterministic=deterministic,
                        counts=counts)  # fmt: skip
    if training:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)

    # 3-7. Parse, choose indices and gather, decode, resize, augment: one map per clip.
    pad_mask = sampling == "all" or short == "pad"
    if as_tuple and pad_mask:
        warnings.warn("as_tuple=True drops the padding mask of sampling='all' / short='pad': "
                      "the model sees the black padding as frames (the dict form keeps 'mask')",
                      stacklevel=2)  # fmt: skip
    # Clips stay packed (helpers.warp: one uint32 per pixel) until the batch is made, unless a
    # fill mode or interpolation the packed warp lacks asks for the projective op.
    packed = sampling != "all" and (
        not training or (aug_cfg.fill_mode, aug_cfg.interpolation) == ("constant", "bilinear")
    )

    def _resize_augment(frames, box: tf.Tensor | None, aug_seed: tf.Tensor):
        """Resize (+ crop, flip, rotation in training) as one warp; returns (clip, colour)."""
        if sampling == "all":  # variable length: plain float ops, no XLA program per length
            clip = resize_to_float(frames, size)
            if training:
                clip = augment_lib.augment_clip(clip, aug_seed, aug_cfg)
            return tf.cast(clip * 255.0 + 0.5, tf.uint8), None
        box = warp.full_box(tf.shape(frames[0])[:2]) if box is None else box
        colour = (tf.constant(1.0), tf.zeros([3]))  # gain, offset: applied by warp.unpack
        if not training:
            return warp.warp_packed(frames, warp.box_transform(box, size), size), colour
        if aug_cfg.max_brightness or aug_cfg.max_contrast:
            mean = mean_colour(frames, box)  # the window's colour, not the whole frame's
            colour = augment_lib.color_gain_offset(aug_seed, aug_cfg, mean)
        transform = augment_lib.clip_transform(aug_seed, aug_cfg, box, size)
        if packed:
            return warp.warp_packed(frames, transform, size, aug_cfg.fill_value), colour
        fill = (aug_cfg.fill_value, aug_cfg.fill_mode, aug_cfg.interpolation)
        gain, offset = colour
        return warp.warp_frames(frames, transform, size, *fill, gain=gain, offset=offset), None

    def load(key: tf.Tensor, element: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        sample_seed, aug_seed = clip_seeds(seed, key)

        def choose(count: tf.Tensor):
            return frame_indices(count, num_frames, stride=stride, sampling=sampling,
                                 num_clips=num_clips, seed=sample_seed, short=short)  # fmt: skip

        parsed, idx, valid, chosen, every = chosen_frames(mode, *element, choose, decode_all)
        flat_idx = tf.reshape(idx, [-1])
        where = ("in record", parsed["id"], "of", element[0])  # for frames of mixed sizes
        if decode_all:  # the slow way (decode everything, then pick), kept for comparisons
            every, box = decode_scaled(every, size, where)  # the same frames and window as below
            frames = tf.gather(every, flat_idx)
            if sampling == "all":  # as decode_to_aspect: cropped to the window, no warp to do it
                frames, box = crop_to_box(frames, box), None
        elif sampling == "all":
            frames, box = decode_to_aspect(chosen, size, where), None
        else:  # whole frames (at a DCT scale) + the window: the warp crops for free
            frames, box = decode_scaled(chosen, size, where)
        clip, colour = _resize_augment(frames, box, aug_seed)  # packed [H*W, K] or uint8 frames
        flat_valid = tf.cast(tf.reshape(valid, [-1]), clip.dtype)
        if short == "pad":  # black frames where the clip ran out
            clip = clip * (flat_valid[None, :] if packed else flat_valid[:, None, None, None])
        out = {"label": tf.cast(parsed["label"], tf.int32),
               "label_name": parsed["label_string"], "id": parsed["id"]}  # fmt: skip
        if packed:
            out["image"] = tf.ensure_shape(clip, [size[0] * size[1], flat_idx.shape[0]])
            out["gain"], out["offset"] = colour
        elif sampling == "linspace":
            out["image"] = tf.reshape(clip, [num_clips, num_frames, size[0], size[1], 3])
        elif sampling != "all":
            out["image"] = tf.ensure_shape(clip, [num_frames, size[0], size[1], 3])
        else:
            out["image"] = clip
        if pad_mask:
            out["mask"] = valid
        if return_indices:
            out["frame_index"] = idx
        return out

    # Each clip's draws come from (seed, key). In training the keys are random and change with
    # every pass over the dataset (model.fit(epochs=N) makes N passes), so a clip gets a new
    # window and augmentation each epoch, and the same seed repeats the same passes. In eval the
    # key is the clip's position, so evaluation reads the same windows every time.
    if training:
        ds = ds.repeat() if repeat else ds
        keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip(keys, ds)
    else:  # numbered before repeating: every pass has the same keys
        ds = ds.enumerate()
        ds = ds.repeat() if repeat else ds
    ds = ds.map(load, num_parallel_calls=AUTOTUNE, deterministic=deterministic)

    # 8. Batch (padded for the variable-length "all" mode).
    if sampling == "all":
        ds = ds.padded_batch(batch_size, drop_remainder=drop_remainder)
    else:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    jitter = training and bool(aug_cfg.max_brightness or aug_cfg.max_contrast)

    def finish(batch: dict[str, tf.Tensor]):
        batch = dict(batch)
        if packed:  # packed pixels -> float32 [B, K, H, W, 3] with the colour jitter, once
            image = warp.unpack(batch.pop("image"), size, batch.pop("gain"), batch.pop("offset"))
            if sampling == "linspace":
                image = tf.reshape(image, [-1, num_clips, num_frames, size[0], size[1], 3])
            if short == "pad" and jitter:  # the colour offset must not lighten the black padding
                image = image * tf.cast(batch["mask"], tf.float32)[..., None, None, None]
            batch["image"] = image
        else:
            batch["image"] = warp.to_float(batch["image"])  # uint8 -> [0, 1], once
        if num_classes is not None:
            batch["label"] = tf.one_hot(batch["label"], num_classes)
        return (batch["image"], batch["label"]) if as_tuple else batch

    ds = ds.map(finish, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    options = tf.data.Options()
    options.deterministic = deterministic

    # 9. Prefetch.
    return ds.with_options(options).prefetch(AUTOTUNE)
