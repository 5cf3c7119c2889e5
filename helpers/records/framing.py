"""TFRecord framing: writing record files without TensorFlow, and finding and checking them.

A worker writes shards with :func:`write_records` (protobuf and ``google-crc32c`` only; the
bytes are ``tf.io.TFRecordWriter``'s, plain or GZIP)::

    from helpers.records import framing
    with open("clips-00000-of-00001.tfrecord.incomplete", "wb") as handle:
        size, sha256 = framing.write_records(handle, serialized_examples)

The reader side finds and checks files, with errors that name the bad file.

TensorFlow's own error for a cut-off file is ``DataLossError: truncated record at 1016``: it
does not say which of a thousand shards is broken. :func:`check_record_file` does::

    from helpers.records import framing as shard_check
    paths = shard_check.list_files("data/records/train-*.tfrecord.gz")
    for path in paths:
        shard_check.check_record_file(path)  # RecordFileError("<path>: truncated record 3 ...")
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import google_crc32c  # Beam's CRC library (a C extension), already in requirements.txt

from helpers.utils.atomic import PARTIAL_SUFFIX

__all__ = [
    "FOOTER_BYTES",
    "HEADER_BYTES",
    "SIDECAR_SUFFIXES",
    "Files",
    "RecordFileError",
    "check_record_file",
    "count_plain",
    "crc32c",
    "frame_record",
    "is_gzip",
    "list_files",
    "masked_crc",
    "write_records",
]

Files = str | Path | Sequence[str | Path]

HEADER_BYTES, FOOTER_BYTES = 12, 4
"""TFRecord framing: ``length`` (8 bytes) + its masked CRC (4) ... the data's masked CRC (4)."""

SIDECAR_SUFFIXES = (".json", ".index", PARTIAL_SUFFIX)
"""Files beside the shards (writer reports, record indexes, temporaries) that a glob skips."""


