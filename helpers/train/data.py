"""A records folder as the train / validation / test tf.data pipelines that fine-tuning reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from helpers import pipeline, records
from helpers.train.settings import TrainConfig
from helpers.train.split import ValidationCarve, carve_validation

__all__ = ["RecordDatasets", "record_datasets", "record_ids"]


@dataclass
class RecordDatasets:
    """A records folder as tf.data pipelines.

    Attributes:
        train: Endless, shuffled, augmented ``(clip, label)`` batches (random windows) of the
            training split minus the validation groups.
        validation: One pass over the held-out groups: deterministic windows, no augmentation.
            Model selection reads this, never ``test``.
        test: One pass over the test split, like ``validation``. Evaluate it once, at the end.
        labels: Class names, index order.
        num_train: Training clips (validation groups excluded).
        num_validation: Validation clips.
        num_test: Test clips.
        steps_per_epoch: ``num_train // batch_size`` (at least 1).
        records_dir: The records folder.
        carve: Which groups went to validation (:class:`helpers.train.split.ValidationCarve`).
    """

    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    labels: list[str]
    num_train: int
    num_validation: int
    num_test: int
    steps_per_epoch: int
    records_dir: Path
    carve: ValidationCarve


def record_ids(files: list[str]) -> list[str]:
    """Reads the ``example/id`` of every record in ``files`` (in file order).

    Raises:
        helpers.records.RecordFileError: A file is missing, empty or cut (named, checked first).
    """
    ids: list[str] = []
    for path in files:
        records.check_record_file(path)  # a cut shard is named here, not deep inside TensorFlow
        kind = "GZIP" if records.is_gzip(path) else ""
        for serialized in tf.data.TFRecordDataset(path, compression_type=kind):
            ids.append(records.parse_context(serialized)["id"].numpy().decode())
    return ids


def _only(ds: tf.data.Dataset, ids: frozenset[str], keep: bool, batch: int, drop: bool):
    """Keeps (``keep``) or drops the clips whose id is in ``ids``; re-batches to ``(clip, label)``.

    ``ds`` yields dict batches of ONE clip, so that the filter works clip by clip.
    """
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(sorted(ids) or [""], tf.string), tf.ones([max(1, len(ids))], tf.int32)
        ),
        default_value=0,
    )

    def wanted(example: dict[str, tf.Tensor]) -> tf.Tensor:
        return tf.equal(table.lookup(example["id"][0]) > 0, keep)

    ds = ds.filter(wanted).map(lambda e: (e["image"][0], e["label"][0]))
    return ds.batch(batch, drop_remainder=drop).prefetch(tf.data.AUTOTUNE)


def record_datasets(
    records_dir: str | Path,
    cfg: TrainConfig,
    *,
    validation_fraction: float = 0.2,
    eval_sampling: str = "middle",
    num_clips: int = 1,
    train_split: str = "train",
    test_split: str = "test",
) -> RecordDatasets:
    """Builds the train / validation / test pipelines of a records folder.

    The validation split is carved from ``train_split`` by group
    (:func:`helpers.train.split.carve_validation`); the records folder is not changed. Every
    clip is read through ``helpers.pipeline.build_dataset`` one at a time and filtered by id,
    then batched: training decodes the held-out clips too and drops them, a small cost next to
    the model's (the input pipeline is far faster than training; see ``benchmarks/README.md``).

    Args:
        records_dir: The dataset folder (``helpers.writer`` or ``helpers.beam``), with
            ``manifest.json``.
        cfg: Window, stride, resolution, batch and seed.
        validation_fraction: Fraction of the training split's groups held out.
        eval_sampling: ``"middle"`` (one centred window) or ``"linspace"`` (``num_clips``
            evenly spaced windows per clip, averaged by :func:`helpers.train.evaluation.predict`).
        num_clips: Windows per clip for ``"linspace"``.
        train_split: The split to train on (and to carve validation from).
        test_split: The split to report on.

    Returns:
        A :class:`RecordDatasets`.

    Raises:
        FileNotFoundError: The folder has no manifest.
        ValueError: The training split has fewer than two groups, or ``cfg.num_classes`` is not
            the records' class count.
    """
    out = Path(records_dir)
    manifest = records.load_manifest(out)
    labels = records.class_names(manifest)
    if cfg.num_classes != len(labels):  # a head of the wrong size trains on, silently wrong
        raise ValueError(
            f"{out}: the records hold {len(labels)} classes but cfg.num_classes is "
            f"{cfg.num_classes}; use TrainConfig(num_classes={len(labels)}, ...)"
        )
    train_files = records.shard_files(out, train_split)
    carve = carve_validation(record_ids(train_files), validation_fraction)
    common = {
        "num_frames": cfg.num_frames,
        "stride": cfg.frame_stride,
        "image_size": cfg.resolution,
        "batch_size": 1,
    }
    evaluation = {"sampling": eval_sampling, "num_clips": num_clips, "training": False, **common}
    train = pipeline.build_dataset(
        train_files, sampling="random", training=True, repeat=True, seed=cfg.seed,
        deterministic=False, **common,
    )  # fmt: skip
    ids = carve.validation_ids
    train = _only(train, ids, keep=False, batch=cfg.batch_size, drop=True)
    validation = _only(pipeline.build_dataset(train_files, **evaluation), ids, True,
                       cfg.batch_size, False)  # fmt: skip
    test = pipeline.build_dataset(records.shard_files(out, test_split), as_tuple=True,
                                  **{**evaluation, "batch_size": cfg.batch_size})  # fmt: skip
    num_test = int(manifest["splits"][test_split]["num_examples"])
    steps = max(1, carve.num_train // cfg.batch_size)
    return RecordDatasets(train, validation, test, labels, carve.num_train,
                          carve.num_validation, num_test, steps, out, carve)  # fmt: skip
