"""Every export format of a fine-tuned model, measured the same way: accuracy, size, latency.

Users report full-integer MoViNet "severely damaged"; this module measures instead of guessing::

    from helpers.train import formats
    calib = formats.calibration_inputs(stream, train_clips)         # training clips, streamed
    paths = formats.export_formats(stream, "exports", resolution=64, calibration=calib)
    table = formats.measure_formats(paths, test_clips, test_labels)  # one row per format
    errors = formats.int8_layer_errors(stream, calib, resolution=64)  # where int8 loses it

Formats: the stream SavedModel (the reference), TFLite float32, float16, dynamic-range and
full-integer int8 (calibrated by streaming training clips through the float model, so every
state tensor is calibrated on the values it takes in use). Each is scored by streaming the test
clips frame by frame and reading the last frame's logits, which for a causal model are the
whole-window logits.

When int8 loses accuracy, :func:`int8_layer_errors` runs TFLite's quantization debugger and ranks
the layers by RMSE / scale (error in units of the quantization step), and :func:`selective_int8`
writes an int8 model that keeps the worst layers in float.
"""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras

from helpers import quiet
from helpers.train import export
from helpers.train.tflite import Interpreter, TFLiteStream
from helpers.utils.atomic import atomic_write_bytes

__all__ = [
    "FormatResult",
    "LayerError",
    "calibration_inputs",
    "export_formats",
    "int8_layer_errors",
    "measure_formats",
    "selective_int8",
]


def calibration_inputs(
    stream: tf_keras.Model, clips: Sequence[np.ndarray]
) -> Callable[[], Iterable[dict[str, np.ndarray]]]:
    """A representative dataset: each clip streamed through ``stream``, one input dict per frame.

    Args:
        stream: The float stream model (``use_external_states=True``).
        clips: Training clips ``[T, H, W, 3]`` in [0, 1] (never test clips).

    Returns:
        A function returning a fresh iterator of ``{**states, "image": [1, 1, H, W, 3]}``.
    """

    @tf.function  # a named function: autograph cannot read a lambda's source and warns
    def step(inputs: dict[str, tf.Tensor]):
        return stream(inputs, training=False)

    def generate() -> Iterable[dict[str, np.ndarray]]:
        for clip in clips:
            clip = np.asarray(clip, np.float32)
            states = stream.init_states(tf.constant([1, 1, *clip.shape[1:]]))
            for frame in clip:
                inputs = {**states, "image": tf.constant(frame[None, None])}
                yield {k: np.asarray(v) for k, v in inputs.items()}
                _, states = step(inputs)

    return generate


def export_formats(
    stream: tf_keras.Model,
    out_dir: str | os.PathLike,
    *,
    resolution: int,
    calibration: Callable[[], Iterable[dict[str, np.ndarray]]] | None,
    labels: Sequence[str] | None = None,
    formats: Sequence[str] = export.TFLITE_FORMATS,
) -> dict[str, Path]:
    """Writes the stream SavedModel and the TFLite ``formats`` into ``out_dir``.

    Returns:
        ``{"stream SavedModel": folder, "TFLite float32": file, ...}`` in that order.
    """
    out = Path(out_dir)
    paths = {"stream SavedModel": export.export_stream(
        stream, out / "stream", input_shape=(None, None, resolution, resolution, 3), labels=labels
    )}  # fmt: skip
    files = {out / f"stream_{fmt}.tflite": fmt for fmt in formats}
    written = export.export_tflite_variants(
        stream, files, resolution=resolution, calibration=calibration
    )
    paths.update({f"TFLite {fmt}": path for fmt, path in zip(formats, written, strict=True)})
    return paths


@dataclass
class FormatResult:
    """One export format, measured.

    Attributes:
        name: ``"stream SavedModel"``, ``"TFLite int8"``...
        path: The file or folder.
        accuracy: Top-1 accuracy over the clips (last streamed frame).
        size_bytes: Bytes on disk.
        ms_per_frame: Median milliseconds per streamed frame.
        agreement: Fraction of clips whose top-1 equals the reference format's.
        max_logit_diff: Largest absolute logit difference to the reference format.
        logits: The last-frame logits ``[N, C]``.
    """

    name: str
    path: Path
    accuracy: float
    size_bytes: int
    ms_per_frame: float
    agreement: float
    max_logit_diff: float
    logits: np.ndarray


def _saved_stepper(path: Path):
    loaded = tf.saved_model.load(str(path))

    def run(clip: np.ndarray) -> tuple[np.ndarray, list[float]]:
        states = loaded.init_states(tf.constant([1, 1, *clip.shape[1:]]))
        times = []
        for frame in clip:
            start = time.perf_counter()
            logits, states = loaded({**states, "image": tf.constant(frame[None, None])})
            times.append(time.perf_counter() - start)
        return np.asarray(logits)[0], times

    return run


def _lite_stepper(path: Path):
    lite = TFLiteStream(path)

    def run(clip: np.ndarray) -> tuple[np.ndarray, list[float]]:
        states, times = lite.init_states(), []
        for frame in clip:
            start = time.perf_counter()
            logits, states = lite(states, frame[None, None])
            times.append(time.perf_counter() - start)
        return np.asarray(logits)[0], times

    return run


