"""A damaged shard (one flipped byte) is an error naming the file and record, in every read mode.

TensorFlow's own error (``DataLossError: corrupted record at 1246835``) names no file; with a
thousand shards that leaves the user guessing.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import tensorflow as tf

from helpers import pipeline, records
from helpers.frames import Clip
from helpers.pipeline import source as pipeline_source
from helpers.records import index as record_index
from helpers.records.framing import RecordFileError
from helpers.sources import VideoItem

FRAMES = 4


def write_shard(path, num_records: int = 3) -> list[bytes]:
    """A shard of ``num_records`` small clips (with its index unless GZIP); returns the records."""
    rng = np.random.default_rng(0)
    gzip = str(path).endswith(".gz")
    serialized = []
    with tf.io.TFRecordWriter(str(path), "GZIP" if gzip else "") as writer:
        for n in range(num_records):
            pixels = rng.integers(0, 256, (FRAMES, 16, 16, 3), dtype=np.uint8)
            times = np.arange(FRAMES) / 25.0
            clip = Clip(pixels, times, 25.0, 25.0, FRAMES, FRAMES, "x.avi")
            item = VideoItem(id=f"clip{n}", path="x.avi", label="a")
            record = records.clip_to_example(clip, item, 0).SerializeToString(deterministic=True)
            writer.write(record)
            serialized.append(record)
    if not gzip:
        record_index.index_shard(path)
    return serialized


def flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def middle_frame_of_middle_record(path) -> tuple[int, int, int]:
    """The byte to flip (mid-JPEG of record 1's middle frame), where that JPEG and record start."""
    entries = list(tf.data.TFRecordDataset(record_index.index_path(path)))
    entry = record_index.parse_entry(entries[1])
    frame = int(entry["frame_offset"][FRAMES // 2])
    offset = frame + int(entry["frame_length"][FRAMES // 2]) // 2
    return offset, frame, int(entry["record_offset"]) - 12  # a 12-byte header starts a record


def read_all(path, **kw) -> list[bytes]:
    """Every clip id the pipeline yields (raising what it raises)."""
    kw = {"sampling": "all", "image_size": 16, "batch_size": 1, **kw}
    return [b["id"].numpy()[0] for b in pipeline.build_dataset(str(path), **kw)]


@pytest.mark.parametrize("read", ["auto", "auto-index", "record", "index"])
def test_a_flipped_byte_names_the_shard_in_every_read_mode(tmp_path, monkeypatch, read):
    path = tmp_path / "train-00003-of-00010.tfrecord"
    write_shard(path)
    assert read_all(path, read="record") == [b"clip0", b"clip1", b"clip2"]  # sound, then:
    offset, frame_start, record_start = middle_frame_of_middle_record(path)
    flip(path, offset)
    if read == "auto-index":  # these records are tiny: "auto" would read them whole
        monkeypatch.setattr(pipeline_source, "SMALL_RECORD_BYTES", 0)
    with pytest.raises(tf.errors.OpError) as err:
        read_all(path, read=read.split("-")[0])
    message = str(err.value)
    assert str(path) in message
    if read in ("auto", "record"):  # whole records: the record and where it starts
        assert f"record 1 (at byte {record_start}) is damaged" in message
        assert "(1 of 3 records read)" in message
    else:  # ranged reads: the frame's byte range
        assert f"bytes {frame_start}-" in message and "fail their CRC check" in message


def test_a_damaged_record_in_a_gzip_shard_is_named(tmp_path):
    plain, path = tmp_path / "a.tfrecord", tmp_path / "train-00000-of-00001.tfrecord.gz"
    write_shard(plain)
    flip(plain, middle_frame_of_middle_record(plain)[0])
    path.write_bytes(gzip.compress(plain.read_bytes()))  # sound GZIP around a damaged record
    with pytest.raises(tf.errors.OpError) as err:
        read_all(path)
    assert f"{path}: record 1 (at byte " in str(err.value)
    assert "of the decompressed data" in str(err.value)
    bad_gzip = tmp_path / "b.tfrecord.gz"
    data = bytearray(gzip.compress(b"".join(write_shard(tmp_path / "c.tfrecord"))))
    data[len(data) // 2] ^= 0xFF
    bad_gzip.write_bytes(bytes(data))  # damaged GZIP: its own CRC names it before any read
    with pytest.raises(RecordFileError, match="b.tfrecord.gz: ") as err:
        read_all(bad_gzip)
    assert "compressed=True" not in str(err.value)  # it was read as GZIP: no such hint


def test_a_damaged_index_is_named(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_shard(path)
    index = tmp_path / "a.tfrecord.index"
    size = index.stat().st_size
    flip(index, size * 5 // 6)  # inside the last entry: the first entry still matches the shard
    assert record_index.current_index(path, 3) == str(index)
    with pytest.raises(tf.errors.OpError) as err:
        read_all(path, read="index")
    assert f"{index}: record 2" in str(err.value)


def test_sound_shards_read_whole_beside_a_damaged_one(tmp_path):
    good, bad = tmp_path / "good.tfrecord", tmp_path / "bad.tfrecord"
    write_shard(good)
    write_shard(bad)
    flip(bad, middle_frame_of_middle_record(bad)[0])
    ds = pipeline.build_dataset([str(good), str(bad)], sampling="all", image_size=16,
                                batch_size=1, read="record", cycle_length=1)  # fmt: skip
    ids = []
    with pytest.raises(tf.errors.OpError, match="bad.tfrecord: record 1"):
        for batch in ds:
            ids.append(batch["id"].numpy()[0])
    assert ids == [b"clip0", b"clip1", b"clip2", b"clip0"]  # good whole, then bad up to its damage


def test_without_validation_the_error_is_tensorflows(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_shard(path)
    flip(path, middle_frame_of_middle_record(path)[0])
    with pytest.raises(tf.errors.DataLossError, match="corrupted record"):
        read_all(path, read="record", validate=False)  # no counts: no way to tell "stopped short"
