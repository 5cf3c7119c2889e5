"""Tests for helpers.train: the validation carve, selection on validation, resume (tiny A0)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf

from helpers import config, pipeline, records, sample, train
from helpers.movinet.models import build_movinet_classifier
from helpers.train import data as train_data
from helpers.train import evaluation as train_eval
from helpers.train import trainer as trainer_module

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
        validation=tf.data.Dataset.from_tensors(_batch()),
    )
    return trainer, ckpt


def test_a_few_steps_lower_the_loss(trained):
    trainer, _ = trained
    losses = trainer.step_losses
    assert len(losses) == STEPS
    assert np.isfinite(losses).all()
    assert min(losses[-2:]) < losses[0], losses
    row = trainer.history[0]
    assert row["epoch"] == 1 and row["step"] == STEPS and 0.0 <= row["val_accuracy"] <= 1.0
    assert np.isfinite(row["val_loss"]) and row["learning_rate"] == pytest.approx(3e-3)
    assert trainer.best_epoch == 1 and trainer.best_checkpoint().endswith("best/epoch-1")


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


def test_group_of_ucf_names_and_chunks():
    assert train.group_of("v_SpinClockwise_g08_c02") == "g08"
    assert train.group_of("Blink/v_Blink_g3_c01") == "g03"
    assert train.group_of("dQw4w9WgXcQ_c004") == "dQw4w9WgXcQ"  # chunks of one video together
    assert train.group_of("dQw4w9WgXcQ") == "dQw4w9WgXcQ"


def test_carve_is_by_group_deterministic_and_order_free():
    ids = [f"v_{c}_g{g:02d}_c{k:02d}" for c in ("A", "B") for g in range(8, 26) for k in (1, 2)]
    carve = train.carve_validation(ids, 0.2)
    assert len(carve.validation_groups) == round(0.2 * 18)
    assert not set(carve.validation_groups) & set(carve.train_groups)
    assert {train.group_of(i) for i in carve.validation_ids} == set(carve.validation_groups)
    assert carve.num_validation == 4 * len(carve.validation_groups)
    assert carve.num_train + carve.num_validation == len(ids)
    again = train.carve_validation(list(reversed(ids)), 0.2)
    assert again.validation_groups == carve.validation_groups  # not the order of the shards
    assert train.carve_validation(ids, 0.4).validation_groups != carve.validation_groups
    assert json.dumps(carve.to_dict())  # goes into the run report
    with pytest.raises(ValueError, match="1 group"):
        train.carve_validation(["v_A_g01_c01", "v_B_g01_c02"])
    with pytest.raises(ValueError, match="fraction"):
        train.carve_validation(ids, 1.0)


def test_record_datasets_refuse_a_class_count_the_records_do_not_have():
    folder = sample.ensure_sample_records(size=32)
    classes = len(records.class_names(records.load_manifest(folder)))
    with pytest.raises(ValueError, match=f"hold {classes} classes but cfg.num_classes is 3"):
        train.record_datasets(folder, train.TrainConfig(num_classes=3, resolution=32))


def test_record_datasets_hold_out_whole_groups():
    folder = sample.ensure_sample_records(size=32)  # CI set when CI=true (3 groups: 1 test)
    cfg = train.TrainConfig(num_frames=2, resolution=32, batch_size=2)
    data = train.record_datasets(folder, cfg, validation_fraction=0.3)
    val_ids = []
    for video, _label in data.validation:
        assert video.shape[1:] == (2, 32, 32, 3)
        val_ids.append(len(video))
    assert sum(val_ids) == data.num_validation > 0
    train_ids = train_data.record_ids(records.shard_files(folder, "train"))
    groups = {train.group_of(i) for i in train_ids}
    assert set(data.carve.validation_groups) | set(data.carve.train_groups) == groups
    assert data.num_train + data.num_validation == len(train_ids)
    # The training stream never yields a held-out clip: check by id over one pass's worth.
    seen = train_data._only(
        pipeline.build_dataset(records.shard_files(folder, "train"), num_frames=2,
                                     image_size=32, batch_size=1, training=True, repeat=False),
        data.carve.validation_ids, keep=False, batch=1, drop=False,
    )  # fmt: skip
    assert sum(1 for _ in seen) == data.num_train


def test_selection_reads_validation_and_restores_the_best_epoch(tmp_path, monkeypatch):
    model = train.build_model(CFG)
    trainer = train.Trainer(model, tmp_path, learning_rate=3e-3)
    scores = iter([0.5, 0.8, 0.6, 0.7])  # validation accuracy per epoch: epoch 2 is the best
    fake = lambda m, ds, n: train.EvalResult(next(scores), np.zeros((n, n)), None, None, 1.0)  # noqa: E731
    monkeypatch.setattr(trainer_module, "evaluate", fake)
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    weights = {}
    for epoch in range(1, 5):
        trainer.fit(ds, epochs=epoch, steps_per_epoch=1, validation=ds.take(1), progress=False,
                    patience=2)  # fmt: skip
        weights[epoch] = [w.numpy() for w in model.weights]
    assert trainer.best_epoch == 2 and len(trainer.history) == 4
    assert trainer.stopped == "no better validation epoch for 2 epochs"
    assert [p.name for p in (tmp_path / "best").glob("epoch-*.index")] == ["epoch-2.index"]
    assert trainer.restore_best() == 2
    for a, b in zip(model.weights, weights[2], strict=True):
        np.testing.assert_array_equal(a.numpy(), b)
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["selected_epoch"] == 2 and saved["stopped"].startswith("no better")
    resumed = train.Trainer(train.build_model(CFG), tmp_path, learning_rate=3e-3)
    assert resumed.best_epoch == 2 and resumed.stopped == trainer.stopped
    resumed.fit(ds, epochs=10, steps_per_epoch=1, validation=ds.take(1), progress=False,
                patience=2)  # fmt: skip
    assert int(resumed.step.numpy()) == 4  # stopped runs stay stopped


def test_a_kill_between_history_and_checkpoint_reruns_that_epoch(tmp_path):
    model = train.build_model(CFG)
    trainer = train.Trainer(model, tmp_path, learning_rate=3e-3)
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    trainer.fit(ds, epochs=1, steps_per_epoch=2, validation=ds.take(1), progress=False)
    # As if killed after history.json named epoch 2 but before its checkpoint was written.
    log = tmp_path / "history.json"
    saved = json.loads(log.read_text())
    saved["epochs"].append({**saved["epochs"][0], "epoch": 2, "step": 4, "val_accuracy": 1.0})
    saved["step_losses"] += [0.1, 0.1]
    saved["selected_epoch"] = 2
    log.write_text(json.dumps(saved))
    resumed = train.Trainer(train.build_model(CFG), tmp_path, learning_rate=3e-3)
    assert [r["epoch"] for r in resumed.history] == [1] and len(resumed.step_losses) == 2
    assert resumed.best_epoch == 1 and resumed.stopped is None
    resumed.fit(ds, epochs=2, steps_per_epoch=2, validation=ds.take(1), progress=False)
    assert [r["epoch"] for r in resumed.history] == [1, 2] and int(resumed.step.numpy()) == 4


def test_time_budget_stops_after_the_epoch_that_crosses_it(tmp_path):
    trainer = train.Trainer(train.build_model(CFG), tmp_path, learning_rate=3e-3)
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    trainer.fit(ds, epochs=50, steps_per_epoch=1, validation=ds.take(1), progress=False,
                time_budget_s=1e-6)  # fmt: skip
    assert len(trainer.history) == 1 and trainer.stopped.startswith("time budget")
