"""The protobuf-only writing path: the same bytes as TensorFlow's classes and writer, and no
TensorFlow import in a conversion worker."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from test_beam import _write_avi  # a small MJPG clip

from helpers import config, frames, records, sources
from helpers.records import framing, proto


def _fill(example) -> None:
    """The same content, field by field, into a SequenceExample of either class."""
    context = example.context.feature
    context["example/id"].bytes_list.value.append(b"v_Spin_g01_c01")
    context["clip/label/index"].int64_list.value.extend([3, -5, 1 << 40, 0])
    context["image/frame_rate"].float_list.value.extend([29.97, -0.0, 1e-30])
    context["empty"].bytes_list.SetInParent()
    frames_list = example.feature_lists.feature_list["image/encoded"]
    for k in range(4):
        frames_list.feature.add().bytes_list.value.append(bytes([k]) * (k * 300))
    stamps = example.feature_lists.feature_list["image/timestamp"]
    for k in range(4):
        stamps.feature.add().int64_list.value.append(k * 40_000)


def test_the_classes_serialize_as_tensorflows() -> None:
    ours, theirs = proto.SequenceExample(), tf.train.SequenceExample()
    _fill(ours)
    _fill(theirs)
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    entry, tf_entry = proto.Example(), tf.train.Example()
    for message in (entry, tf_entry):
        message.features.feature["record/offset"].int64_list.value.extend([12, 1 << 33])
    assert entry.SerializeToString(deterministic=True) == tf_entry.SerializeToString(
        deterministic=True
    )


def test_clip_to_example_bytes_read_back_with_tensorflow(tmp_path) -> None:
    path = tmp_path / "v_Spin_g01_c01.avi"
    _write_avi(path, num_frames=5, seed=2)
    clip = frames.decode(str(path))
    item = sources.VideoItem("v_Spin_g01_c01", str(path), "Spin")
    example = records.clip_to_example(clip, item, 3)
    serialized = example.SerializeToString(deterministic=True)
    as_tf = tf.train.SequenceExample.FromString(serialized)
    # TensorFlow's class knows every field (nothing lands in unknown fields) and writes the same.
    as_tf.DiscardUnknownFields()  # a field TensorFlow's class does not know would vanish here
    assert as_tf.SerializeToString(deterministic=True) == serialized
    parsed = records.parse_example(serialized)
    assert parsed["id"].numpy() == b"v_Spin_g01_c01"
    assert int(parsed["label"].numpy()) == 3
    assert parsed["frames"].shape[0] == 5
    assert list(parsed["frames"].numpy()) == [frames.encode_jpeg(f) for f in clip.frames]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_write_records_gives_tfrecordwriters_bytes(tmp_path, compress: bool) -> None:
    rng = np.random.default_rng(1)
    data = [rng.bytes(n) + b"a" * n for n in (0, 10, 70_000, 300_000, 3)]
    path = tmp_path / "tf.tfrecord"
    options = tf.io.TFRecordOptions(compression_type="GZIP" if compress else "")
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for record in data:
            writer.write(record)
    handle = io.BytesIO()
    size, sha256 = framing.write_records(handle, data, compress=compress)
    assert handle.getvalue() == path.read_bytes()
    assert size == path.stat().st_size
    assert sha256 == records.manifest.sha256_of(path.read_bytes())


def test_a_conversion_worker_imports_no_tensorflow() -> None:
    code = (
        "import sys\n"
        "import helpers.writer.shards, helpers.beam.dofns\n"
        "from helpers import records\n"
        "records.item_to_examples_with_stats, records.index.entries_for\n"
        "assert 'tensorflow' not in sys.modules, 'TensorFlow was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=config.ROOT, capture_output=True,
                          text=True, env={"PYTHONPATH": str(config.ROOT), "PATH": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
