"""Video → SequenceExample shards on Apache Beam: the local writer's conversion, distributed.

The pipeline reads the same items as the local writer (:mod:`helpers.sources`) and runs the ONE
decode+encode implementation (:func:`helpers.records.item_to_examples`) on the workers. Clips
are dealt to shards up front, on the driver (a seeded hash of their ids), and each element of
the job is one shard's work::

    Create(ShardJob per shard) → ParDo(write the shard + its index) → ParDo(save its summary)

Every step is a single-output ``ParDo``: no tagged outputs, side inputs, ``Flatten``,
``GroupByKey`` or file-sink finalisation, the features whose behaviour differs between runners
(the Dask runner merges tagged outputs and recomputes side inputs). So the job runs unchanged on
the DirectRunner, Beam's Dask runner on a ``dask.distributed`` cluster, Dataflow, Flink or Spark,
and no video bytes cross a shuffle. The layout is the local writer's,
``<out>/<split>/clips-SSSSS-of-NNNNN.tfrecord[.gz]`` (plain shards with their random-access
index); after the run the driver reads the shard summaries and writes ``<out>/failures.jsonl``
(one ``{"id", "path", "split", "reason"}`` per failed video) and ``<out>/manifest.json``::

    from helpers import beam, records, sources
    items = sources.folder_items("videos/", split="train")
    manifest = beam.run_pipeline(items, label_map, records.RecordConfig(), "out/",
                                 num_shards=4, pipeline_args=["--runner=DirectRunner"])

``policy="group_shortest"`` first runs a counting job of the same shape; the driver groups the
lengths (as the local writer does) and gives each clip its target length inside its job.
Videos may live on any Beam filesystem (``gs://`` needs ``apache-beam[gcp]``). Runner flags pass
through unchanged (``python -m helpers.beam --help``): without ``--runner`` the pipeline runs on
the DirectRunner in ``multi_processing`` mode with ``--workers`` processes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from helpers.beam.dofns import (
    CountFramesDoFn,
    SaveSummaryDoFn,
    ShardJob,
    VideoToExamplesDoFn,
    split_of,
)
from helpers.beam.options import (
    FAILURES_FILE,
    check_items,
    importable_helpers,
    local_workers,
    notebook_safe,
    with_defaults,
)
from helpers.beam.outputs import WORK_DIR, finish_manifest, read_summaries, shard_pattern
from helpers.records.manifest import MANIFEST_FILE
from helpers.records.truncation import group_shortest_targets
from helpers.utils.atomic import PARTIAL_SUFFIX

if TYPE_CHECKING:  # The conversion modules (OpenCV) load on the workers, in DoFn.setup().
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "CLIPS_PER_SHARD",
    "build_pipeline",
    "plan_shards",
    "run_pipeline",
]

CLIPS_PER_SHARD = 64
"""Shards per split when ``num_shards=0``: one per this many clips (a 10 s clip at 224 px is
a few MB of JPEG, so a shard is a few hundred MB, the size TFRecord readers like)."""


def plan_shards(
    items: Sequence[VideoItem],
    num_shards: int,
    seed: int = 0,
) -> list[ShardJob]:
    """Deals each split's clips to shards: sorted by a seeded hash of their ids, round-robin.

    Args:
        items: The videos (their ``split`` picks the shards; None → ``"all"``).
        num_shards: Shards per split, honoured exactly (a shard may be empty); 0 gives one
            shard per :data:`CLIPS_PER_SHARD` clips.
        seed: Seeds the deal (and, in the DoFn, the example order inside a shard).

    Returns:
        One job per shard, ordered by split and index.
    """
    by_split: dict[str, list[VideoItem]] = {}
    for item in items:
        by_split.setdefault(split_of(item), []).append(item)
    jobs = []
    for split, chunk in sorted(by_split.items()):
        count = num_shards or max(1, math.ceil(len(chunk) / CLIPS_PER_SHARD))
        key = lambda it: hashlib.sha256(f"{seed}:{it.id}".encode()).hexdigest()  # noqa: E731
        dealt = sorted(chunk, key=key)
        for index in range(count):
            jobs.append(ShardJob(split, index, count, tuple(dealt[index::count])))
    return jobs


def build_pipeline(pipeline: beam.Pipeline, jobs: Sequence[ShardJob], work: beam.DoFn,
                   summaries: str) -> None:  # fmt: skip
    """Adds ``Create(jobs) → ParDo(work) → ParDo(save summary)`` to ``pipeline``.

    Args:
        pipeline: The Beam pipeline to extend.
        jobs: One element per shard (:func:`plan_shards`).
        work: :class:`VideoToExamplesDoFn` or :class:`CountFramesDoFn`.
        summaries: Folder the per-shard summaries are saved in (read back by the driver).
    """
    _ = (
        pipeline
        | "Shards" >> beam.Create(list(jobs), reshuffle=True)
        | "Work" >> beam.ParDo(work)
        | "SaveSummary" >> beam.ParDo(SaveSummaryDoFn(summaries))
    )


def _run(jobs: Sequence[ShardJob], work: beam.DoFn, summaries: str, args: list[str]) -> None:
    """Runs one job to completion (the DoFns' modules come from this checkout)."""
    options = PipelineOptions(args)
    with importable_helpers(), notebook_safe():
        pipeline = beam.Pipeline(options=options)
        build_pipeline(pipeline, jobs, work, summaries)
        result = pipeline.run()
        try:
            result.wait_until_finish()
        finally:
            client = getattr(result, "client", None)  # the Dask runner's; Beam never closes it
            if client is not None:
                client.close()


def _clear_outputs(out_dir: str, splits: Sequence[str], name: str) -> None:
    """Deletes old shards of these splits (any count, either compression): no strays."""
    patterns = [shard_pattern(out_dir, s, name=name, compression=c)
                for s in splits for c in (None, "gzip")]  # fmt: skip
    temporaries = (".index", PARTIAL_SUFFIX, ".index" + PARTIAL_SUFFIX)
    patterns += [p + suffix for p in patterns for suffix in temporaries]
    leftovers = (FAILURES_FILE, MANIFEST_FILE, MANIFEST_FILE + PARTIAL_SUFFIX)
    patterns += [FileSystems.join(out_dir, name) for name in leftovers]
    patterns.append(FileSystems.join(out_dir, WORK_DIR, "*", "*"))
    stale = [meta.path for result in FileSystems.match(patterns) for meta in result.metadata_list]
    if stale:
        FileSystems.delete(stale)


def _targets(
    jobs: Sequence[ShardJob], cfg: RecordConfig, out: str, args: list[str]
) -> tuple[dict[tuple[str, str], int], list[dict[str, Any]]]:
    """The ``group_shortest`` counting job: each clip's target length, and the clips that failed."""
    folder = FileSystems.join(out, WORK_DIR, "lengths")
    _run(jobs, CountFramesDoFn(cfg), folder, args)
    counted = read_summaries(folder)
    targets: dict[tuple[str, str], int] = {}
    for split in sorted({row["split"] for row in counted}):
        lengths = {k: n for row in counted if row["split"] == split
                   for k, n in row["lengths"].items()}  # fmt: skip
        grouped = group_shortest_targets(lengths, cfg.group_size)
        targets.update({(split, item_id): n for item_id, n in grouped.items()})
    return targets, [row for summary in counted for row in summary["failures"]]


def _with_targets(job: ShardJob, targets: dict[tuple[str, str], int]) -> ShardJob:
    """The job with each clip's target length.

    A clip the counting job could not decode is left out: its failure is reported once, from
    the counting job.
    """
    kept = tuple(item for item in job.items if (job.split, item.id) in targets)
    lengths = tuple(targets[(job.split, item.id)] for item in kept)
    return dataclasses.replace(job, items=kept, truncate_to=lengths)


def run_pipeline(
    items: Sequence[VideoItem],
    label_map: dict[str, int],
    cfg: RecordConfig,
    out_dir: str | os.PathLike[str],
    *,
    num_shards: int = 0,
    compression: str | None = None,
    name: str = "clips",
    seed: int = 0,
    pipeline_args: Sequence[str] | None = None,
    workers: int | None = None,
    min_decoded_fraction: float | None = None,
    threads_per_video: int | None = None,
) -> dict[str, Any]:
    """Runs the conversion to completion and writes ``failures.jsonl`` and ``manifest.json``.

    Args:
        items: The videos (their ``split`` picks the output shards; None → ``"all"``).
        label_map: Class name → index (usually ``sources.build_label_map(train_items)``).
        cfg: The record config, the same one the local writer takes.
        out_dir: Output folder (local or any Beam filesystem, e.g. ``gs://bucket/out``).
        num_shards: Shards per split, honoured exactly; 0 gives one per
            :data:`CLIPS_PER_SHARD` clips.
        compression: ``None`` or ``"gzip"``.
        name: The shard file prefix (``helpers.writer``'s default: ``clips``).
        seed: Seeds the clip-to-shard deal and the example order in each shard.
        pipeline_args: Beam flags, passed through unchanged. Without ``--runner`` the default is
            a multi-process DirectRunner (see :func:`default_pipeline_args`); on the Dask runner
            each shard is its own Dask partition unless a partition flag is given.
        workers: Processes for the default DirectRunner.
        min_decoded_fraction: A partial decode below this fraction of the header's frame count
            is a failure (None: written, and listed under ``partial`` in the manifest).
        threads_per_video: Decode and encode threads per video; None decides on each worker
            (:func:`helpers.beam.dofns.video_threads`: the DirectRunner's share of the cores,
            else the engine's ``OMP_NUM_THREADS``, else 1). The bytes do not depend on it.

    Returns:
        The manifest dict (also written to ``out_dir/manifest.json``).

    Raises:
        ValueError: For no items, duplicate ids in a split, or a bad ``compression``.
        UnknownLabelError: A labeled item's class is not in ``label_map`` (checked before any
            work, as ``helpers.writer`` does).
    """
    if not items:
        raise ValueError("no items to convert")
    check_items(items, label_map)
    if threads_per_video is not None and threads_per_video < 1:
        raise ValueError(f"threads_per_video must be at least 1, got {threads_per_video}")
    if compression not in (None, "gzip"):
        raise ValueError(f"compression must be None or 'gzip', got {compression!r}")
    out = os.fspath(out_dir)
    if not FileSystems.exists(out):
        FileSystems.mkdirs(out)
    splits = sorted({split_of(item) for item in items})
    _clear_outputs(out, splits, name)
    args = with_defaults(pipeline_args, workers)
    jobs = plan_shards(items, num_shards, seed)
    failures: list[dict[str, Any]] = []
    if cfg.policy == "group_shortest":
        targets, failures = _targets(jobs, cfg, out, args)
        jobs = [_with_targets(job, targets) for job in jobs]
    work = VideoToExamplesDoFn(label_map, cfg, out, name=name, compression=compression, seed=seed,
                               min_decoded_fraction=min_decoded_fraction,
                               workers=local_workers(args), threads=threads_per_video)  # fmt: skip
    _run(jobs, work, FileSystems.join(out, WORK_DIR, "shards"), args)
    return finish_manifest(out, items, jobs, label_map, cfg, args, name=name, seed=seed,
                           compression=compression, failures=failures)  # fmt: skip
