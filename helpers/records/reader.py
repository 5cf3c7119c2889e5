"""Reading records back: ``parse_example`` for tf.data, ``decode_frames``, ``inspect_record``.

``helpers.records`` re-exports everything here; import it from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tensorflow as tf

from helpers import frames as frames_lib
from helpers.records.keys import (
    CLIP_DATA_PATH_KEY,
    CLIP_END_TIMESTAMP_KEY,
    CLIP_LABEL_INDEX_KEY,
    CLIP_LABEL_STRING_KEY,
    CLIP_MEDIA_ID_KEY,
    CLIP_NUM_FRAMES_KEY,
    CLIP_START_TIMESTAMP_KEY,
    EXAMPLE_ID_KEY,
    IMAGE_ENCODED_KEY,
    IMAGE_FORMAT_KEY,
    IMAGE_FRAME_RATE_KEY,
    IMAGE_HEIGHT_KEY,
    IMAGE_TIMESTAMP_KEY,
    IMAGE_WIDTH_KEY,
)

__all__ = ["decode_frames", "inspect_record", "iter_records", "parse_context", "parse_example"]

_CONTEXT_SPEC = {
    EXAMPLE_ID_KEY: tf.io.FixedLenFeature([], tf.string),
    CLIP_MEDIA_ID_KEY: tf.io.FixedLenFeature([], tf.string, default_value=""),
    CLIP_DATA_PATH_KEY: tf.io.FixedLenFeature([], tf.string, default_value=""),
    CLIP_START_TIMESTAMP_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=0),
    CLIP_END_TIMESTAMP_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=0),
    CLIP_LABEL_INDEX_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=-1),
    CLIP_LABEL_STRING_KEY: tf.io.FixedLenFeature([], tf.string, default_value=""),
    CLIP_NUM_FRAMES_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=0),
    IMAGE_FORMAT_KEY: tf.io.FixedLenFeature([], tf.string, default_value="JPEG"),
    IMAGE_HEIGHT_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=0),
    IMAGE_WIDTH_KEY: tf.io.FixedLenFeature([], tf.int64, default_value=0),
    IMAGE_FRAME_RATE_KEY: tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
}
_SEQUENCE_SPEC = {
    IMAGE_ENCODED_KEY: tf.io.FixedLenSequenceFeature([], tf.string),
    IMAGE_TIMESTAMP_KEY: tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
}
_NAMES = {
    EXAMPLE_ID_KEY: "id",
    CLIP_MEDIA_ID_KEY: "media_id",
    CLIP_DATA_PATH_KEY: "data_path",
    CLIP_START_TIMESTAMP_KEY: "start_timestamp",
    CLIP_END_TIMESTAMP_KEY: "end_timestamp",
    CLIP_LABEL_INDEX_KEY: "label",
    CLIP_LABEL_STRING_KEY: "label_string",
    CLIP_NUM_FRAMES_KEY: "num_frames",
    IMAGE_FORMAT_KEY: "format",
    IMAGE_HEIGHT_KEY: "height",
    IMAGE_WIDTH_KEY: "width",
    IMAGE_FRAME_RATE_KEY: "frame_rate",
    IMAGE_ENCODED_KEY: "frames",
    IMAGE_TIMESTAMP_KEY: "timestamps",
}


def parse_example(serialized: tf.Tensor | bytes) -> dict[str, tf.Tensor]:
    """Parses one serialized record; works eagerly and inside ``tf.data.Dataset.map``.

    Args:
        serialized: A scalar string tensor (or bytes) holding one SequenceExample.

    Returns:
        Scalars ``id``, ``media_id``, ``data_path``, ``label`` (-1 if unlabeled), ``label_string``,
        ``start_timestamp``, ``end_timestamp`` (µs), ``num_frames``, ``format``, ``height``,
        ``width``, ``frame_rate``; and per frame ``frames`` (``[T]`` JPEG strings, still encoded)
        and ``timestamps`` (``[T]`` int64 µs). Decode frames with ``decode_frames``.

        Only ``id`` and ``frames`` are required, so records from other tools parse too: a
        missing scalar reads as its default (0, -1 or ""), missing ``timestamps`` as ``[]``.
    """
    context, sequence = tf.io.parse_single_sequence_example(
        serialized, context_features=_CONTEXT_SPEC, sequence_features=_SEQUENCE_SPEC
    )
    return {_NAMES[k]: v for k, v in {**context, **sequence}.items()}


def parse_context(serialized: tf.Tensor | bytes) -> dict[str, tf.Tensor]:
    """Parses only the context of a record (the scalars of :func:`parse_example`, no frames).

    Also reads the context bytes alone (``helpers.records.index`` keeps where they are): they
    are a valid SequenceExample with no feature lists.
    """
    context, _ = tf.io.parse_single_sequence_example(serialized, context_features=_CONTEXT_SPEC)
    return {_NAMES[k]: v for k, v in context.items()}


def decode_frames(encoded: tf.Tensor) -> tf.Tensor:
    """Decodes ``[T]`` JPEG strings to ``[T, H, W, 3]`` uint8 (all frames share one size)."""
    return tf.map_fn(
        lambda x: tf.io.decode_jpeg(x, channels=3),
        encoded,
        fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8),
    )


def iter_records(path: str | Path) -> Iterator[bytes]:
    """Yields the serialized records of one TFRecord file (``.gz`` suffix = GZIP)."""
    compression = "GZIP" if str(path).endswith(".gz") else ""
    for record in tf.data.TFRecordDataset(str(path), compression_type=compression):
        yield record.numpy()


def inspect_record(
    source: str | Path | bytes, *, index: int = 0, show: bool = True
) -> dict[str, Any]:
    """Prints one record's context, frame count and shapes, and shows its first frame.

    Args:
        source: A TFRecord file (the ``index``-th record is read) or one serialized example.
        index: Which record of the file.
        show: Draw the first decoded frame with matplotlib.

    Returns:
        The parsed fields as numpy values, plus ``first_frame`` (decoded ``[H, W, 3]``).

    Raises:
        IndexError: If the file has fewer than ``index + 1`` records.
    """
    if isinstance(source, bytes):
        serialized = source
    else:
        records = iter_records(source)
        for _ in range(index):
            next(records, None)
        serialized = next(records, None)
        if serialized is None:
            raise IndexError(f"{source}: has no record at index {index}")
    parsed = {k: v.numpy() for k, v in parse_example(serialized).items()}
    print(f"record: {len(serialized):,} bytes")
    print("context:")
    for key, name in _NAMES.items():
        if key in _CONTEXT_SPEC:
            print(f"  {key:22s} {parsed[name]!r}")
    print("feature_lists:")
    print(
        f"  {IMAGE_ENCODED_KEY:22s} {len(parsed['frames'])} JPEGs, "
        f"{sum(len(b) for b in parsed['frames']):,} bytes"
    )
    print(
        f"  {IMAGE_TIMESTAMP_KEY:22s} {parsed['timestamps'][:6].tolist()}"
        f"{' ...' if len(parsed['timestamps']) > 6 else ''}"
    )
    first = frames_lib.decode_jpeg(parsed["frames"][0]) if len(parsed["frames"]) else None
    if first is not None:
        print(f"decoded frame 0: shape {first.shape}, dtype {first.dtype}")
        if show:
            import matplotlib.pyplot as plt

            plt.figure(figsize=(3, 3))
            plt.imshow(first)
            plt.title(parsed["id"].decode())
            plt.axis("off")
            plt.show()
    parsed["first_frame"] = first
    return parsed


def shard_stats(path: str | Path) -> dict[str, Any]:
    """Reads a finished shard once: what the manifest records about it.

    Args:
        path: A TFRecord file of our SequenceExamples (``.gz``: GZIP), local or any
            ``tf.io.gfile`` filesystem.

    Returns:
        ``file`` (its name), ``num_examples``, ``num_frames``, ``bytes``, ``sha256``,
        ``label_counts`` (label string -> examples; ``""`` for unlabelled), ``frame_sizes``
        (``[h, w]`` pairs) and ``clip_ids`` (the distinct ``clip/media_id`` values, sorted).
    """
    digest = hashlib.sha256()
    with tf.io.gfile.GFile(str(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    labels: dict[str, int] = {}
    sizes: set[tuple[int, int]] = set()
    clips: set[str] = set()
    examples = frames = 0
    for serialized in iter_records(path):
        example = tf.train.SequenceExample.FromString(serialized)
        feature = example.context.feature
        examples += 1
        frames += len(example.feature_lists.feature_list[IMAGE_ENCODED_KEY].feature)
        label = feature[CLIP_LABEL_STRING_KEY].bytes_list.value
        name = label[0].decode() if label else ""
        labels[name] = labels.get(name, 0) + 1
        sizes.add((
            int(feature[IMAGE_HEIGHT_KEY].int64_list.value[0]),
            int(feature[IMAGE_WIDTH_KEY].int64_list.value[0]),
        ))  # fmt: skip
        clips.add(feature[CLIP_MEDIA_ID_KEY].bytes_list.value[0].decode())
    return {
        "file": Path(str(path)).name,
        "num_examples": examples,
        "num_frames": frames,
        "bytes": tf.io.gfile.stat(str(path)).length,
        "sha256": digest.hexdigest(),
        "label_counts": dict(sorted(labels.items())),
        "frame_sizes": sorted([list(s) for s in sizes]),
        "clip_ids": sorted(clips),
    }

