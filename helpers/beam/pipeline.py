"""Video → SequenceExample shards on Apache Beam: the local writer's conversion, distributed.

The pipeline reads the same items as the local writer (:mod:`helpers.sources`), runs the ONE
decode+encode implementation (:func:`helpers.records.item_to_examples`) inside a ``DoFn``, and
writes shards with ``WriteToTFRecord`` in the local writer's layout,
``<out>/<split>/clips-SSSSS-of-NNNNN.tfrecord[.gz]``. Videos that fail go to a dead-letter output,
written as ``<out>/failures.jsonl`` (one ``{"id", "path", "split", "reason"}`` per line); the good
clips are still written. After the pipeline finishes, each plain shard is read once to write
its random-access index (``helpers.record_index``), and ``<out>/manifest.json`` (counts per
split, label map, record config, failures, clips the policy dropped) is written::

    from helpers import beam, records, sources
    items = sources.folder_items("videos/", split="train")
    manifest = beam.run_pipeline(items, label_map, records.RecordConfig(), "out/",
                                 num_shards=4, pipeline_args=["--runner=DirectRunner"])

``policy="group_shortest"`` adds a counting stage whose per-split targets reach the conversion as
a side input. Videos may live on any Beam filesystem (``gs://`` needs ``apache-beam[gcp]``); the
``DoFn``s are in :mod:`helpers.beam_dofns`. Runner flags pass through unchanged
(``python -m helpers.beam --help``): without ``--runner`` the pipeline runs on the DirectRunner in
``multi_processing`` mode with ``--workers`` processes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from helpers.beam.dofns import (
    DROPPED_TAG,
    FAILED_TAG,
    CountFramesDoFn,
    VideoToExamplesDoFn,
    group_targets,
    split_of,
)
from helpers.beam.options import (
    FAILURES_FILE,
    check_items,
    importable_helpers,
    notebook_safe,
    with_defaults,
)
from helpers.beam.outputs import COUNTS_FILE, SHARD_TEMPLATE, SUFFIX, finish_manifest, shard_pattern
from helpers.records.manifest import MANIFEST_FILE
from helpers.utils.atomic import PARTIAL_SUFFIX

if TYPE_CHECKING:  # Heavy modules (TensorFlow, OpenCV) load lazily, in DoFn.setup().
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "build_pipeline",
    "run_pipeline",
]

def build_pipeline(
    pipeline: beam.Pipeline,
    items: Sequence[VideoItem],
    label_map: dict[str, int],
    cfg: RecordConfig,
    out_dir: str,
    *,
    num_shards: int = 0,
    compression: str | None = None,
    name: str = "clips",
) -> None:
    """Adds the conversion to ``pipeline``: Create → DoFn → shards per split + dead letters.

    With ``policy="group_shortest"`` a counting stage runs first: it decodes every clip to count
    its frames, groups the lengths per split, and hands each clip's target length to the
    conversion as a side input (the same grouping as the local writer).

    Args:
        pipeline: The Beam pipeline to extend.
        items: The videos; each goes to the split named by ``item.split`` ("all" when None).
        label_map: Class name → index.
        cfg: The record config.
        out_dir: Output folder (any Beam filesystem).
        num_shards: Shards per split; 0 lets the runner choose.
        compression: ``None`` or ``"gzip"``.
        name: The shard file prefix.
    """
    splits = sorted({split_of(item) for item in items})
    gzip = compression == "gzip"
    suffix = SUFFIX + (".gz" if gzip else "")
    videos = pipeline | "Items" >> beam.Create(list(items), reshuffle=True)
    convert = VideoToExamplesDoFn(label_map, cfg)
    if cfg.policy == "group_shortest":
        counted = videos | "CountFrames" >> beam.ParDo(CountFramesDoFn(cfg)).with_outputs(
            FAILED_TAG, main="lengths"
        )
        targets = (
            counted.lengths
            | "LengthsBySplit" >> beam.GroupByKey()
            | "GroupShortest" >> beam.FlatMap(group_targets, cfg.group_size)
        )
        results = (
            counted.lengths
            | "CountedItems" >> beam.Map(lambda kv: kv[1][0])
            | "Convert"
            >> beam.ParDo(convert, targets=beam.pvalue.AsDict(targets)).with_outputs(
                FAILED_TAG, DROPPED_TAG, main="examples"
            )
        )
        failed = (counted[FAILED_TAG], results[FAILED_TAG]) | "AllFailures" >> beam.Flatten()
    else:
        results = videos | "Convert" >> beam.ParDo(convert).with_outputs(
            FAILED_TAG, DROPPED_TAG, main="examples"
        )
        failed = results[FAILED_TAG]
    good = results.examples
    by_split = good | "BySplit" >> beam.Partition(lambda kv, _n: splits.index(kv[0]), len(splits))
    for index, split in enumerate(splits):
        _ = (
            by_split[index]
            | f"Bytes[{split}]" >> beam.Values()
            | f"Write[{split}]"
            >> beam.io.WriteToTFRecord(
                FileSystems.join(out_dir, split, name),
                file_name_suffix=suffix,
                num_shards=num_shards,
                shard_name_template=SHARD_TEMPLATE,
                compression_type=CompressionTypes.GZIP if gzip else CompressionTypes.UNCOMPRESSED,
            )
        )
    counted = (
        good
        | "SplitKeys" >> beam.Keys()
        | "Count" >> beam.combiners.Count.PerElement()
        | "CountJson" >> beam.MapTuple(lambda split, n: json.dumps({"split": split, "count": n}))
    )
    dropped = results[DROPPED_TAG] | "DropJson" >> beam.Map(lambda d: json.dumps({"dropped": d}))
    _ = (
        (counted, dropped)
        | "CountsAndDrops" >> beam.Flatten()
        | "WriteCounts"
        >> beam.io.WriteToText(
            FileSystems.join(out_dir, COUNTS_FILE), num_shards=1, shard_name_template=""
        )
    )
    _ = (
        failed
        | "FailJson" >> beam.Map(lambda row: json.dumps(row, sort_keys=True))
        | "WriteFailures"
        >> beam.io.WriteToText(
            FileSystems.join(out_dir, FAILURES_FILE), num_shards=1, shard_name_template=""
        )
    )


def _clear_outputs(out_dir: str, splits: Sequence[str], name: str) -> None:
    """Deletes old shards of these splits (any count, either compression): no strays."""
    patterns = [shard_pattern(out_dir, s, name=name, compression=c)
                for s in splits for c in (None, "gzip")]  # fmt: skip
    patterns += [p + ".index" for p in patterns]  # their random-access indexes (record_index)
    leftovers = (FAILURES_FILE, MANIFEST_FILE, MANIFEST_FILE + PARTIAL_SUFFIX)
    patterns += [FileSystems.join(out_dir, name) for name in leftovers]
    stale = [meta.path for result in FileSystems.match(patterns) for meta in result.metadata_list]
    if stale:
        FileSystems.delete(stale)


def run_pipeline(
    items: Sequence[VideoItem],
    label_map: dict[str, int],
    cfg: RecordConfig,
    out_dir: str | os.PathLike[str],
    *,
    num_shards: int = 0,
    compression: str | None = None,
    name: str = "clips",
    pipeline_args: Sequence[str] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Runs the conversion to completion and writes ``manifest.json``.

    Args:
        items: The videos (their ``split`` picks the output shards; None → ``"all"``).
        label_map: Class name → index (usually ``sources.build_label_map(train_items)``).
        cfg: The record config, the same one the local writer takes.
        out_dir: Output folder (local or any Beam filesystem, e.g. ``gs://bucket/out``).
        num_shards: Shards per split; 0 lets the runner choose.
        compression: ``None`` or ``"gzip"``.
        name: The shard file prefix (``helpers.writer``'s default: ``clips``).
        pipeline_args: Beam flags, passed through unchanged. Without ``--runner`` the default is
            a multi-process DirectRunner (see :func:`default_pipeline_args`).
        workers: Processes for the default DirectRunner.

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
    if compression not in (None, "gzip"):
        raise ValueError(f"compression must be None or 'gzip', got {compression!r}")
    out = os.fspath(out_dir)
    if not FileSystems.exists(out):
        FileSystems.mkdirs(out)
    splits = sorted({split_of(item) for item in items})
    _clear_outputs(out, splits, name)
    args = with_defaults(pipeline_args, workers)
    options = PipelineOptions(args)
    with importable_helpers(), notebook_safe(), beam.Pipeline(options=options) as pipeline:
        build_pipeline(
            pipeline,
            items,
            label_map,
            cfg,
            out,
            num_shards=num_shards,
            compression=compression,
            name=name,
        )
    return finish_manifest(out, items, splits, label_map, cfg, args, name=name,
                          compression=compression)  # fmt: skip
