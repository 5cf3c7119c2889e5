"""The dataset manifest: one ``manifest.json`` schema for every writer of our records.

The local writer (``helpers.writer``) and the Beam pipeline (``helpers.beam``) both describe a
dataset folder with :func:`build_manifest` and :func:`split_entry`, so a reader never cares which
one wrote it::

    from helpers import records
    manifest = records.load_manifest("data/records/ucf")
    records.shard_files("data/records/ucf", "train")     # the split's shards, as written
    records.class_names(manifest)                         # index order

Everything in it is derived from the inputs and the written shards (no times, no hostnames), so
it is byte-identical across identical runs of the same writer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.records.settings import RecordConfig
from helpers.utils.atomic import atomic_write_json

__all__ = [
    "FORMAT",
    "MANIFEST_FILE",
    "SHARD_KEYS",
    "SPLIT_KEYS",
    "TOP_KEYS",
    "build_manifest",
    "check_manifest",
    "class_names",
    "load_manifest",
    "read_manifest",
    "shard_files",
    "sha256_of",
    "split_entry",
    "write_manifest",
]

MANIFEST_FILE = "manifest.json"
FORMAT = "tf-video SequenceExample v1 (MediaPipe MediaSequence keys, JPEG frames)"

TOP_KEYS = (
    "format",
    "written_by",
    "name",
    "label_map",
    "config",
    "frame_size",
    "fps",
    "jpeg_quality",
    "truncation",
    "seed",
    "compression",
    "pipeline_args",
    "frame_sizes_written",
    "splits",
)
"""The manifest's top-level keys, the same for every writer."""

SPLIT_KEYS = (
    "num_clips_in",
    "num_clips",
    "num_examples",
    "num_frames",
    "num_failed",
    "num_dropped",
    "num_partial",
    "num_vfr",
    "num_unknown_rate",
    "num_shards",
    "shards",
    "label_counts",
    "frame_sizes",
    "failures",
    "dropped_by_policy",
    "partial",
    "vfr",
    "unknown_rate",
)
"""One split's keys: counts, the shard list, label counts, frame sizes, failures, drops, partial
decodes (``id``, ``path``, ``reason``), variable-frame-rate sources (``id``, ``header_fps``,
``average_fps``) and sources with no frame rate (``id``, ``path``, ``reason``: raw streams, whose
examples hold ``image/frame_rate`` 0.0)."""

SHARD_KEYS = ("file", "num_examples", "num_frames", "bytes", "sha256")
"""One shard's keys (``file`` is ``<split>/<name>``, relative to the dataset folder)."""


