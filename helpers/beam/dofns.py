"""The Beam ``DoFn``s of :mod:`helpers.beam`: count frames, write a shard, save its summary.

Each element is a :class:`ShardJob` (one shard's videos), and each ``DoFn`` has one output: the
shape every runner executes the same way (the Dask runner, for one, merges the tagged outputs
of a multi-output ``ParDo`` into one collection). The conversion calls ``helpers.records``
(imported once per worker in ``setup()``, without TensorFlow), so it is the local writer's.
Videos on a remote filesystem (``gs://``, ``s3://``, ``hdfs://``) are copied to a local
temporary file for OpenCV; the example still records the original path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from helpers.beam.files import order_key, save_json, shard_name, shard_path, write_shard_file

if TYPE_CHECKING:  # The conversion modules (OpenCV) load on the workers, in DoFn.setup().
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "FAILED_TAG",
    "ShardJob",
    "CountFramesDoFn",
    "VideoToExamplesDoFn",
    "SaveSummaryDoFn",
    "local_copy",
    "split_of",
    "video_threads",
]

FAILED_TAG = "failed"
"""Tag of a dead-letter row: one ``{"id", "path", "reason", "split"}`` dict per failure."""
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


def _failure(item: VideoItem, err: Exception, failure_reason: Any) -> dict[str, str]:
    """A dead-letter row: the video, its split and why (as the local writer reports it)."""
    return {"id": item.id, "path": item.path, "split": split_of(item),
            "reason": failure_reason(err)}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ShardJob:
    """One shard's work, the element every stage of the pipeline receives (small, picklable).

    Attributes:
        split: The split.
        index: Shard index within the split.
        num_shards: Shards in the split.
        items: The shard's videos, in the order their examples are written.
        truncate_to: ``group_shortest`` only: each item's target length (None elsewhere).
    """

    split: str
    index: int
    num_shards: int
    items: tuple[VideoItem, ...]
    truncate_to: tuple[int | None, ...] = ()

    def targets(self) -> tuple[int | None, ...]:
        """``truncate_to``, or one None per item."""
        return self.truncate_to or (None,) * len(self.items)


def video_threads(
    threads: int | None = None,
    workers: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Threads one video's decode and JPEG encode may use on the worker machine running it.

    A runner runs several videos on one machine at once, and FFmpeg's decoder would otherwise
    start a thread per core for each of them. The first that applies:

    1. ``threads``, as given (``--threads_per_video``);
    2. ``workers``, the DirectRunner's processes on this machine: each gets its share of cores;
    3. ``OMP_NUM_THREADS``, the per-task thread count that cluster engines set for native
       libraries (a Dask nanny starts its workers with 1);
    4. 1: Dataflow, Flink and Spark run about one task per core.

    Args:
        threads: An explicit count.
        workers: Processes sharing this machine's cores, or None.
        environ: The environment to read (default: ``os.environ``).

    Returns:
        At least 1.

    >>> video_threads(workers=os.cpu_count()), video_threads(environ={"OMP_NUM_THREADS": "3"})
    (1, 3)
    """
    if threads:
        return max(1, threads)
    if workers:
        from helpers.records.encode import default_threads  # OpenCV: on workers, not drivers

        return default_threads(workers)
    hint = (os.environ if environ is None else environ).get("OMP_NUM_THREADS", "").strip()
    return int(hint) if hint.isdigit() and int(hint) > 0 else 1


class _RecordsDoFn(beam.DoFn):
    """Base: imports ``helpers.records`` once per worker in ``setup()`` (OpenCV, protobuf).

    The state sent to workers is the constructor's arguments only (plain data): the modules and
    metrics are made on the worker, so any runner can pickle the DoFn.
    """

    def __init__(self, cfg: RecordConfig) -> None:
        super().__init__()
        self._cfg = cfg
        self._records: Any = None
        self._failed: Any = None

    def setup(self) -> None:
        """Imports the conversion modules on the worker, not at pipeline-construction time."""
        from helpers import records

        self._records = records
        self._failed = beam.metrics.Metrics.counter("video", "clips_failed")


class CountFramesDoFn(_RecordsDoFn):
    """The ``group_shortest`` counting pass: one ``{"split", "lengths", "failures"}`` per shard."""

    def process(self, job: ShardJob) -> Iterator[dict[str, Any]]:
        """Counts the frames of a shard's items with ``records.count_frames``.

        Args:
            job: The shard whose items to count.

        Yields:
            One dict: ``lengths`` (id -> decoded frames) and ``failures`` (dead-letter rows).
        """
        lengths, failures = {}, []
        for item in job.items:
            try:
                with local_copy(item.path) as path:
                    local = dataclasses.replace(item, path=path)
                    lengths[item.id] = self._records.count_frames(local, self._cfg)
            except Exception as err:  # noqa: BLE001 - every failure goes to the dead-letter file.
                failures.append(_failure(item, err, self._records.failure_reason))
                self._failed.inc()
        yield {"split": job.split, "index": job.index, "lengths": lengths, "failures": failures}


