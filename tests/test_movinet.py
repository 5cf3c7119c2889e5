"""Tests for helpers.movinet: inference, loading and the Model Garden builder (small, CPU-fast)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from helpers import config, frames, movinet
from helpers.movinet import labels as movinet_labels
from helpers.movinet import load as movinet_load
from helpers.sample.data import write_index_video

NUM_CLASSES = 7
T, SIZE = 8, 64


@pytest.fixture(scope="module")
def pair():
    """Offline base + stream stand-ins: built by load_movinet, sharing one set of random weights."""
    base = movinet.load_movinet("a0", "base", source="offline", num_classes=NUM_CLASSES)
    stream = movinet.load_movinet("a0", "stream", source="offline", num_classes=NUM_CLASSES)
    return base, stream


@pytest.fixture(scope="module")
def clip():
    return tf.random.stateless_uniform([T, SIZE, SIZE, 3], seed=(1, 2))


def test_standin_is_marked_untrained(pair):
    base, stream = pair
    for model in pair:
        assert model.untrained and model.keras_model is not None
        assert "UNTRAINED" in model.description and "UNTRAINED" in model.tag
    assert (base.mode, stream.mode) == ("base", "stream")
    assert base.resolution == 172 and base.num_classes == NUM_CLASSES


def test_stream_final_logits_equal_base(pair, clip):
    base, stream = pair
    base_logits = base(clip[tf.newaxis]).numpy()
    states = stream.init_states(clip[tf.newaxis].shape)
    for i in range(T):
        logits, states = stream({**states, "image": clip[tf.newaxis, i : i + 1]})
    assert logits.shape == (1, NUM_CLASSES)
    assert np.abs(logits.numpy() - base_logits).max() <= 1e-4


def test_stream_probabilities_are_fresh_not_stale(pair, clip):
    base, stream = pair
    probs = movinet.stream_probabilities(stream, clip)
    assert probs.shape == (T, NUM_CLASSES)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)
    # The seed appended the first frame's logits every step: rows would all be equal.
    assert np.abs(probs[0] - probs[-1]).max() > 1e-6
    # The last row is the prediction after the whole clip, i.e. the (causal) base output.
    np.testing.assert_allclose(probs[-1], movinet.classify(base, clip), atol=1e-5)


def test_chunked_streaming_equals_frame_by_frame(pair, clip):
    _, stream = pair
    other = tf.random.stateless_uniform([T, SIZE, SIZE, 3], seed=(3, 4)) ** 3
    video = tf.stack([clip, other])  # a batch of two different clips
    per_frame = movinet.stream_probabilities(stream, video)
    chunked = movinet.stream_probabilities(stream, video, chunk_size=4)
    assert per_frame.shape == (2, T, NUM_CLASSES) and chunked.shape == (2, T // 4, NUM_CLASSES)
    np.testing.assert_allclose(chunked, per_frame[:, 3::4], atol=1e-5)
    alone = movinet.stream_probabilities(stream, other)  # batch items do not mix
    np.testing.assert_allclose(per_frame[1], alone, atol=1e-5)


def test_stream_rejects_base_model_and_bad_chunk(pair, clip):
    base, stream = pair
    with pytest.raises(ValueError, match="stream"):
        movinet.stream_probabilities(base, clip)
    with pytest.raises(ValueError, match="chunk_size"):
        movinet.stream_probabilities(stream, clip, chunk_size=0)
    with pytest.raises(TypeError, match="init_states"):
        base.init_states([1, 1, SIZE, SIZE, 3])


def test_get_top_k_known_vector():
    probs = np.array([0.05, 0.5, 0.1, 0.3, 0.05])
    top = movinet.get_top_k(probs, list("abcde"), k=3)
    assert [label for label, _ in top] == ["b", "d", "c"]
    assert [p for _, p in top] == pytest.approx([0.5, 0.3, 0.1])


def test_streaming_top_k_keeps_final_top1_and_early_leader():
    labels = [f"c{i}" for i in range(6)]
    probs = np.full((6, 6), 0.01)
    probs[:4, 2] = 0.9  # class 2 leads for four frames, then fades to third place
    probs[4:, 2] = 0.03
    probs[4:, 5] = 0.9  # class 5 wins at the end
    probs[:, 1] = 0.05  # class 1 is the steady runner-up
    probs /= probs.sum(1, keepdims=True)
    top = movinet.streaming_top_k(probs, labels, k=2)
    assert top.indices.tolist() == [5, 1]  # final top-1 first, then the most frequent
    top3 = movinet.streaming_top_k(probs, labels, k=3)
    # classes 1 and 2 are in the per-frame top-3 on all 6 frames; 2 has the higher peak
    assert top3.indices.tolist() == [5, 2, 1] and top3.labels == ["c5", "c2", "c1"]
    np.testing.assert_allclose(top3.probs, probs[:, [5, 2, 1]].T)


def test_label_count_mismatch_raises():
    with pytest.raises(ValueError, match="3 names but the model has 5 classes"):
        movinet.get_top_k(np.full(5, 0.2), ["a", "b", "c"])
    with pytest.raises(ValueError, match="classes"):
        movinet.streaming_top_k(np.full((2, 5), 0.2), ["a"])
    with pytest.raises(ValueError):
        movinet.check_class_names(["x"] * 599, 600)


def test_offline_labels():
    generic = movinet.load_labels(NUM_CLASSES, offline=True)
    assert generic[3] == "class_003 (untrained)" and len(generic) == NUM_CLASSES
    labels = movinet.load_labels(600, offline=True)
    assert len(labels) == 600
    if config.shared_media() is not None:
        assert labels[0] == "abseiling"


def test_labels_for_prefers_the_models_own_labels(tmp_path, monkeypatch):
    def fake(labels, num_classes, untrained=False):
        return movinet.MovinetModel(
            object(), model_id="a0", mode="base", resolution=172, num_classes=num_classes,
            source="/tmp/export", untrained=untrained, labels=labels,
        )  # fmt: skip

    assert movinet.labels_for(fake(["x", "y"], 2)) == ["x", "y"]
    assert movinet.labels_for(fake(None, 3)) == [f"class_{i:03d}" for i in range(3)]  # trained
    untrained = movinet.labels_for(fake(None, 3, untrained=True))
    assert untrained == [f"class_{i:03d} (untrained)" for i in range(3)]
    # A cached Kinetics-600 list (after one online run) is for 600-class models only.
    monkeypatch.setattr(movinet_labels.config, "DATA_DIR", tmp_path)
    (tmp_path / "labels").mkdir()
    names = "".join(f"k{i}\n" for i in range(600))
    (tmp_path / "labels" / "kinetics_600_labels.txt").write_text(names)
    assert movinet.load_labels(600, offline=True)[:2] == ["k0", "k1"]
    assert movinet.load_labels(6, offline=True)[0] == "class_000 (untrained)"
    assert "local SavedModel" in fake(None, 3).description
    with pytest.raises(ValueError, match="1 names but the model has 2"):
        movinet.labels_for(fake(["x"], 2))


@pytest.mark.parametrize("how", ["source", "config.OFFLINE"])
def test_offline_stand_ins_say_why_they_are_untrained(monkeypatch, capsys, how):
    monkeypatch.setattr(movinet_load, "_standin", lambda *args: object())  # no build: fast
    monkeypatch.setattr(movinet_load.config, "OFFLINE", how == "config.OFFLINE")
    model = movinet.load_movinet("a0", source="offline" if how == "source" else "auto")
    out = capsys.readouterr().out
    assert model.untrained and "UNTRAINED" in out and "offline" in out


def test_failed_download_falls_over_fast_with_clear_message(monkeypatch, capsys):
    class BuildingError(Exception):
        pass

    started = time.perf_counter()
    elapsed = {}

    def fake_standin(model_id, mode, num_classes):
        elapsed["s"] = time.perf_counter() - started
        raise BuildingError

    monkeypatch.setattr(movinet_load.config, "OFFLINE", False)
    monkeypatch.setattr(movinet_load, "hub_handle", lambda *a: "https://movinet.invalid/a0/3")
    monkeypatch.setattr(movinet_load, "_standin", fake_standin)
    with pytest.raises(BuildingError):
        movinet_load.load_movinet("a0", "stream")
    assert elapsed["s"] < 10.0
    out = capsys.readouterr().out
    assert "https://movinet.invalid/a0/3" in out and "UNTRAINED" in out
    with pytest.raises(RuntimeError, match="movinet.invalid"):
        movinet_load.load_movinet("a0", "base", source="hub")


def test_bad_arguments():
    with pytest.raises(ValueError, match="model id"):
        movinet.load_movinet("a9")
    with pytest.raises(ValueError, match="mode"):
        movinet.load_movinet("a0", "fast")
    with pytest.raises(FileNotFoundError):
        movinet.load_movinet("a0", source="/nonexistent/saved_model")


def test_handles_and_resolutions():
    assert movinet.hub_handle("a2", "stream", 3) == (
        "https://tfhub.dev/tensorflow/movinet/a2/stream/kinetics-600/classification/3"
    )
    assert [movinet.resolution_for(m) for m in movinet.MODEL_IDS] == [172, 172, 224, 256, 290, 320]


def test_load_video_gif_and_avi(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (5, 48, 80, 3), dtype=np.uint8)
    gif = tmp_path / "clip.gif"
    from PIL import Image

    images = [Image.fromarray(f) for f in rgb]
    images[0].save(gif, save_all=True, append_images=images[1:], duration=100, loop=0)
    video = movinet.load_video(gif, resolution=32)
    assert video.shape == (5, 32, 32, 3) and video.dtype == tf.float32
    assert 0.0 <= float(tf.reduce_min(video)) and float(tf.reduce_max(video)) <= 1.0
    avi = write_index_video(tmp_path / "clip.avi", num_frames=6, fps=10, size=(48, 80))
    video = movinet.load_video(avi, resolution=32, max_frames=4)
    assert video.shape == (4, 32, 32, 3)
    bad = tmp_path / "bad.gif"
    bad.write_bytes(b"not a gif")
    with pytest.raises(frames.VideoDecodeError, match="bad.gif"):
        movinet.load_video(bad)


def test_copy_weights_checks_shapes():
    import tf_keras

    def dense(units):
        return tf_keras.Sequential([tf_keras.Input([5]), tf_keras.layers.Dense(units)])

    a, b, c = dense(3), dense(3), dense(4)
    movinet.copy_weights(a, b)
    np.testing.assert_array_equal(a.weights[0].numpy(), b.weights[0].numpy())
    with pytest.raises(ValueError, match="models differ"):
        movinet.copy_weights(a, c)


def test_importing_the_model_garden_keeps_the_notebooks_plot_backend():
    """Model Garden calls ``matplotlib.use("Agg")`` on import: a notebook's figures would vanish.

    Switching back afterwards is not enough (the inline display hooks are gone by then), so no
    backend switch may happen at all.
    """
    code = ("import matplotlib; calls = []; matplotlib.use = lambda *a, **k: calls.append(a); "
            "import helpers.movinet; print(calls, matplotlib.get_backend())")  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=str(config.ROOT))  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "[] module://matplotlib_inline.backend_inline"
