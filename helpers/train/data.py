"""A records folder as the train/test tf.data pipelines that fine-tuning reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from helpers import pipeline, records
from helpers.train.settings import TrainConfig

__all__ = ["RecordDatasets", "record_datasets"]


@dataclass
class RecordDatasets:
    """A records folder as tf.data pipelines.

    Attributes:
        train: Endless, shuffled, augmented ``(clip, label)`` batches (random windows).
        test: One pass over the test split: deterministic windows, no augmentation.
        labels: Class names, index order.
        num_train: Training clips.
        num_test: Test clips.
        steps_per_epoch: ``num_train // batch_size`` (at least 1).
        records_dir: The records folder.
    """

    train: tf.data.Dataset
    test: tf.data.Dataset
    labels: list[str]
    num_train: int
    num_test: int
    steps_per_epoch: int
    records_dir: Path


def record_datasets(
    records_dir: str | Path,
    cfg: TrainConfig,
    *,
    eval_sampling: str = "middle",
    num_clips: int = 1,
    train_split: str = "train",
    test_split: str = "test",
) -> RecordDatasets:
    """Builds the train/test pipelines of a records folder (``helpers.writer`` or ``helpers.beam``).

    Args:
        records_dir: The dataset folder, with ``manifest.json``.
        cfg: Window, stride, resolution, batch and seed.
        eval_sampling: ``"middle"`` (one centred window) or ``"linspace"`` (``num_clips``
            evenly spaced windows per clip, averaged by :func:`helpers.train.evaluation.predict`).
        num_clips: Windows per test clip for ``"linspace"``.
        train_split: The split to train on.
        test_split: The split to evaluate on.

    Returns:
        A :class:`RecordDatasets`.

    Raises:
        FileNotFoundError: The folder has no manifest.
    """
    out = Path(records_dir)
    manifest = records.load_manifest(out)
    labels = records.class_names(manifest)
    common = {
        "num_frames": cfg.num_frames,
        "stride": cfg.frame_stride,
        "image_size": cfg.resolution,
        "as_tuple": True,
    }
    train = pipeline.build_dataset(
        records.shard_files(out, train_split), sampling="random", training=True, repeat=True,
        batch_size=cfg.batch_size, seed=cfg.seed, deterministic=False, **common,
    )  # fmt: skip
    test = pipeline.build_dataset(
        records.shard_files(out, test_split), sampling=eval_sampling, num_clips=num_clips,
        training=False, batch_size=cfg.batch_size, **common,
    )  # fmt: skip
    num_train = int(manifest["splits"][train_split]["num_examples"])
    num_test = int(manifest["splits"][test_split]["num_examples"])
    steps = max(1, num_train // cfg.batch_size)
    return RecordDatasets(train, test, labels, num_train, num_test, steps, out)
