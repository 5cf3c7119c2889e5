"""Tests for helpers.records: the encoder, the reader and the truncation policies."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers import config, frames, records, sources
from helpers.records import truncation
from helpers.sample.data import read_frame_index, write_index_video

FPS = 10.0


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("rec") / "v_Spin_g01_c01.avi"
    return str(write_index_video(path, 10, FPS, size=(48, 64)))


def _item(path: str, label: str | None = "Spin", **kw) -> sources.VideoItem:
    return sources.VideoItem(id="v_Spin_g01_c01", path=path, label=label, **kw)


def _indices(serialized: bytes) -> list[int]:
    parsed = records.parse_example(serialized)
    decoded = records.decode_frames(parsed["frames"]).numpy()
    return [read_frame_index(f) for f in decoded]


# --- truncation (pure index logic) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "kwargs", "expected"),
    [
        (10, {"policy": "none"}, [list(range(10))]),
        (10, {"policy": "fixed", "frames_per_example": 4}, [[0, 1, 2, 3]]),
        (3, {"policy": "fixed", "frames_per_example": 5, "short_policy": "drop"}, []),
        (3, {"policy": "fixed", "frames_per_example": 5, "short_policy": "loop"},
         [[0, 1, 2, 0, 1]]),
        (3, {"policy": "fixed", "frames_per_example": 5, "short_policy": "repeat_last"},
         [[0, 1, 2, 2, 2]]),
        (7, {"policy": "chunks", "chunk_length": 3}, [[0, 1, 2], [3, 4, 5]]),
        (2, {"policy": "chunks", "chunk_length": 3}, []),
        (9, {"policy": "group_shortest", "truncate_to": 4}, [[0, 1, 2, 3]]),
        (0, {"policy": "none"}, []),
    ],
)
def test_policy_indices(length, kwargs, expected):
    got = truncation.policy_indices(length, **kwargs)
    assert [g.tolist() for g in got] == expected


def test_policy_errors():
    with pytest.raises(ValueError, match="unknown truncation policy"):
        truncation.policy_indices(5, "middle")
    with pytest.raises(ValueError, match="frames_per_example"):
        truncation.policy_indices(5, "fixed")
    with pytest.raises(ValueError, match="truncate_to"):
        truncation.policy_indices(5, "group_shortest")
    with pytest.raises(ValueError, match="longer than the clip"):
        truncation.policy_indices(5, "group_shortest", truncate_to=6)
    with pytest.raises(ValueError, match="short_policy"):
        truncation.policy_indices(2, "fixed", frames_per_example=4, short_policy="pad")


def test_group_shortest_targets_groups_by_length():
    lengths = {"a": 30, "b": 10, "c": 12, "d": 25, "e": 11}
    targets = truncation.group_shortest_targets(lengths, group_size=2)
    # sorted: b10 e11 | c12 d25 | a30
    assert targets == {"b": 10, "e": 10, "c": 12, "d": 12, "a": 30}
    kept = sum(targets.values())
    assert kept == 74 and kept < sum(lengths.values())
    with pytest.raises(ValueError):
        truncation.group_shortest_targets(lengths, group_size=0)


def test_policy_lengths_counts():
    lengths = [5, 9, 16, 40]
    assert truncation.policy_lengths(lengths, "none") == lengths
    assert truncation.policy_lengths(lengths, "fixed", frames_per_example=8) == [8, 8, 8]
    looped = truncation.policy_lengths(lengths, "fixed", frames_per_example=8, short_policy="loop")
    assert looped == [8] * 4
    assert truncation.policy_lengths(lengths, "chunks", chunk_length=8) == [8] + [8] * 2 + [8] * 5
    assert truncation.policy_lengths(lengths, "group_shortest", group_size=2) == [5, 5, 16, 16]


# --- the record format --------------------------------------------------------------------------


def test_round_trip_frames_labels_ids_timestamps(video):
    cfg = records.RecordConfig(quality=85)
    (serialized,) = records.item_to_examples(_item(video), {"Other": 0, "Spin": 1}, cfg)
    clip = frames.decode(video)
    parsed = records.parse_example(serialized)
    stored = parsed["frames"].numpy()
    # Stored bytes are exactly helpers.frames.encode_jpeg of the decoded frames...
    assert list(stored) == [frames.encode_jpeg(f, quality=85) for f in clip.frames]
    # ...so decoding them gives the JPEG-decoded originals.
    decoded = records.decode_frames(parsed["frames"]).numpy()
    expected = np.stack([frames.decode_jpeg(frames.encode_jpeg(f, 85)) for f in clip.frames])
    assert decoded.shape == clip.frames.shape == (10, 48, 64, 3)
    assert np.abs(decoded.astype(int) - expected.astype(int)).max() <= 2
    assert [read_frame_index(f) for f in decoded] == list(range(10))
    assert parsed["timestamps"].numpy().tolist() == [i * 100_000 for i in range(10)]
    assert parsed["id"].numpy() == b"v_Spin_g01_c01"
    assert parsed["media_id"].numpy() == b"v_Spin_g01_c01"
    assert parsed["data_path"].numpy() == video.encode()
    assert int(parsed["label"]) == 1 and parsed["label_string"].numpy() == b"Spin"
    assert int(parsed["num_frames"]) == 10
    assert (int(parsed["height"]), int(parsed["width"])) == (48, 64)
    assert float(parsed["frame_rate"]) == pytest.approx(FPS)
    assert int(parsed["start_timestamp"]) == 0
    assert int(parsed["end_timestamp"]) == 1_000_000


def test_interop_plain_parse_with_literal_keys(video):
    (serialized,) = records.item_to_examples(_item(video), {"Spin": 0}, records.RecordConfig())
    context, seq = tf.io.parse_single_sequence_example(
        serialized,
        context_features={
            "example/id": tf.io.FixedLenFeature([], tf.string),
            "clip/media_id": tf.io.FixedLenFeature([], tf.string),
            "clip/data_path": tf.io.FixedLenFeature([], tf.string),
            "clip/start/timestamp": tf.io.FixedLenFeature([], tf.int64),
            "clip/end/timestamp": tf.io.FixedLenFeature([], tf.int64),
            "clip/label/index": tf.io.VarLenFeature(tf.int64),
            "clip/label/string": tf.io.VarLenFeature(tf.string),
            "clip/label/text": tf.io.FixedLenFeature([], tf.string),  # DMVR's name
            "clip/frames": tf.io.FixedLenFeature([], tf.int64),
            "image/format": tf.io.FixedLenFeature([], tf.string),
            "image/height": tf.io.FixedLenFeature([], tf.int64),
            "image/width": tf.io.FixedLenFeature([], tf.int64),
            "image/frame_rate": tf.io.FixedLenFeature([], tf.float32),
        },
        sequence_features={
            "image/encoded": tf.io.FixedLenSequenceFeature([], tf.string),
            "image/timestamp": tf.io.FixedLenSequenceFeature([], tf.int64),
        },
    )
    assert tf.sparse.to_dense(context["clip/label/index"]).numpy().tolist() == [0]
    assert context["clip/label/text"].numpy() == b"Spin"
    assert context["image/format"].numpy() == b"JPEG"
    assert seq["image/encoded"].shape[0] == int(context["clip/frames"]) == 10
    image = tf.io.decode_jpeg(seq["image/encoded"][3])
    assert image.shape == (48, 64, 3) and read_frame_index(image.numpy()) == 3


def test_serialization_is_deterministic(video):
    cfg = records.RecordConfig(policy="chunks", frames_per_example=4)
    a = records.item_to_examples(_item(video), {"Spin": 0}, cfg)
    b = records.item_to_examples(_item(video), {"Spin": 0}, cfg)
    assert a == b and len(a) == 2


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        ({"policy": "none"}, [list(range(10))]),
        ({"policy": "fixed", "frames_per_example": 4}, [[0, 1, 2, 3]]),
        ({"policy": "fixed", "frames_per_example": 12}, []),
        ({"policy": "fixed", "frames_per_example": 12, "short_policy": "loop"},
         [[*range(10), 0, 1]]),
        ({"policy": "fixed", "frames_per_example": 12, "short_policy": "repeat_last"}, [[*range(10), 9, 9]]),  # noqa: E501
        ({"policy": "chunks", "frames_per_example": 3}, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
    ],
)
def test_item_to_examples_policies(video, cfg, expected):
    out = records.item_to_examples(_item(video), {"Spin": 0}, records.RecordConfig(**cfg))
    assert [_indices(s) for s in out] == expected


def test_chunks_have_own_ids_and_start_timestamps(video):
    cfg = records.RecordConfig(policy="chunks", chunk_length=4)
    out = [
        records.parse_example(s)
        for s in records.item_to_examples(_item(video, label=None), {}, cfg)
    ]
    assert [p["id"].numpy() for p in out] == [b"v_Spin_g01_c01_c000", b"v_Spin_g01_c01_c001"]
    assert [p["media_id"].numpy() for p in out] == [b"v_Spin_g01_c01"] * 2
    assert [int(p["start_timestamp"]) for p in out] == [0, 400_000]
    assert [int(p["end_timestamp"]) for p in out] == [400_000, 800_000]
    assert [int(p["label"]) for p in out] == [-1, -1]  # unlabeled: no label keys


def test_group_shortest_needs_truncate_to(video):
    cfg = records.RecordConfig(policy="group_shortest")
    with pytest.raises(ValueError, match="truncate_to"):
        records.item_to_examples(_item(video), {"Spin": 0}, cfg)
    (one,) = records.item_to_examples(_item(video), {"Spin": 0}, cfg, truncate_to=6)
    assert _indices(one) == list(range(6))
    assert records.count_frames(_item(video), cfg) == 10


def test_trim_fps_and_size_reach_the_record(video):
    cfg = records.RecordConfig(fps=5, size=24)
    (s,) = records.item_to_examples(_item(video, start=0.4, end=1.0), {"Spin": 0}, cfg)
    p = records.parse_example(s)
    assert (int(p["height"]), int(p["width"])) == (24, 32)
    assert float(p["frame_rate"]) == pytest.approx(5.0)
    stamps = p["timestamps"].numpy()
    assert stamps[0] >= 400_000 and stamps[-1] < 1_000_000
    assert np.allclose(np.diff(stamps), 200_000)


def test_unknown_label_and_bad_video(tmp_path, video):
    with pytest.raises(KeyError, match="Spin"):
        records.item_to_examples(_item(video), {"Other": 0}, records.RecordConfig())
    with pytest.raises(frames.VideoDecodeError):
        records.item_to_examples(_item(str(tmp_path / "missing.avi")), {"Spin": 0},
                                 records.RecordConfig())  # fmt: skip


def test_record_config_validation_and_dict():
    with pytest.raises(ValueError):
        records.RecordConfig(policy="fixed")
    with pytest.raises(ValueError):
        records.RecordConfig(quality=0)
    cfg = records.RecordConfig(
        size=(32, 48), resize_mode="exact", policy="chunks", frames_per_example=8
    )
    assert cfg.chunk_length == 8
    assert records.RecordConfig.from_dict(cfg.to_dict()) == cfg


def test_inspect_record_prints(tmp_path, video, capsys):
    (s,) = records.item_to_examples(_item(video), {"Spin": 0}, records.RecordConfig())
    path = tmp_path / "one.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as w:
        w.write(s)
    info = records.inspect_record(path, show=False)
    text = capsys.readouterr().out
    assert "image/encoded" in text and "10 JPEGs" in text and "clip/label/index" in text
    assert info["first_frame"].shape == (48, 64, 3)
    with pytest.raises(IndexError):
        records.inspect_record(path, index=1, show=False)


def test_real_media_records_parse_and_decode():
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not available")
    cfg = records.RecordConfig(size=64, max_frames=8)
    ucf = media / "ucf101"
    items = [
        sources.VideoItem("v_ApplyEyeMakeup_g01_c01", str(ucf / "v_ApplyEyeMakeup_g01_c01.avi"),
                          "ApplyEyeMakeup"),
        sources.VideoItem("v_BaseballPitch_g01_c01", str(ucf / "v_BaseballPitch_g01_c01.avi"),
                          "BaseballPitch"),
        sources.VideoItem("carving_ice", str(media / "kinetics_carving_ice_android.mp4"),
                          "carving ice", start=1.0, end=2.0),
        sources.VideoItem("demo", str(media / "mmaction2_demo_kinetics400.mp4"), "arm wrestling"),
    ]  # fmt: skip
    label_map = sources.build_label_map(items)
    for item in items:
        (s,) = records.item_to_examples(item, label_map, cfg)
        p = records.parse_example(s)
        video = records.decode_frames(p["frames"]).numpy()
        assert video.shape[0] == int(p["num_frames"]) == 8
        assert min(video.shape[1:3]) == 64 and video.std() > 5  # real content, not blank
        assert int(p["label"]) == label_map[item.label]
        if item.start:
            assert int(p["start_timestamp"]) >= 1_000_000
