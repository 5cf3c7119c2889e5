"""One fine-tuning run end to end: records in; checkpoints, history, exports and a report out.

``python -m helpers.train`` is a thin layer over :func:`finetune`::

    from helpers import train
    report = train.finetune("data/records/sample_none_s64", "runs/a0", epochs=60, minutes=15)
    report["test"]["accuracy"], report["validation"]["accuracy"], report["selected_epoch"]

Rerun with the same ``run_dir`` after an interruption (even ``kill -9``): training resumes from the
last checkpoint, and the exports and ``report.json`` are (re)written at the end, each atomically.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from helpers import records
from helpers.train import formats as formats_lib
from helpers.train.data import RecordDatasets, record_datasets
from helpers.train.evaluation import evaluate
from helpers.train.export import TFLITE_FORMATS, stream_from_base
from helpers.train.model import build_model
from helpers.train.settings import TrainConfig
from helpers.train.trainer import Trainer
from helpers.utils.atomic import atomic_write_json

__all__ = ["REPORT_FILE", "finetune", "load_report", "split_clips"]

REPORT_FILE = "report.json"


def split_clips(
    ds: tf.data.Dataset, limit: int | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Unbatches ``(video, label)`` batches into lists of clips and labels (at most ``limit``)."""
    clips, labels = [], []
    for video, label in ds:
        for clip, y in zip(video.numpy(), label.numpy(), strict=True):
            if clip.ndim == 5:  # multi-window evaluation: stream the first window
                clip = clip[0]
            clips.append(clip)
            labels.append(int(y))
            if limit is not None and len(clips) >= limit:
                return clips, np.asarray(labels)
    return clips, np.asarray(labels)


def _export_and_measure(
    model, cfg: TrainConfig, data: RecordDatasets, export_dir: Path, formats: list[str],
    calibration_clips: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """Writes the selected model's formats and scores each on the test split (streamed)."""
    stream = stream_from_base(model, cfg.model_id, norm_momentum=cfg.norm_momentum)
    # Calibration reads training clips (augmented windows), never validation or test clips.
    train_clips = split_clips(data.train, calibration_clips)[0] if "int8" in formats else []
    calibration = formats_lib.calibration_inputs(stream, train_clips) if train_clips else None
    paths = formats_lib.export_formats(
        stream, export_dir, resolution=cfg.resolution, calibration=calibration,
        labels=data.labels, formats=formats,
    )  # fmt: skip
    test_clips, test_labels = split_clips(data.test)
    rows = formats_lib.measure_formats(paths, test_clips, test_labels)
    return [
        {"format": r.name, "path": str(r.path), "test_accuracy": r.accuracy,
         "size_bytes": r.size_bytes, "ms_per_frame": r.ms_per_frame,
         "top1_agreement_with_savedmodel": r.agreement}
        for r in rows
    ]  # fmt: skip


def finetune(
    records_dir: str | Path,
    run_dir: str | Path,
    *,
    cfg: TrainConfig | None = None,
    epochs: int = 60,
    minutes: float | None = None,
    anneal: bool = False,
    patience: int | None = None,
    validation_fraction: float = 0.2,
    export_dir: str | Path | None = None,
    formats: list[str] | None = None,
    calibration_clips: int = 32,
    checkpoint_path: str | None = None,
    steps_per_epoch: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Trains, selects on validation, tests once, exports; returns (and writes) the report.

    Args:
        records_dir: A records folder with ``manifest.json`` and train/test splits.
        run_dir: Checkpoints, ``history.json`` and ``report.json`` go here.
        cfg: Model and input settings (``num_classes`` is taken from the manifest).
        epochs: Most epochs to train.
        minutes: Training time budget (validation passes count), or None.
        anneal: Cosine-anneal the (constant) learning rate over the ``minutes`` budget instead
            of ``cfg.decay_epochs`` epochs, so that the decay ends inside the budget however
            busy the machine is.
        patience: Early stopping on validation, or None.
        validation_fraction: Fraction of the training groups held out.
        export_dir: Where the exports go (default ``run_dir / "export"``).
        formats: TFLite formats (:data:`helpers.train.export.TFLITE_FORMATS`); ``[]`` writes only
            the stream SavedModel.
        calibration_clips: Training clips streamed to calibrate int8.
        checkpoint_path: A local Kinetics-600 checkpoint for ``cfg.pretrained``.
        steps_per_epoch: Override the steps per epoch (tiny smoke runs).
        progress: Progress bars.

    Returns:
        The report written to ``run_dir / "report.json"``.
    """
    run = Path(run_dir)
    cfg = cfg or TrainConfig()
    # The manifest, not the default, knows the class count.
    labels = records.class_names(records.load_manifest(records_dir))
    cfg = replace(cfg, num_classes=len(labels))
    data = record_datasets(records_dir, cfg, validation_fraction=validation_fraction)
    steps = steps_per_epoch or data.steps_per_epoch
    model = build_model(cfg, checkpoint_path=checkpoint_path)
    if anneal and minutes is None:
        raise ValueError("anneal=True needs a time budget (minutes)")
    budget = None if minutes is None else minutes * 60
    rate = cfg.learning_rate if anneal else cfg.schedule(steps)
    trainer = Trainer(model, run, learning_rate=rate)
    trainer.fit(data.train, epochs=epochs, steps_per_epoch=steps, validation=data.validation,
                patience=patience, time_budget_s=budget,
                anneal_over_s=budget if anneal else None, progress=progress)  # fmt: skip
    selected = trainer.restore_best()
    row = next(r for r in trainer.history if r["epoch"] == selected)
    began = time.perf_counter()
    test = evaluate(model, data.test, cfg.num_classes)  # the one and only test evaluation
    test_seconds = time.perf_counter() - began
    fmts = list(TFLITE_FORMATS if formats is None else formats)
    exports = _export_and_measure(model, cfg, data, Path(export_dir or run / "export"), fmts,
                                  calibration_clips)  # fmt: skip
    report = {
        "records": str(Path(records_dir).resolve()),
        "config": {k: v for k, v in vars(cfg).items()},
        "labels": data.labels,
        "clips": {"train": data.num_train, "validation": data.num_validation,
                  "test": data.num_test},  # fmt: skip
        "validation_split": data.carve.to_dict(),
        "epochs_run": len(trainer.history),
        "stopped": trainer.stopped or f"{len(trainer.history)} epochs done",
        "train_minutes": trainer.history[-1]["seconds"] / 60,
        "selected_epoch": selected,
        "schedule": "cosine over the time budget" if anneal else (
            f"cosine over {cfg.decay_epochs} epochs" if cfg.decay_epochs else "constant"),
        "validation": {"accuracy": row["val_accuracy"], "loss": row["val_loss"]},
        "test": {"accuracy": test.accuracy, "loss": test.loss,
                 "confusion": test.confusion.tolist(), "seconds": test_seconds},  # fmt: skip
        "exports": exports,
    }
    atomic_write_json(run / REPORT_FILE, report)
    return report


def load_report(run_dir: str | Path) -> dict[str, Any]:
    """Reads a run's ``report.json``."""
    return json.loads((Path(run_dir) / REPORT_FILE).read_text())
