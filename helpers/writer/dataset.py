"""Sharded, deterministic, resumable SequenceExample writer for one machine (library and CLI).

::

    from helpers import records, sources, writer
    cfg = records.RecordConfig(size=128, policy="fixed", frames_per_example=16, short_policy="loop")
    manifest = writer.write_dataset(train_items, test_items, "data/records/ucf", cfg, shards=8)

Layout: ``<out>/train/clips-00000-of-00008.tfrecord`` (+ a ``.json`` sidecar per shard), the same
for ``test``, and ``<out>/manifest.json`` with the label map, the settings, the counts per shard
and split and every failure. Clips are dealt to shards up front from the sorted ids and the seed,
so the same inputs and seed give byte-identical files, whether or not a run was killed and resumed.
Run ``python -m helpers.writer --help`` for the command line.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers import records, sources
from helpers.records import RecordConfig, count_frames, default_threads
from helpers.records import index as record_index
from helpers.records.truncation import group_shortest_targets
from helpers.sources import VideoItem
from helpers.utils.atomic import atomic_write_json, partial_name
from helpers.utils.parallel import run_parallel
from helpers.writer.shards import (
    ShardTask,
    assign_shards,
    fingerprint,
    read_sidecar,
    source_sizes,
    stale_files,
    write_shard,
)

__all__ = [
    "write_dataset",
    "write_split",
]


def _count_task(args: tuple[VideoItem, RecordConfig]) -> int:
    return count_frames(*args)


def _lengths(
    items: Sequence[VideoItem], cfg: RecordConfig, split_dir: Path, workers: int
) -> dict[str, int]:
    """The group-shortest counting pass (cached in ``lengths.json`` for reruns)."""
    key = fingerprint([[i.id, i.path, i.start, i.end] for i in items]) + fingerprint(
        [cfg.fps, cfg.max_frames, source_sizes(items)]
    )
    cache = split_dir / "lengths.json"
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return data["lengths"]
    lengths: dict[str, int] = {}
    tasks = [(item, cfg) for item in items]
    for (item, _), result in run_parallel(
        _count_task, tasks, workers=workers, desc=f"count {split_dir.name}"
    ):
        if not isinstance(result, Exception):  # failures are reported by the write pass
            lengths[item.id] = int(result)
    atomic_write_json(cache, {"key": key, "lengths": dict(sorted(lengths.items()))})
    return lengths


def write_split(
    items: Iterable[VideoItem],
    out_dir: str | Path,
    split: str,
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    *,
    shards: int = 1,
    workers: int = 1,
    seed: int = 0,
    compress: bool = False,
    name: str = "clips",
    failures: Sequence[Mapping[str, str]] = (),
    min_decoded_fraction: float | None = None,
) -> dict[str, Any]:
    """Writes one split as shards under ``out_dir/split`` and records it in the manifest.

    Shards that are already complete (sidecar present, same inputs and settings) are kept, so a
    rerun after a crash only writes what is missing.

    Args:
        items: The split's videos (any order; they are sorted by id).
        out_dir: The dataset folder (holds ``manifest.json`` and one folder per split).
        split: Split name, e.g. ``"train"``.
        label_map: Class name -> index; the same map for every split.
        cfg: Decoding, JPEG and truncation settings.
        shards: Number of shard files (capped at the number of clips, at least 1).
        workers: Worker processes (``<= 1``: in this process).
        seed: Seeds the clip-to-shard deal and the example order in each shard.
        compress: GZIP the shards (``.tfrecord.gz``).
        name: File name prefix.
        failures: Upstream failures (e.g. missing files) to include in the report.
        min_decoded_fraction: A clip decoding fewer than this fraction of the frames its
            header claims fails (None: written, and listed under the split's ``partial``).

    Returns:
        The split's manifest entry, plus ``resumed_shards``: complete shards that were kept.

    Raises:
        ValueError: Duplicate ids, or the folder's manifest has another label map or settings.
        UnknownLabelError: A label not in ``label_map``.
        OSError: A shard could not be written (a full disk, a read-only folder): the first
            such error, naming its file; no partial file is left and reruns resume.
        RuntimeError: A shard failed for another reason (a bug); reruns resume.
    """
    items = sorted(items, key=lambda i: i.id)
    sources.check_unique_ids(items, split)
    sources.check_labels(items, label_map, split)
    out_dir = Path(out_dir)
    records.check_manifest(out_dir, label_map, cfg)
    split_dir = out_dir / split
    split_dir.mkdir(parents=True, exist_ok=True)
    targets: dict[str, int] = {}
    if cfg.policy == "group_shortest":
        targets = group_shortest_targets(_lengths(items, cfg, split_dir, workers), cfg.group_size)
    num_shards = max(1, min(shards, len(items)))
    tasks = []
    for index, positions in enumerate(assign_shards(len(items), num_shards, seed)):
        chosen = tuple(items[p] for p in positions)
        tasks.append(
            ShardTask(
                index=index,
                num_shards=num_shards,
                items=chosen,
                truncate_to=tuple(targets.get(i.id) for i in chosen),
                label_map=dict(label_map),
                cfg=cfg,
                split_dir=str(split_dir),
                name=name,
                compress=compress,
                seed=seed,
                min_decoded_fraction=min_decoded_fraction,
            )
        )
    todo = []
    for task in tasks:
        if read_sidecar(task) is None:
            todo.append(task)
        else:  # complete: keep it, and give it an index if it has none (older runs)
            record_index.ensure_index(task.path)
    # Each running worker gets its share of the cores (decode threads and JPEG encoders).
    threads = default_threads(max(1, min(workers, len(todo))))
    todo = [dataclasses.replace(task, threads=threads) for task in todo]
    errors: list[tuple[ShardTask, Exception]] = []
    for task, result in run_parallel(
        write_shard, todo, workers=workers, desc=f"write {split}", unit="shard"
    ):
        if isinstance(result, Exception):
            errors.append((task, result))
            partial_name(task.path).unlink(missing_ok=True)  # never leave a cut shard behind
    for _, err in errors:
        if isinstance(err, OSError):  # the output (disk full, read-only): the user can fix it
            raise err
    if errors:
        text = "; ".join(f"{t.path.name}: {type(e).__name__}: {e}" for t, e in errors)
        raise RuntimeError(f"{len(errors)} shard(s) failed (rerun to resume): {text}")
    before = (records.read_manifest(out_dir) or {}).get("splits", {}).get(split, {})
    listed = [Path(shard["file"]).name for shard in before.get("shards", [])]
    for path in stale_files(split_dir, name, [t.path for t in tasks], listed):
        path.unlink()
    sidecars = []
    for task in tasks:
        sidecar = read_sidecar(task)
        if sidecar is None:
            raise RuntimeError(f"{task.sidecar}: missing or stale after writing")
        sidecars.append(sidecar)
    entry = records.split_entry(
        split,
        sidecars,
        num_clips_in=len(items) + len(failures),
        failures=[*failures, *(f for s in sidecars for f in s["failures"])],
        dropped=[d for s in sidecars for d in s["dropped"]],
        partial=[p for s in sidecars for p in s.get("partial", [])],
        vfr=[v for s in sidecars for v in s.get("vfr", [])],
        unknown_rate=[u for s in sidecars for u in s.get("unknown_rate", [])],
    )
    previous = records.read_manifest(out_dir) or {}
    splits = dict(previous.get("splits", {})) | {split: entry}
    manifest = records.build_manifest(
        written_by="helpers.writer", name=name, label_map=label_map, cfg=cfg, splits=splits,
        seed=seed, compression="gzip" if compress else None,
    )  # fmt: skip
    records.write_manifest(out_dir, manifest)
    return entry | {"resumed_shards": len(tasks) - len(todo)}  # informational: not on disk


def write_dataset(
    train_items: Iterable[VideoItem],
    test_items: Iterable[VideoItem] | None,
    out_dir: str | Path,
    cfg: RecordConfig,
    *,
    label_map: Mapping[str, int] | None = None,
    shards: int = 4,
    test_shards: int | None = None,
    workers: int = 1,
    seed: int = 0,
    compress: bool = False,
    name: str = "clips",
    failures: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    min_decoded_fraction: float | None = None,
) -> dict[str, Any]:
    """Writes the train split and (optionally) the test split with one shared label map.

    Args:
        train_items: Training videos; the label map is built from them unless given.
        test_items: Test videos or None. An unknown label here is an error, raised before writing.
        out_dir: The dataset folder.
        cfg: Decoding, JPEG and truncation settings.
        label_map: Class name -> index (default: ``sources.build_label_map(train_items)``).
        shards: Train shards.
        test_shards: Test shards (default: ``max(1, shards // 4)``).
        workers: Worker processes.
        seed: Shuffle seed.
        compress: GZIP the shards.
        name: File name prefix.
        failures: Upstream failures per split, included in the report.
        min_decoded_fraction: See :func:`write_split`.

    Returns:
        The manifest.
    """
    train_items = list(train_items)
    test_items = None if test_items is None else list(test_items)
    label_map = dict(label_map) if label_map is not None else sources.build_label_map(train_items)
    if test_items is not None:
        sources.check_labels(test_items, label_map, "test")
    failures = failures or {}
    common = {"workers": workers, "seed": seed, "compress": compress, "name": name,
              "min_decoded_fraction": min_decoded_fraction}  # fmt: skip
    write_split(
        train_items, out_dir, "train", label_map, cfg, shards=shards,
        failures=failures.get("train", ()), **common,
    )  # fmt: skip
    if test_items is not None:
        write_split(
            test_items, out_dir, "test", label_map, cfg,
            shards=test_shards or max(1, shards // 4), failures=failures.get("test", ()), **common,
        )  # fmt: skip
    return records.load_manifest(out_dir)


