"""Fine-tune a causal, stream-ready MoViNet on your own records, with checkpoints and resume.

::

    from helpers import sample, train
    cfg = train.TrainConfig(num_classes=6, resolution=64, num_frames=8, frame_stride=2)
    data = train.record_datasets(sample.ensure_sample_records(size=64), cfg)  # any records folder
    model = train.build_model(cfg)                # pretrained K600 backbone online, else scratch
    trainer = train.Trainer(model, "runs/a0", learning_rate=cfg.learning_rate)
    trainer.fit(data.train, epochs=10, steps_per_epoch=data.steps_per_epoch, eval_ds=data.test)
    trainer.history                                   # one dict per epoch: loss, accuracy, test acc

A rerun with the same checkpoint folder restores the model, the optimizer and the step counter
(``tf.train.CheckpointManager``) and continues where the last run stopped.
Everything is ``tf_keras``: the Model Garden needs Keras 2 optimizers and losses.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import tensorflow as tf
import tf_keras
from tqdm.auto import tqdm

from helpers.train.evaluation import accuracy
from helpers.utils.atomic import atomic_write_bytes

__all__ = ["Trainer"]


class Trainer:
    """A custom training loop with ``tf.train.CheckpointManager`` checkpoints and resume.

    The checkpoint holds the model, the optimizer, the global ``step`` and the ``epoch``; the
    per-epoch history is kept beside it in ``history.json``. Building a Trainer on a folder
    that has a checkpoint restores it, so an interrupted run continues its step count.

    Args:
        model: A base MoViNet classifier (``{'image': video}`` -> logits).
        checkpoint_dir: Folder of the checkpoints (created).
        learning_rate: Adam learning rate, or a schedule (:meth:`TrainConfig.schedule`).
        max_to_keep: Checkpoints kept.
    """

    def __init__(
        self,
        model: tf_keras.Model,
        checkpoint_dir: str | os.PathLike,
        *,
        learning_rate: float | tf_keras.optimizers.schedules.LearningRateSchedule = 1e-3,
        max_to_keep: int = 2,
    ) -> None:
        self.model = model
        self.optimizer = tf_keras.optimizers.Adam(learning_rate)
        self.loss_fn = tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.checkpoint = tf.train.Checkpoint(
            model=model, optimizer=self.optimizer, step=self.step, epoch=self.epoch
        )
        self.checkpoint_dir = Path(checkpoint_dir)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, str(self.checkpoint_dir), max_to_keep=max_to_keep
        )
        self.history: list[dict[str, float]] = []
        self.step_losses: list[float] = []
        self.restored_from = self.manager.latest_checkpoint
        if self.restored_from:
            status = self.checkpoint.restore(self.restored_from)
            status.assert_existing_objects_matched().expect_partial()
            log = self._history_file()
            if log.exists():
                saved = json.loads(log.read_text())
                self.history, self.step_losses = saved["epochs"], saved["step_losses"]
        self._train_step = tf.function(self._step_fn, reduce_retracing=True)

    def _history_file(self) -> Path:
        return self.checkpoint_dir / "history.json"

    def _step_fn(self, video: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            logits = self.model({"image": video}, training=True)
            loss = self.loss_fn(label, logits)
        variables = self.model.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        self.step.assign_add(1)
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), label), tf.float32)
        return loss, tf.reduce_mean(correct)

    def train_step(self, video: tf.Tensor, label: tf.Tensor) -> tuple[float, float]:
        """Runs one optimisation step; returns ``(loss, batch accuracy)``."""
        loss, acc = self._train_step(video, tf.cast(label, tf.int32))
        self.step_losses.append(float(loss))
        return float(loss), float(acc)

    def save(self) -> str:
        """Writes a checkpoint (numbered by the global step) and the history; returns its path."""
        path = self.manager.save(checkpoint_number=int(self.step.numpy()))
        payload = {"epochs": self.history, "step_losses": self.step_losses}
        atomic_write_bytes(self._history_file(), json.dumps(payload, indent=1).encode())
        return path

    def fit(
        self,
        train_ds: tf.data.Dataset,
        *,
        epochs: int,
        steps_per_epoch: int,
        eval_ds: tf.data.Dataset | None = None,
        evaluate: Callable[[tf_keras.Model, tf.data.Dataset], float] | None = None,
        target_accuracy: float | None = None,
        progress: bool = True,
    ) -> list[dict[str, float]]:
        """Trains until ``epochs`` epochs are done in total (resumed epochs count).

        Args:
            train_ds: Endless ``(video, label)`` batches.
            epochs: Total epochs (a resumed run only runs the missing ones).
            steps_per_epoch: Steps per epoch.
            eval_ds: Test batches, evaluated after every epoch.
            evaluate: ``f(model, eval_ds) -> accuracy``; default
                :func:`helpers.train.evaluation.accuracy`.
            target_accuracy: Stop early once the test accuracy reaches it.
            progress: Show a tqdm bar per epoch.

        Returns:
            The history: one dict per epoch with ``epoch``, ``step``, ``loss``, ``accuracy``,
            ``test_accuracy`` (if ``eval_ds``), ``seconds`` (cumulative, across resumes).
        """
        if evaluate is None:
            evaluate = accuracy
        batches = iter(train_ds)
        elapsed = self.history[-1]["seconds"] if self.history else 0.0
        while int(self.epoch.numpy()) < epochs:
            start = time.perf_counter()
            epoch = int(self.epoch.numpy()) + 1
            losses, accs = [], []
            bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}", disable=not progress)
            for _ in bar:
                video, label = next(batches)
                loss, acc = self.train_step(video, label)
                losses.append(loss)
                accs.append(acc)
                bar.set_postfix(loss=f"{loss:.3f}")
            row = {
                "epoch": epoch,
                "step": int(self.step.numpy()),
                "loss": sum(losses) / len(losses),
                "accuracy": sum(accs) / len(accs),
            }
            if eval_ds is not None:
                row["test_accuracy"] = float(evaluate(self.model, eval_ds))
            elapsed += time.perf_counter() - start
            row["seconds"] = elapsed
            self.history.append(row)
            self.epoch.assign(epoch)
            self.save()
            if progress:
                print(", ".join(f"{k}={v:.4g}" for k, v in row.items()))
            if target_accuracy is not None and row.get("test_accuracy", 0.0) >= target_accuracy:
                break
        return self.history
