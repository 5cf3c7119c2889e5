"""The Beam ``DoFn``s of :mod:`helpers.beam`: count frames, convert a video, report failures.

Both call ``helpers.records`` (imported once per worker in ``setup()``), so the conversion is the
local writer's. Videos on a remote filesystem (``gs://``, ``s3://``, ``hdfs://``) are copied to a
local temporary file for OpenCV; the example still records the original path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

if TYPE_CHECKING:  # Heavy modules (TensorFlow, OpenCV) load lazily, in DoFn.setup().
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "FAILED_TAG",
    "CountFramesDoFn",
    "VideoToExamplesDoFn",
    "group_targets",
    "local_copy",
    "split_of",
]

FAILED_TAG = "failed"
"""Tag of the dead-letter output: one ``{"id", "path", "reason", "split"}`` dict per failure."""
DROPPED_TAG = "dropped"
"""Tag of the clips the truncation policy turned into no example: ``{"id", "frames", "split"}``."""
_NO_SPLIT = "all"


@contextlib.contextmanager
def local_copy(path: str) -> Iterator[str]:
    """Yields a local path for ``path``: itself, or a temporary copy of a remote file.

    Args:
        path: A local path or a Beam filesystem URL (``gs://bucket/v.mp4``).

    Yields:
        A path OpenCV can open; a temporary copy is deleted afterwards.
    """
    if FileSystems.get_scheme(path) is None:
        yield path
        return
    fd, local = tempfile.mkstemp(suffix=os.path.splitext(path)[1])
    try:
        with os.fdopen(fd, "wb") as dst, FileSystems.open(path) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield local
    finally:
        os.unlink(local)


def split_of(item: VideoItem) -> str:
    """Returns the item's split, or ``"all"`` when the source has none."""
    return item.split or _NO_SPLIT


def _failure(item: VideoItem, err: Exception) -> beam.pvalue.TaggedOutput:
    """Wraps an exception as a dead-letter row (``VideoDecodeError`` gives its own reason)."""
    reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
    row = {"id": item.id, "path": item.path, "split": split_of(item), "reason": str(reason)}
    return beam.pvalue.TaggedOutput(FAILED_TAG, row)


class _RecordsDoFn(beam.DoFn):
    """Base: imports ``helpers.records`` (TensorFlow, OpenCV) once per worker in ``setup()``."""

    def __init__(self, cfg: RecordConfig) -> None:
        super().__init__()
        self._cfg = cfg
        self._records: Any = None
        self._failed = beam.metrics.Metrics.counter("video", "clips_failed")

    def setup(self) -> None:
        """Imports the heavy modules on the worker, not at pipeline-construction time."""
        from helpers import records

        self._records = records


class CountFramesDoFn(_RecordsDoFn):
    """The ``group_shortest`` counting pass: emits ``(split, (item, decoded frame count))``."""

    def process(self, item: VideoItem) -> Iterator[Any]:
        """Counts one item's frames with ``records.count_frames``.

        Args:
            item: The video to count.

        Yields:
            ``(split, (item, length))``, or a tagged failure dict.
        """
        try:
            with local_copy(item.path) as path:
                length = self._records.count_frames(dataclasses.replace(item, path=path), self._cfg)
        except Exception as err:  # noqa: BLE001 - every failure goes to the dead-letter file.
            self._failed.inc()
            yield _failure(item, err)
            return
        yield split_of(item), (item, length)


class VideoToExamplesDoFn(_RecordsDoFn):
    """Decodes one video and emits ``(split, serialized SequenceExample)`` per example.

    It calls ``helpers.records.item_to_examples``, the same function as the local writer, so the
    bytes are identical. Any exception goes to the ``FAILED_TAG`` output as a dict with the item's
    id, path, split and a reason: nothing is lost silently.
    """

    def __init__(self, label_map: dict[str, int], cfg: RecordConfig) -> None:
        """Stores the (small, picklable) arguments sent to every worker.

        Args:
            label_map: Class name → index, shared by every split.
            cfg: The record config (the same object the local writer takes).
        """
        super().__init__(cfg)
        self._label_map = dict(label_map)
        self._clips = beam.metrics.Metrics.counter("video", "clips_ok")
        self._examples = beam.metrics.Metrics.counter("video", "examples")

    def _with_data_path(self, serialized: bytes, data_path: str) -> bytes:
        """Puts the original (remote) path back into ``clip/data_path``."""
        import tensorflow as tf

        example = tf.train.SequenceExample.FromString(serialized)
        feature = example.context.feature[self._records.CLIP_DATA_PATH_KEY]
        feature.bytes_list.value[:] = [data_path.encode()]
        return example.SerializeToString(deterministic=True)

    def process(
        self, item: VideoItem, targets: dict[tuple[str, str], int] | None = None
    ) -> Iterator[Any]:
        """Converts one item.

        Args:
            item: The video to convert.
            targets: ``group_shortest`` only: ``(split, id)`` → frame count (a side input).

        Yields:
            ``(split, bytes)`` for each example, a tagged failure dict, or a tagged dropped-clip
            dict when the policy makes no example of it.
        """
        truncate_to = None if targets is None else targets[(split_of(item), item.id)]
        try:
            with local_copy(item.path) as path:
                examples, stats = self._records.item_to_examples_with_stats(
                    dataclasses.replace(item, path=path),
                    self._label_map,
                    self._cfg,
                    truncate_to=truncate_to,
                )
            if path != item.path:
                examples = [self._with_data_path(e, item.path) for e in examples]
        except Exception as err:  # noqa: BLE001 - every failure goes to the dead-letter file.
            self._failed.inc()
            yield _failure(item, err)
            return
        self._clips.inc()
        self._examples.inc(len(examples))
        if not examples:  # as the local writer's dropped_by_policy: listed, not lost
            row = {"id": item.id, "frames": stats["decoded_frames"], "split": split_of(item)}
            yield beam.pvalue.TaggedOutput(DROPPED_TAG, row)
        for serialized in examples:
            yield split_of(item), serialized


def group_targets(
    split_and_lengths: tuple[str, Any], group_size: int
) -> list[tuple[tuple[str, str], int]]:
    """Runs ``truncation.group_shortest_targets`` over one split's ``(item, length)`` pairs.

    Keys are ``(split, id)``: ids repeat across splits (``folder_items`` uses ``label/stem``).
    """
    from helpers.records import truncation

    split, pairs = split_and_lengths
    lengths = {item.id: length for item, length in pairs}
    targets = truncation.group_shortest_targets(lengths, group_size)
    return [((split, item_id), n) for item_id, n in targets.items()]
