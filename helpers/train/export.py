"""Export a trained causal MoViNet: base + streaming SavedModels (hub interface) and TFLite.

The exports have the calling interface of the TF Hub MoViNets, so notebook 04's loader and plots
take them unchanged::

    from helpers import movinet
    from helpers.train import export
    stream = export.stream_from_base(base_model, "a0")           # same weights, external states
    export.export_base(base_model, "exports/base")               # serving_default: image -> logits
    export.export_stream(stream, "exports/stream")               # init_states + call
    export.export_tflite(stream, "exports/stream.tflite", resolution=64, quantize=False)
    export.export_tflite_variants(stream, {"f.tflite": "float32", "h.tflite": "float16"},
                                  resolution=64)             # also "dynamic" and "int8"
    movinet.load_movinet(source="exports/stream", mode="stream") # hub.load under the hood

The SavedModels are written from a small ``tf.Module`` holding the model's variables and traced
functions only, not the Keras layer objects. They load with ``hub.load`` in about a second,
where a Keras-format save of the same model took minutes on 2 shared cores to write and to load.
The signatures are the ones the Model Garden's ``tools/export_saved_model.py`` writes:
``serving_default(image) -> {"classifier_head"}`` for base models, and ``init_states(input_shape)``
plus ``call({**states, "image"}) -> {**states, "logits"}`` for stream models.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras

from helpers import quiet
from helpers.movinet.models import build_movinet_classifier, copy_weights
from helpers.utils.atomic import atomic_write_bytes

__all__ = [
    "export_base",
    "export_stream",
    "export_tflite",
    "export_tflite_variants",
    "path_size",
    "TFLITE_FORMATS",
    "tflite_saved_model",
    "stream_from_base",
]

Shape = Sequence[int | None]
_DYNAMIC: tuple[None, None, None, None, int] = (None, None, None, None, 3)


def stream_from_base(base: tf_keras.Model, model_id: str = "a0", **build_kwargs) -> tf_keras.Model:
    """Builds the streaming twin of a trained causal base model and copies its weights.

    Args:
        base: A causal base model from :func:`helpers.movinet_models.build_movinet_classifier`.
        model_id: The base model's id.
        **build_kwargs: The same layer options the base model was built with (``conv_type``,
            ``activation``...); the defaults match the builder's.

    Returns:
        A model with ``use_external_states=True`` computing the same function frame by frame.
    """
    num_classes = int(base.output_shape[-1])
    stream = build_movinet_classifier(
        model_id, num_classes, causal=True, use_external_states=True, **build_kwargs
    )
    # A frozen backbone lists its weights in another order: freeze the twin the same way.
    stream.trainable = base.trainable
    stream.backbone.trainable = base.backbone.trainable
    copy_weights(base, stream)
    return stream


def _holder(model: tf_keras.Model) -> tf.Module:
    """A module that tracks only the model's variables (not its Keras layers)."""
    module = tf.Module()
    module.model_variables = list(model.variables)
    return module


