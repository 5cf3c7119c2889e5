"""Stages 1-4 of the pipeline: shards in, the chosen JPEG strings of each clip out.

Two ways to get there, with the same result (``helpers.pipeline.build_dataset(read=...)``):

* ``"index"``: interleave over each shard's index (``helpers.records.index``), then read only the
  record's context and the chosen frames' bytes from the shard. A clip costs the same whether the
  record holds 32 frames or 3000.
* ``"record"``: interleave over the shards themselves, parse whole records, pick the JPEGs.
  Needed for GZIP shards and shards without an index.
"""

from __future__ import annotations

import warnings

import numpy as np
import tensorflow as tf

from helpers.records import index as record_index
from helpers.records import parse_context, parse_example
from helpers.records.framing import FOOTER_BYTES, HEADER_BYTES, RecordFileError, is_gzip

__all__ = ["READ_MODES", "SMALL_RECORD_BYTES", "chosen_frames", "read_mode", "source_dataset"]

READ_MODES = ("auto", "index", "record")
SMALL_RECORD_BYTES = 512 * 1024
"""Below this mean record size ``"auto"`` reads whole records: reading, checksumming and parsing
a record costs CPU in proportion to its size, while a ranged read costs a fixed Python call per
clip, so small records (short fixed-length clips, the tiny sample set) are cheaper read whole
(the crossover is measured in ``benchmarks/README.md``)."""


def read_mode(
    paths: list[str], read: str = "auto", compressed: bool | None = None, counts=None
) -> tuple[str, list[str] | None]:
    """Decides how the pipeline gathers frames: ``("index", index_files)`` or ``("record", None)``.

    Args:
        paths: The record files.
        read: ``"auto"`` (the index when every file has a current one and the records average
            at least :data:`SMALL_RECORD_BYTES`), ``"index"`` or ``"record"``.
        compressed: True for GZIP; None decides per file from a ``.gz`` suffix.
        counts: Records per file (from validation), to check the index entry counts.

    Raises:
        shard_check.RecordFileError: ``read="index"`` and a file has no current index.
        ValueError: An unknown ``read``.
    """
    if read not in READ_MODES:
        raise ValueError(f"read must be one of {READ_MODES}, got {read!r}")
    if read == "record":
        return "record", None
    if read == "auto" and counts and sum(counts):
        mean = sum(tf.io.gfile.stat(p).length for p in paths) / sum(counts)
        if mean < SMALL_RECORD_BYTES:
            return "record", None
    counts = counts or [None] * len(paths)
    indexes = [
        None if is_gzip(p, compressed) else record_index.current_index(p, n)
        for p, n in zip(paths, counts, strict=True)
    ]
    missing = [p for p, i in zip(paths, indexes, strict=True) if i is None]
    if not missing:
        return "index", indexes
    if read == "index":
        raise RecordFileError(missing[0], "no current index (GZIP, or run "
                              "python -m helpers.records on the shards)")  # fmt: skip
    plain = [p for p in missing if not is_gzip(p, compressed)]
    if plain:
        warnings.warn(f"{len(plain)} of {len(paths)} shards have no current index (e.g. "
                      f"{plain[0]}): reading whole records. Index them with "
                      "python -m helpers.records", stacklevel=3)  # fmt: skip
    return "record", None


