"""The dataset manifest: ``manifest.json`` beside the shards (labels, settings, counts, failures).

Everything in it is derived from the inputs and the shard sidecars (no times, no hostnames), so it
is byte-identical across identical runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.atomic import atomic_write_json
from helpers.records import RecordConfig
from helpers.shard_writer import ShardTask, read_sidecar

__all__ = [
    "FORMAT",
    "MANIFEST",
    "check_manifest",
    "read_manifest",
    "split_entry",
    "update_manifest",
]

MANIFEST = "manifest.json"
FORMAT = "tf-video SequenceExample v1 (MediaPipe MediaSequence keys, JPEG frames)"


def split_entry(
    split: str, tasks: Sequence[ShardTask], failures: Sequence[Mapping[str, str]], skipped: int
) -> dict[str, Any]:
    """Sums a split's shard sidecars into its manifest entry.

    Args:
        split: Split name (shard paths are recorded as ``<split>/<file>``).
        tasks: The split's shard tasks, all written.
        failures: Upstream failures (e.g. missing files) to add to the report.
        skipped: Shards that were already complete (informational).

    Returns:
        Counts, shards, label counts, frame sizes, failures and clips dropped by the policy.

    Raises:
        RuntimeError: A shard's sidecar is missing or stale.
    """
    sidecars = []
    for task in tasks:
        data = read_sidecar(task)
        if data is None:
            raise RuntimeError(f"{task.sidecar}: missing or stale after writing")
        sidecars.append(data)
    labels: dict[str, int] = {}
    for s in sidecars:
        for label, n in s["label_counts"].items():
            labels[label] = labels.get(label, 0) + n
    fields = ("num_clips_in", "num_clips", "num_examples", "num_frames", "num_failed")
    entry: dict[str, Any] = {f: sum(s[f] for s in sidecars) for f in fields}
    entry["num_dropped"] = sum(s["num_dropped"] for s in sidecars)
    entry["num_failed"] += len(failures)
    entry["num_clips_in"] += len(failures)
    entry["num_shards"] = len(tasks)
    entry["shards"] = [
        {k: s[k] for k in ("file", "num_clips", "num_examples", "num_frames", "bytes", "sha256")}
        | {"file": f"{split}/{s['file']}"}
        for s in sidecars
    ]
    entry["label_counts"] = dict(sorted(labels.items()))
    entry["frame_sizes"] = sorted({tuple(x) for s in sidecars for x in s["frame_sizes"]})
    entry["failures"] = [dict(f) for f in failures] + [f for s in sidecars for f in s["failures"]]
    entry["dropped_by_policy"] = [d for s in sidecars for d in s["dropped"]]
    entry["resumed_shards"] = skipped  # informational only; not part of the data
    return entry


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """Returns ``out_dir/manifest.json`` as a dict, or None if there is none."""
    path = Path(out_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def check_manifest(out_dir: Path, label_map: Mapping[str, int], cfg: RecordConfig) -> None:
    """Refuses to mix label maps or settings in one dataset folder.

    Raises:
        ValueError: The folder's manifest has another label map or other settings.
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        return
    if manifest["label_map"] != dict(label_map):
        raise ValueError(
            f"{out_dir / MANIFEST}: written with another label map; use one label map for every "
            "split (build it from the training split) or write to a new folder"
        )
    if manifest["config"] != cfg.to_dict():
        raise ValueError(
            f"{out_dir / MANIFEST}: written with other settings {manifest['config']}; "
            "write to a new folder (or delete this one) to change them"
        )


def update_manifest(
    out_dir: Path,
    split: str,
    entry: dict[str, Any],
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    *,
    seed: int,
    name: str,
) -> None:
    """Writes ``manifest.json`` atomically with this split's entry added or replaced."""
    manifest = read_manifest(out_dir) or {}
    splits = dict(manifest.get("splits", {}))
    splits[split] = {k: v for k, v in entry.items() if k != "resumed_shards"}
    sizes = sorted({tuple(s) for e in splits.values() for s in e["frame_sizes"]})
    new = {
        "format": FORMAT,
        "name": name,
        "label_map": dict(label_map),
        "config": cfg.to_dict(),
        "frame_size": cfg.size if not isinstance(cfg.size, tuple) else list(cfg.size),
        "frame_sizes_written": [list(s) for s in sizes],
        "fps": cfg.fps,
        "jpeg_quality": cfg.quality,
        "truncation": {
            "policy": cfg.policy,
            "num_frames": cfg.num_frames,
            "short_policy": cfg.short_policy,
            "chunk_length": cfg.chunk_length,
            "group_size": cfg.group_size,
        },
        "seed": seed,
        "splits": dict(sorted(splits.items())),
    }
    atomic_write_json(out_dir / MANIFEST, new)
