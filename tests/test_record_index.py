"""Tests for helpers.records.wire and helpers.records.index: frame positions, index files, reads."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from helpers import records
from helpers.frames import Clip
from helpers.records import cli as records_cli
from helpers.records import framing as shard_check
from helpers.records import index as record_index
from helpers.records import wire as record_wire
from helpers.sources import VideoItem


def example(n_frames: int, ident: str = "clip", seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, (n_frames, 24, 32, 3), dtype=np.uint8)
    clip = Clip(frames, np.arange(n_frames) / 25.0, 25.0, 25.0, n_frames, n_frames, "x.avi")
    item = VideoItem(id=ident, path="x.avi", label="Spin")
    return records.clip_to_example(clip, item, 2).SerializeToString(deterministic=True)


def write_shard(path: Path, lengths) -> list[bytes]:
    serialized = [example(n, f"clip{k}", k) for k, n in enumerate(lengths)]
    with tf.io.TFRecordWriter(str(path)) as writer:
        for s in serialized:
            writer.write(s)
    return serialized


def test_locate_finds_every_frame_and_a_parseable_context():
    serialized = example(7)
    layout = record_wire.locate(serialized)
    parsed = records.parse_example(serialized)
    assert len(layout.frames) == 7
    for k, jpeg in enumerate(parsed["frames"].numpy()):
        assert serialized[slice(*layout.frame_slice(k))] == jpeg
    start, length = layout.context
    context = records.parse_context(serialized[start : start + length])
    assert context["id"].numpy() == b"clip" and int(context["label"]) == 2
    assert context["label_string"].numpy() == b"Spin"


def test_locate_rejects_what_it_cannot_index():
    with pytest.raises(record_wire.WireFormatError):
        record_wire.locate(b"\xff\xff\xff")  # not protobuf
    no_frames = tf.train.SequenceExample()
    no_frames.context.feature["example/id"].bytes_list.value.append(b"x")
    with pytest.raises(record_wire.WireFormatError, match="no 'image/encoded'"):
        record_wire.locate(no_frames.SerializeToString())
    two = tf.train.SequenceExample()
    frame = two.feature_lists.feature_list["image/encoded"].feature.add()
    frame.bytes_list.value.extend([b"a", b"b"])
    with pytest.raises(record_wire.WireFormatError, match="holds 2 images"):
        record_wire.locate(two.SerializeToString())


def test_index_entries_point_at_the_bytes_in_the_file(tmp_path):
    path = tmp_path / "s.tfrecord"
    serialized = write_shard(path, [5, 1, 12])
    index = record_index.index_shard(path)
    assert index == record_index.index_path(path) and record_index.current_index(path, 3)
    data = path.read_bytes()
    entries = [record_index.parse_entry(e) for e in tf.data.TFRecordDataset(index)]
    assert len(entries) == 3
    for entry, record in zip(entries, serialized, strict=True):
        start, length = int(entry["record_offset"]), int(entry["record_length"])
        assert data[start : start + length] == record
        assert int(entry["shard_bytes"]) == len(data)
        frames = records.parse_example(record)["frames"].numpy()
        offsets, lengths = entry["frame_offset"].numpy(), entry["frame_length"].numpy()
        got = record_index.read_ranges(str(path).encode(), offsets, lengths)
        assert list(got) == list(frames)
    # The writer's in-memory path gives the same entries as reading the file back.
    assert record_index.entries_for(serialized, len(data)) == [
        e.numpy() for e in tf.data.TFRecordDataset(index)
    ]


def test_stale_indexes_are_not_current(tmp_path):
    path = tmp_path / "s.tfrecord"
    write_shard(path, [4, 4])
    assert record_index.current_index(path) is None  # none yet
    record_index.index_shard(path)
    assert record_index.current_index(path, 2) and record_index.current_index(path, 3) is None
    write_shard(path, [4, 4, 4])  # the shard was rewritten: another size
    assert record_index.current_index(path) is None
    assert record_index.ensure_index(path) == record_index.index_path(path)  # rebuilt
    assert record_index.current_index(path, 3)
    assert record_index.ensure_index(tmp_path / "s.tfrecord.gz") is None  # GZIP: no index
    # The same records in another order: the same size, so only the first record's place,
    # length and CRC tell the index is stale.
    records = list(tf.data.TFRecordDataset(str(path)).as_numpy_iterator())
    with tf.io.TFRecordWriter(str(path)) as writer:
        for record in reversed(records):
            writer.write(record)
    assert record_index.current_index(path) is None
    record_index.index_shard(path)
    copy = tmp_path / "copy.tfrecord"  # a copy (new mtime, same bytes) keeps its index
    copy.write_bytes(path.read_bytes())
    index = Path(record_index.index_path(path)).read_bytes()
    Path(record_index.index_path(copy)).write_bytes(index)
    assert record_index.current_index(copy, 3)
    Path(record_index.index_path(path)).write_bytes(b"garbage")
    assert record_index.current_index(path) is None


def test_index_shard_names_corrupt_and_truncated_files(tmp_path):
    path = tmp_path / "s.tfrecord"
    write_shard(path, [6, 6])
    data = bytearray(path.read_bytes())
    (length,) = struct.unpack("<Q", data[:8])
    data[12 + length // 2] ^= 0xFF  # flip a byte inside the first record
    bad = tmp_path / "flipped.tfrecord"
    bad.write_bytes(bytes(data))
    with pytest.raises(shard_check.RecordFileError, match="flipped.tfrecord: record 0 fails"):
        record_index.index_shard(bad)
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(shard_check.RecordFileError, match="cut.tfrecord: truncated"):
        record_index.index_shard(cut)
    with pytest.raises(shard_check.RecordFileError, match="nope.tfrecord: no such file"):
        record_index.index_shard(tmp_path / "nope.tfrecord")
    assert not list(tmp_path.glob("*.index*"))  # nothing half-written


def test_read_ranges_names_a_file_that_shrank(tmp_path):
    path = tmp_path / "s.tfrecord"
    path.write_bytes(b"0123456789")
    got = record_index.read_ranges(str(path).encode(), np.array([2, 7]), np.array([3, 3]))
    assert list(got) == [b"234", b"789"]
    with pytest.raises(shard_check.RecordFileError, match="s.tfrecord: short read at byte 8"):
        record_index.read_ranges(str(path).encode(), np.array([8]), np.array([5]))


def test_cli_indexes_a_glob_and_globs_skip_sidecars(tmp_path, capsys):
    for name in ("a", "b"):
        write_shard(tmp_path / f"{name}.tfrecord", [3])
    (tmp_path / "c.tfrecord").write_bytes(b"\x05")
    assert records_cli.main([str(tmp_path / "*.tfrecord")]) == 1  # c is broken, a and b done
    out = capsys.readouterr()
    assert "a.tfrecord.index" in out.out and "c.tfrecord: truncated" in out.err
    listed = shard_check.list_files(str(tmp_path / "*.tfrecord*"))
    assert [Path(p).name for p in listed] == ["a.tfrecord", "b.tfrecord", "c.tfrecord"]


def test_every_ranged_read_checks_its_crc(tmp_path):
    """A damaged frame is an error naming the shard, as a whole-record read's CRC check is."""
    from helpers import pipeline

    path = tmp_path / "a.tfrecord"
    write_shard(path, [6, 6])
    record_index.index_shard(path)
    entry = record_index.parse_entry(next(iter(tf.data.TFRecordDataset(
        record_index.index_path(path)))))  # fmt: skip
    offsets, lengths = entry["frame_offset"].numpy(), entry["frame_length"].numpy()
    crcs = entry["frame_crc"].numpy()
    good = record_index.read_ranges(str(path).encode(), offsets, lengths, crcs)
    assert list(good) == list(records.parse_example(example(6, "clip0", 0))["frames"].numpy())
    data = bytearray(path.read_bytes())
    for k in range(offsets[3] + 20, offsets[3] + 50):  # inside frame 3's JPEG
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    assert record_index.current_index(path)  # same size, same first record: looks current...
    with pytest.raises(shard_check.RecordFileError, match="fail their CRC check") as err:
        record_index.read_ranges(str(path).encode(), offsets, lengths, crcs)
    assert str(path) in str(err.value)
    ds = pipeline.build_dataset(str(path), num_frames=6, image_size=16, batch_size=2,
                                read="index")  # fmt: skip
    with pytest.raises(tf.errors.OpError, match=f"{path}.*fail their CRC check"):
        next(iter(ds))  # ...but the pipeline's read finds the damage


def test_an_index_without_frame_crcs_is_not_current(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_shard(path, [3, 4])
    record_index.index_shard(path)
    old = []
    for serialized in tf.data.TFRecordDataset(record_index.index_path(path)):
        entry = tf.train.Example.FromString(serialized.numpy())
        for key in ("context/crc32c", "frames/crc32c"):  # what indexes before them lacked
            del entry.features.feature[key]
        old.append(entry.SerializeToString())
    assert record_index.current_index(path)
    record_index.write_index(path, old)
    assert record_index.current_index(path) is None


def test_an_index_only_appears_under_its_name_when_complete(tmp_path, monkeypatch):
    path = tmp_path / "a.tfrecord"
    write_shard(path, [3, 4])

    def power_cut(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(record_index.os, "replace", power_cut)  # local files: no TensorFlow
    with pytest.raises(OSError, match="power cut"):
        record_index.index_shard(path)
    assert not Path(record_index.index_path(path)).exists()
    assert record_index.current_index(path) is None
