"""Tests for helpers.train's exports: SavedModels and every TFLite format agree (tiny A0)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import tensorflow as tf

from helpers import movinet, train
from helpers.movinet.models import build_movinet_classifier
from helpers.train import export, formats

RES, FRAMES, CLASSES = 32, 6, 4
LABELS = ["clap", "jump", "spin cw", "spin ccw"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    tf.keras.utils.set_random_seed(3)
    base = build_movinet_classifier("a0", CLASSES, norm_momentum=0.9)
    # Move the batch-norm statistics away from (0, 1) so that the test exercises them.
    for w in base.weights:
        if "moving_mean" in w.name:
            w.assign(tf.random.normal(w.shape, stddev=0.05))
    stream = export.stream_from_base(base, "a0", norm_momentum=0.9)
    rng = np.random.default_rng(0)
    calib_clips = rng.uniform(0, 1, (2, 3, RES, RES, 3)).astype(np.float32)
    calibration = formats.calibration_inputs(stream, calib_clips)
    lite = export.export_tflite_variants(
        stream,
        {out / "f.tflite": "float32", out / "q.tflite": True, out / "h.tflite": "float16",
         out / "i8.tflite": "int8"},
        resolution=RES,
        calibration=calibration,
    )  # fmt: skip
    paths = {
        "base": export.export_base(base, out / "base", labels=LABELS),
        "stream": export.export_stream(stream, out / "stream", labels=LABELS),
        "float": lite[0],
        "quant": lite[1],
        "float16": lite[2],
        "int8": lite[3],
    }
    video = rng.uniform(0, 1, (FRAMES, RES, RES, 3)).astype(np.float32)
    return base, paths, video, stream, calibration


def _stream_logits(model, video):
    states = model.init_states((1, 1, RES, RES, 3))
    rows = []
    for t in range(len(video)):
        logits, states = model({**states, "image": video[None, t : t + 1]})
        rows.append(np.asarray(logits)[0])
    return np.stack(rows)


def test_exported_stream_matches_exported_base(exported):
    keras_base, paths, video, *_ = exported
    base = movinet.load_movinet(source=paths["base"], mode="base")
    stream = movinet.load_movinet(source=paths["stream"], mode="stream")
    assert (base.mode, stream.mode, base.num_classes) == ("base", "stream", CLASSES)
    assert base.labels == stream.labels == LABELS == movinet.labels_for(base)  # labels.txt
    base_logits = np.asarray(base(video[None]))[0]
    assert base_logits.std() > 1e-3  # not a degenerate constant output
    keras_logits = keras_base({"image": video[None]}).numpy()[0]
    np.testing.assert_allclose(base_logits, keras_logits, atol=1e-5)
    per_frame = _stream_logits(stream, video)
    diff = np.abs(per_frame[-1] - base_logits).max()
    print(f"stream vs base logits: max abs diff {diff:.2e}")
    assert diff <= 1e-4
    probs = movinet.stream_probabilities(stream, video)
    assert probs.shape == (FRAMES, CLASSES)
    np.testing.assert_allclose(probs[-1], tf.nn.softmax(base_logits).numpy(), atol=1e-5)


def test_tflite_stream_top1_equals_savedmodel_stream(exported):
    _, paths, video, *_ = exported
    stream = movinet.load_movinet(source=paths["stream"], mode="stream")
    reference = _stream_logits(stream, video)
    lite = train.TFLiteStream(paths["float"])
    assert lite.image_shape == (1, 1, RES, RES, 3)
    logits = lite.stream_logits(video)
    diff = np.abs(logits - reference).max()
    print(f"TFLite float vs SavedModel stream: max abs diff {diff:.2e}")
    np.testing.assert_array_equal(logits.argmax(1), reference.argmax(1))
    assert diff < 1e-3
    quant = train.TFLiteStream(paths["quant"]).stream_logits(video)
    assert quant.shape == reference.shape and np.isfinite(quant).all()
    qdiff = np.abs(quant - reference).max()
    print(f"TFLite int8-weight vs SavedModel stream: max abs diff {qdiff:.2e}")
    np.testing.assert_array_equal(quant.argmax(1), reference.argmax(1))  # top-1, every frame
    assert qdiff < 0.1  # measured 0.013 (logits' spread: std 0.19)


def test_sizes(exported):
    _, paths, *_ = exported
    sizes = {k: export.path_size(p) for k, p in paths.items()}
    assert all(s > 100_000 for s in sizes.values()), sizes
    assert sizes["quant"] < sizes["float"] / 2 and sizes["int8"] < sizes["float"] / 2
    assert sizes["float16"] < sizes["float"] * 0.6
    assert not list(paths["float"].parent.glob("*.incomplete"))  # written, then renamed


def test_labels_must_match_the_class_count(exported, tmp_path):
    keras_base, *_ = exported
    with pytest.raises(ValueError, match="3 labels for a model with 4 classes"):
        export.export_base(keras_base, tmp_path / "x", labels=LABELS[:3])
    assert not (tmp_path / "x").exists()


def test_stream_from_frozen_base_copies_every_weight():
    base = build_movinet_classifier("a0", CLASSES)
    base.backbone.trainable = False  # as after fine-tuning only the head: another weight order
    stream = export.stream_from_base(base, "a0")
    video = tf.random.uniform([1, 3, RES, RES, 3], seed=1)
    logits, _ = stream({**stream.init_states(tf.shape(video)), "image": video})
    np.testing.assert_allclose(logits.numpy(), base({"image": video}).numpy(), atol=1e-5)


def test_every_format_measured_against_the_savedmodel(exported):
    _, paths, video, *_ = exported
    clips = [video, video[::-1].copy(), video * 0.5]
    labels = np.array([0, 1, 2])
    named = {"stream SavedModel": paths["stream"], "TFLite float32": paths["float"],
             "TFLite float16": paths["float16"], "TFLite dynamic": paths["quant"],
             "TFLite int8": paths["int8"]}  # fmt: skip
    rows = formats.measure_formats(named, clips, labels)
    assert [r.name for r in rows] == list(named)
    ref = rows[0]
    manual = _stream_logits(movinet.load_movinet(source=paths["stream"], mode="stream"), video)
    np.testing.assert_allclose(ref.logits[0], manual[-1], atol=1e-5)  # last frame = the clip
    assert ref.accuracy == float((ref.logits.argmax(1) == labels).mean())
    for row in rows:
        print(f"{row.name}: max |logit diff| {row.max_logit_diff:.2e}, {row.ms_per_frame:.2f} ms")
        assert row.size_bytes == export.path_size(row.path) and row.ms_per_frame > 0
        assert np.isfinite(row.logits).all() and row.logits.shape == (3, CLASSES)
    assert rows[1].max_logit_diff < 1e-3 and rows[2].max_logit_diff < 1e-2
    assert rows[4].max_logit_diff > rows[1].max_logit_diff  # int8 really is quantized


def test_int8_layer_errors_and_selective_int8(exported, tmp_path):
    _, paths, video, stream, calibration = exported
    errors = formats.int8_layer_errors(stream, calibration, resolution=RES)
    assert len(errors) > 20
    ranks = [e.rmse_per_scale for e in errors]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0
    keep = [e.tensor for e in errors[:3]]
    path = formats.selective_int8(stream, calibration, tmp_path / "sel.tflite", resolution=RES,
                                  keep_float=keep)  # fmt: skip
    interpreter = train.TFLiteStream(path).interpreter
    dtypes = {d["name"]: d["dtype"] for d in interpreter.get_tensor_details()}
    assert all(dtypes.get(name) == np.float32 for name in keep)  # those layers stayed float
    full_int8 = train.TFLiteStream(paths["int8"]).interpreter
    full = {d["name"]: d["dtype"] for d in full_int8.get_tensor_details()}
    assert any(full.get(name) == np.int8 for name in keep)  # ...and were int8 before
    logits = train.TFLiteStream(path).stream_logits(video)
    assert np.isfinite(logits).all()


def test_exports_say_nothing_a_learner_would_mistake_for_a_problem(
    exported, tmp_path, capfd, caplog
):
    caplog.set_level(logging.INFO)  # as in a notebook kernel that shows INFO records
    _, _, video, stream, _ = exported
    capfd.readouterr()
    path = export.export_tflite_variants(stream, {tmp_path / "x.tflite": "float32"},
                                         resolution=RES)[0]  # fmt: skip
    train.TFLiteStream(path).stream_logits(video[:2])
    export.export_stream(stream, tmp_path / "stream")
    said = capfd.readouterr()
    for noise in ("Ignored output_format", "fully_quantize", "XNNPACK", "Assets written"):
        assert noise not in said.out + said.err, noise
    assert not [r for r in caplog.records if "Assets written" in r.getMessage()]
