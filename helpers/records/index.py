"""Random access into SequenceExample shards: a small index of where every frame lies.

``tf.data.TFRecordDataset`` reads a shard front to back. To train on 16 frames of a 300-frame
clip it reads, checksums and parses all 300 (about 4.7 MB of 320x240 JPEGs), so a long clip costs
more than a short one even when the same 16 frames are used. The index, one sidecar per shard,
holds the byte range of each record's context and of each of its JPEG frames; the pipeline then
reads the context and the chosen frames only (``helpers.pipeline``, ``read="index"``)::

    from helpers.records import index as record_index
    record_index.index_shard("train/clips-00000-of-00008.tfrecord")  # writes <shard>.index
    record_index.current_index("train/clips-00000-of-00008.tfrecord")  # its path, or None

``helpers.writer`` and ``helpers.beam`` write the index with every shard; for shards from anywhere
else (MediaPipe, DMVR, an older run) run ``python -m helpers.records train/*.tfrecord``.

The index file is itself a TFRecord file with one ``tf.train.Example`` per record, in shard order
(keys in :data:`INDEX_KEYS`). It records the shard's size and its first record's place and CRC,
so an index left over from another version of the shard is ignored, and the CRC-32C of every
range it points to, which each ranged read checks (as ``TFRecordDataset`` checks each record).
The records stay the only copy of the data: delete an index and the pipeline reads whole records
again. GZIP shards cannot be read at an offset, so they have none.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from google.protobuf.message import DecodeError

from helpers.records import proto
from helpers.records.framing import (
    FOOTER_BYTES,
    HEADER_BYTES,
    RecordFileError,
    count_plain,
    crc32c,
    masked_crc,
    write_records,
)
from helpers.records.keys import IMAGE_ENCODED_KEY
from helpers.records.wire import Layout, WireFormatError, locate
from helpers.utils.atomic import PARTIAL_SUFFIX

if TYPE_CHECKING:  # Writing an index (a worker's job) needs no TensorFlow; reading it does.
    import tensorflow as tf

__all__ = [
    "INDEX_KEYS",
    "INDEX_SUFFIX",
    "current_index",
    "ensure_index",
    "entries_for",
    "index_path",
    "index_shard",
    "parse_entry",
    "read_ranges",
    "write_index",
]

INDEX_SUFFIX = ".index"
INDEX_KEYS = {
    "shard_bytes": "shard/bytes",  # the shard's size when it was indexed
    "record_offset": "record/offset",  # where the record's bytes start in the shard
    "record_length": "record/length",
    "record_crc": "record/crc",  # the record's masked CRC, as in the shard after its bytes
    "context_offset": "context/offset",  # the context field (a SequenceExample on its own)
    "context_length": "context/length",
    "frame_offset": "frames/offset",  # one per frame, in frame order
    "frame_length": "frames/length",
    "context_crc": "context/crc32c",  # CRC-32C of the context's bytes: a ranged read checks it
    "frame_crc": "frames/crc32c",  # ... and of each frame's bytes
}
_LISTS = ("frame_offset", "frame_length", "frame_crc")  # one value per frame


def index_path(shard: str | Path) -> str:
    """The index sidecar of ``shard``: ``<shard>.index``."""
    return str(shard) + INDEX_SUFFIX


def entries_for(
    records: Iterable[bytes], shard_bytes: int, key: str = IMAGE_ENCODED_KEY
) -> list[bytes]:
    """Index entries (serialized ``tf.train.Example``) for records written in this order.

    Args:
        records: The serialized SequenceExamples, in the order they sit in the shard.
        shard_bytes: The shard's final size in bytes.
        key: The feature list holding one encoded image per frame.

    Returns:
        One serialized entry per record.

    Raises:
        record_wire.WireFormatError: A record is not a SequenceExample with ``key`` frames.
    """
    out, offset = [], 0
    for record in records:
        start, crc = offset + HEADER_BYTES, masked_crc(record)
        out.append(_entry(record, locate(record, key), start, crc, shard_bytes))
        offset += HEADER_BYTES + len(record) + FOOTER_BYTES
    return out


def _entry(record: bytes, layout: Layout, start: int, crc: int, shard_bytes: int) -> bytes:
    def ints(values: Sequence[int]) -> proto.Feature:
        return proto.Feature(int64_list=proto.Int64List(value=list(values)))

    def range_crc(where: tuple[int, int]) -> int:
        return crc32c(record[where[0] : where[0] + where[1]])

    k = INDEX_KEYS
    feature = {
        k["shard_bytes"]: ints([shard_bytes]),
        k["record_offset"]: ints([start]),
        k["record_length"]: ints([len(record)]),
        k["record_crc"]: ints([crc]),
        k["context_offset"]: ints([start + layout.context[0]]),
        k["context_length"]: ints([layout.context[1]]),
        k["frame_offset"]: ints([start + off for off, _ in layout.frames]),
        k["frame_length"]: ints([n for _, n in layout.frames]),
        k["context_crc"]: ints([range_crc(layout.context)]),
        k["frame_crc"]: ints([range_crc(frame) for frame in layout.frames]),
    }
    example = proto.Example(features=proto.Features(feature=feature))
    return example.SerializeToString(deterministic=True)


def write_index(shard: str | Path, entries: Sequence[bytes]) -> str:
    """Writes ``entries`` as the index of ``shard``, atomically (temporary name, then rename)."""
    final = index_path(shard)
    tmp = final + PARTIAL_SUFFIX  # (gs:// paths too: not a Path)
    if "://" not in final:  # a local file: no TensorFlow (the writer's workers come here)
        with open(tmp, "wb") as handle:
            write_records(handle, entries)
        os.replace(tmp, final)
        return final
    import tensorflow as tf  # gfile writes to every filesystem; local writes above need none

    with tf.io.TFRecordWriter(tmp) as writer:
        for entry in entries:
            writer.write(entry)
    tf.io.gfile.rename(tmp, final, overwrite=True)
    return final


def index_shard(shard: str | Path, key: str = IMAGE_ENCODED_KEY) -> str:
    """Reads an existing plain TFRecord shard once, checks every CRC and writes its index.

    Args:
        shard: A TFRecord file of SequenceExamples (not GZIP).
        key: The feature list holding one encoded image per frame.

    Returns:
        The index file's path.

    Raises:
        shard_check.RecordFileError: The shard is missing, truncated, fails a CRC check or holds
            a record that is not a SequenceExample with ``key`` frames (the file and record are
            named).
    """
    import tensorflow as tf  # reading (gfile, tf.data) only: writers import none

    shard = str(shard)
    try:
        size = tf.io.gfile.stat(shard).length
    except tf.errors.NotFoundError:
        raise RecordFileError(shard, "no such file") from None
    count_plain(shard, size)  # framing first: a clear error for a cut-off file
    records = []
    with tf.io.gfile.GFile(shard, "rb") as f:
        while header := f.read(HEADER_BYTES):
            (length,) = struct.unpack("<Q", header[:8])
            data, (crc,) = f.read(length), struct.unpack("<I", f.read(FOOTER_BYTES))
            if masked_crc(data) != crc:
                raise RecordFileError(shard, f"record {len(records)} fails its CRC check")
            records.append(data)
    try:
        entries = entries_for(records, size, key)
    except WireFormatError as exc:
        raise RecordFileError(shard, f"cannot index: {exc}") from exc
    return write_index(shard, entries)


def current_index(shard: str | Path, num_records: int | None = None) -> str | None:
    """The path of ``shard``'s index if it exists and matches the shard, else None.

    An index matches when it was made for a shard of the same size whose first record sits
    where the index says, with the same length and CRC (and, when ``num_records`` is given,
    when it has one entry per record). So a shard rewritten in place with other records is not
    read through a stale index, and a copied shard keeps its index. A rewrite this cannot see
    (the same size and first record: the same records in another order) fails the per-range
    CRCs at the first read, with an error naming the shard. Only the index's headers and first
    entry, and 16 bytes of the shard, are read.
    """
    import tensorflow as tf  # reading (gfile, tf.data) only: writers import none

    path = index_path(shard)
    try:
        size = tf.io.gfile.stat(str(shard)).length
        count = count_plain(path, tf.io.gfile.stat(path).length)
        with tf.io.gfile.GFile(path, "rb") as f:
            header = f.read(HEADER_BYTES)
            first = f.read(struct.unpack("<Q", header[:8])[0]) if header else None
    except (RecordFileError, tf.errors.OpError, struct.error):
        return None
    if num_records is not None and count != num_records:
        return None
    if first is None:  # an empty shard has an empty index
        return path if size == 0 else None
    try:
        entry = proto.Example.FromString(first)
    except DecodeError:
        return None
    feature = entry.features.feature
    keys = ("shard_bytes", "record_offset", "record_length", "record_crc", "context_crc")
    recorded = [list(feature[INDEX_KEYS[k]].int64_list.value) for k in keys]
    if any(len(values) != 1 for values in recorded) or recorded[0] != [size]:
        return None  # another size, or an index from before CRCs were recorded
    frames = [len(feature[INDEX_KEYS[k]].int64_list.value) for k in _LISTS]
    if frames[2] != frames[0] or frames[1] != frames[0]:
        return None  # an index from before frame CRCs were recorded
    recorded = recorded[:4]
    (start,), (length,), (crc,) = recorded[1:]
    try:
        with tf.io.gfile.GFile(str(shard), "rb") as f:
            f.seek(start - HEADER_BYTES)
            head = f.read(8)
            f.seek(start + length)
            tail = f.read(FOOTER_BYTES)
    except tf.errors.OpError:
        return None
    same = head == struct.pack("<Q", length) and tail == struct.pack("<I", crc)
    return path if same else None


def ensure_index(shard: str | Path) -> str | None:
    """Indexes a plain shard that has no current index (reads it once); GZIP shards get none.

    Returns:
        The index's path, or None for a GZIP shard.
    """
    if str(shard).endswith(".gz"):
        return None
    return current_index(shard) or index_shard(shard)


def parse_entry(serialized: tf.Tensor) -> dict[str, tf.Tensor]:
    """Parses one index entry inside ``tf.data``; names as the keys of :data:`INDEX_KEYS`."""
    import tensorflow as tf  # reading (gfile, tf.data) only: writers import none

    spec = {v: tf.io.FixedLenFeature([], tf.int64) for v in INDEX_KEYS.values()}
    for name in _LISTS:
        spec[INDEX_KEYS[name]] = tf.io.VarLenFeature(tf.int64)
    parsed = tf.io.parse_single_example(serialized, spec)
    out = {name: parsed[key] for name, key in INDEX_KEYS.items()}
    for name in _LISTS:
        out[name] = tf.sparse.to_dense(out[name])
    return out


def read_ranges(
    path: bytes, starts: np.ndarray, lengths: np.ndarray, crcs: np.ndarray | None = None
) -> np.ndarray:
    """Reads ``lengths[i]`` bytes at ``starts[i]`` of one file (``tf.numpy_function`` body).

    Local files use ``os.pread`` (no shared file position, so it is thread-safe); other
    filesystems (``gs://`` ...) go through ``tf.io.gfile``. With ``crcs`` (the index's CRC-32C
    of each range), every range is checked, as ``TFRecordDataset`` checks whole records.

    Raises:
        shard_check.RecordFileError: A range runs past the end of the file (it shrank since it
            was indexed), or its bytes fail their CRC (the shard is damaged, or was rewritten
            after it was indexed); the message names the file.
    """
    name = path.decode() if isinstance(path, bytes) else str(path)
    out = np.empty(len(starts), dtype=object)
    ranges = list(zip(starts.tolist(), lengths.tolist(), strict=True))
    if "://" in name:
        import tensorflow as tf  # other filesystems only: local reads need none

        with tf.io.gfile.GFile(name, "rb") as f:
            for k, (start, length) in enumerate(ranges):
                f.seek(start)
                out[k] = f.read(length)
    else:
        fd = os.open(name, os.O_RDONLY)
        try:
            for k, (start, length) in enumerate(ranges):
                out[k] = os.pread(fd, length, start)
        finally:
            os.close(fd)
    for k, (start, length) in enumerate(ranges):
        if len(out[k]) != length:
            raise RecordFileError(
                name, f"short read at byte {start} ({len(out[k])} of {length} bytes): the file "
                "changed after it was indexed; rebuild with python -m helpers.records",
            )  # fmt: skip
    if crcs is not None:
        for k, (start, length) in enumerate(ranges):
            if crc32c(out[k]) != int(crcs[k]):
                raise RecordFileError(
                    name, f"bytes {start}-{start + length} fail their CRC check: the shard is "
                    "damaged, or changed after it was indexed (rewrite it, or rebuild the index "
                    "with python -m helpers.records)",
                )  # fmt: skip
    return out
