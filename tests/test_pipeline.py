"""Tests for helpers.pipeline: frame choice before decode, modes, determinism, file errors."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers import pipeline, records
from helpers.frames import Clip
from helpers.pipeline import augment
from helpers.pipeline import source as pipeline_source
from helpers.records import index as record_index
from helpers.records.framing import RecordFileError, check_record_file
from helpers.sources import VideoItem

SIZE = 64
NO_AUG = augment.AugmentConfig(max_degrees=0, min_crop_scale=1.0, max_brightness=0, max_contrast=0)


@pytest.fixture(autouse=True)
def _index_path(monkeypatch):
    """These records are tiny, which ``read="auto"`` would read whole: test the index path."""
    monkeypatch.setattr(pipeline_source, "SMALL_RECORD_BYTES", 0)


def index_frame(i: int, size: int = SIZE) -> np.ndarray:
    """A frame whose 8 vertical bars spell ``i`` in binary (survives JPEG)."""
    bits = [(i >> b) & 1 for b in range(8)]
    row = np.repeat(np.array(bits, np.uint8) * 255, size // 8)
    return np.repeat(np.tile(row[None, :, None], (size, 1, 3)), 1, axis=0)


def read_index(frame: np.ndarray) -> int:
    """Inverse of :func:`index_frame` on a float [0, 1] or uint8 frame."""
    frame = np.asarray(frame, np.float32)
    scale = 1.0 if frame.max() <= 1.0 else 255.0
    bars = frame.mean(axis=(0, 2)).reshape(8, -1).mean(axis=1) / scale
    return int(sum(1 << b for b in range(8) if bars[b] > 0.5))


def write_records(
    path, lengths, *, start_id=0, same_content=False, index=True, wide=False
) -> list[str]:
    """Writes one record per length, frame k showing index k; returns the ids.

    Plain files get their random-access index (as ``helpers.writer`` writes them) unless
    ``index`` is False, so the default ``read="auto"`` takes the index path (see ``_index_path``).
    ``wide`` frames are 1.5x wider than high (a 3:2 source for a square output).
    """
    options = tf.io.TFRecordOptions(compression_type="GZIP" if str(path).endswith(".gz") else "")
    ids = []
    with tf.io.TFRecordWriter(str(path), options) as writer:
        for n, length in enumerate(lengths, start=start_id):
            frames = np.stack([index_frame(k) for k in range(length)])
            if wide:
                frames = np.concatenate([frames, frames[:, :, ::-2]], axis=2)
            clip = Clip(frames, np.arange(length) / 25.0, 25.0, 25.0, length, length, "x.avi")
            label = "Blink" if same_content else f"class{n % 3}"
            item = VideoItem(id=f"clip{n:03d}", path="x.avi", label=label)
            example = records.clip_to_example(clip, item, n % 3)
            writer.write(example.SerializeToString(deterministic=True))
            ids.append(item.id)
    if index and not str(path).endswith(".gz"):
        record_index.index_shard(path)
    return ids


def batches(ds) -> list[dict]:
    return [{k: v.numpy() for k, v in b.items()} for b in ds]


def clip_indices(clip: np.ndarray) -> list[int]:
    return [read_index(f) for f in clip]


def test_random_windows_are_consecutive_and_strided(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [40] * 6)
    ds = pipeline.build_dataset(
        str(path),
        num_frames=5,
        stride=3,
        sampling="random",
        image_size=SIZE,
        batch_size=3,
        seed=1,
        return_indices=True,
    )
    starts = set()
    for batch in batches(ds):
        assert batch["image"].shape == (3, 5, SIZE, SIZE, 3)
        assert batch["image"].dtype == np.float32
        for clip, chosen in zip(batch["image"], batch["frame_index"], strict=True):
            got = clip_indices(clip)
            assert got == list(chosen)
            assert got == [got[0] + 3 * k for k in range(5)]
            assert 0 <= got[0] <= 40 - 13
            starts.add(got[0])
    assert len(starts) > 1  # the start really is random


def test_middle_and_linspace(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [40])
    mid = batches(
        pipeline.build_dataset(
            str(path), num_frames=4, stride=2, sampling="middle", image_size=SIZE, batch_size=1
        )
    )
    assert clip_indices(mid[0]["image"][0]) == [16, 18, 20, 22]  # (40 - 7) // 2 = 16
    lin = batches(
        pipeline.build_dataset(
            str(path), num_frames=4, sampling="linspace", num_clips=3, image_size=SIZE, batch_size=1
        )
    )
    views = lin[0]["image"][0]
    assert views.shape == (3, 4, SIZE, SIZE, 3)
    assert [clip_indices(v)[0] for v in views] == [0, 18, 36]
    assert clip_indices(views[2]) == [36, 37, 38, 39]


@pytest.mark.parametrize("short", ["loop", "pad"])
def test_short_clips_loop_or_pad(tmp_path, short):
    path = tmp_path / "a.tfrecord"
    write_records(path, [3, 1])
    ds = pipeline.build_dataset(
        str(path),
        num_frames=5,
        sampling="random",
        short=short,
        image_size=SIZE,
        batch_size=2,
        seed=0,
    )
    (batch,) = batches(ds)
    first, single = batch["image"]
    if short == "loop":
        assert clip_indices(first) == [0, 1, 2, 0, 1]
        assert clip_indices(single) == [0] * 5
        assert "mask" not in batch
    else:
        assert clip_indices(first[:3]) == [0, 1, 2]
        assert np.all(first[3:] == 0.0)
        assert batch["mask"].tolist() == [[1, 1, 1, 0, 0], [1, 0, 0, 0, 0]]


@pytest.mark.parametrize("short", ["loop", "pad"])
def test_short_clips_with_a_stride(short):
    idx, valid = pipeline.frame_indices(5, 4, stride=2, sampling="random", seed=[1, 2],
                                        short=short)  # fmt: skip
    expected = [0, 2, 4, 1] if short == "loop" else [0, 2, 4, 4]  # 5 frames, a 7-frame span
    assert idx.numpy().tolist() == expected
    assert valid.numpy().tolist() == [True, True, True, short == "loop"]
    views, _ = pipeline.frame_indices(3, 4, stride=2, sampling="linspace", num_clips=5)
    assert views.shape == (5, 4) and np.all(views.numpy() < 3)  # more views than frames: fine


def test_too_few_records_for_one_training_batch_warns(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [6, 6, 6])
    with pytest.warns(UserWarning, match="no batches at all"):
        ds = pipeline.build_dataset(str(path), num_frames=4, image_size=SIZE, batch_size=8,
                                    training=True)  # fmt: skip
    assert batches(ds) == []
    (batch,) = batches(pipeline.build_dataset(str(path), num_frames=4, image_size=SIZE,
                                              batch_size=8, training=True, drop_remainder=False))
    assert batch["image"].shape[0] == 3


def test_padded_frames_stay_black_under_colour_jitter(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [3, 2])
    cfg = augment.AugmentConfig(max_degrees=0, min_crop_scale=1.0, max_brightness=0.3,
                                max_contrast=0.3)  # fmt: skip
    (batch,) = batches(pipeline.build_dataset(
        str(path), num_frames=5, short="pad", image_size=SIZE, batch_size=2, seed=0,
        training=True, augment=cfg, drop_remainder=False,
    ))  # fmt: skip
    mask = batch["mask"].astype(bool)
    assert mask.sum() == 5
    assert np.all(batch["image"][~mask] == 0.0)  # black, as documented: not black + offset
    assert batch["image"][mask].max() > 0.5  # the real frames are still there


@pytest.mark.parametrize("read", ["record", "index"])
def test_records_from_other_tools_need_only_an_id_and_frames(tmp_path, read):
    # No timestamps, sizes, counts or label string: what a minimal foreign shard may hold.
    path = tmp_path / "foreign.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        for n, length in enumerate([7, 4]):
            example = tf.train.SequenceExample()
            example.context.feature["example/id"].bytes_list.value.append(f"f{n}".encode())
            example.context.feature["clip/label/index"].int64_list.value.append(n)
            frames = example.feature_lists.feature_list["image/encoded"].feature
            for k in range(length):
                frames.add().bytes_list.value.append(tf.io.encode_jpeg(index_frame(k)).numpy())
            writer.write(example.SerializeToString())
    record_index.index_shard(path)
    parsed = records.parse_example(next(iter(tf.data.TFRecordDataset(str(path)))))
    assert parsed["timestamps"].shape == (0,) and int(parsed["height"]) == 0
    ds = pipeline.build_dataset(str(path), num_frames=3, sampling="middle", image_size=SIZE,
                                batch_size=2, read=read)  # fmt: skip
    (batch,) = batches(ds)
    assert batch["id"].tolist() == [b"f0", b"f1"] and batch["label"].tolist() == [0, 1]
    assert [clip_indices(c) for c in batch["image"]] == [[2, 3, 4], [0, 1, 2]]


@pytest.mark.parametrize("read", ["record", "index"])
def test_a_record_without_frames_is_an_error_naming_the_shard(tmp_path, read):
    path = tmp_path / "holes.tfrecord"
    with tf.io.TFRecordWriter(str(path)) as writer:
        example = tf.train.SequenceExample()
        example.context.feature["example/id"].bytes_list.value.append(b"empty_clip")
        example.feature_lists.feature_list["image/encoded"].SetInParent()  # present, empty
        writer.write(example.SerializeToString())
    record_index.index_shard(path)
    ds = pipeline.build_dataset(str(path), num_frames=3, image_size=SIZE, batch_size=1, read=read)
    with pytest.raises(tf.errors.InvalidArgumentError, match="no frames") as err:
        batches(ds)
    assert "holes.tfrecord" in str(err.value)
    assert ("empty_clip" if read == "record" else "context at byte] [12]") in str(err.value)


def write_odd_records(path, odd) -> None:
    """Two 4-frame records: ``clip0`` is plain JPEGs, ``clip1`` is ``odd(k, frame)`` bytes."""
    with tf.io.TFRecordWriter(str(path)) as writer:
        for n, encode in enumerate([lambda k, frame: tf.io.encode_jpeg(frame), odd]):
            example = tf.train.SequenceExample()
            example.context.feature["example/id"].bytes_list.value.append(f"clip{n}".encode())
            frames = example.feature_lists.feature_list["image/encoded"].feature
            for k in range(4):
                frames.add().bytes_list.value.append(encode(k, index_frame(k)).numpy())
            writer.write(example.SerializeToString())
    record_index.index_shard(path)


def first_reads_second_fails(path, match: str, **kw):
    """Reads ``clip0``, then returns the error ``clip1`` raises (it must raise one)."""
    kw = {"num_frames": 2, "sampling": "middle", **kw}
    it = iter(pipeline.build_dataset(str(path), image_size=SIZE, batch_size=1, **kw))
    assert next(it)["id"].numpy().tolist() == [b"clip0"]  # the good record reads
    with pytest.raises(tf.errors.OpError, match=match) as err:
        next(it)
    return str(err.value)


MODES = {"record": {"read": "record"}, "index": {"read": "index"},
         "decode_all": {"decode_all": True}}  # fmt: skip


@pytest.mark.parametrize("read", list(MODES))
def test_png_frames_are_an_error_naming_the_record_and_shard(tmp_path, read):
    # MediaSequence allows PNG frames; this reader decodes JPEG only, and must say where.
    path = tmp_path / "pngs.tfrecord"
    write_odd_records(path, lambda k, frame: tf.io.encode_png(frame))
    message = first_reads_second_fails(path, "not a JPEG", **MODES[read])
    where = "context at byte" if read == "index" else "clip1"  # (no id before the parse)
    assert where in message and "pngs.tfrecord" in message


@pytest.mark.parametrize("read", [*MODES, "all", "train"])
def test_frames_of_mixed_sizes_are_an_error_naming_the_record_and_shard(tmp_path, read):
    # TensorFlow's own error here ("Shapes of all inputs must match") names neither.
    path = tmp_path / "mixed.tfrecord"
    write_odd_records(path, lambda k, frame: tf.io.encode_jpeg(frame[: SIZE - 8 * (k == 3)]))
    # (shuffle_buffer=1: the record order must not depend on TensorFlow's global seed, which
    # tests run earlier in the same process may have set)
    kw = {"all": {"sampling": "all", "num_frames": None},
          "train": {"training": True, "shuffle_buffer": 1}, **MODES}[read]  # fmt: skip
    message = first_reads_second_fails(path, "frames of different sizes", **{"num_frames": 4, **kw})
    assert "clip1" in message and "mixed.tfrecord" in message


def test_all_mode_pads_and_masks(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [3, 7])
    ds = pipeline.build_dataset(
        str(path), num_frames=None, sampling="all", stride=2, image_size=SIZE, batch_size=2
    )
    (batch,) = batches(ds)
    assert batch["image"].shape == (2, 4, SIZE, SIZE, 3)
    assert batch["mask"].sum(axis=1).tolist() == [2, 4]
    assert clip_indices(batch["image"][1]) == [0, 2, 4, 6]
    assert clip_indices(batch["image"][0][:2]) == [0, 2]
    assert np.all(batch["image"][0][2:] == 0.0)
    rotate = augment.AugmentConfig(max_degrees=40, min_crop_scale=1.0, max_brightness=0,
                                   max_contrast=0)  # fmt: skip
    kw = dict(num_frames=None, sampling="all", stride=2, image_size=SIZE, batch_size=2)
    train = pipeline.build_dataset(str(path), training=True, augment=rotate, **kw)
    (turned,) = batches(train)
    assert turned["image"].shape == batch["image"].shape  # training augments "all" too
    assert np.abs(turned["image"] - batch["image"]).mean() > 0.01


def test_gzip_and_plain_give_the_same_batches(tmp_path):
    plain, gz = tmp_path / "a.tfrecord", tmp_path / "a.tfrecord.gz"
    write_records(plain, [20, 12, 9])
    write_records(gz, [20, 12, 9])
    kw = dict(num_frames=6, image_size=SIZE, batch_size=3, seed=5, training=True)
    got_plain = batches(pipeline.build_dataset(str(plain), **kw))
    got_gz = batches(pipeline.build_dataset(str(gz), **kw))
    got_forced = batches(pipeline.build_dataset(str(gz), compressed=True, **kw))
    for other in (got_gz, got_forced):
        np.testing.assert_array_equal(got_plain[0]["image"], other[0]["image"])
        assert list(got_plain[0]["id"]) == list(other[0]["id"])


def test_same_seed_same_batches_and_outputs(tmp_path):
    write_records(tmp_path / "a.tfrecord", [30] * 4)
    write_records(tmp_path / "b.tfrecord", [25] * 4, start_id=4)
    kw = dict(num_frames=8, image_size=48, batch_size=4, training=True, shuffle_buffer=8)
    pattern = str(tmp_path / "*.tfrecord")
    one = batches(pipeline.build_dataset(pattern, seed=7, **kw))
    two = batches(pipeline.build_dataset(pattern, seed=7, **kw))
    other = batches(pipeline.build_dataset(pattern, seed=8, **kw))
    assert len(one) == 2
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a["image"], b["image"])
        assert a["id"].tolist() == b["id"].tolist()
    assert not np.array_equal(one[0]["image"], other[0]["image"])
    assert 0.0 <= one[0]["image"].min() and one[0]["image"].max() <= 1.0
    assert sorted(x for b in one for x in b["id"].tolist()) == [
        f"clip{i:03d}".encode() for i in range(8)
    ]


def test_each_epoch_draws_new_windows_in_training_and_the_same_ones_in_eval(tmp_path):
    # model.fit(epochs=N) iterates a finite dataset N times: each pass must draw anew. One clip,
    # so that a reshuffle cannot hand an old draw to another clip and pass for a new one.
    write_records(tmp_path / "a.tfrecord", [60])
    kw = dict(num_frames=4, image_size=32, batch_size=1, seed=5, return_indices=True,
              drop_remainder=False)  # fmt: skip

    def epochs(ds, n=3):
        return [batches(ds)[0]["frame_index"][0].tolist() for _ in range(n)]

    train = epochs(pipeline.build_dataset(str(tmp_path / "a.tfrecord"), training=True, **kw))
    again = epochs(pipeline.build_dataset(str(tmp_path / "a.tfrecord"), training=True, **kw))
    assert train == again  # the same seed gives the same sequence of epochs
    assert train[0] != train[1] and train[1] != train[2]
    evals = epochs(pipeline.build_dataset(str(tmp_path / "a.tfrecord"), **kw))
    assert evals[0] == evals[1] == evals[2]


def test_a_numpy_integer_image_size(tmp_path):
    write_records(tmp_path / "a.tfrecord", [6])
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=2,
                                image_size=np.int64(24), batch_size=1)  # fmt: skip
    assert batches(ds)[0]["image"].shape == (1, 2, 24, 24, 3)


def test_one_rotation_angle_per_clip_through_the_pipeline(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [6] * 4, same_content=True)  # identical clips, different ids
    cfg = augment.AugmentConfig(
        max_degrees=40, min_crop_scale=1.0, max_brightness=0, max_contrast=0
    )
    ds = pipeline.build_dataset(
        str(path), num_frames=6, image_size=SIZE, batch_size=4, training=True, seed=3, augment=cfg
    )
    (batch,) = batches(ds)
    original = tf.constant(np.stack([index_frame(k) for k in range(6)]), tf.float32) / 255.0
    angles = []
    turn = tf.function(lambda a: tf.map_fn(lambda x: augment.rotate_clip(original, x), a))
    for clip in batch["image"]:

        def errors(candidates, clip=clip) -> np.ndarray:  # [angle, frame]: mean |difference|
            turned = turn(tf.constant(candidates, tf.float32)).numpy()
            return np.abs(turned - clip[None]).mean(axis=(2, 3, 4))

        # Find the clip's angle by search (coarse, then fine), not from the pipeline's seeds.
        # The reference is TF's projective op, on float frames. The pipeline warps in uint8
        # (rounding) and clamps at the frame edge instead of blending with the fill.
        angle = 0.0
        for step in (0.02, 0.001, 0.0001):
            coarse = step == 0.02
            fine = angle + step * np.arange(-20, 21)
            candidates = np.arange(-0.72, 0.72, step) if coarse else fine
            angle = float(candidates[np.argmin(errors(candidates).mean(axis=1))])
        angles.append(angle)
        near = errors([angle, angle - 0.005, angle + 0.005, angle + 0.01])
        assert near[0].mean() < 2e-3
        assert near[3].mean() > 2 * near[0].mean()  # a 0.01 rad error is already visible
        # Each frame on its own is turned by that angle (frame 0 is flat: no angle to see).
        assert (near[0, 1:] < 4e-3).all()
        assert (near[0, 1:] < np.minimum(near[1, 1:], near[2, 1:])).all()
    assert len({round(a, 4) for a in angles}) == 4
    assert max(angles) - min(angles) > 0.05


def test_as_tuple_and_one_hot(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [10, 10, 10])
    ds = pipeline.build_dataset(
        str(path),
        num_frames=4,
        image_size=32,
        batch_size=2,
        as_tuple=True,
        num_classes=3,
        sampling="middle",
    )
    image, label = next(iter(ds))
    assert image.shape == (2, 4, 32, 32, 3)
    assert label.numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    d = next(
        iter(
            pipeline.build_dataset(
                str(path), num_frames=4, image_size=(32, 48), batch_size=3, sampling="middle"
            )
        )
    )
    assert d["image"].shape == (3, 4, 32, 48, 3)
    assert d["label"].numpy().tolist() == [0, 1, 2]
    assert d["label_name"].numpy().tolist() == [b"class0", b"class1", b"class2"]


def test_missing_file_is_named(tmp_path):
    write_records(tmp_path / "a.tfrecord", [5])
    missing = tmp_path / "nope.tfrecord"
    with pytest.raises(RecordFileError, match="nope.tfrecord"):
        pipeline.build_dataset([str(tmp_path / "a.tfrecord"), str(missing)], num_frames=2)
    with pytest.raises(RecordFileError, match=r"zzz-\*"):
        pipeline.build_dataset(str(tmp_path / "zzz-*.tfrecord"), num_frames=2)


@pytest.mark.parametrize("name", ["cut.tfrecord", "cut.tfrecord.gz"])
def test_truncated_file_is_named(tmp_path, name):
    good, bad = tmp_path / name.replace("cut", "whole"), tmp_path / name
    write_records(good, [8, 8])
    data = good.read_bytes()
    bad.write_bytes(data[: len(data) * 2 // 3])
    assert check_record_file(str(good)) == 2
    with pytest.raises(RecordFileError) as error:
        pipeline.build_dataset([str(good), str(bad)], num_frames=2)
    assert str(bad) in str(error.value) and str(good) not in str(error.value)
    (tmp_path / "empty.tfrecord").write_bytes(b"")
    with pytest.raises(RecordFileError, match="empty.tfrecord: empty"):
        pipeline.build_dataset(str(tmp_path / "empty.tfrecord"), num_frames=2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sampling"):
        pipeline.frame_indices(10, 4, sampling="sideways")
    with pytest.raises(ValueError, match="short"):
        pipeline.frame_indices(10, 4, sampling="middle", short="crash")
    for bad in (dict(stride=0), dict(num_clips=0)):
        with pytest.raises(ValueError, match="stride and num_clips"):
            pipeline.frame_indices(10, 4, sampling="linspace", **bad)
    one = pipeline.frame_indices(40, 8, sampling="linspace", num_clips=1, stride=2)[0]
    middle = pipeline.frame_indices(40, 8, sampling="middle", stride=2)[0]
    assert one.numpy().tolist() == [middle.numpy().tolist()]  # one view: the middle window
    idx, valid = pipeline.frame_indices(0 + 2, 4, sampling="middle", short="pad")
    assert idx.numpy().tolist() == [0, 1, 1, 1]
    assert valid.numpy().tolist() == [True, True, False, False]


def test_decode_all_gives_the_same_output(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [30, 12])
    kw = dict(num_frames=5, stride=2, image_size=SIZE, batch_size=2, seed=2, training=True)
    fast = batches(pipeline.build_dataset(str(path), **kw))
    slow = batches(pipeline.build_dataset(str(path), decode_all=True, **kw))
    np.testing.assert_array_equal(fast[0]["image"], slow[0]["image"])


def test_decode_all_gives_the_same_output_with_every_augmentation_on_wide_frames(tmp_path):
    # 3:2 frames into a square output: the window is a part of the frame, and the colour jitter's
    # mean, the crop box and the rotation's edges must come out the same on both paths.
    path = tmp_path / "wide.tfrecord"
    write_records(path, [30, 12, 7], wide=True)
    kw = dict(num_frames=5, stride=2, image_size=SIZE, batch_size=3, seed=4, training=True,
              augment=augment.AugmentConfig(min_crop_scale=0.6))  # fmt: skip
    fast = batches(pipeline.build_dataset(str(path), **kw))
    slow = batches(pipeline.build_dataset(str(path), decode_all=True, **kw))
    np.testing.assert_array_equal(fast[0]["image"], slow[0]["image"])
    kw.update(num_frames=None, sampling="all")  # variable length: no warp, cropped all the same
    fast = batches(pipeline.build_dataset(str(path), **kw))
    slow = batches(pipeline.build_dataset(str(path), decode_all=True, **kw))
    np.testing.assert_array_equal(fast[0]["image"], slow[0]["image"])


READ_CASES = {
    "random+augment": dict(num_frames=5, stride=2, training=True,
                           augment=augment.AugmentConfig(max_degrees=30)),  # fmt: skip
    "middle": dict(num_frames=6, sampling="middle"),
    "linspace": dict(num_frames=3, sampling="linspace", num_clips=3),
    "all": dict(num_frames=None, sampling="all", stride=3),
    "pad": dict(num_frames=9, sampling="middle", short="pad"),
}


@pytest.mark.parametrize("case", sorted(READ_CASES))
def test_index_reads_and_whole_record_reads_give_the_same_batches(tmp_path, case):
    write_records(tmp_path / "a.tfrecord", [30, 4, 17, 50])
    write_records(tmp_path / "b.tfrecord", [8, 22, 3], start_id=4)
    kw = dict(image_size=SIZE, batch_size=2, seed=4, return_indices=True, **READ_CASES[case])
    pattern = str(tmp_path / "*.tfrecord")
    via_index = batches(pipeline.build_dataset(pattern, read="index", **kw))
    via_record = batches(pipeline.build_dataset(pattern, read="record", **kw))
    assert len(via_index) == len(via_record) >= 3
    for a, b in zip(via_index, via_record, strict=True):
        assert sorted(a) == sorted(b)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    clip = via_index[0]["image"][0]
    chosen = via_index[0]["frame_index"][0]
    if case in ("middle", "all", "pad"):  # the pixels really are the chosen frames
        first = via_index[0]
        valid = first["mask"][0] if "mask" in first else np.ones(len(chosen), bool)
        assert clip_indices(clip[valid]) == list(np.asarray(chosen)[valid])


def test_index_reads_only_the_context_and_the_chosen_frames(tmp_path, monkeypatch):
    path = tmp_path / "long.tfrecord"
    write_records(path, [200, 200])
    requested = []
    real = record_index.read_ranges

    def spy(name, starts, lengths, crcs):
        requested.append(int(lengths.sum()))
        return real(name, starts, lengths, crcs)

    monkeypatch.setattr(record_index, "read_ranges", spy)
    ds = pipeline.build_dataset(str(path), num_frames=8, image_size=SIZE, batch_size=2,
                                read="index")  # fmt: skip
    assert len(batches(ds)) == 1
    record_bytes = path.stat().st_size / 2
    assert len(requested) == 2 and max(requested) < record_bytes * 12 / 200  # 8 of 200 frames


def test_auto_falls_back_to_whole_records_and_says_so(tmp_path, monkeypatch):
    plain, gz = tmp_path / "a.tfrecord", tmp_path / "b.tfrecord.gz"
    write_records(plain, [12, 9], index=False)
    write_records(gz, [12, 9])
    with pytest.warns(UserWarning, match="no current index"):
        assert pipeline.read_mode([str(plain)]) == ("record", None)
    assert pipeline.read_mode([str(gz)]) == ("record", None)  # GZIP: expected, no warning
    with pytest.raises(RecordFileError, match=r"b\.tfrecord\.gz: no current index"):
        pipeline.build_dataset(str(gz), num_frames=2, read="index")
    with pytest.raises(ValueError, match="read must be"):
        pipeline.build_dataset(str(gz), num_frames=2, read="sideways")
    record_index.index_shard(plain)
    mode, indexes = pipeline.read_mode([str(plain)])
    assert mode == "index" and indexes == [record_index.index_path(plain)]
    # With record counts (build_dataset validates), small records are cheaper to read whole.
    monkeypatch.setattr(pipeline_source, "SMALL_RECORD_BYTES", plain.stat().st_size / 2 + 1)
    assert pipeline.read_mode([str(plain)], counts=[2]) == ("record", None)
    monkeypatch.setattr(pipeline_source, "SMALL_RECORD_BYTES", plain.stat().st_size / 2)
    assert pipeline.read_mode([str(plain)], counts=[2])[0] == "index"


def test_a_stale_or_cut_index_path_names_the_file(tmp_path):
    path = tmp_path / "a.tfrecord"
    write_records(path, [20, 20])
    data = path.read_bytes()
    ds = pipeline.build_dataset(str(path), num_frames=4, image_size=SIZE, batch_size=1,
                                read="index")  # fmt: skip
    path.write_bytes(data[: len(data) // 3])  # the shard shrinks after the dataset was built
    with pytest.raises(tf.errors.OpError, match="a.tfrecord: short read"):
        batches(ds)
    assert record_index.current_index(path) is None  # a size mismatch: the index is stale
    with pytest.raises(RecordFileError, match="a.tfrecord: no current index"):
        pipeline.build_dataset(str(path), num_frames=4, read="index", validate=False)
    with pytest.raises(RecordFileError, match="a.tfrecord: truncated"):
        pipeline.build_dataset(str(path), num_frames=4)  # validation still names it


def test_eval_with_repeat_reads_the_same_windows_every_pass(tmp_path):
    write_records(tmp_path / "a.tfrecord", [60, 60, 60])
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=4, image_size=16,
                                batch_size=3, seed=2, repeat=True, return_indices=True)  # fmt: skip
    passes = [b["frame_index"][:, 0].numpy().tolist() for b in ds.take(3)]
    assert passes[0] == passes[1] == passes[2]


def test_every_window_start_is_reachable_including_the_last(tmp_path):
    write_records(tmp_path / "a.tfrecord", [8])  # 8 frames, windows of 5: starts 0..3
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=5, image_size=16,
                                batch_size=1, training=True, augment=NO_AUG, repeat=True,
                                return_indices=True)  # fmt: skip
    starts = {int(b["frame_index"][0, 0]) for b in ds.take(60)}
    assert starts == {0, 1, 2, 3}


def test_as_tuple_is_the_dict_forms_image_and_warns_that_it_drops_the_mask(tmp_path):
    write_records(tmp_path / "a.tfrecord", [10, 12])
    kw = dict(num_frames=4, image_size=24, batch_size=2, sampling="middle")
    pair = next(iter(pipeline.build_dataset(str(tmp_path / "a.tfrecord"), as_tuple=True, **kw)))
    full = next(iter(pipeline.build_dataset(str(tmp_path / "a.tfrecord"), **kw)))
    np.testing.assert_array_equal(pair[0].numpy(), full["image"].numpy())
    np.testing.assert_array_equal(pair[1].numpy(), full["label"].numpy())
    with pytest.warns(UserWarning, match="drops the padding mask"):
        pipeline.build_dataset(str(tmp_path / "a.tfrecord"), as_tuple=True, short="pad", **kw)


def test_all_mode_caps_at_num_frames(tmp_path):
    write_records(tmp_path / "a.tfrecord", [30, 9])
    kw = dict(sampling="all", stride=2, image_size=16, batch_size=2, return_indices=True)
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=6, **kw)
    batch = batches(ds)[0]
    assert batch["image"].shape[1] == 6
    assert batch["frame_index"][0].tolist() == [0, 2, 4, 6, 8, 10]
    assert batch["mask"].sum(axis=1).tolist() == [6, 5]  # the 9-frame clip has 5 frames


def test_the_centre_crop_keeps_the_aspect_ratio(tmp_path):
    # A 3:2 frame into a square output: the centre square is kept, the sides are cut, not
    # squashed. Frame k's left third is black and its right two thirds white.
    frames = np.zeros((2, 32, 48, 3), np.uint8)
    frames[:, :, 16:] = 255
    clip = Clip(frames, np.arange(2) / 25.0, 25.0, 25.0, 2, 2, "x.avi")
    with tf.io.TFRecordWriter(str(tmp_path / "a.tfrecord")) as w:
        item = VideoItem(id="wide", path="x.avi", label="a")
        w.write(records.clip_to_example(clip, item, 0).SerializeToString())
    record_index.index_shard(tmp_path / "a.tfrecord")
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=2, image_size=32,
                                batch_size=1, sampling="middle")  # fmt: skip
    image = batches(ds)[0]["image"][0, 0, :, :, 0]  # the square [0:32, 8:40] of the frame
    assert image[:, :6].max() < 0.1 and image[:, 10:].min() > 0.9  # black edge at column 8
    # squashed, the black third would span 32 / 3 ~ 10.7 columns instead of 8


def test_contrast_jitter_pivots_on_the_windows_colour(tmp_path):
    # A grey centre between black bars that the square window cuts away: contrast alone must
    # keep the window's mean (the bars' black must not count).
    frames = np.zeros((4, 32, 64, 3), np.uint8)
    frames[:, :, 16:48] = 204
    clip = Clip(frames, np.arange(4) / 25.0, 25.0, 25.0, 4, 4, "x.avi")
    with tf.io.TFRecordWriter(str(tmp_path / "a.tfrecord")) as w:
        for n in range(4):
            item = VideoItem(id=f"c{n}", path="x.avi", label="a")
            w.write(records.clip_to_example(clip, item, 0).SerializeToString())
    record_index.index_shard(tmp_path / "a.tfrecord")
    cfg = augment.AugmentConfig(max_degrees=0, min_crop_scale=1.0, max_brightness=0,
                                max_contrast=0.5)  # fmt: skip
    ds = pipeline.build_dataset(str(tmp_path / "a.tfrecord"), num_frames=4, image_size=16,
                                batch_size=4, training=True, augment=cfg, seed=3)  # fmt: skip
    means = batches(ds)[0]["image"].mean(axis=(1, 2, 3, 4))
    np.testing.assert_allclose(means, 0.8, atol=0.01)


def test_unsupported_interpolation_or_fill_is_an_error():
    with pytest.raises(ValueError, match="interpolation"):
        augment.AugmentConfig(interpolation="bicubic")
    with pytest.raises(ValueError, match="fill_value"):
        augment.AugmentConfig(fill_value=1.5)
    with pytest.raises(ValueError, match="interpolation"):
        augment.rotate_clip(tf.zeros([1, 8, 8, 3]), 0.3, interpolation="area")
