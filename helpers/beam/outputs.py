"""The Beam job's output layout and its ``manifest.json`` (see :mod:`helpers.beam`).

The layout is the local writer's: ``<out>/<split>/clips-SSSSS-of-NNNNN.tfrecord[.gz]``, with
``<out>/failures.jsonl`` for the videos that failed. After the pipeline has run,
:func:`write_manifest` indexes each plain shard (``helpers.record_index``: one read per shard,
serial) and writes the manifest: counts per split, label map, record config, failures and the
clips the truncation policy dropped. It is written under a temporary name and then renamed, so a
job killed while writing it leaves no manifest (and the folder counts as unfinished).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apache_beam.io.filesystems import FileSystems

from helpers.beam.dofns import split_of
from helpers.beam.options import read_failures, read_lines
from helpers.records.manifest import MANIFEST_FILE
from helpers.utils.atomic import PARTIAL_SUFFIX

if TYPE_CHECKING:
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "COUNTS_FILE",
    "SHARD_TEMPLATE",
    "SUFFIX",
    "shard_pattern",
    "finish_manifest",
]

SHARD_TEMPLATE = "-SSSSS-of-NNNNN"
"""Beam's shard name template: ``train/clips-00003-of-00008.tfrecord``, as ``helpers.writer``."""
SUFFIX = ".tfrecord"
COUNTS_FILE = "_beam_counts"
"""The pipeline's per-split example counts and dropped clips (JSON lines); read, then deleted."""


def shard_pattern(
    out_dir: str, split: str, *, name: str = "clips", compression: str | None = None
) -> str:
    """Returns the glob that matches one split's shards.

    Args:
        out_dir: The output folder (local path or a Beam filesystem URL such as ``gs://...``).
        split: The split name.
        name: The shard file prefix.
        compression: ``None`` or ``"gzip"``.

    Returns:
        A glob, e.g. ``out/train/clips-*-of-*.tfrecord``.
    """
    suffix = SUFFIX + (".gz" if compression == "gzip" else "")
    return FileSystems.join(out_dir, split, f"{name}-*-of-*{suffix}")


def _split_entry(out, split, items, dropped, failures, name, compression) -> dict[str, Any]:
    """One split's manifest entry, from its written shards (each read once; plain ones indexed)."""
    from helpers import records  # TensorFlow: only after the pipeline ran

    matched = FileSystems.match([shard_pattern(out, split, name=name, compression=compression)])
    files = sorted(m.path for m in matched[0].metadata_list)
    for file in files if compression is None else ():  # plain shards: a random-access index
        records.index_shard(file)
    return records.split_entry(
        split,
        [records.shard_stats(file) for file in files],
        num_clips_in=sum(split_of(item) == split for item in items),
        failures=[row for row in failures if row["split"] == split],
        dropped=[d for d in dropped if d["split"] == split],
    )


def finish_manifest(
    out: str,
    items: Sequence[VideoItem],
    splits: Sequence[str],
    label_map: dict[str, int],
    cfg: RecordConfig,
    pipeline_args: Sequence[str],
    *,
    name: str,
    compression: str | None,
) -> dict[str, Any]:
    """Indexes the finished job's plain shards and writes ``<out>/manifest.json`` atomically.

    The manifest has the local writer's schema (``helpers.records.build_manifest``); its shard
    statistics come from reading the written shards, whatever runner wrote them.

    Args:
        out: The job's output folder (any Beam filesystem).
        items: The videos the job was given.
        splits: Their split names.
        label_map: Class name -> index.
        cfg: The record config.
        pipeline_args: The Beam flags the job ran with (recorded).
        name: The shard file prefix.
        compression: ``None`` or ``"gzip"``.

    Returns:
        The manifest dict.
    """
    from helpers import records  # TensorFlow: only after the pipeline ran

    counts_path = FileSystems.join(out, COUNTS_FILE)
    rows = [json.loads(line) for line in read_lines(counts_path)]
    dropped = sorted((row["dropped"] for row in rows if "dropped" in row), key=lambda d: d["id"])
    failures = read_failures(out)
    manifest = records.build_manifest(
        written_by="helpers.beam",
        name=name,
        label_map=label_map,
        cfg=cfg,
        splits={
            split: _split_entry(out, split, items, dropped, failures, name, compression)
            for split in splits
        },
        seed=None,
        compression=compression,
        pipeline_args=pipeline_args,
    )
    final = FileSystems.join(out, MANIFEST_FILE)
    partial = final + PARTIAL_SUFFIX  # (a URL: not a Path)
    with FileSystems.create(partial) as handle:
        handle.write(json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    FileSystems.rename([partial], [final])
    FileSystems.delete([counts_path])  # last: a rerun of a cut job could still read it
    return manifest
