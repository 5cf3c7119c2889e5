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

from helpers.utils.lazy import lazy_face

# Names load on first use, so `python -m helpers.train --help` answers without TensorFlow.
__all__, __getattr__, __dir__ = lazy_face(
    __name__,
    {
        "settings": ("TrainConfig",),
        "split": ("group_of", "carve_validation", "ValidationCarve"),
        "data": ("RecordDatasets", "record_datasets"),
        "model": ("PRETRAINED_URL", "pretrained_checkpoint", "fetch_pretrained", "build_model"),
        "trainer": ("Trainer",),
        "evaluation": (
            "EvalResult", "predict", "evaluate", "accuracy", "confusion_matrix", "plot_confusion",
            "plot_history", "frame_model", "train_frame_baseline",
        ),
        "export": (
            "stream_from_base", "export_base", "export_stream", "TFLITE_FORMATS", "export_tflite",
            "export_tflite_variants", "path_size",
        ),
        "tflite": ("TFLiteStream",),
        "formats": (
            "calibration_inputs", "export_formats", "FormatResult", "measure_formats",
            "LayerError", "int8_layer_errors", "selective_int8",
        ),
        "run": ("split_clips", "finetune", "load_report"),
    },
)  # fmt: skip
