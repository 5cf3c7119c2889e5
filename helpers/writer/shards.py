"""One shard of a record set: deterministic assignment, atomic writing and its sidecar report.

A shard is written by ``write_shard`` in a worker process: it converts its clips with
``helpers.records.item_to_examples``, shuffles the examples with a seed, writes
``<name>-SSSSS-of-NNNNN.tfrecord[.gz]`` under a temporary name and renames it when complete, then
writes its random-access index ``<shard file>.index`` (plain shards; ``records.index``), then
the sidecar ``<shard file>.json`` (counts, failures, checksum), also atomically, **last**.
A shard counts as done only when its sidecar exists and carries the same fingerprint (inputs,
their file sizes, settings), so a run killed at any point and started again produces exactly the
files of an uninterrupted run, and a video repaired since is converted again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.records import RecordConfig
from helpers.records import index as record_index
from helpers.records.framing import write_records
from helpers.records.shard import convert_items
from helpers.sources import VideoItem
from helpers.utils.atomic import atomic_write_json, partial_name

__all__ = [
    "ShardTask",
    "assign_shards",
    "fingerprint",
    "read_sidecar",
    "shard_filename",
    "stale_files",
    "write_shard",
]


def shard_filename(name: str, index: int, num_shards: int, compress: bool = False) -> str:
    """Returns ``name-SSSSS-of-NNNNN.tfrecord`` (plus ``.gz`` when compressed).

    >>> shard_filename("clips", 3, 16)
    'clips-00003-of-00016.tfrecord'
    """
    return f"{name}-{index:05d}-of-{num_shards:05d}.tfrecord" + (".gz" if compress else "")


def assign_shards(num_items: int, num_shards: int, seed: int) -> list[list[int]]:
    """Deals item positions to shards: a seeded permutation, dealt round-robin.

    Shards differ in size by at most one, and the order inside each shard is already shuffled.

    Args:
        num_items: How many items (positions refer to the items sorted by id).
        num_shards: How many shards.
        seed: The shuffle seed.

    Returns:
        The item positions of each shard.

    >>> assign_shards(5, 2, seed=0)
    [[2, 3, 1], [4, 0]]
    """
    order = np.random.default_rng(seed).permutation(num_items)
    return [order[k::num_shards].tolist() for k in range(num_shards)]


def fingerprint(data: Any) -> str:
    """Returns a short sha256 of the JSON form of ``data`` (dataclasses included)."""

    def default(obj: Any) -> Any:
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return dataclasses.asdict(obj)
        raise TypeError(f"not JSON serializable: {obj!r}")

    text = json.dumps(data, sort_keys=True, default=default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def source_sizes(items: Sequence[VideoItem]) -> list[int | None]:
    """Each source file's size, or None where it is missing.

    In a shard's fingerprint, so that a replaced or repaired video, or one that was missing,
    makes the finished shard stale and a rerun converts it again.
    """
    return [os.path.getsize(i.path) if os.path.isfile(i.path) else None for i in items]


@dataclasses.dataclass(frozen=True)
class ShardTask:
    """Everything a worker process needs to write one shard (picklable).

    Attributes:
        index: Shard index.
        num_shards: Shards in the split.
        items: The shard's clips, in their (shuffled) processing order.
        truncate_to: Per-item length for ``"group_shortest"`` (None elsewhere).
        label_map: Class name -> index.
        cfg: Record settings.
        split_dir: Folder the shard is written to.
        name: Shard file name prefix.
        compress: GZIP the shard.
        seed: Seed of the example order inside the shard.
        min_decoded_fraction: A clip decoding fewer than this fraction of its header's frames
            fails (None: written, and listed as partial).
        threads: Threads per video (decode and JPEG encode; None: all cores); not in the
            fingerprint, since the bytes do not depend on it.
    """

    index: int
    num_shards: int
    items: tuple[VideoItem, ...]
    truncate_to: tuple[int | None, ...]
    label_map: Mapping[str, int]
    cfg: RecordConfig
    split_dir: str
    name: str
    compress: bool
    seed: int
    min_decoded_fraction: float | None = None
    threads: int | None = None

    @property
    def path(self) -> Path:
        """The final shard file."""
        return Path(self.split_dir) / shard_filename(
            self.name, self.index, self.num_shards, self.compress
        )

    @property
    def sidecar(self) -> Path:
        """The shard's JSON report, written last."""
        return self.path.with_name(self.path.name + ".json")

    def fingerprint(self) -> str:
        """Identifies the inputs (and their sizes) and settings; another fingerprint: stale."""
        return fingerprint(
            [
                self.index,
                self.num_shards,
                [dataclasses.asdict(i) for i in self.items],
                source_sizes(self.items),
                list(self.truncate_to),
                dict(self.label_map),
                self.cfg.to_dict(),
                self.name,
                self.compress,
                self.seed,
                # (only when set, so that shards written without it stay current)
                *([self.min_decoded_fraction] if self.min_decoded_fraction else []),
            ]
        )