def sha256_of(data_or_chunks: bytes | Iterable[bytes]) -> str:
    """Returns the hex SHA-256 of bytes, or of chunks read one after another."""
    digest = hashlib.sha256()
    for chunk in [data_or_chunks] if isinstance(data_or_chunks, bytes) else data_or_chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _sizes(shards: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """The distinct ``[h, w]`` frame sizes of some shards, sorted."""
    return [list(x) for x in sorted({tuple(x) for s in shards for x in s["frame_sizes"]})]


def split_entry(
    split: str,
    shards: Sequence[Mapping[str, Any]],
    *,
    num_clips_in: int,
    failures: Sequence[Mapping[str, Any]] = (),
    dropped: Sequence[Mapping[str, Any]] = (),
    partial: Sequence[Mapping[str, Any]] = (),
    vfr: Sequence[Mapping[str, Any]] = (),
    unknown_rate: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One split's manifest entry from the statistics of its written shards.

    Args:
        split: Split name (shard paths are recorded as ``<split>/<file>``).
        shards: Per shard: ``file`` (its name), ``num_examples``, ``num_frames``, ``bytes``,
            ``sha256``, ``label_counts`` (label -> examples), ``frame_sizes`` (``[h, w]`` pairs)
            and ``clip_ids`` (the source clips it holds).
        num_clips_in: Clips the writer was given for this split.
        failures: Clips that failed (``id``, ``path``, ``reason``, ...), any order.
        dropped: Clips the truncation policy turned into no example (``id``, ``frames``).
        partial: Clips written from a partial decode (``id``, ``path``, ``reason``).
        vfr: Variable-frame-rate sources (``id``, ``header_fps``, ``average_fps``).
        unknown_rate: Sources with no frame rate, raw streams (``id``, ``path``, ``reason``).

    Returns:
        The entry, with exactly the keys of :data:`SPLIT_KEYS`.
    """
    labels: dict[str, int] = {}
    for shard in shards:
        for label, n in shard["label_counts"].items():
            labels[label] = labels.get(label, 0) + n
    clips = {clip for shard in shards for clip in shard["clip_ids"]}
    entry = {
        "num_clips_in": num_clips_in,
        "num_clips": len(clips),
        "num_examples": sum(s["num_examples"] for s in shards),
        "num_frames": sum(s["num_frames"] for s in shards),
        "num_failed": len(failures),
        "num_dropped": len(dropped),
        "num_partial": len(partial),
        "num_vfr": len(vfr),
        "num_unknown_rate": len(unknown_rate),
        "num_shards": len(shards),
        "shards": [
            {k: shard[k] for k in SHARD_KEYS} | {"file": f"{split}/{shard['file']}"}
            for shard in sorted(shards, key=lambda s: s["file"])
        ],
        "label_counts": dict(sorted(labels.items())),
        "frame_sizes": _sizes(shards),
        "failures": sorted((dict(f) for f in failures), key=lambda f: str(f.get("id"))),
        "dropped_by_policy": sorted(
            ({"id": d["id"], "frames": d["frames"]} for d in dropped), key=lambda d: d["id"]
        ),
        "partial": sorted(
            ({"id": p["id"], "path": p["path"], "reason": p["reason"]} for p in partial),
            key=lambda p: p["id"],
        ),
        "vfr": sorted(
            ({k: v[k] for k in ("id", "header_fps", "average_fps")} for v in vfr),
            key=lambda v: v["id"],
        ),
        "unknown_rate": sorted(
            ({k: u[k] for k in ("id", "path", "reason")} for u in unknown_rate),
            key=lambda u: u["id"],
        ),
    }
    return entry


def build_manifest(
    *,
    written_by: str,
    name: str,
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    splits: Mapping[str, Mapping[str, Any]],
    seed: int | None,
    compression: str | None,
    pipeline_args: Sequence[str] = (),
) -> dict[str, Any]:
    """The whole manifest, with exactly the keys of :data:`TOP_KEYS`.

    Args:
        written_by: ``"helpers.writer"`` or ``"helpers.beam"``.
        name: The shard file prefix.
        label_map: Class name -> index.
        cfg: The record settings.
        splits: Split name -> :func:`split_entry`.
        seed: The writer's shuffle seed (None when the runner decides the shard order).
        compression: ``None`` or ``"gzip"``.
        pipeline_args: The Beam flags the job ran with (empty for the local writer).

    Returns:
        The manifest dict.
    """
    sizes = sorted({tuple(s) for e in splits.values() for s in e["frame_sizes"]})
    return {
        "format": FORMAT,
        "written_by": written_by,
        "name": name,
        "label_map": dict(label_map),
        "config": cfg.to_dict(),
        "frame_size": list(cfg.size) if isinstance(cfg.size, tuple) else cfg.size,
        "fps": cfg.fps,
        "jpeg_quality": cfg.quality,
        "truncation": {
            "policy": cfg.policy,
            "frames_per_example": cfg.frames_per_example,
            "short_policy": cfg.short_policy,
            "chunk_length": cfg.chunk_length,
            "group_size": cfg.group_size,
        },
        "seed": seed,
        "compression": compression,
        "pipeline_args": list(pipeline_args),
        "frame_sizes_written": [list(s) for s in sizes],
        "splits": {k: dict(v) for k, v in sorted(splits.items())},
    }


def write_manifest(out_dir: str | Path, manifest: Mapping[str, Any]) -> Path:
    """Writes ``out_dir/manifest.json`` atomically (a cut run leaves the old one or none)."""
    path = Path(out_dir) / MANIFEST_FILE
    atomic_write_json(path, dict(manifest))
    return path


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """Returns ``out_dir/manifest.json`` as a dict, or None if there is none."""
    path = Path(out_dir) / MANIFEST_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """Returns ``out_dir/manifest.json`` as a dict.

    Raises:
        FileNotFoundError: The folder holds no finished dataset.
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(
            f"{Path(out_dir) / MANIFEST_FILE}: no manifest (not a finished records folder)"
        )
    return manifest


def shard_files(out_dir: str | Path, split: str) -> list[str]:
    """Lists one split's shard files as the manifest records them (full paths, in order).

    Args:
        out_dir: The dataset folder.
        split: The split name, e.g. ``"train"``.

    Returns:
        The shard paths, for ``helpers.pipeline.build_dataset`` or ``tf.data.TFRecordDataset``.

    Raises:
        FileNotFoundError: No manifest.
        KeyError: The manifest has no such split (the message lists the ones it has).
    """
    manifest = load_manifest(out_dir)
    if split not in manifest["splits"]:
        raise KeyError(f"no split {split!r} in {out_dir}; it has {sorted(manifest['splits'])}")
    return [str(Path(out_dir) / s["file"]) for s in manifest["splits"][split]["shards"]]


def class_names(manifest: Mapping[str, Any]) -> list[str]:
    """The manifest's class names in label-index order."""
    return [name for name, _ in sorted(manifest["label_map"].items(), key=lambda kv: kv[1])]


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
            f"{out_dir / MANIFEST_FILE}: written with another label map; use one label map for "
            "every split (build it from the training split) or write to a new folder"
        )
    if manifest["config"] != cfg.to_dict():
        raise ValueError(
            f"{out_dir / MANIFEST_FILE}: written with other settings {manifest['config']}; "
            "write to a new folder (or delete this one) to change them"
        )
