"""Load MoViNet from TF Hub / Kaggle, a local SavedModel, or an offline Model Garden stand-in.

Hub models are fetched in TF Hub's compressed format (``<handle>?tf-hub-format=compressed``, what
``hub.load`` itself requests) through :func:`helpers.utils.downloads.download`, so they resume,
follow ``TFVIDEO_MIRROR`` and fail with one line; they are unpacked once under
``config.DATA_DIR/hub``. Whether to try at all is the run's one decision,
:func:`helpers.utils.reachability.network`.

All three come back as a :class:`MovinetModel` with the TF Hub calling interface::

    from helpers.movinet.load import load_movinet
    base = load_movinet("a0", "base")        # TF Hub, or the UNTRAINED stand-in when offline
    logits = base(video[None])               # [1, T, 172, 172, 3] in [0, 1] -> [1, 600]
    stream = load_movinet("a0", "stream")
    states = stream.init_states(video[None].shape)
    logits, states = stream({**states, "image": video[None, :1]})

The stand-in has random weights. ``model.untrained`` is True and ``model.description`` says so.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tensorflow as tf
import tf_keras

from helpers import config
from helpers.movinet.models import (
    _check_mode,
    build_movinet_classifier,
    copy_weights,
    hub_handle,
    kaggle_handle,
    resolution_for,
)
from helpers.utils import downloads

__all__ = [
    "HUB_TIMEOUT",
    "MovinetModel",
    "fetch_hub_model",
    "load_movinet",
]

HUB_TIMEOUT = 30.0
"""Seconds a hub download may wait for a connection or for the next piece of data."""


class MovinetModel:
    """A MoViNet with the TF Hub calling interface, whatever it was loaded from.

    * base: ``model(video)`` with ``video`` ``[B, T, H, W, 3]`` in [0, 1] (or ``{'image': video}``)
      returns logits ``[B, num_classes]``.
    * stream: ``states = model.init_states(shape)``, then
      ``logits, states = model({**states, 'image': frames})``.

    Attributes:
        model_id: ``"a0"`` ... ``"a5"``.
        mode: ``"base"`` or ``"stream"``.
        resolution: Square input size the model expects.
        num_classes: Width of the logits.
        source: Where it came from: a hub URL, a local folder, or the Model Garden.
        untrained: True for the offline stand-in: its predictions mean nothing.
        description: One line to print; says UNTRAINED loudly when it is.
        fallback_reason: Why the download was not used (None if it was not attempted or worked).
        labels: Class names shipped with a local SavedModel (``labels.txt`` in its folder), else
            None (use :func:`helpers.movinet.labels_for`).
        keras_model: The underlying ``tf_keras`` model for the stand-in, else None.
    """

    def __init__(
        self,
        obj: Any,
        *,
        model_id: str,
        mode: str,
        resolution: int,
        num_classes: int,
        source: str,
        untrained: bool,
        fallback_reason: str | None = None,
        labels: list[str] | None = None,
    ) -> None:
        self.model_id, self.mode, self.resolution = model_id, mode, resolution
        self.num_classes, self.source, self.untrained = num_classes, source, untrained
        self.fallback_reason = fallback_reason
        self.labels = labels
        self.keras_model = obj if isinstance(obj, tf_keras.Model) else None
        if untrained:
            weights = "UNTRAINED random weights"
        elif source.startswith("https://"):
            weights = "pretrained Kinetics-600 weights"
        else:
            weights = "trained weights from a local SavedModel"
        self.description = (
            f"MoViNet-{model_id.upper()} {mode} ({resolution}x{resolution}, {num_classes} classes, "
            f"{weights}) from {source}"
        )
        if untrained:
            self.description += " -- predictions are meaningless until it is trained"
        self._obj = obj
        self._base_fn = self._stream_fn = None
        if self.keras_model is not None:
            self._trace_keras(self.keras_model)

    def _trace_keras(self, km: tf_keras.Model) -> None:
        """Wraps the Keras model in tf.functions with fully dynamic shapes: one trace each."""
        image = tf.TensorSpec([None, None, None, None, 3], tf.float32)
        if self.mode == "base":
            self._base_fn = tf.function(lambda x: km({"image": x}), input_signature=[image])
            return
        states = km.init_states(tf.constant([1, 1, 8, 8, 3]))
        specs = {k: tf.TensorSpec([None] * v.shape.rank, v.dtype) for k, v in states.items()}
        self._stream_fn = tf.function(lambda x: km(x), input_signature=[{**specs, "image": image}])

    @property
    def tag(self) -> str:
        """Returns ``" [UNTRAINED weights]"`` for the stand-in and ``""`` otherwise."""
        return " [UNTRAINED weights]" if self.untrained else ""

    def __repr__(self) -> str:
        return f"<MovinetModel {self.description}>"

    def init_states(self, shape: Any) -> dict[str, tf.Tensor]:
        """Returns the zero states for a stream model.

        Args:
            shape: The 5-D input shape ``[B, T, H, W, 3]`` (T is ignored by the model).

        Returns:
            A dict of state tensors to pass with the first frames.

        Raises:
            TypeError: For a base model.
        """
        if self.mode != "stream":
            raise TypeError("init_states() exists only for mode='stream' models")
        shape = tf.constant([int(s) for s in shape], tf.int32)
        if self.keras_model is not None:
            return dict(self.keras_model.init_states(shape))
        if hasattr(self._obj, "init_states"):
            return dict(self._obj.init_states(shape))
        return dict(self._obj.signatures["init_states"](input_shape=shape))

    def __call__(self, inputs: Any) -> Any:
        """Runs the model with the hub interface (see the class docstring)."""
        if self.mode == "base":
            image = inputs["image"] if isinstance(inputs, Mapping) else inputs
            image = tf.convert_to_tensor(image, tf.float32)
            if self._base_fn is not None:
                return self._base_fn(image)
            sig = self._obj.signatures["serving_default"]
            (name,) = sig.structured_input_signature[1]
            (logits,) = sig(**{name: image}).values()
            return logits
        if not isinstance(inputs, Mapping) or "image" not in inputs:
            raise TypeError("a stream model takes {**states, 'image': frames}")
        inputs = {**inputs, "image": tf.convert_to_tensor(inputs["image"], tf.float32)}
        if self._stream_fn is not None:
            return self._stream_fn(inputs)
        if callable(self._obj):
            return self._obj(inputs)
        out = dict(self._obj.signatures["call"](**inputs))
        return out.pop("logits"), out


_STANDINS: dict[tuple[str, int], tf_keras.Model] = {}  # first stand-in per config: shared weights


def _standin(model_id: str, mode: str, num_classes: int) -> tf_keras.Model:
    """Builds the offline stand-in; base and stream stand-ins of one config share weights."""
    model = build_movinet_classifier(
        model_id, num_classes, causal=True, use_external_states=(mode == "stream")
    )
    first = _STANDINS.setdefault((model_id, num_classes), model)
    if first is not model:
        copy_weights(first, model)
    return model


def _from_saved_model(obj: Any, mode: str | None) -> tuple[str, int, tuple | None]:
    """Reads mode, class count and image shape from a loaded SavedModel's signatures."""
    sigs = getattr(obj, "signatures", {})
    found = "stream" if "init_states" in sigs or "call" in sigs else "base"
    if mode is not None and mode != found:
        raise ValueError(f"asked for mode={mode!r} but the SavedModel is a {found} model")
    sig = sigs["call"] if "call" in sigs else sigs.get("serving_default")
    if sig is None:
        return found, 600, None
    outputs = sig.structured_outputs
    out = outputs["logits"] if "logits" in outputs else next(iter(outputs.values()))
    specs = sig.structured_input_signature[1]
    image = specs.get("image", next(iter(specs.values())))
    num_classes = int(out.shape[-1]) if out.shape[-1] is not None else 600
    return found, num_classes, tuple(image.shape)