def measure_formats(
    paths: dict[str, Path], clips: Sequence[np.ndarray], labels: np.ndarray, *, warmup: int = 1
) -> list[FormatResult]:
    """Streams every clip through every format; the first entry of ``paths`` is the reference.

    Args:
        paths: From :func:`export_formats` (SavedModel folders and ``.tflite`` files).
        clips: Clips ``[T, H, W, 3]`` in [0, 1] (the test windows).
        labels: Their labels ``[N]``.
        warmup: Clips streamed first and not timed (the first call traces).

    Returns:
        One :class:`FormatResult` per format, in the order of ``paths``.
    """
    labels = np.asarray(labels)
    results: list[FormatResult] = []
    for name, path in paths.items():
        run = _lite_stepper(path) if Path(path).suffix == ".tflite" else _saved_stepper(path)
        for clip in clips[:warmup]:
            run(np.asarray(clip, np.float32))
        rows, times = [], []
        for clip in clips:
            logits, t = run(np.asarray(clip, np.float32))
            rows.append(logits)
            times.extend(t)
        logits = np.stack(rows)
        ref = results[0].logits if results else logits
        results.append(FormatResult(
            name, Path(path), float((logits.argmax(1) == labels).mean()),
            export.path_size(path), 1000 * statistics.median(times),
            float((logits.argmax(1) == ref.argmax(1)).mean()), float(np.abs(logits - ref).max()),
            logits,
        ))  # fmt: skip
    return results


@dataclass
class LayerError:
    """One quantized tensor's error against float, from TFLite's quantization debugger.

    Attributes:
        tensor: The op's output tensor name (what ``denylisted_nodes`` takes).
        op: The TFLite op.
        rmse_per_scale: Root-mean-square error in quantization steps (about 0.29 is the
            rounding floor; well above 1 means the int8 range does not fit the values).
        max_abs_error: Largest absolute error.
    """

    tensor: str
    op: str
    rmse_per_scale: float
    max_abs_error: float


def _debugger(stream: tf_keras.Model, calibration, resolution: int, saved_dir: str, options=None):
    """TFLite's QuantizationDebugger over the int8 conversion (inputs as lists, in its order)."""
    # The input order of a float32 conversion of the same SavedModel (cheap: no calibration).
    with quiet.quiet_tflite():
        content = export._converter(saved_dir, "float32", None).convert()
        probe = Interpreter(model_content=content)
    names = probe.get_signature_list()["serving_default"]["inputs"]
    by_index = {probe.get_signature_runner().get_input_details()[n]["index"]: n for n in names}
    order = [by_index[d["index"]] for d in probe.get_input_details()]

    def as_lists():
        for inputs in calibration():
            yield [inputs[name] for name in order]

    converter = export._converter(saved_dir, "int8", calibration)
    with quiet.quiet_tflite():
        return tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=as_lists, debug_options=options
        )


def int8_layer_errors(
    stream: tf_keras.Model, calibration, *, resolution: int, top: int | None = None
) -> list[LayerError]:
    """Ranks the int8 model's layers by error against float (worst first).

    Args:
        stream: The float stream model.
        calibration: From :func:`calibration_inputs` (it is also what the error is measured on).
        resolution: Frame size.
        top: Keep only the ``top`` worst.

    Returns:
        :class:`LayerError` rows, worst first.
    """
    with tempfile.TemporaryDirectory() as tmp:
        export.tflite_saved_model(stream, tmp, resolution)
        debugger = _debugger(stream, calibration, resolution, tmp)
        with quiet.quiet_tflite():
            debugger.run()
        buf = io.StringIO()
        debugger.layer_statistics_dump(buf)
    rows = []
    for r in csv.DictReader(io.StringIO(buf.getvalue())):
        scale = float(r["scale"])
        rmse = math.sqrt(float(r["mean_squared_error"]))
        rows.append(LayerError(r["tensor_name"], r["op_name"], rmse / scale if scale else math.inf,
                               float(r["max_abs_error"])))  # fmt: skip
    rows.sort(key=lambda e: e.rmse_per_scale, reverse=True)
    return rows[:top] if top else rows


def selective_int8(
    stream: tf_keras.Model,
    calibration,
    path: str | os.PathLike,
    *,
    resolution: int,
    keep_float: Sequence[str],
) -> Path:
    """Writes an int8 model in which the ``keep_float`` tensors stay float (selective int8).

    ``keep_float`` takes :attr:`LayerError.tensor` names from :func:`int8_layer_errors`.

    Returns:
        The file written.
    """
    with tempfile.TemporaryDirectory() as tmp:
        export.tflite_saved_model(stream, tmp, resolution)
        options = tf.lite.experimental.QuantizationDebugOptions(denylisted_nodes=list(keep_float))
        debugger = _debugger(stream, calibration, resolution, tmp, options)
        with quiet.quiet_tflite():
            content = debugger.get_nondebug_quantized_model()
    return atomic_write_bytes(Path(path), content)