def export_base(
    model: tf_keras.Model,
    export_dir: str | os.PathLike,
    *,
    input_shape: Shape = _DYNAMIC,
    labels: Sequence[str] | None = None,
) -> Path:
    """Writes a base (whole clip) SavedModel: ``serving_default(image) -> classifier_head``.

    The loaded object is also callable: ``loaded({"image": video})`` returns the logits.

    Args:
        model: A base model (``use_external_states=False``).
        export_dir: Output folder (replaced if it exists).
        input_shape: ``[B, T, H, W, 3]``; None entries stay dynamic. A static ``H`` is what
            ``helpers.movinet.load_movinet`` reports as the loaded model's resolution.
        labels: Class names, written to ``labels.txt`` in the folder, where
            ``load_movinet`` finds them.

    Returns:
        The export folder.
    """
    keras_model = types.SimpleNamespace(fn=model)  # untracked: keep Keras layers out of the graph
    module = _holder(model)
    spec = tf.TensorSpec(list(input_shape), tf.float32, name="image")

    @tf.function(input_signature=[{"image": spec}])
    def call(inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        return keras_model.fn(inputs, training=False)

    @tf.function(input_signature=[spec])
    def serve(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"classifier_head": keras_model.fn({"image": image}, training=False)}

    module.__call__ = call
    signatures = {"serving_default": serve.get_concrete_function()}
    return _save(module, export_dir, signatures, _checked(labels, model.output_shape[-1]))


def _state_specs(model: tf_keras.Model, input_shape: Shape) -> dict[str, tf.TensorSpec]:
    return {
        name: tf.TensorSpec(spec.shape, spec.dtype, name=name)
        for name, spec in model.initial_state_specs(list(input_shape)).items()
    }


def _stream_functions(model: tf_keras.Model, input_shape: Shape):
    """Returns ``(call, predict)`` tf.functions of a stream model for one input shape."""
    keras_model = types.SimpleNamespace(fn=model)
    specs = {
        **_state_specs(model, input_shape),
        "image": tf.TensorSpec(list(input_shape), tf.float32, name="image"),
    }

    @tf.function(input_signature=[specs])
    def call(inputs: dict[str, tf.Tensor]) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        logits, states = keras_model.fn(inputs, training=False)
        return logits, states

    @tf.function(input_signature=[specs])
    def predict(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        logits, states = keras_model.fn(inputs, training=False)
        return {**states, "logits": logits}

    return call, predict


def export_stream(
    model: tf_keras.Model,
    export_dir: str | os.PathLike,
    *,
    input_shape: Shape = _DYNAMIC,
    labels: Sequence[str] | None = None,
) -> Path:
    """Writes a streaming SavedModel with the TF Hub stream interface.

    ``loaded.init_states(shape)`` returns zero states; ``loaded({**states, "image": frames})``
    returns ``(logits, states)``. The signatures ``init_states`` and ``call`` (returning
    ``{**states, "logits"}``) are there too.

    Args:
        model: A stream model (``use_external_states=True``), e.g. from :func:`stream_from_base`.
        export_dir: Output folder (replaced if it exists).
        input_shape: ``[B, T, H, W, 3]``; None entries stay dynamic.
        labels: Class names, written to ``labels.txt`` (see :func:`export_base`).

    Returns:
        The export folder.
    """
    keras_model = types.SimpleNamespace(fn=model)
    module = _holder(model)
    call, predict = _stream_functions(model, input_shape)

    @tf.function(input_signature=[tf.TensorSpec([5], tf.int32, name="input_shape")])
    def init_states(input_shape: tf.Tensor) -> dict[str, tf.Tensor]:
        return keras_model.fn.init_states(input_shape)

    module.__call__ = call
    module.init_states = init_states
    signatures = {
        "call": predict.get_concrete_function(),
        "init_states": init_states.get_concrete_function(),
    }
    return _save(module, export_dir, signatures, _checked(labels, model.output_shape[0][-1]))


def _checked(labels: Sequence[str] | None, num_classes: int) -> list[str] | None:
    if labels is not None and len(labels) != num_classes:
        raise ValueError(f"{len(labels)} labels for a model with {num_classes} classes")
    return None if labels is None else [str(name) for name in labels]


def _save(
    module: tf.Module, export_dir: str | os.PathLike, signatures: dict, labels: list[str] | None
) -> Path:
    """Saves atomically: into a temporary sibling folder (with ``labels.txt``), then renamed."""
    out = Path(export_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with quiet.quiet_tflite():
            tf.saved_model.save(module, str(tmp), signatures=signatures)
        if labels is not None:
            (tmp / "labels.txt").write_text("".join(f"{name}\n" for name in labels))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def export_tflite(
    model: tf_keras.Model,
    path: str | os.PathLike,
    *,
    resolution: int,
    quantize: bool = False,
) -> Path:
    """Converts a stream model to a one-frame-per-call TFLite model, as in the MoViNet README.

    The input is fixed to ``[1, 1, resolution, resolution, 3]``; states are extra inputs and
    outputs of the ``serving_default`` signature (run it with :class:`TFLiteStream`).

    Args:
        model: A stream model (``use_external_states=True``).
        path: Output ``.tflite`` file (written to a temporary name, then renamed).
        resolution: Frame height and width.
        quantize: Dynamic-range quantization (int8 weights, float activations).

    Returns:
        The file written.
    """
    return export_tflite_variants(model, {path: quantize}, resolution=resolution)[0]


TFLITE_FORMATS: tuple[str, ...] = ("float32", "float16", "dynamic", "int8")
"""TFLite variants: float32; float16 weights; dynamic-range (int8 weights, float activations);
full-integer int8 (weights and activations, calibrated on a representative dataset)."""

Calibration = Callable[[], Iterable[dict[str, np.ndarray]]]


def _converter(saved_dir: str, fmt: str | bool, calibration: Calibration | None):
    """A TFLite converter over ``saved_dir`` set up for one of :data:`TFLITE_FORMATS`."""
    fmt = {False: "float32", True: "dynamic"}.get(fmt, fmt) if isinstance(fmt, bool) else fmt
    if fmt not in TFLITE_FORMATS:
        raise ValueError(f"unknown TFLite format {fmt!r}; expected one of {TFLITE_FORMATS}")
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_dir)
    if fmt != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if fmt == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if fmt == "int8":
        if calibration is None:
            raise ValueError("the int8 format needs calibration inputs (a representative dataset)")
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter


def tflite_saved_model(model: tf_keras.Model, saved_dir: str | os.PathLike, resolution: int) -> str:
    """Saves the one-frame ``serving_default`` that a TFLite converter reads."""
    _, predict = _stream_functions(model, (1, 1, resolution, resolution, 3))
    module = _holder(model)
    module.predict = predict
    with quiet.quiet_tflite():
        tf.saved_model.save(module, str(saved_dir), signatures={"serving_default": predict})
    return str(saved_dir)


def export_tflite_variants(
    model: tf_keras.Model,
    paths: Mapping[str | os.PathLike, str | bool],
    *,
    resolution: int,
    calibration: Calibration | None = None,
) -> list[Path]:
    """Writes several TFLite conversions of one stream model from ONE trace and save.

    ``paths`` maps each output file to its format, one of :data:`TFLITE_FORMATS` (``False`` and
    ``True`` still mean ``"float32"`` and ``"dynamic"``)::

        export_tflite_variants(stream, {"f.tflite": "float32", "q.tflite": "dynamic"},
                               resolution=172)

    The trace and the SavedModel the converter reads are made once: two variants this way took
    0.72-0.85 of the time of two :func:`export_tflite` calls (A0 at 32 pixels, 2 cores), and
    give byte-identical files.

    Args:
        model: A stream model (``use_external_states=True``).
        paths: Output file -> format.
        resolution: Frame height and width.
        calibration: For ``"int8"``: a function returning an iterable of input dicts
            (``{**states, "image": [1, 1, H, W, 3]}``), e.g.
            :func:`helpers.train.formats.calibration_inputs`.

    Returns:
        The files written, in the order of ``paths``.
    """
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tflite_saved_model(model, tmp, resolution)
        for path, fmt in paths.items():
            converter = _converter(tmp, fmt, calibration)
            out = Path(path)
            out.parent.mkdir(parents=True, exist_ok=True)
            with quiet.quiet_tflite():
                content = converter.convert()
            written.append(atomic_write_bytes(out, content))
    return written


def path_size(path: str | os.PathLike) -> int:
    """Returns the size in bytes of a file, or of every file under a folder."""
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