def fetch_hub_model(handle: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Downloads a TF Hub / Kaggle model once in TF Hub's compressed format and unpacks it.

    Args:
        handle: A model URL, e.g. :func:`hub_handle` or :func:`kaggle_handle`.
        cache_dir: Where models are kept (default ``config.DATA_DIR / "hub"``).

    Returns:
        The SavedModel folder, for ``hub.load``.

    Raises:
        DownloadError: The download failed or the archive is damaged (one line: url, reason).
    """
    root = Path(cache_dir or config.DATA_DIR / "hub")
    name = handle.split("://", 1)[-1].strip("/").replace("/", "_")
    folder = root / name
    if (folder / "saved_model.pb").exists():
        return folder
    archive = root / f"{name}.tar.gz"
    downloads.download(f"{handle}?tf-hub-format=compressed", archive, timeout=HUB_TIMEOUT)
    downloads.unpack_tar(archive, folder, url=handle)
    archive.unlink()
    if not (folder / "saved_model.pb").exists():
        raise downloads.DownloadError(handle, "the archive holds no saved_model.pb")
    return folder


def _handle_for(source: str, model_id: str, mode: str, version: int) -> str:
    if source == "kaggle":
        return kaggle_handle(model_id, mode, version)
    if source.startswith(("https://", "http://")):
        return source
    return hub_handle(model_id, mode, version)


def _interface(obj: Any, mode: str, resolution: int) -> tuple[str, int, int]:
    """(mode, class count, resolution) of a loaded SavedModel; a fixed input size wins."""
    found, classes, shape = _from_saved_model(obj, mode)
    if shape and len(shape) == 5 and shape[2]:
        resolution = int(shape[2])
    return found, classes, resolution


def _trained(obj: Any, model_id: str, mode: str, resolution: int, source: str) -> MovinetModel:
    """Wraps a loaded SavedModel (a download or a local export) after checking its interface."""
    found, classes, resolution = _interface(obj, mode, resolution)
    return MovinetModel(
        obj, model_id=model_id, mode=found, resolution=resolution, num_classes=classes,
        source=source, untrained=False,
    )  # fmt: skip


def load_movinet(
    model_id: str = "a0",
    mode: str = "base",
    version: int = 3,
    *,
    source: str | os.PathLike = "auto",
    num_classes: int = 600,
) -> MovinetModel:
    """Loads a MoViNet: pretrained from TF Hub, a local SavedModel, or the offline stand-in.

    ``source``:

    * ``"auto"``: TF Hub when the run is online (:func:`~helpers.utils.downloads.network`); offline,
      or if the download fails, say why in one line and fall back to the stand-in.
    * ``"hub"``, ``"kaggle"`` or a model URL: that download only; offline or a failure raises.
    * ``"offline"``: the Model Garden stand-in: the same architecture in the streaming-friendly
      configuration (causal, 2plus1d, hard swish) with UNTRAINED random weights.
    * a folder: a SavedModel with the hub interface (e.g. notebook 05's export), via ``hub.load``;
      a ``labels.txt`` (one class name per line) next to ``saved_model.pb`` becomes ``.labels``.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        mode: ``"base"`` or ``"stream"``.
        version: TF Hub model version.
        source: See above.
        num_classes: Class count of the stand-in (hub models have 600).

    Returns:
        A :class:`MovinetModel`; check ``.untrained`` before trusting its labels.

    Raises:
        ValueError: Unknown model id or mode, a SavedModel of the other mode, or a
            ``labels.txt`` that does not match the class count.
        FileNotFoundError: A local source folder that does not exist.
        RuntimeError: ``source`` names a download (not ``"auto"``) that is offline or failed.
    """
    import tensorflow_hub as hub

    model_id = model_id.lower()
    resolution = resolution_for(model_id)
    _check_mode(mode)
    source = os.fspath(source)
    online = source in ("auto", "hub", "kaggle") or source.startswith(("https://", "http://"))
    if not online and source != "offline":
        if not os.path.isdir(source):
            raise FileNotFoundError(f"no SavedModel folder at {source!r}")
        model = _trained(hub.load(source), model_id, mode, resolution, source)
        labels_file = os.path.join(source, "labels.txt")
        if os.path.exists(labels_file):
            with open(labels_file) as f:
                model.labels = [line.strip() for line in f if line.strip()]
            if len(model.labels) != model.num_classes:
                raise ValueError(
                    f"{labels_file} has {len(model.labels)} names for {model.num_classes} classes"
                )
        return model
    reason = "source='offline'"
    if online:
        url = _handle_for(source, model_id, mode, version)
        net = downloads.network()
        reason = f"offline ({net.reason}): {url} not downloaded"
        if net.online:
            t0 = time.perf_counter()
            try:
                obj = hub.load(str(fetch_hub_model(url)))
                return _trained(obj, model_id, mode, resolution, url)
            except downloads.DownloadError as err:
                reason = f"download failed after {time.perf_counter() - t0:.1f} s: {err}"
            except Exception as err:  # noqa: BLE001 - e.g. a SavedModel that does not load
                first = (str(err).strip().splitlines() or [""])[0][:200]
                reason = f"{url} did not load ({type(err).__name__}: {first})"
        if source != "auto":
            raise RuntimeError(reason)
    print(
        f"WARNING: {reason}.\n  -> Building an UNTRAINED Model Garden stand-in instead: "
        "same architecture and interface, random weights, meaningless labels."
    )
    model = _standin(model_id, mode, num_classes)
    return MovinetModel(
        model,
        model_id=model_id,
        mode=mode,
        resolution=resolution,
        num_classes=num_classes,
        source="Model Garden (offline stand-in)",
        untrained=True,
        fallback_reason=reason,
    )
