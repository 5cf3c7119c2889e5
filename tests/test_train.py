"""Tests for helpers.train: the trainer and its evaluation (tiny model, synthetic clips)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers import config, train
from helpers.movinet.models import build_movinet_classifier
from helpers.train import evaluation as train_eval

CFG = train.TrainConfig(num_classes=3, num_frames=4, resolution=32, batch_size=6, seed=1)
STEPS = 6


def _batch() -> tuple[tf.Tensor, tf.Tensor]:
    """Six clips whose class is visible (brightness) so a few steps can fit them."""
    rng = np.random.default_rng(0)
    label = np.array([0, 1, 2, 0, 1, 2], np.int32)
    video = rng.uniform(0, 0.2, (6, CFG.num_frames, 32, 32, 3)).astype(np.float32)
    video += 0.35 * label[:, None, None, None, None]
    return tf.constant(video), tf.constant(label)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt")
    model = train.build_model(CFG)
    trainer = train.Trainer(model, ckpt, learning_rate=3e-3)
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    trainer.fit(
        ds,
        epochs=1,
        steps_per_epoch=STEPS,
        progress=False,
        eval_ds=tf.data.Dataset.from_tensors(_batch()),
    )
    return trainer, ckpt


def test_a_few_steps_lower_the_loss(trained):
    trainer, _ = trained
    losses = trainer.step_losses
    assert len(losses) == STEPS
    assert np.isfinite(losses).all()
    assert min(losses[-2:]) < losses[0], losses
    row = trainer.history[0]
    assert row["epoch"] == 1 and row["step"] == STEPS and 0.0 <= row["test_accuracy"] <= 1.0


def test_resume_continues_the_step_count(trained):
    trainer, ckpt = trained
    model = train.build_model(CFG)
    resumed = train.Trainer(model, ckpt, learning_rate=3e-3)
    assert resumed.restored_from is not None
    assert int(resumed.step.numpy()) == STEPS and int(resumed.epoch.numpy()) == 1
    assert len(resumed.history) == 1 and len(resumed.step_losses) == STEPS
    for a, b in zip(trainer.model.weights, model.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    history = resumed.fit(ds, epochs=2, steps_per_epoch=2, progress=False)
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[-1]["step"] == STEPS + 2 and int(resumed.step.numpy()) == STEPS + 2
    assert history[-1]["seconds"] >= history[0]["seconds"]
    again = train.Trainer(model, ckpt)  # everything already done: fit() runs no step
    again.fit(ds, epochs=2, steps_per_epoch=2, progress=False)
    assert int(again.step.numpy()) == STEPS + 2


def test_evaluate_counts_and_multi_clip(trained):
    trainer, _ = trained
    video, label = _batch()
    result = train_eval.evaluate(trainer.model, tf.data.Dataset.from_tensors((video, label)), 3)
    assert result.confusion.sum() == 6 and result.confusion.shape == (3, 3)
    assert result.accuracy == pytest.approx(np.trace(result.confusion) / 6)
    other = video[::-1]  # a second, different window per clip
    two = tf.stack([video, other], axis=1)  # [B, 2 windows, T, H, W, 3]
    y, logits = train_eval.predict(trainer.model, tf.data.Dataset.from_tensors((two, label)))
    _, first = train_eval.predict(trainer.model, tf.data.Dataset.from_tensors((video, label)))
    _, second = train_eval.predict(trainer.model, tf.data.Dataset.from_tensors((other, label)))
    assert logits.shape == (6, 3) and np.abs(first - second).max() > 1e-3
    np.testing.assert_allclose(logits, (first + second) / 2, atol=1e-5)  # the windows' mean
    fig = train_eval.plot_confusion(result.confusion, ["a", "b", "c"])
    assert len(fig.axes) == 1
    assert len(train_eval.plot_history(trainer.history).axes) == 2


def test_confusion_matrix():
    cm = train_eval.confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]


def test_frame_baseline_sees_one_frame():
    video, label = _batch()
    ds = tf.data.Dataset.from_tensors((video, label))
    out = train_eval.train_frame_baseline(ds.repeat(), ds, num_classes=3, steps=3, progress=False)
    assert out.model.input_shape == (None, 32, 32, 3)
    assert out.result.confusion.sum() == 6


def test_pretrained_needs_network(monkeypatch):
    monkeypatch.setattr(config, "OFFLINE", True)
    with pytest.raises(RuntimeError, match="offline"):
        train.pretrained_checkpoint("a0")
    assert train.PRETRAINED_URL.format(model_id="a0").endswith("movinet_a0_stream.tar.gz")


def test_pretrained_restore_gives_new_head_and_frozen_backbone(tmp_path):
    # A stand-in for the downloaded K600 checkpoint: same structure, written the Model Garden way.
    k600 = build_movinet_classifier("a0", 600)
    path = tf.train.Checkpoint(model=k600).save(str(tmp_path / "ckpt"))
    cfg = train.TrainConfig(num_classes=3, resolution=32, pretrained=True, freeze_backbone=True)
    model = train.build_model(cfg, checkpoint_path=path)
    assert model.output_shape[-1] == 3
    restored = {w.name: w.numpy() for w in model.backbone.weights}  # frozen: another order
    assert len(restored) == len(k600.backbone.weights)
    assert all(np.array_equal(w.numpy(), restored[w.name]) for w in k600.backbone.weights)
    assert not model.backbone.trainable
    assert 0 < len(model.trainable_weights) <= 4  # only the new head trains


def test_schedule_is_constant_or_cosine_to_five_percent():
    assert train.TrainConfig(learning_rate=2e-3).schedule(10) == 2e-3
    sched = train.TrainConfig(learning_rate=2e-3, decay_epochs=3).schedule(10)
    assert float(sched(0)) == pytest.approx(2e-3)
    assert float(sched(15)) < 2e-3
    assert float(sched(30)) == pytest.approx(1e-4)
