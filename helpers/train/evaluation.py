"""Evaluate a fine-tuned video classifier: accuracy, confusion matrix, curves, 1-frame baseline.

::

    from helpers.train import evaluation as train_eval
    result = train_eval.evaluate(model, data.test, num_classes=6)
    result.accuracy, result.confusion                 # [C, C]: rows true, columns predicted
    train_eval.plot_confusion(result.confusion, data.labels)
    train_eval.plot_history(trainer.history)
    base = train_eval.train_frame_baseline(data.train, data.test, num_classes=6, steps=200)

The baseline is a small 2-D CNN that sees ONE frame per clip. Classes that differ only in their
motion (clockwise vs counter-clockwise spin, expand vs shrink) look the same in one frame, so its
accuracy shows how much the temporal model adds.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
import tf_keras
from matplotlib.figure import Figure
from tqdm.auto import tqdm

__all__ = [
    "EvalResult",
    "accuracy",
    "confusion_matrix",
    "evaluate",
    "frame_model",
    "plot_confusion",
    "plot_history",
    "predict",
    "train_frame_baseline",
]


@dataclass
class EvalResult:
    """Predictions on a test split.

    Attributes:
        accuracy: Fraction of clips whose top-1 class is right.
        confusion: ``[C, C]`` counts, rows = true class, columns = predicted class.
        y_true: True labels ``[N]``.
        y_pred: Predicted labels ``[N]``.
        loss: Mean cross-entropy of the logits (breaks ties between equal accuracies).
    """

    accuracy: float
    confusion: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    loss: float = float("nan")


_INFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inference_fn(model: tf_keras.Model) -> tf.types.experimental.GenericFunction:
    """One compiled ``video -> logits`` function per model, reused by every evaluation.

    A new ``tf.function`` per call would retrace MoViNet (seconds) at every epoch's evaluation.
    """
    if model not in _INFERENCE:
        ref = weakref.ref(model)  # the cache must not keep the model alive
        _INFERENCE[model] = tf.function(
            lambda x: ref()({"image": x}, training=False), reduce_retracing=True
        )
    return _INFERENCE[model]


def predict(model: tf_keras.Model, ds: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``(labels [N], logits [N, C])`` over a dataset of ``(video, label)`` batches.

    A ``[B, N, T, H, W, 3]`` batch (``sampling="linspace"``, N windows per clip) is classified
    window by window and the logits of each clip's windows are averaged (multi-clip eval).
    """
    fn = _inference_fn(model)
    labels, logits = [], []
    for video, label in ds:
        if video.shape.rank == 6:
            b, n = tf.shape(video)[0], tf.shape(video)[1]
            flat = tf.reshape(video, tf.concat([[b * n], tf.shape(video)[2:]], 0))
            out = tf.reduce_mean(tf.reshape(fn(flat), [b, n, -1]), axis=1)
        else:
            out = fn(video)
        labels.append(np.asarray(label))
        logits.append(out.numpy())
    return np.concatenate(labels), np.concatenate(logits)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``[C, C]``: row = true class, column = predicted class.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def _scores(y_true: np.ndarray, logits: np.ndarray, num_classes: int) -> EvalResult:
    """Top-1 predictions, accuracy and confusion matrix from labels and logits."""
    y_pred = logits.argmax(-1)
    acc = float((y_true == y_pred).mean()) if len(y_true) else 0.0
    loss = float("nan")
    if len(y_true):
        shifted = logits - logits.max(-1, keepdims=True)  # log-softmax, stable
        log_p = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        loss = float(-log_p[np.arange(len(y_true)), y_true].mean())
    return EvalResult(acc, confusion_matrix(y_true, y_pred, num_classes), y_true, y_pred, loss)


def evaluate(model: tf_keras.Model, ds: tf.data.Dataset, num_classes: int) -> EvalResult:
    """Classifies every test clip; returns accuracy and the confusion matrix."""
    return _scores(*predict(model, ds), num_classes)


def accuracy(model: tf_keras.Model, ds: tf.data.Dataset) -> float:
    """Top-1 accuracy over a dataset of ``(video, label)`` batches."""
    y_true, logits = predict(model, ds)
    return _scores(y_true, logits, logits.shape[-1]).accuracy


