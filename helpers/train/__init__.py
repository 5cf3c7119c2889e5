"""Fine-tuning: a causal MoViNet on your records, selected on validation, tested once, exported.

A tour (see notebook 05; ``python -m helpers.train`` does all of it from the command line)::

    from helpers import sample, train
    cfg = train.TrainConfig(num_classes=6, resolution=64, num_frames=8, frame_stride=2,
                            decay_epochs=60)
    data = train.record_datasets(sample.ensure_sample_records(size=64), cfg)
    data.carve.validation_groups                   # held out of train, by group
    model = train.build_model(cfg)                 # K600 checkpoint online, else from scratch
    trainer = train.Trainer(model, "runs/a0", learning_rate=cfg.schedule(data.steps_per_epoch))
    trainer.fit(data.train, epochs=60, steps_per_epoch=data.steps_per_epoch,
                validation=data.validation, time_budget_s=15 * 60)
    trainer.restore_best()                         # the validation-selected epoch
    train.evaluate(model, data.test, num_classes=6)  # the test split, once
    train.export_formats(train.stream_from_base(model), "exports", resolution=64,
                         calibration=...)          # stream SavedModel + 4 TFLite formats

Modules: ``settings`` (TrainConfig), ``split`` (the validation carve), ``data`` (records ->
pipelines), ``model`` (checkpoint and builder), ``trainer`` (the loop: selection, checkpoints,
resume), ``evaluation`` (accuracy, confusion matrix, the single-frame baseline), ``export``
(SavedModel and TFLite), ``formats`` (every format measured; int8 errors per layer), ``tflite``
(running one), ``run`` (one run end to end), ``cli`` (``python -m helpers.train``).
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
    TFLITE_FORMATS,
    export_base,
    export_stream,
    export_tflite,
    export_tflite_variants,
    path_size,
    stream_from_base,
)
from helpers.train.formats import (
    FormatResult,
    LayerError,
    calibration_inputs,
    export_formats,
    int8_layer_errors,
    measure_formats,
    selective_int8,
)
from helpers.train.model import (
    PRETRAINED_URL,
    build_model,
    fetch_pretrained,
    pretrained_checkpoint,
)
from helpers.train.run import finetune, load_report, split_clips
from helpers.train.settings import TrainConfig
from helpers.train.split import ValidationCarve, carve_validation, group_of
from helpers.train.tflite import TFLiteStream
from helpers.train.trainer import Trainer

__all__ = [
    "TrainConfig",
    "group_of",
    "carve_validation",
    "ValidationCarve",
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
    "TFLITE_FORMATS",
    "export_tflite",
    "export_tflite_variants",
    "path_size",
    "TFLiteStream",
    "calibration_inputs",
    "export_formats",
    "FormatResult",
    "measure_formats",
    "LayerError",
    "int8_layer_errors",
    "selective_int8",
    "split_clips",
    "finetune",
    "load_report",
]
