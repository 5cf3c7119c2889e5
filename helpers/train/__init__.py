"""Fine-tuning: a causal MoViNet on your records, evaluated honestly, exported for streaming.

A tour (see notebook 05)::

    from helpers import sample, train
    cfg = train.TrainConfig(num_classes=6, resolution=64, num_frames=8, frame_stride=2)
    data = train.record_datasets(sample.ensure_sample_records(size=64), cfg)
    model = train.build_model(cfg)                 # K600 checkpoint online, else FROM SCRATCH
    trainer = train.Trainer(model, "runs/a0", learning_rate=cfg.learning_rate)
    trainer.fit(data.train, epochs=10, steps_per_epoch=data.steps_per_epoch, eval_ds=data.test)
    train.evaluate(model, data.test, num_classes=6)  # accuracy + confusion matrix
    train.export_stream(model, "exports/stream")   # the TF Hub stream interface

Modules: ``settings`` (TrainConfig), ``data`` (records -> pipelines), ``model`` (checkpoint and
builder), ``trainer`` (the loop with checkpoints and resume), ``evaluation`` (accuracy, confusion
matrix, the single-frame baseline), ``export`` (SavedModel and TFLite), ``tflite`` (running one).
"""

from helpers.train.data import RecordDatasets, record_datasets
from helpers.train.evaluation import (
    EvalResult,
    accuracy,
    confusion_matrix,
    evaluate,
    frame_model,
    plot_confusion,
    plot_history,
    predict,
    train_frame_baseline,
)
from helpers.train.export import (
    export_base,
    export_stream,
    export_tflite,
    export_tflite_variants,
    path_size,
    stream_from_base,
)
from helpers.train.model import (
    PRETRAINED_URL,
    build_model,
    fetch_pretrained,
    pretrained_checkpoint,
)
from helpers.train.settings import TrainConfig
from helpers.train.tflite import TFLiteStream
from helpers.train.trainer import Trainer

__all__ = [
    "TrainConfig",
    "RecordDatasets",
    "record_datasets",
    "PRETRAINED_URL",
    "pretrained_checkpoint",
    "fetch_pretrained",
    "build_model",
    "Trainer",
    "EvalResult",
    "predict",
    "evaluate",
    "accuracy",
    "confusion_matrix",
    "plot_confusion",
    "plot_history",
    "frame_model",
    "train_frame_baseline",
    "stream_from_base",
    "export_base",
    "export_stream",
    "export_tflite",
    "export_tflite_variants",
    "path_size",
    "TFLiteStream",
]
