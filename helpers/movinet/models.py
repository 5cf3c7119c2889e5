"""Build MoViNet classifiers with the Model Garden and copy weights between base and stream models.

The Model Garden (``official.projects.movinet``) builds every MoViNet (A0-A5) from code. This module
wraps it in one builder with the CPU-friendly streaming configuration as the default::

    from helpers.movinet import models as movinet_models
    base = movinet_models.build_movinet_classifier("a0", num_classes=6)
    stream = movinet_models.build_movinet_classifier("a0", num_classes=6, use_external_states=True)
    movinet_models.copy_weights(base, stream)   # now the stream model runs the same network

It also holds the one table of input resolutions (:data:`RESOLUTIONS`) and the TF Hub / Kaggle
handles of the pretrained models (:func:`hub_handle`, :func:`kaggle_handle`).

Everything here is ``tf_keras`` (Keras 2), as the Model Garden requires: pass
``tf_keras.optimizers`` and ``tf_keras.losses`` to ``compile``, never Keras 3 objects.
"""

from __future__ import annotations

import re
from unittest import mock

import matplotlib
import tensorflow as tf
import tf_keras

# Importing the Model Garden runs its detection plotting module, which calls
# ``matplotlib.use("Agg")``: in a notebook, every later figure would stop showing. Keep the user's
# backend by making that one call a no-op while the Model Garden loads.
with mock.patch.object(matplotlib, "use"):
    from official.projects.movinet.modeling import movinet, movinet_model

__all__ = [
    "MODEL_IDS",
    "RESOLUTIONS",
    "build_movinet_classifier",
    "copy_weights",
    "hub_handle",
    "kaggle_handle",
    "resolution_for",
]

RESOLUTIONS: dict[str, int] = {"a0": 172, "a1": 172, "a2": 224, "a3": 256, "a4": 290, "a5": 320}
"""Input resolution (square, pixels) each pretrained MoViNet was trained at: the one table."""

MODEL_IDS: tuple[str, ...] = tuple(RESOLUTIONS)
"""The model ids with pretrained TF Hub / Kaggle weights, smallest first."""

_DUMMY_SIZE = 32  # spatial size of the dummy build input when no resolution is fixed


def resolution_for(model_id: str) -> int:
    """Returns the input resolution of a MoViNet model id.

    Args:
        model_id: One of ``"a0"`` ... ``"a5"`` (case-insensitive).

    Returns:
        The square input size in pixels, e.g. 172 for A0.

    Raises:
        ValueError: If the model id is unknown.

    >>> resolution_for("a2")
    224
    """
    key = model_id.lower()
    if key not in RESOLUTIONS:
        raise ValueError(f"unknown MoViNet model id {model_id!r}; expected one of {MODEL_IDS}")
    return RESOLUTIONS[key]


def build_movinet_classifier(
    model_id: str = "a0",
    num_classes: int = 600,
    *,
    causal: bool = True,
    use_external_states: bool = False,
    conv_type: str = "2plus1d",
    se_type: str = "2plus3d",
    activation: str = "hard_swish",
    gating_activation: str = "hard_sigmoid",
    norm_momentum: float = 0.99,
    resolution: int | None = None,
    num_frames: int | None = None,
) -> tf_keras.Model:
    """Builds a MoViNet classifier (backbone + head) and calls it once so its weights exist.

    The defaults are the streaming-friendly configuration: causal, (2+1)D convolutions, hard swish.
    On CPU it is much faster than the default 3D configuration (measured in the README's results).

    With ``use_external_states=False`` (a *base* model) the model maps ``{'image': video}`` (or a
    bare ``video`` tensor) of shape ``[B, T, H, W, 3]`` in [0, 1] to logits ``[B, num_classes]``.
    With ``use_external_states=True`` (a *stream* model) it maps ``{**states, 'image': frames}`` to
    ``(logits, new_states)``; get the first states with ``model.init_states(shape)``.

    Args:
        model_id: MoViNet size, ``"a0"`` ... ``"a5"``.
        num_classes: Width of the classifier head (600 for Kinetics-600).
        causal: Causal convolutions and pooling (required for streaming).
        use_external_states: Build the stream variant that takes and returns states.
        conv_type: ``"3d"``, ``"2plus1d"`` or ``"3d_2plus1d"``.
        se_type: Squeeze-excitation pooling: ``"3d"``, ``"2d"``, ``"2plus3d"`` or ``"none"``.
        activation: Main activation of the backbone and the head.
        gating_activation: Activation of the squeeze-excitation gates.
        norm_momentum: Batch-norm moving-average momentum (0.9 learns faster from scratch).
        resolution: Fix the input height and width; None keeps them dynamic.
        num_frames: Fix the number of input frames; None keeps it dynamic.

    Returns:
        A built ``tf_keras.Model`` (a ``MovinetClassifier``).

    Raises:
        ValueError: For an unknown model id, or external states without ``causal``.
    """
    model_id = model_id.lower()
    resolution_for(model_id)  # validates the id
    if use_external_states and not causal:
        raise ValueError("a stream model (use_external_states=True) needs causal=True")
    image_shape = [None, num_frames, resolution, resolution, 3]
    backbone = movinet.Movinet(
        model_id=model_id,
        causal=causal,
        conv_type=conv_type,
        se_type=se_type,
        input_specs=tf_keras.layers.InputSpec(shape=image_shape),
        activation=activation,
        gating_activation=gating_activation,
        norm_momentum=norm_momentum,
        use_sync_bn=False,
        use_external_states=use_external_states,
    )
    model = movinet_model.MovinetClassifier(
        backbone=backbone,
        num_classes=num_classes,
        input_specs={"image": tf_keras.layers.InputSpec(shape=image_shape)},
        activation=activation,
        output_states=use_external_states,
    )
    dummy_shape = [1, num_frames or 1, resolution or _DUMMY_SIZE, resolution or _DUMMY_SIZE, 3]
    dummy = tf.zeros(dummy_shape, tf.float32)
    if use_external_states:
        model({**model.init_states(dummy_shape), "image": dummy})
    else:
        model({"image": dummy})
    return model


