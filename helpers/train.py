"""Fine-tune a causal, stream-ready MoViNet on your own records, with checkpoints and resume.

::

    from helpers import train
    cfg = train.TrainConfig(num_classes=6, resolution=64, num_frames=8, frame_stride=2)
    data = train.sample_datasets(cfg)             # notebook 03's pipeline over the sample records
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
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf
import tf_keras
from tqdm.auto import tqdm

from helpers import config
from helpers.atomic import atomic_write_bytes
from helpers.movinet_models import build_movinet_classifier
from helpers.train_data import SampleDatasets, sample_datasets

__all__ = [
    "PRETRAINED_URL",
    "SampleDatasets",
    "TrainConfig",
    "Trainer",
    "build_model",
    "pretrained_checkpoint",
    "sample_datasets",
]

PRETRAINED_URL = (
    "https://storage.googleapis.com/tf_model_garden/vision/movinet/movinet_{model_id}_stream.tar.gz"
)
"""The Model Garden's Kinetics-600 checkpoint of the causal streaming MoViNets (README table)."""


@dataclass(frozen=True)
class TrainConfig:
    """What to build and how to feed it.

    Attributes:
        model_id: MoViNet size (``"a0"`` fits a CPU).
        num_classes: Classes of your dataset.
        num_frames: Frames per training window.
        frame_stride: Take every ``frame_stride``-th frame of a clip. 2 covers the same time span
            as twice the frames at half the compute (stream the model at that rate, too).
        resolution: Square frame size. 172 with pretrained weights; 64 is enough from scratch.
        batch_size: Clips per step.
        learning_rate: Adam learning rate (the peak, when ``decay_epochs`` is set). 2e-3 from
            scratch; use about 1e-3 or less for a pretrained backbone.
        decay_epochs: Cosine-decay the learning rate to 5 % of its peak over this many epochs
            (see :meth:`TrainConfig.schedule`); None keeps it constant.
        norm_momentum: Batch-norm momentum. 0.9 converges much faster from scratch than the
            default 0.99 (eval accuracy lags training for ~10 epochs with 0.99).
        pretrained: Start from the Kinetics-600 checkpoint (needs the network).
        freeze_backbone: Train only the new head (pretrained only).
        seed: Seeds the weights and the input pipeline.
    """

    model_id: str = "a0"
    num_classes: int = 6
    num_frames: int = 8
    frame_stride: int = 2
    resolution: int = 64
    batch_size: int = 16
    learning_rate: float = 2e-3
    decay_epochs: int | None = None
    norm_momentum: float = 0.9
    pretrained: bool = False
    freeze_backbone: bool = False
    seed: int = 0

    def schedule(self, steps_per_epoch: int) -> float | tf_keras.optimizers.schedules.CosineDecay:
        """Returns the learning rate for :class:`Trainer`: constant, or a cosine decay.

        The decay follows the optimizer's step counter, which the checkpoint keeps, so a resumed
        run continues on the same curve.

        Args:
            steps_per_epoch: Training steps per epoch.
        """
        if not self.decay_epochs:
            return self.learning_rate
        return tf_keras.optimizers.schedules.CosineDecay(
            self.learning_rate, decay_steps=self.decay_epochs * steps_per_epoch, alpha=0.05
        )


def pretrained_checkpoint(model_id: str = "a0", cache_dir: str | os.PathLike | None = None) -> str:
    """Downloads and unpacks the Model Garden's K600 stream checkpoint; returns its prefix.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        cache_dir: Where to keep it (default ``config.DATA_DIR / "checkpoints"``).

    Returns:
        The checkpoint path for ``tf.train.Checkpoint.restore``.

    Raises:
        RuntimeError: Offline, or the archive holds no checkpoint.
    """
    if config.OFFLINE:
        raise RuntimeError("offline mode (config.OFFLINE): cannot download the checkpoint")
    url = PRETRAINED_URL.format(model_id=model_id.lower())
    root = Path(cache_dir or config.DATA_DIR / "checkpoints")
    folder = root / f"movinet_{model_id.lower()}_stream"
    if tf.train.latest_checkpoint(str(folder)) is None:
        archive = tf_keras.utils.get_file(fname=Path(url).name, origin=url, cache_dir=str(root))
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
    path = tf.train.latest_checkpoint(str(folder))
    if path is None:
        raise RuntimeError(f"no checkpoint found in {folder} after unpacking {url}")
    return path


def build_model(cfg: TrainConfig, checkpoint_path: str | None = None) -> tf_keras.Model:
    """Builds the causal (2+1)D MoViNet with a new ``cfg.num_classes`` head.

    With ``cfg.pretrained`` the Kinetics-600 weights are restored the Model Garden's way
    (``tf.train.Checkpoint(model=model).restore(path)`` on a 600-class model), then the backbone
    gets a fresh head, as in the TF "transfer learning with MoViNet" tutorial.

    Args:
        cfg: The configuration.
        checkpoint_path: A local K600 checkpoint (default: :func:`pretrained_checkpoint`).

    Returns:
        A built base model mapping ``{'image': [B, T, H, W, 3]}`` to logits ``[B, num_classes]``.
    """
    tf_keras.utils.set_random_seed(cfg.seed)
    if not cfg.pretrained:
        return build_movinet_classifier(
            cfg.model_id, cfg.num_classes, norm_momentum=cfg.norm_momentum
        )
    from official.projects.movinet.modeling import movinet_model

    k600 = build_movinet_classifier(cfg.model_id, 600)
    path = checkpoint_path or pretrained_checkpoint(cfg.model_id)
    tf.train.Checkpoint(model=k600).restore(path).assert_existing_objects_matched()
    backbone = k600.backbone
    backbone.trainable = not cfg.freeze_backbone
    model = movinet_model.MovinetClassifier(
        backbone=backbone, num_classes=cfg.num_classes, activation="hard_swish"
    )
    model({"image": tf.zeros([1, 1, cfg.resolution, cfg.resolution, 3])})
    return model


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
                :func:`helpers.train_eval.accuracy`.
            target_accuracy: Stop early once the test accuracy reaches it.
            progress: Show a tqdm bar per epoch.

        Returns:
            The history: one dict per epoch with ``epoch``, ``step``, ``loss``, ``accuracy``,
            ``test_accuracy`` (if ``eval_ds``), ``seconds`` (cumulative, across resumes).
        """
        if evaluate is None:
            from helpers.train_eval import accuracy as evaluate
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