def source_dataset(
    paths: list[str], mode: str, indexes: list[str] | None, gz: list[bool], *, training: bool,
    seed: int, cycle_length: int, deterministic: bool, counts: list[int] | None = None,
) -> tf.data.Dataset:  # fmt: skip
    """Stages 1-2: shuffled shards (training), interleaved; yields ``(shard, serialized)``.

    ``serialized`` is a whole record (``mode="record"``) or the record's index entry. With
    ``counts`` (records per shard, from validation), a file that cannot be read to its end (a
    flipped byte fails a CRC) raises an error naming it and the damaged record (see
    :func:`_named_errors`); without, TensorFlow's own error names only a byte offset.
    """
    tables = indexes if mode == "index" else paths
    sizes = tf.constant([-1] * len(paths) if counts is None else counts, tf.int64)
    ds = tf.data.Dataset.from_tensor_slices((tf.constant(paths), tf.constant(tables), gz, sizes))
    if training:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)

    def read(path: tf.Tensor, table: tf.Tensor, is_gz: tf.Tensor, count: tf.Tensor):
        records = tf.data.TFRecordDataset(table, tf.where(is_gz, "GZIP", ""))
        if counts is not None:
            records = _named_errors(records, table, is_gz, count)
        return records.map(lambda serialized: (path, serialized))

    return ds.interleave(
        read,
        cycle_length=min(cycle_length, len(paths)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )


def _named_errors(
    records: tf.data.Dataset, table: tf.Tensor, is_gz: tf.Tensor, count: tf.Tensor
) -> tf.data.Dataset:
    """``records`` of one file, whose read errors name the file and the damaged record.

    TensorFlow's error for a damaged record (``DataLossError: corrupted record at 1246835``)
    does not say which of many shards it is. So read errors end the file quietly
    (``ignore_errors`` moves on to the next file), an error-raising element follows the file's
    records, and ``take(count)`` stops before that element whenever all ``count`` records were
    read. Only a file that stopped short reaches it: it reads the file again to find the
    damaged record and fails naming both. Plain TF ops, so the dataset stays serializable.
    """
    reached = tf.data.Dataset.from_tensors(table).map(lambda t: _damage_error(t, is_gz, count))
    return records.ignore_errors().concatenate(reached).take(count)


def _damage_error(table: tf.Tensor, is_gz: tf.Tensor, count: tf.Tensor) -> tf.Tensor:
    """Fails with ``<file>: record K (at byte B) is damaged``; runs only when a read failed."""

    def walk(seen: tuple[tf.Tensor, tf.Tensor], record: tf.Tensor):
        size = tf.cast(tf.strings.length(record), tf.int64) + HEADER_BYTES + FOOTER_BYTES
        return seen[0] + 1, seen[1] + size  # records read whole, and where the next one starts

    readable = tf.data.TFRecordDataset(table, tf.where(is_gz, "GZIP", "")).ignore_errors()
    good, start = readable.reduce((tf.constant(0, tf.int64), tf.constant(0, tf.int64)), walk)
    where = tf.where(is_gz, " of the decompressed data", "")
    damaged = tf.strings.join([
        table, ": record ", tf.strings.as_string(good), " (at byte ", tf.strings.as_string(start),
        where, ") is damaged: it fails its CRC check or cannot be read (",
        tf.strings.as_string(good), " of ", tf.strings.as_string(count), " records read)",
    ])  # fmt: skip
    retry = tf.strings.join([table, ": a read failed, but the file now reads whole: retry"])
    check = tf.debugging.Assert(False, [tf.where(good < count, damaged, retry)])
    with tf.control_dependencies([check]):
        return tf.identity(table)


def _non_empty(count: tf.Tensor, path: tf.Tensor, *record) -> tf.Tensor:
    """``count``, after checking it is not 0: a record without frames is an error naming it."""
    check = tf.debugging.Assert(count > 0, ["a record has no frames:", *record, "in", path])
    with tf.control_dependencies([check]):
        return tf.identity(count)


_NOT_JPEG = "a frame is not a JPEG (this reader decodes JPEG frames; other tools may write PNG)"


def _jpegs(jpegs: tf.Tensor, path: tf.Tensor, record_id: tf.Tensor) -> tf.Tensor:
    """``jpegs``, after checking each starts as a JPEG does (TF's error names no record)."""
    ok = tf.reduce_all(tf.strings.substr(jpegs, 0, 2) == b"\xff\xd8")
    check = tf.debugging.Assert(ok, [_NOT_JPEG, "in record", record_id, "of", path])
    with tf.control_dependencies([check]):
        return tf.identity(jpegs)


def _read_clip(path: bytes, starts: np.ndarray, sizes: np.ndarray, crcs: np.ndarray):
    """:func:`record_index.read_ranges` of a context + frames, checking the frames are JPEGs."""
    data = record_index.read_ranges(path, starts, sizes, crcs)
    if not all(frame[:2] == b"\xff\xd8" for frame in data[1:]):
        raise RecordFileError(path.decode(), f"{_NOT_JPEG}, in the record with its context at "
                              f"byte {starts[0]}")  # fmt: skip
    return data


def chosen_frames(mode: str, path: tf.Tensor, serialized: tf.Tensor, choose, decode_all=False):
    """Stages 3-4: parse, choose the frames, gather only their JPEGs.

    Args:
        mode: ``"index"`` (``serialized`` is an index entry) or ``"record"``.
        path: The shard the element came from.
        serialized: The element of :func:`source_dataset`.
        choose: ``count -> (indices, valid)``, e.g. a :func:`frame_indices` call.
        decode_all: Return every JPEG of the record too (the comparison reader).

    Returns:
        ``(context, indices, valid, jpegs, all_jpegs)``: the parsed context, the chosen frame
        numbers and mask, their JPEG strings ``[K]`` in order, and every JPEG (None unless
        ``decode_all``).
    """
    if mode == "record":
        parsed = parse_example(serialized)  # the record format's one parser (helpers.records)
        idx, valid = choose(_non_empty(tf.shape(parsed["frames"])[0], path, parsed["id"]))
        frames = _jpegs(parsed["frames"], path, parsed["id"]) if decode_all else parsed["frames"]
        jpegs = tf.gather(frames, tf.reshape(idx, [-1]))  # checked once: these, or all of them
        jpegs = jpegs if decode_all else _jpegs(jpegs, path, parsed["id"])
        return parsed, idx, valid, jpegs, frames if decode_all else None
    entry = record_index.parse_entry(serialized)
    count = _non_empty(tf.shape(entry["frame_offset"])[0], path,
                       "the record with its context at byte", entry["context_offset"])  # fmt: skip
    idx, valid = choose(count)
    flat = tf.reshape(idx, [-1])
    starts = tf.concat([[entry["context_offset"]], tf.gather(entry["frame_offset"], flat)], 0)
    sizes = tf.concat([[entry["context_length"]], tf.gather(entry["frame_length"], flat)], 0)
    crcs = tf.concat([[entry["context_crc"]], tf.gather(entry["frame_crc"], flat)], 0)
    data = tf.numpy_function(_read_clip, [path, starts, sizes, crcs], tf.string,
                             stateful=False)  # only the context and the chosen frames  # fmt: skip
    known = flat.shape[0]  # static for fixed windows: lets the decode unroll
    data = tf.ensure_shape(data, [None if known is None else known + 1])
    return parse_context(data[0]), idx, valid, data[1:], None