def _canonical(name: str) -> str:
    """Drops Keras' de-duplication suffixes (``classifier_head_1`` -> ``classifier_head``)."""
    return re.sub(r"_\d+(?=[/:])", "", name)


def copy_weights(source: tf_keras.Model, target: tf_keras.Model) -> None:
    """Copies every weight of one MoViNet classifier into another of the same configuration.

    Use it to give a stream model (``use_external_states=True``) the weights of a base model,
    or the reverse. Both must come from :func:`build_movinet_classifier` with the same model id,
    class count and layer options (conv type, SE type, activation, causal).

    Args:
        source: The model to read weights from.
        target: The model to write them into (modified in place).

    Raises:
        ValueError: If the two models do not have the same weight names and shapes.
    """
    src, dst = source.weights, target.weights
    src_sig = [(_canonical(w.name), tuple(w.shape)) for w in src]
    dst_sig = [(_canonical(w.name), tuple(w.shape)) for w in dst]
    if src_sig != dst_sig:
        diffs = [f"{a} vs {b}" for a, b in zip(src_sig, dst_sig, strict=False) if a != b][:3]
        raise ValueError(
            f"models differ: {len(src)} vs {len(dst)} weights; first differences: {diffs}. "
            "Build both with the same model_id, num_classes and layer options."
        )
    for s, d in zip(src, dst, strict=True):
        d.assign(s)


def hub_handle(model_id: str = "a0", mode: str = "base", version: int = 3) -> str:
    """Returns the TF Hub handle of a pretrained Kinetics-600 MoViNet, as the official tutorial.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        mode: ``"base"`` (whole clip) or ``"stream"`` (frame by frame with states).
        version: Model version on TF Hub (3 is the latest).

    Returns:
        A ``https://tfhub.dev/tensorflow/movinet/...`` URL for ``hub.load``.

    >>> hub_handle("a0", "stream")
    'https://tfhub.dev/tensorflow/movinet/a0/stream/kinetics-600/classification/3'
    """
    resolution_for(model_id)
    _check_mode(mode)
    return (
        f"https://tfhub.dev/tensorflow/movinet/{model_id.lower()}/{mode}"
        f"/kinetics-600/classification/{version}"
    )


def kaggle_handle(model_id: str = "a0", mode: str = "base", version: int = 3) -> str:
    """Returns the Kaggle Models handle of the same model (tfhub.dev redirects there).

    >>> kaggle_handle("a2", "base")
    'https://www.kaggle.com/models/google/movinet/TensorFlow2/a2-base-kinetics-600-classification/3'
    """
    resolution_for(model_id)
    _check_mode(mode)
    return (
        "https://www.kaggle.com/models/google/movinet/TensorFlow2/"
        f"{model_id.lower()}-{mode}-kinetics-600-classification/{version}"
    )


def _check_mode(mode: str) -> None:
    if mode not in ("base", "stream"):
        raise ValueError(f"mode must be 'base' or 'stream', got {mode!r}")