class RecordFileError(OSError):
    """A record file is missing, empty or truncated; ``str()`` is ``"<path>: <reason>"``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self):  # Keep the two-argument form picklable.
        return (type(self), (self.path, self.reason))


def is_gzip(path: str, compressed: bool | None = None) -> bool:
    """True when ``path`` is GZIP: ``compressed`` if given, else a ``.gz`` suffix."""
    return str(path).endswith(".gz") if compressed is None else compressed


def list_files(files: Files) -> list[str]:
    """Expands a glob pattern or a list of paths/patterns into a list of paths.

    Args:
        files: A path, a glob pattern, or a list of them. Matches of a pattern are sorted and
            skip the sidecars beside the shards (:data:`SIDECAR_SUFFIXES`).

    Returns:
        The file paths, in order.

    Raises:
        RecordFileError: A pattern matches nothing, or a named file does not exist.
    """
    import tensorflow as tf  # gfile reads every filesystem; kept out of the writing workers

    items = [files] if isinstance(files, str | Path) else list(files)
    out: list[str] = []
    for item in items:
        item = str(item)
        if any(ch in item for ch in "*?[") and not tf.io.gfile.exists(item):  # a real "a[1]"
            matched = sorted(
                p for p in tf.io.gfile.glob(item) if not p.endswith(SIDECAR_SUFFIXES)
            )
            if not matched:
                raise RecordFileError(item, "pattern matches no files")
            out.extend(matched)
        elif not tf.io.gfile.exists(item):
            raise RecordFileError(item, "no such file")
        else:
            out.append(item)
    if not out:
        raise RecordFileError(str(files), "no record files given")
    return out


def check_record_file(path: str, compressed: bool | None = None) -> int:
    """Walks the TFRecord framing of one file and returns its record count.

    Reads only the 12-byte length headers (and seeks over the bodies) of plain files; GZIP
    files are streamed through ``gzip``. Only the lengths' CRCs are checked (the pipeline
    checks the records' as it reads them).

    Args:
        path: A ``.tfrecord`` file (or ``.gz`` when compressed).
        compressed: True for GZIP; None guesses from the ``.gz`` suffix.

    Returns:
        The number of records in the file.

    Raises:
        RecordFileError: The file is missing, empty, truncated, has a damaged length header or
            is not valid GZIP.
    """
    import tensorflow as tf  # gfile reads every filesystem; kept out of the writing workers

    path = str(path)
    try:
        size = tf.io.gfile.stat(path).length
    except tf.errors.NotFoundError:
        raise RecordFileError(path, "no such file") from None
    if size == 0:
        raise RecordFileError(path, "empty file (0 bytes)")
    try:
        if is_gzip(path, compressed):
            return _count_gzip(path)
        return count_plain(path, size)
    except RecordFileError as err:
        if is_gzip(path, compressed):  # (the hint below is for GZIP data read as plain)
            raise
        with tf.io.gfile.GFile(path, "rb") as f:
            if f.read(2) == b"\x1f\x8b":  # read as plain, but it is GZIP data
                raise RecordFileError(path, f"{err.reason}; the file is GZIP-compressed: pass "
                                      "compressed=True (or name it .gz)") from None  # fmt: skip
        raise
    except (EOFError, OSError, gzip.BadGzipFile, tf.errors.OpError) as exc:
        raise RecordFileError(path, f"unreadable ({type(exc).__name__}: {exc})") from exc


def count_plain(path: str, size: int) -> int:
    """Counts the records of a plain TFRecord file of ``size`` bytes, reading only the headers.

    Raises:
        RecordFileError: The file ends inside a record, or a record's length is damaged.
    """
    import tensorflow as tf  # gfile reads every filesystem; kept out of the writing workers

    count, pos = 0, 0
    with tf.io.gfile.GFile(path, "rb") as f:
        while pos < size:
            f.seek(pos)
            header = f.read(HEADER_BYTES)
            if len(header) < HEADER_BYTES:
                raise RecordFileError(path, f"truncated record header after {count} records")
            length = _length(path, header, count)
            pos += HEADER_BYTES + length + FOOTER_BYTES
            if pos > size:
                raise RecordFileError(path, f"truncated record {count} ({length} bytes)")
            count += 1
    return count


def _count_gzip(path: str) -> int:
    """Streams the decompressed bytes (GZIP cannot seek) and counts whole records."""
    import tensorflow as tf  # gfile reads every filesystem; kept out of the writing workers

    count = 0
    with tf.io.gfile.GFile(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as stream:
        while header := stream.read(HEADER_BYTES):
            if len(header) < HEADER_BYTES:
                raise RecordFileError(path, f"truncated record header after {count} records")
            length = _length(path, header, count)
            if len(stream.read(length + FOOTER_BYTES)) < length + FOOTER_BYTES:
                raise RecordFileError(path, f"truncated record {count} ({length} bytes)")
            count += 1
    return count


def _length(path: str, header: bytes, count: int) -> int:
    """The record length a 12-byte header holds, after checking it against its CRC.

    A damaged length would otherwise read as "truncated", or (in a GZIP stream, whose size is
    unknown) ask for exabytes.
    """
    if masked_crc(header[:8]) != struct.unpack("<I", header[8:12])[0]:
        raise RecordFileError(path, f"record {count}'s length header fails its CRC check "
                              "(the file is damaged)")  # fmt: skip
    return struct.unpack("<Q", header[:8])[0]


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TFRecord framing and the record index use it."""
    return google_crc32c.value(data)


def masked_crc(data: bytes) -> int:
    """The masked CRC-32C that follows a TFRecord's length and its data."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data: bytes) -> bytes:
    """One record as TFRecord framing stores it: length, its masked CRC, the data, its masked CRC.

    >>> frame_record(b"abc").hex()
    '0300000000000000b099490e6162636e57f121'
    """
    length = struct.pack("<Q", len(data))
    return b"".join(
        (length, struct.pack("<I", masked_crc(length)), data, struct.pack("<I", masked_crc(data)))
    )


def write_records(
    handle: BinaryIO, records: Iterable[bytes], *, compress: bool = False
) -> tuple[int, str]:
    """Writes records as a TFRecord file to an open binary handle (no TensorFlow).

    The bytes are those of ``tf.io.TFRecordWriter``: for GZIP, zlib with TensorFlow's settings
    (default level, ``memLevel`` 9, a gzip header without a timestamp), so a rerun gives the
    same file.

    Args:
        handle: A binary file opened for writing (a local file or a Beam ``FileSystems`` handle).
        records: The serialized records, in file order.
        compress: GZIP the file (``.tfrecord.gz``).

    Returns:
        ``(bytes written, sha256 hex of the file's bytes)``, so nobody reads the file back.
    """
    digest, size = hashlib.sha256(), 0
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9)

    def put(chunk: bytes) -> None:
        nonlocal size
        if chunk:
            digest.update(chunk)
            handle.write(chunk)
            size += len(chunk)

    for record in records:
        framed = frame_record(record)
        put(packer.compress(framed) if compress else framed)
    if compress:
        put(packer.flush())
    return size, digest.hexdigest()
