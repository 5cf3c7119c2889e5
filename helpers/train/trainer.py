"""Fine-tune a causal, stream-ready MoViNet: select the checkpoint on validation, resume anywhere.

::

    from helpers import sample, train
    cfg = train.TrainConfig(num_classes=6, resolution=64, num_frames=8, frame_stride=2)
    data = train.record_datasets(sample.ensure_sample_records(size=64), cfg)  # any records folder
    model = train.build_model(cfg)                # pretrained K600 backbone online, else scratch
    trainer = train.Trainer(model, "runs/a0", learning_rate=cfg.schedule(data.steps_per_epoch))
    trainer.fit(data.train, epochs=60, steps_per_epoch=data.steps_per_epoch,
                validation=data.validation, patience=15, time_budget_s=15 * 60)
    trainer.restore_best()                        # the validation-selected weights
    train.evaluate(model, data.test, 6)           # the test split, ONCE

Every epoch ends with a validation pass. The best epoch (highest validation accuracy, ties broken
by the lower validation loss) is kept as a model-only checkpoint in ``best/``; early stopping and
the time budget read the same history. The test split is never an argument here.

A rerun with the same folder restores the model, the optimizer, the step counter and the history
(``tf.train.CheckpointManager``) and continues where the last run stopped, also after ``kill -9``.
Everything is ``tf_keras``: the Model Garden needs Keras 2 optimizers and losses.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import tensorflow as tf
import tf_keras
from tqdm.auto import tqdm

from helpers.train.evaluation import evaluate
from helpers.utils.atomic import atomic_write_bytes

__all__ = ["Trainer"]

_BEST = "best"


class Trainer:
    """A custom training loop with validation-based selection, checkpoints and resume.

    Files in ``checkpoint_dir``: ``ckpt-<step>.*`` (model, optimizer, ``step``, ``epoch``; the
    last ``max_to_keep``), ``best/epoch-<E>.*`` (the selected weights) and ``history.json``
    (one row per epoch, the selected epoch and why training stopped).

    The per-epoch commit order makes a kill at any point safe: the best weights first, then
    ``history.json`` (atomically), then the checkpoint. On restore the history is cut back to the
    checkpoint's epoch, so an epoch whose checkpoint never landed is simply run again.

    Args:
        model: A base MoViNet classifier (``{'image': video}`` -> logits).
        checkpoint_dir: Folder of the checkpoints (created).
        learning_rate: Adam learning rate, or a schedule (:meth:`TrainConfig.schedule`).
        max_to_keep: Training checkpoints kept (the best one is kept apart).
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
        self.best_epoch: int | None = None
        self.stopped: str | None = None
        self.restored_from = self.manager.latest_checkpoint
        if self.restored_from:
            status = self.checkpoint.restore(self.restored_from)
            status.assert_existing_objects_matched().expect_partial()
            self._load_history()
        self._peak: float | None = None  # the first rate, for anneal_over_s
        if self.history and "peak_learning_rate" in self.history[0]:
            self._peak = self.history[0]["peak_learning_rate"]
        self._train_step = tf.function(self._step_fn, reduce_retracing=True)

    # -- history and the best checkpoint ------------------------------------------------------

    def _history_file(self) -> Path:
        return self.checkpoint_dir / "history.json"

    def _best_prefix(self, epoch: int) -> Path:
        return self.checkpoint_dir / _BEST / f"epoch-{epoch}"

    def _load_history(self) -> None:
        """Reads ``history.json``, cut back to the restored checkpoint's epoch and step."""
        log = self._history_file()
        if not log.exists():
            return
        saved = json.loads(log.read_text())
        done, steps = int(self.epoch.numpy()), int(self.step.numpy())
        self.history = [row for row in saved["epochs"] if row["epoch"] <= done]
        self.step_losses = saved["step_losses"][:steps]
        self.best_epoch = self._select()
        if len(self.history) == len(saved["epochs"]):
            self.stopped = saved.get("stopped")  # None: the run ended by its epoch count

    def _select(self) -> int | None:
        """The epoch with the best validation accuracy (ties: lower validation loss, earlier)."""
        rows = [r for r in self.history if "val_accuracy" in r]
        if not rows:
            return None
        best = max(rows, key=lambda r: (r["val_accuracy"], -r["val_loss"], -r["epoch"]))
        return int(best["epoch"])

    def _commit(self) -> None:
        """Writes ``history.json`` (atomically), then the training checkpoint; prunes ``best/``."""
        payload = {
            "epochs": self.history,
            "step_losses": self.step_losses,
            "selected_epoch": self.best_epoch,
            "stopped": self.stopped,
        }
        atomic_write_bytes(self._history_file(), json.dumps(payload, indent=1).encode())
        self.manager.save(checkpoint_number=int(self.step.numpy()))
        keep = None if self.best_epoch is None else self._best_prefix(self.best_epoch).name
        for path in (self.checkpoint_dir / _BEST).glob("epoch-*"):
            if keep is None or not (path.name == keep or path.name.startswith(keep + ".")):
                path.unlink(missing_ok=True)

    def save(self) -> str:
        """Writes ``history.json`` and a training checkpoint now; returns the checkpoint path."""
        self._commit()
        return self.manager.latest_checkpoint

    def best_checkpoint(self) -> str | None:
        """The path of the validation-selected weights, or None before any validated epoch."""
        if self.best_epoch is None:
            return None
        return str(self._best_prefix(self.best_epoch))

    def restore_best(self) -> int:
        """Loads the validation-selected weights into the model; returns their epoch.

        Raises:
            RuntimeError: No epoch was validated yet.
        """
        path = self.best_checkpoint()
        if path is None:
            raise RuntimeError("no validated epoch yet: call fit(..., validation=...) first")
        tf.train.Checkpoint(model=self.model).read(path).assert_existing_objects_matched()
        return int(self.best_epoch)

    # -- training ----------------------------------------------------------------------------

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

    def _learning_rate(self) -> float:
        rate = self.optimizer.learning_rate
        if isinstance(rate, tf_keras.optimizers.schedules.LearningRateSchedule):
            return float(rate(self.optimizer.iterations))
        return float(tf.keras.backend.get_value(rate))

    def _anneal(self, elapsed: float, anneal_over_s: float) -> None:
        """Sets the rate on a cosine from its peak to 5 % over ``anneal_over_s`` of training time.

        Time, not epochs: on a busy shared machine an epoch-based decay may not finish inside a
        time budget, and the run would be cut off while the rate is still high.
        """
        if self._peak is None:
            self._peak = self._learning_rate()
        done = min(1.0, elapsed / anneal_over_s)
        rate = self._peak * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * done)))
        self.optimizer.learning_rate.assign(rate)

    def _should_stop(self, patience: int | None, time_budget_s: float | None) -> str | None:
        last = self.history[-1]
        if time_budget_s is not None and last["seconds"] >= time_budget_s:
            return f"time budget ({time_budget_s / 60:.1f} min) used"
        stale = None if self.best_epoch is None else last["epoch"] - self.best_epoch
        if patience is not None and stale is not None and stale >= patience:
            return f"no better validation epoch for {patience} epochs"
        return None

    def fit(
        self,
        train_ds: tf.data.Dataset,
        *,
        epochs: int,
        steps_per_epoch: int,
        validation: tf.data.Dataset | None = None,
        patience: int | None = None,
        time_budget_s: float | None = None,
        anneal_over_s: float | None = None,
        progress: bool = True,
    ) -> list[dict[str, float]]:
        """Trains until ``epochs`` epochs are done in total (resumed epochs count), or it stops.

        Args:
            train_ds: Endless ``(video, label)`` batches.
            epochs: Total epochs (a resumed run only runs the missing ones).
            steps_per_epoch: Steps per epoch.
            validation: Validation batches, evaluated after every epoch; the best epoch's
                weights are kept (:meth:`restore_best`). Never pass the test split.
            patience: Stop after this many epochs without a better validation epoch.
            time_budget_s: Stop after the first epoch that ends past this much training time
                (cumulative over resumes; validation passes count).
            anneal_over_s: Cosine-anneal a constant learning rate to 5 % of its first value
                over this much training time (set before each epoch; usually ``time_budget_s``).
            progress: Show a tqdm bar per epoch and print each epoch's row.

        Returns:
            The history: one dict per epoch with ``epoch``, ``step``, ``learning_rate``,
            ``loss``, ``accuracy`` (augmented training batches), ``val_accuracy`` and
            ``val_loss`` (with ``validation``), ``seconds`` (cumulative, across resumes).
            ``self.best_epoch`` and ``self.stopped`` say what was selected and why it stopped.
        """
        if anneal_over_s is not None and isinstance(
            self.optimizer.learning_rate, tf_keras.optimizers.schedules.LearningRateSchedule
        ):
            raise ValueError("anneal_over_s needs a constant learning rate, not a schedule")
        if self.history:  # resumed: a run that met its stopping rule stays stopped
            self.stopped = self._should_stop(patience, time_budget_s)
            if self.stopped:
                return self.history
        batches = iter(train_ds)
        elapsed = self.history[-1]["seconds"] if self.history else 0.0
        while int(self.epoch.numpy()) < epochs:
            start = time.perf_counter()
            epoch = int(self.epoch.numpy()) + 1
            if anneal_over_s is not None:
                self._anneal(elapsed, anneal_over_s)
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
                "learning_rate": self._learning_rate(),
                "peak_learning_rate": self._peak or self._learning_rate(),
                "loss": sum(losses) / len(losses),
                "accuracy": sum(accs) / len(accs),
            }
            if validation is not None:
                result = evaluate(self.model, validation, int(self.model.output_shape[-1]))
                row["val_accuracy"], row["val_loss"] = result.accuracy, result.loss
            elapsed += time.perf_counter() - start
            row["seconds"] = elapsed
            self.history.append(row)
            self.epoch.assign(epoch)
            if validation is not None and self._select() == epoch:
                self.best_epoch = epoch  # written before the history names it
                tf.train.Checkpoint(model=self.model).write(str(self._best_prefix(epoch)))
            self.stopped = self._should_stop(patience, time_budget_s)
            self._commit()
            if progress:
                print(", ".join(f"{k}={v:.4g}" for k, v in row.items()))
            if self.stopped:
                break
        return self.history