class VideoToExamplesDoFn(_RecordsDoFn):
    """Converts one shard's videos and writes the shard, its index and its summary.

    The videos go through ``helpers.records.convert_items``, as in the local writer, so the
    examples, and the failures, drops and partial decodes reported, are the local writer's.
    The shard is written with :func:`helpers.records.framing.write_records` (no TensorFlow)
    under a temporary name and renamed when complete, so a retried or rerun bundle rewrites the
    same file. A video that fails is a dead-letter row in the summary (id, path, split, reason);
    nothing is lost silently.
    """

    def __init__(
        self,
        label_map: dict[str, int],
        cfg: RecordConfig,
        out_dir: str,
        *,
        name: str = "clips",
        compression: str | None = None,
        seed: int = 0,
        min_decoded_fraction: float | None = None,
        workers: int | None = None,
        threads: int | None = None,
    ) -> None:
        """Stores the (small, picklable) arguments sent to every worker.

        Args:
            label_map: Class name → index, shared by every split.
            cfg: The record config (the same object the local writer takes).
            out_dir: The output folder (any Beam filesystem).
            name: The shard file prefix.
            compression: ``None`` or ``"gzip"``.
            seed: Seeds the order of the examples inside each shard.
            min_decoded_fraction: A partial decode below this fraction of the header's frame
                count is a failure (None: written, and listed as partial in the manifest).
            workers: Worker processes sharing one machine's cores (the DirectRunner's): each
                video then uses its share for decoding and JPEG encoding. None: the runner
                manages its workers (see :func:`video_threads`).
            threads: Threads per video, overriding the choice of :func:`video_threads`.
        """
        super().__init__(cfg)
        self._workers = workers
        self._threads = threads
        self._video_threads = 1
        self._label_map = dict(label_map)
        self._out_dir = out_dir
        self._name = name
        self._compression = compression
        self._seed = seed
        self._min_decoded_fraction = min_decoded_fraction

    def setup(self) -> None:
        """Imports the conversion modules and decides the threads per video on this worker."""
        super().setup()
        self._video_threads = video_threads(self._threads, self._workers)

    def _with_data_path(self, serialized: bytes, data_path: str) -> bytes:
        """Puts the original (remote) path back into ``clip/data_path``."""
        from helpers.records import proto

        example = proto.SequenceExample.FromString(serialized)
        feature = example.context.feature[self._records.CLIP_DATA_PATH_KEY]
        feature.bytes_list.value[:] = [data_path.encode()]
        return example.SerializeToString(deterministic=True)

    def _convert(self, item: VideoItem, truncate_to: int | None) -> tuple[list[bytes], dict]:
        with local_copy(item.path) as path:
            examples, stats = self._records.item_to_examples_with_stats(
                dataclasses.replace(item, path=path),
                self._label_map,
                self._cfg,
                truncate_to=truncate_to,
                min_decoded_fraction=self._min_decoded_fraction,
                threads=self._video_threads,
            )
        if path != item.path:
            examples = [self._with_data_path(e, item.path) for e in examples]
        return examples, stats

    def process(self, job: ShardJob) -> Iterator[dict[str, Any]]:
        """Converts the shard's items and writes the shard file (and, if plain, its index).

        Args:
            job: The shard to write.

        Yields:
            The shard's summary: the manifest's shard statistics (``file``, ``num_examples``,
            ``num_frames``, ``bytes``, ``sha256``, ``label_counts``, ``frame_sizes``,
            ``clip_ids``) plus ``split``, and the ``failures``, ``dropped``, ``partial``, ``vfr``
            and ``unknown_rate`` rows.
        """
        content = self._records.convert_items(
            job.items, job.targets(), self._label_map, self._cfg, convert=self._convert
        )
        for row in content.failures:
            row["split"] = job.split
            self._failed.inc()
        for row in content.dropped:
            row["split"] = job.split
        keyed = [(order_key(self._seed, clip, k), e) for clip, k, e in content.examples]
        ordered = [example for _, example in sorted(keyed, key=lambda pair: pair[0])]
        file = shard_path(self._out_dir, job.split, job.index, job.num_shards, name=self._name,
                          compression=self._compression)  # fmt: skip
        size, sha256 = write_shard_file(file, ordered, self._compression == "gzip")
        yield {
            "split": job.split,
            "file": shard_name(self._name, job.index, job.num_shards, self._compression),
            "bytes": size,
            "sha256": sha256,
            **content.stats(),
        }


class SaveSummaryDoFn(beam.DoFn):
    """The pipeline's one sink: writes each shard's summary dict as a small JSON file.

    Every runner runs a ParDo, so the job needs no multi-output ParDo, side input, ``Flatten``
    or file sink finalisation; the driver reads the summaries after the run.
    """

    def __init__(self, folder: str) -> None:
        super().__init__()
        self._folder = folder

    def process(self, summary: dict[str, Any]) -> Iterator[str]:
        """Writes ``<folder>/<split>-<shard or index>.json`` atomically; yields its path."""
        tag = summary.get("file") or f"{summary['index']:05d}"
        yield save_json(self._folder, f"{summary['split']}-{tag}.json", summary)