def read_sidecar(task: ShardTask) -> dict[str, Any] | None:
    """Returns the shard's sidecar if the shard is complete and current, else None."""
    if not task.sidecar.exists() or not task.path.exists():
        return None
    try:
        data = json.loads(task.sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("fingerprint") != task.fingerprint():
        return None
    if data.get("bytes") != task.path.stat().st_size:
        return None
    return data


def write_shard(task: ShardTask) -> dict[str, Any]:
    """Converts a shard's clips and writes the shard file and then its sidecar, atomically.

    A clip that fails to convert is reported in the sidecar's ``failures`` (id, path, reason) and
    does not stop the shard; a clip the policy turns into no example is listed under ``dropped``,
    one written from a partial decode under ``partial``, a variable-frame-rate source under
    ``vfr`` (with its header and measured rates) and a raw stream with no frame rate under
    ``unknown_rate``.

    Args:
        task: The shard to write.

    Returns:
        The sidecar dict.
    """
    content = convert_items(
        task.items, task.truncate_to, task.label_map, task.cfg,
        min_decoded_fraction=task.min_decoded_fraction, threads=task.threads,
    )  # fmt: skip
    examples = [example for _, _, example in content.examples]
    order = np.random.default_rng([task.seed, task.index]).permutation(len(examples))
    tmp = partial_name(task.path)
    with open(tmp, "wb") as f:  # TFRecord framing without TensorFlow; hashed as it is written
        _, sha256 = write_records(f, (examples[k] for k in order), compress=task.compress)
        f.flush()
        os.fsync(f.fileno())
    index = Path(record_index.index_path(task.path))
    index.unlink(missing_ok=True)  # never leave an index of the shard this one replaces
    os.replace(tmp, task.path)
    if not task.compress:  # GZIP cannot be read at an offset: no index
        ordered = (examples[k] for k in order)
        entries = record_index.entries_for(ordered, task.path.stat().st_size)
        record_index.write_index(task.path, entries)
    sidecar = {
        "file": task.path.name,
        "fingerprint": task.fingerprint(),
        "num_clips_in": len(task.items),
        "bytes": task.path.stat().st_size,
        "sha256": sha256,
        **content.stats(),
    }
    atomic_write_json(task.sidecar, sidecar)
    return sidecar


def stale_files(
    split_dir: Path, name: str, keep: Sequence[Path], listed: Sequence[str] = ()
) -> list[Path]:
    """Lists shard files, sidecars and temporaries in ``split_dir`` that are not in ``keep``.

    Args:
        split_dir: The split's folder.
        name: The shard prefix now written: its other files are stale.
        keep: The shards just written.
        listed: Shard file names the folder's previous manifest listed (another ``name`` or
            compression, say): those are stale too, with their sidecars. Files this writer
            never listed are left alone.
    """
    suffixes = ("", ".json", record_index.INDEX_SUFFIX)
    keep_names = {p.name + suffix for p in keep for suffix in suffixes}
    old = {split_dir / (n + suffix) for n in listed for suffix in suffixes}
    return sorted(
        p
        for p in {*split_dir.glob(f"{name}-*-of-*.tfrecord*"), *old}
        if p.name not in keep_names and p.is_file()
    )