def plot_confusion(
    confusion: np.ndarray, labels: list[str], *, title: str = "Confusion matrix"
) -> Figure:
    """Draws a confusion matrix with counts in the cells (rows true, columns predicted)."""
    n = len(labels)
    fig = Figure(figsize=(1.0 + 0.9 * n, 1.0 + 0.8 * n))
    ax = fig.add_subplot()
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(n), labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    top = confusion.max() or 1
    for i in range(n):
        for j in range(n):
            color = "white" if confusion[i, j] > top / 2 else "black"
            ax.text(j, i, int(confusion[i, j]), ha="center", va="center", color=color)
    fig.tight_layout()
    return fig


def plot_history(history: list[dict[str, float]], selected: int | None = None) -> Figure:
    """Draws training loss and train/validation accuracy per epoch.

    Args:
        history: :attr:`helpers.train.Trainer.history`.
        selected: The epoch whose checkpoint was kept (marked), if any.
    """
    fig = Figure(figsize=(10, 3.5))
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["loss"] for h in history], "o-", label="train loss")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_title("loss")
    ax_acc.plot(epochs, [h["accuracy"] for h in history], "o-", label="train (augmented)")
    if history and "val_accuracy" in history[0]:
        ax_acc.plot(epochs, [h["val_accuracy"] for h in history], "s-", label="validation")
    if selected is not None:
        ax_acc.axvline(selected, color="gray", linestyle="--", label=f"selected (epoch {selected})")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_title("accuracy")
    ax_acc.legend(loc="lower right")
    fig.tight_layout()
    return fig


def frame_model(num_classes: int, resolution: int) -> tf_keras.Model:
    """A small 2-D CNN over one frame ``[B, H, W, 3]``: the single-frame baseline."""
    layers = tf_keras.layers
    model = tf_keras.Sequential([tf_keras.Input([resolution, resolution, 3])])
    for filters in (16, 32, 64):
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        model.add(layers.BatchNormalization(momentum=0.9))
        model.add(layers.MaxPool2D())
    model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dense(num_classes))
    return model


def _one_frame(video: tf.Tensor, label: tf.Tensor, random: bool) -> tuple[tf.Tensor, tf.Tensor]:
    """Keeps one frame per clip: a random one in training, the middle one in evaluation."""
    if video.shape.rank == 6:  # multi-clip eval: use the first window
        video = video[:, 0]
    t = tf.shape(video)[1]
    index = tf.random.uniform([], 0, t, tf.int32) if random else t // 2
    return video[:, index], label


@dataclass
class BaselineResult:
    """The single-frame baseline: its model, test accuracy and confusion matrix."""

    model: tf_keras.Model
    result: EvalResult


def train_frame_baseline(
    train_ds: tf.data.Dataset,
    test_ds: tf.data.Dataset,
    *,
    num_classes: int,
    steps: int,
    learning_rate: float = 1e-3,
    progress: bool = True,
) -> BaselineResult:
    """Trains :func:`frame_model` on one random frame per training clip; evaluates on middle frames.

    Args:
        train_ds: Endless ``(video, label)`` batches (the same pipeline as the video model).
        test_ds: Test ``(video, label)`` batches.
        num_classes: Class count.
        steps: Training steps.
        learning_rate: Adam learning rate.
        progress: Show a tqdm bar.

    Returns:
        A :class:`BaselineResult`.
    """
    frames_train = train_ds.map(lambda v, y: _one_frame(v, y, True))
    frames_test = test_ds.map(lambda v, y: _one_frame(v, y, False))
    resolution = int(frames_train.element_spec[0].shape[1])
    model = frame_model(num_classes, resolution)
    optimizer = tf_keras.optimizers.Adam(learning_rate)
    loss_fn = tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        variables = model.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    batches = iter(frames_train)
    for _ in tqdm(range(steps), desc="single-frame baseline", disable=not progress):
        x, y = next(batches)
        step(x, y)
    y_true, logits = [], []
    for x, y in frames_test:
        y_true.append(np.asarray(y))
        logits.append(model(x, training=False).numpy())
    scores = _scores(np.concatenate(y_true), np.concatenate(logits), num_classes)
    return BaselineResult(model, scores)
