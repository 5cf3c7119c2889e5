"""Files the Beam job writes from its workers, on any Beam filesystem, each one atomically.

A worker writes a whole shard (and the index of a plain one) with the protobuf-only framing of
:mod:`helpers.records.framing`, under a temporary name that is renamed when complete: a retried
bundle or a rerun after ``kill -9`` writes the same bytes again, never a cut file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from helpers.records import framing
from helpers.records import index as record_index
from helpers.utils.atomic import PARTIAL_SUFFIX

__all__ = ["atomic_file", "order_key", "save_json", "shard_name", "shard_path", "write_shard_file"]


def order_key(seed: int, clip_id: str, k: int) -> str:
    """The sort key of a clip's example ``k`` inside its shard: a seeded hash.

    So shards come shuffled, and every run, on any runner, in any bundle order, writes the same
    order.
    """
    return hashlib.sha256(f"{seed}:{clip_id}:{k}".encode()).hexdigest()


def shard_name(name: str, index: int, num_shards: int, compression: str | None) -> str:
    """``<name>-SSSSS-of-NNNNN.tfrecord[.gz]``, the local writer's shard names.

    >>> shard_name("clips", 3, 16, "gzip")
    'clips-00003-of-00016.tfrecord.gz'
    """
    suffix = ".tfrecord" + (".gz" if compression == "gzip" else "")
    return f"{name}-{index:05d}-of-{num_shards:05d}{suffix}"


def shard_path(
    out_dir: str, split: str, index: int, num_shards: int, *, name: str, compression: str | None
) -> str:
    """``<out>/<split>/<shard_name(...)>`` on any Beam filesystem."""
    return FileSystems.join(out_dir, split, shard_name(name, index, num_shards, compression))


@contextlib.contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """Yields a handle to ``path + PARTIAL_SUFFIX``; renames it to ``path`` once it is closed.

    An exception inside the block leaves only the temporary file (which the next run clears).
    """
    tmp = path + PARTIAL_SUFFIX
    # UNCOMPRESSED: FileSystems would otherwise guess from the name (".gz" shards are already
    # compressed by write_records).
    with FileSystems.create(tmp, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        yield handle
    if FileSystems.exists(path):  # a retried bundle or a rerun: replace, never keep both
        FileSystems.delete([path])
    FileSystems.rename([tmp], [path])


def write_shard_file(path: str, records: Sequence[bytes], compress: bool) -> tuple[int, str]:
    """Writes one shard, and then the random-access index of a plain one, atomically.

    Args:
        path: The shard's final path (any Beam filesystem).
        records: The serialized examples, in file order.
        compress: GZIP the shard (it then gets no index: GZIP cannot be read at an offset).

    Returns:
        ``(bytes, sha256)`` of the shard file.
    """
    index = record_index.index_path(path)
    if FileSystems.exists(index):  # never leave the index of the shard this one replaces
        FileSystems.delete([index])
    with atomic_file(path) as handle:
        size, sha256 = framing.write_records(handle, records, compress=compress)
    if not compress:
        with atomic_file(index) as handle:
            framing.write_records(handle, record_index.entries_for(records, size))
    return size, sha256


def save_json(folder: str, file: str, data: dict[str, Any]) -> str:
    """Writes ``data`` as one line of JSON to ``<folder>/<file>``, atomically; returns the path."""
    path = FileSystems.join(folder, file)
    with atomic_file(path) as handle:
        handle.write(json.dumps(data, sort_keys=True).encode("utf-8"))
    return path
