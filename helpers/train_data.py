"""The sample records as train/test tf.data pipelines for fine-tuning (see helpers.train)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import tensorflow as tf

from helpers import config

if TYPE_CHECKING:
    from helpers.train import TrainConfig

__all__ = ["SampleDatasets", "sample_datasets"]


@dataclass
class SampleDatasets:
    """The sample records as tf.data pipelines.

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


def sample_datasets(
    cfg: TrainConfig, *, eval_sampling: str = "middle", num_clips: int = 1, size: int = 64
) -> SampleDatasets:
    """Writes the sample data's records once and builds the train/test pipelines.

    Args:
        cfg: Sizes, batch and seed.
        eval_sampling: ``"middle"`` (one centred window) or ``"linspace"`` (``num_clips``
            evenly spaced windows per clip, averaged by :func:`helpers.train_eval.predict`).
        num_clips: Windows per test clip for ``"linspace"``.
        size: Short side the records are stored at.

    Returns:
        A :class:`SampleDatasets`.
    """
    from helpers import pipeline, writer
    from helpers.writer_manifest import read_manifest

    name = f"finetune_s{size}" + ("_ci" if config.FAST else "")
    out = writer.ensure_sample_records(size=size, out_dir=config.DATA_DIR / "records" / name)
    manifest = read_manifest(out) or {}
    label_map = manifest["label_map"]
    labels = [k for k, _ in sorted(label_map.items(), key=lambda kv: kv[1])]
    common = {
        "num_frames": cfg.num_frames,
        "stride": cfg.frame_stride,
        "image_size": cfg.resolution,
        "as_tuple": True,
    }
    train = pipeline.build_dataset(
        str(out / "train" / "*.tfrecord"), sampling="random", training=True, repeat=True,
        batch_size=cfg.batch_size, seed=cfg.seed, deterministic=False, **common,
    )  # fmt: skip
    test = pipeline.build_dataset(
        str(out / "test" / "*.tfrecord"), sampling=eval_sampling, num_clips=num_clips,
        training=False, batch_size=cfg.batch_size, **common,
    )  # fmt: skip
    num_train = int(manifest["splits"]["train"]["num_examples"])
    num_test = int(manifest["splits"]["test"]["num_examples"])
    steps = max(1, num_train // cfg.batch_size)
    return SampleDatasets(train, test, labels, num_train, num_test, steps, out)
