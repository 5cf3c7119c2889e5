"""The Beam job's output layout, and the files the driver writes after the run.

The layout is the local writer's: ``<out>/<split>/clips-SSSSS-of-NNNNN.tfrecord[.gz]`` (plain
shards with their ``.index``). The workers also leave one small JSON summary per shard under
``<out>/_beam/`` (the shard's statistics, its failures and dropped clips); after the run,
:func:`finish_manifest` reads them, checks that every shard reported, and writes
``<out>/failures.jsonl`` and ``<out>/manifest.json`` (the local writer's schema), each under a
temporary name and renamed, and then deletes ``_beam/``. A job killed before the manifest is
renamed leaves no manifest, so the folder counts as unfinished; the next run clears it and
writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apache_beam.io.filesystems import FileSystems

from helpers.beam.dofns import split_of
from helpers.beam.files import atomic_file, shard_name
from helpers.beam.options import FAILURES_FILE, read_lines
from helpers.records.manifest import MANIFEST_FILE, build_manifest, split_entry

if TYPE_CHECKING:
    from helpers.beam.dofns import ShardJob
    from helpers.records import RecordConfig
    from helpers.sources import VideoItem

__all__ = [
    "SHARD_TEMPLATE",
    "SUFFIX",
    "WORK_DIR",
    "finish_manifest",
    "read_summaries",
    "shard_pattern",
]

SHARD_TEMPLATE = "-SSSSS-of-NNNNN"
"""The shard name template: ``train/clips-00003-of-00008.tfrecord``, as ``helpers.writer``."""
SUFFIX = ".tfrecord"
WORK_DIR = "_beam"
"""The workers' per-shard summaries (JSON), read by the driver after the run, then deleted."""


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


def read_summaries(folder: str) -> list[dict[str, Any]]:
    """Returns the per-shard summaries the workers saved in ``folder`` (sorted by file name)."""
    matched = FileSystems.match([FileSystems.join(folder, "*.json")])[0].metadata_list
    return [json.loads(read_lines(path)[0]) for path in sorted(m.path for m in matched)]


def finish_manifest(
    out: str,
    items: Sequence[VideoItem],
    jobs: Sequence[ShardJob],
    label_map: dict[str, int],
    cfg: RecordConfig,
    pipeline_args: Sequence[str],
    *,
    name: str,
    seed: int,
    compression: str | None,
    failures: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Writes ``failures.jsonl`` and ``manifest.json`` from the shard summaries, atomically.

    Args:
        out: The job's output folder (any Beam filesystem).
        items: The videos the job was given.
        jobs: The shards the job was given (each must have reported).
        label_map: Class name -> index.
        cfg: The record config.
        pipeline_args: The Beam flags the job ran with (recorded).
        name: The shard file prefix.
        seed: The deal's seed (recorded).
        compression: ``None`` or ``"gzip"``.
        failures: Dead-letter rows from before the conversion (the counting job).

    Returns:
        The manifest dict.

    Raises:
        RuntimeError: A shard has no summary: the runner lost work without failing the job.
    """
    work = FileSystems.join(out, WORK_DIR)
    summaries = read_summaries(FileSystems.join(work, "shards"))
    reported = {f"{s['split']}/{s['file']}" for s in summaries}
    expected = [f"{job.split}/{shard_name(name, job.index, job.num_shards, compression)}"
                for job in jobs]  # fmt: skip
    missing = [shard for shard in expected if shard not in reported]
    if missing:
        raise RuntimeError(f"{len(missing)} shard(s) were not written: {', '.join(missing)}")
    rows = [*failures, *(row for s in summaries for row in s["failures"])]
    rows.sort(key=lambda row: (row["split"], row["id"]))
    with atomic_file(FileSystems.join(out, FAILURES_FILE)) as handle:
        handle.write("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows).encode())
    splits = sorted({job.split for job in jobs})
    entries = {}
    for split in splits:
        mine = [s for s in summaries if s["split"] == split]
        entries[split] = split_entry(
            split,
            mine,
            num_clips_in=sum(split_of(item) == split for item in items),
            failures=[row for row in rows if row["split"] == split],
            dropped=sorted((d for s in mine for d in s["dropped"]), key=lambda d: d["id"]),
            partial=[row for s in mine for row in s["partial"]],
            vfr=[row for s in mine for row in s["vfr"]],
            unknown_rate=[row for s in mine for row in s["unknown_rate"]],
        )
    manifest = build_manifest(
        written_by="helpers.beam",
        name=name,
        label_map=label_map,
        cfg=cfg,
        splits=entries,
        seed=seed,
        compression=compression,
        pipeline_args=pipeline_args,
    )
    with atomic_file(FileSystems.join(out, MANIFEST_FILE)) as handle:
        handle.write(json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
    leftovers = FileSystems.match([FileSystems.join(work, "*", "*")])[0].metadata_list
    FileSystems.delete([m.path for m in leftovers])  # last: a rerun clears them anyway
    if FileSystems.exists(work):  # a local folder (object stores have no empty folders)
        FileSystems.delete([work])
    return manifest
