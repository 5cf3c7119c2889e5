"""The SequenceExample record format: one clip per example, JPEG frames, MediaPipe key names.

A record holds one clip. Facts about the whole clip live in the *context*; per-frame data lives in
*feature lists*, one entry per frame::

    context                                   feature_lists
    example/id          b"v_Spin_g01_c01"     image/encoded    [jpeg, jpeg, ...]   (T entries)
    clip/label/index    [3]                   image/timestamp  [0, 40000, ...]     (µs, T entries)
    image/height ...    [64]

The key names are MediaPipe MediaSequence's (plus DMVR's ``clip/label/text``), so MediaPipe's
``media_sequence`` getters and DMVR's default readers read our records too. Reference the keys
through the constants below, never as string literals.

``item_to_examples`` is the single implementation that turns a source video into serialized
examples: the local writer (``helpers.writer``) and the Beam pipeline both call it, so they write
identical bytes. ``parse_example`` reads them back inside ``tf.data``; ``inspect_record`` shows one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from helpers import frames as frames_lib
from helpers import sources
from helpers.records import proto, truncation
from helpers.records.keys import (
    CLIP_DATA_PATH_KEY,
    CLIP_END_TIMESTAMP_KEY,
    CLIP_LABEL_INDEX_KEY,
    CLIP_LABEL_STRING_KEY,
    CLIP_LABEL_TEXT_KEY,
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
from helpers.records.settings import RecordConfig
from helpers.sources import VideoItem

__all__ = [
    "clip_to_example",
    "count_frames",
    "default_threads",
    "example_from_jpegs",
    "item_to_examples",
    "item_to_examples_with_stats",
]


# The messages come from helpers.records.proto (protobuf only): a worker writing records never
# imports TensorFlow, and the bytes are tf.train.SequenceExample's.
def _bytes(values: list[bytes]) -> proto.Feature:
    return proto.Feature(bytes_list=proto.BytesList(value=values))


def _ints(values: list[int]) -> proto.Feature:
    return proto.Feature(int64_list=proto.Int64List(value=values))


def _floats(values: list[float]) -> proto.Feature:
    return proto.Feature(float_list=proto.FloatList(value=values))


def example_from_jpegs(
    item: VideoItem,
    label_index: int | None,
    jpegs: list[bytes],
    seconds: np.ndarray,
    fps: float,
    height: int,
    width: int,
    example_id: str,
) -> proto.SequenceExample:
    """The SequenceExample of already-encoded frames: :func:`clip_to_example` without encoding.

    Args:
        item: The source video.
        label_index: The class index, or None (no label keys).
        jpegs: One JPEG per frame.
        seconds: One presentation time per frame (seconds).
        fps: The frames' rate (``image/frame_rate``; it also ends the last frame).
        height: The frames' height.
        width: The frames' width.
        example_id: ``example/id``.

    Returns:
        The example (serialize with ``SerializeToString(deterministic=True)``).
    """
    micros = np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
    period = round(1e6 / fps) if fps and fps > 0 else 0
    context: dict[str, proto.Feature] = {
        EXAMPLE_ID_KEY: _bytes([example_id.encode()]),
        CLIP_MEDIA_ID_KEY: _bytes([item.id.encode()]),
        CLIP_DATA_PATH_KEY: _bytes([str(item.path).encode()]),
        CLIP_START_TIMESTAMP_KEY: _ints([int(micros.min())]),
        CLIP_END_TIMESTAMP_KEY: _ints([int(micros.max()) + period]),
        CLIP_NUM_FRAMES_KEY: _ints([len(jpegs)]),
        IMAGE_FORMAT_KEY: _bytes([b"JPEG"]),
        IMAGE_HEIGHT_KEY: _ints([height]),
        IMAGE_WIDTH_KEY: _ints([width]),
        IMAGE_FRAME_RATE_KEY: _floats([float(fps)]),
    }
    if label_index is not None:
        context[CLIP_LABEL_INDEX_KEY] = _ints([int(label_index)])
        name = (item.label or "").encode()
        context[CLIP_LABEL_STRING_KEY] = _bytes([name])
        context[CLIP_LABEL_TEXT_KEY] = _bytes([name])
    example = proto.SequenceExample(context=proto.Features(feature=context))
    # Filled in place: building each Feature apart and passing lists copies every JPEG again.
    encoded = example.feature_lists.feature_list[IMAGE_ENCODED_KEY].feature
    for jpeg in jpegs:
        encoded.add().bytes_list.value.append(jpeg)
    stamps = example.feature_lists.feature_list[IMAGE_TIMESTAMP_KEY].feature
    for t in micros.tolist():
        stamps.add().int64_list.value.append(t)
    return example


def clip_to_example(
    clip: frames_lib.Clip,
    item: VideoItem,
    label_index: int | None,
    *,
    quality: int = 90,
    example_id: str | None = None,
    bgr: bool = False,
) -> proto.SequenceExample:
    """Builds the SequenceExample of one clip (frames are JPEG-encoded here).

    A clip with no frame rate (a raw stream, ``clip.rate_known`` False) is written with
    ``image/frame_rate`` 0.0 (unknown, never a guess) and its end timestamp at its last frame's.

    Args:
        clip: Decoded frames ``[T, H, W, 3]`` RGB uint8 with their timestamps (seconds).
        item: The source video (its id becomes ``clip/media_id``, its path ``clip/data_path``).
        label_index: The class index, or None for an unlabeled clip (no label keys are written).
        quality: JPEG quality, 1-100.
        example_id: ``example/id``; defaults to ``item.id`` (chunks pass ``f"{item.id}_c003"``).
        bgr: The frames are in OpenCV's BGR order (``rgb=False`` when decoding); the JPEG bytes
            are the same.

    Returns:
        The example, a :class:`helpers.records.proto.SequenceExample`: the fields and bytes of
        ``tf.train.SequenceExample`` without importing TensorFlow. Serialize with
        ``SerializeToString(deterministic=True)``. The writers build the same bytes from a
        stream (:func:`item_to_examples_with_stats`), without the clip's array.

    Raises:
        ValueError: If the clip has no frames or is not ``[T, H, W, 3]``.
    """
    frames = np.asarray(clip.frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"{item.path}: expected frames [T>0, H, W, 3], got {frames.shape}")
    jpegs = [frames_lib.encode_jpeg(f, quality=quality, bgr=bgr) for f in frames]
    height, width = int(frames.shape[1]), int(frames.shape[2])
    return example_from_jpegs(item, label_index, jpegs, clip.timestamps, clip.fps, height, width,
                              example_id or item.id)  # fmt: skip


def default_threads(workers: int = 1) -> int:
    """Threads one of ``workers`` conversions may use: its share of this machine's cores.

    One worker alone decodes on FFmpeg's threads while another thread JPEG-encodes; as many
    workers as cores each keep to one thread, so that none waits for a core.

    >>> default_threads(workers=os.cpu_count() or 1)
    1
    """
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def item_to_examples_with_stats(
    item: VideoItem,
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    *,
    truncate_to: int | None = None,
    min_decoded_fraction: float | None = None,
    threads: int | None = None,
) -> tuple[list[bytes], dict[str, Any]]:
    """Like ``item_to_examples``, and also returns what happened (for the writers' reports).

    Frames are JPEG-encoded as they are decoded, in OpenCV's BGR order (the same bytes as
    encoding RGB frames), and only those the truncation policy can use; no array of the whole
    clip is built, so memory stays flat for long videos.

    Args:
        item: The source video.
        label_map: Class name -> index (from the training split).
        cfg: Decoding, quality and truncation settings.
        truncate_to: Per-clip length for ``"group_shortest"`` (from the counting pass).
        min_decoded_fraction: A whole video that decodes fewer than this fraction of the
            frames its header claims fails (None: converted, and ``stats["partial"]`` says so).
        threads: Threads for this video: FFmpeg's decoding threads, and as many JPEG encoders
            (this one included). None: :func:`default_threads` for one worker. The bytes do not
            depend on it.

    Returns:
        ``(examples, stats)`` with stats keys ``decoded_frames`` (frames kept after fps
        resampling), ``written_frames``, ``num_examples``, ``height``, ``width``,
        ``num_decoded`` and ``header_frame_count`` (frames read from the file, and claimed),
        ``partial`` (the reason a whole-file decode found fewer frames, else None),
        ``source_fps`` (the header's rate), ``average_fps`` (measured), ``vfr`` and
        ``rate_known`` (False: a raw stream, its times assumed).

    Raises:
        VideoDecodeError: If the video cannot be decoded (from ``helpers.frames``), or
            decodes below ``min_decoded_fraction``.
        KeyError: If the item's label is not in ``label_map`` (from ``helpers.sources``).
    """
    index = None if item.label is None else sources.label_index(label_map, item)
    threads = threads or default_threads()
    reader = frames_lib.FrameReader(
        item.path,
        fps=cfg.fps,
        start=item.start,
        end=item.end,
        size=cfg.size,
        resize_mode=cfg.resize_mode,
        max_frames=cfg.max_frames,
        rgb=False,
        threads=threads,
    )
    keep = truncation.used_prefix(
        cfg.policy, frames_per_example=cfg.frames_per_example, truncate_to=truncate_to
    )
    encoded = frames_lib.encode_jpeg_stream(
        reader, cfg.quality, bgr=True, keep=keep, threads=threads
    )
    length = len(encoded.timestamps)
    if not length:
        raise reader.no_frames_error()
    whole = item.start is None and item.end is None and cfg.max_frames is None
    coverage = {
        "header_fps": reader.source_fps,
        "average_fps": reader.average_fps,
        "decoded_until": reader.decoded_until,
    }
    partial = whole and frames_lib.partial_decode(
        reader.num_decoded, reader.header_frame_count, **coverage
    )
    partial = partial or None
    if (
        partial
        and min_decoded_fraction
        and (
            frames_lib.decoded_fraction(reader.num_decoded, reader.header_frame_count, **coverage)
            < min_decoded_fraction
        )
    ):
        raise frames_lib.VideoDecodeError(
            item.path, f"{partial}, below min_decoded_fraction={min_decoded_fraction}"
        )
    windows = truncation.policy_indices(
        length,
        cfg.policy,
        frames_per_example=cfg.frames_per_example,
        short_policy=cfg.short_policy,
        chunk_length=cfg.chunk_length,
        truncate_to=truncate_to,
    )
    examples = []
    for k, idx in enumerate(windows):
        eid = f"{item.id}_c{k:03d}" if cfg.policy == "chunks" else item.id
        jpegs = [encoded.jpegs[i] for i in idx]  # used_prefix: every index was encoded
        example = example_from_jpegs(item, index, jpegs, encoded.timestamps[idx], reader.fps,
                                     encoded.height, encoded.width, eid)  # fmt: skip
        examples.append(example.SerializeToString(deterministic=True))
    stats = {
        "decoded_frames": length,
        "written_frames": int(sum(len(w) for w in windows)),
        "num_examples": len(examples),
        "height": encoded.height,
        "width": encoded.width,
        "num_decoded": reader.num_decoded,
        "header_frame_count": reader.header_frame_count,
        "partial": partial,
        "source_fps": reader.source_fps,
        "average_fps": round(reader.average_fps, 6),
        "vfr": reader.vfr,
        "rate_known": reader.rate_known,
    }
    return examples, stats


def item_to_examples(
    item: VideoItem,
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    *,
    truncate_to: int | None = None,
) -> list[bytes]:
    """Decodes one source video and returns its serialized SequenceExamples.

    The one implementation shared by the local writer and Beam: decode with ``helpers.frames``,
    apply the truncation policy, JPEG-encode, serialize deterministically.

    Args:
        item: The source video.
        label_map: Class name -> index (from the training split).
        cfg: Decoding, quality and truncation settings.
        truncate_to: Per-clip length for ``"group_shortest"`` (from the counting pass).

    Returns:
        Zero or more serialized examples (zero when ``"fixed"`` + ``"drop"`` meets a short clip, or
        a clip is shorter than one chunk); one per chunk for ``"chunks"``.

    Raises:
        VideoDecodeError: If the video cannot be decoded.
        KeyError: If the item's label is not in ``label_map``.
    """
    return item_to_examples_with_stats(item, label_map, cfg, truncate_to=truncate_to)[0]


def count_frames(item: VideoItem, cfg: RecordConfig) -> int:
    """Returns how many frames ``item_to_examples`` would decode (the group-shortest counting pass).

    Args:
        item: The source video.
        cfg: The settings that will be used to write it (fps and max_frames matter).

    Returns:
        The decoded frame count (headers can lie, so this decodes).

    Raises:
        VideoDecodeError: If the video cannot be decoded.
    """
    reader = frames_lib.FrameReader(
        item.path, fps=cfg.fps, start=item.start, end=item.end, max_frames=cfg.max_frames,
        rgb=False,
    )  # fmt: skip
    count = sum(1 for _ in reader)  # one frame at a time: no array of the clip
    if not count:
        raise reader.no_frames_error()
    return count
