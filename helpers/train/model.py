"""The model to fine-tune: a causal MoViNet, from the Kinetics-600 checkpoint or from scratch.

The checkpoint is the Model Garden's tarball of the causal stream MoViNet (``movinet_a0_stream/``
with the checkpoint files). It is fetched through :func:`helpers.utils.downloads.download` (so it
resumes and follows ``TFVIDEO_MIRROR``) only when the run is online
(:func:`helpers.utils.reachability.network`). Offline, or when the download fails, the documented
fallback is training **from scratch**, said loudly and carried by the model::

    path = train.fetch_pretrained("a0")      # the checkpoint prefix, or None (and one line why)
    model = train.build_model(cfg, checkpoint_path=path)
    model.pretrained, model.description      # False, "... FROM SCRATCH (random start) ..."
"""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf
import tf_keras

from helpers import config
from helpers.movinet.models import build_movinet_classifier
from helpers.train.settings import TrainConfig
from helpers.utils import downloads

__all__ = ["PRETRAINED_URL", "build_model", "fetch_pretrained", "pretrained_checkpoint"]

PRETRAINED_URL = (
    "https://storage.googleapis.com/tf_model_garden/vision/movinet/movinet_{model_id}_stream.tar.gz"
)
"""The Model Garden's Kinetics-600 checkpoint of the causal streaming MoViNets (README table)."""

CHECKPOINT_TIMEOUT = 30.0
"""Seconds the checkpoint download may wait for a connection or for the next piece of data."""


def pretrained_checkpoint(model_id: str = "a0", cache_dir: str | os.PathLike | None = None) -> str:
    """Downloads and unpacks the Model Garden's K600 stream checkpoint; returns its prefix.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        cache_dir: Where to keep it (default ``config.DATA_DIR / "checkpoints"``).

    Returns:
        The checkpoint path for ``tf.train.Checkpoint.restore``.

    Raises:
        RuntimeError: The run is offline (see :func:`helpers.utils.reachability.network`).
        DownloadError: The download failed, the archive is damaged or holds no checkpoint.
    """
    net = downloads.network()
    if not net.online:
        raise RuntimeError(f"offline ({net.reason}): cannot download the checkpoint")
    url = PRETRAINED_URL.format(model_id=model_id.lower())
    root = Path(cache_dir or config.DATA_DIR / "checkpoints")
    name = f"movinet_{model_id.lower()}_stream"
    path = tf.train.latest_checkpoint(str(root / name))
    if path is None:
        archive = root / Path(url).name
        downloads.download(url, archive, timeout=CHECKPOINT_TIMEOUT)
        unpacked = downloads.unpack_tar(archive, root / f"{name}.unpacked", url=url)
        archive.unlink()
        path = tf.train.latest_checkpoint(str(unpacked / name))
        if path is None:
            raise downloads.DownloadError(url, f"the archive holds no checkpoint under {name}/")
        os.replace(unpacked / name, root / name)  # the final name only ever holds a whole one
        unpacked.rmdir()
        path = tf.train.latest_checkpoint(str(root / name))
    return path


def fetch_pretrained(
    model_id: str = "a0", cache_dir: str | os.PathLike | None = None
) -> str | None:
    """The K600 checkpoint when it can be had; otherwise None, after one line saying why.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        cache_dir: As for :func:`pretrained_checkpoint`.

    Returns:
        A checkpoint prefix, or None (offline, or the download failed): train from scratch.
    """
    try:
        return pretrained_checkpoint(model_id, cache_dir)
    except (RuntimeError, downloads.DownloadError) as err:
        print(f"WARNING: no Kinetics-600 checkpoint: {err}.\n  -> Training FROM SCRATCH instead.")
        return None


def _label(model: tf_keras.Model, cfg: TrainConfig, source: str | None) -> tf_keras.Model:
    """Sets ``model.pretrained`` and a one-line ``model.description`` (loud when from scratch)."""
    model.pretrained = source is not None
    start = f"Kinetics-600 weights from {source}" if source else "FROM SCRATCH (random start)"
    frozen = ", backbone frozen" if source and cfg.freeze_backbone else ""
    model.description = (
        f"MoViNet-{cfg.model_id.upper()} causal, {cfg.num_classes} classes, {start}{frozen}"
    )
    return model


def build_model(cfg: TrainConfig, checkpoint_path: str | None = None) -> tf_keras.Model:
    """Builds the causal (2+1)D MoViNet with a new ``cfg.num_classes`` head.

    With ``cfg.pretrained`` the Kinetics-600 weights are restored the Model Garden's way
    (``tf.train.Checkpoint(model=model).restore(path)`` on a 600-class model, every variable
    checked), then the backbone gets a fresh head, as in the TF "transfer learning with
    MoViNet" tutorial. Without ``checkpoint_path`` it calls :func:`fetch_pretrained`; when that
    gives None the model is built from scratch with every layer trainable (a frozen random
    backbone could not learn), and ``model.description`` says FROM SCRATCH.

    Args:
        cfg: The configuration.
        checkpoint_path: A local K600 checkpoint (default: :func:`fetch_pretrained`).

    Returns:
        A built base model mapping ``{'image': [B, T, H, W, 3]}`` to logits ``[B, num_classes]``,
        with ``.pretrained`` (bool) and ``.description`` (one line to print).
    """
    tf_keras.utils.set_random_seed(cfg.seed)
    if cfg.pretrained and checkpoint_path is None:
        checkpoint_path = fetch_pretrained(cfg.model_id)
    if not cfg.pretrained or checkpoint_path is None:
        model = build_movinet_classifier(
            cfg.model_id, cfg.num_classes, norm_momentum=cfg.norm_momentum
        )
        return _label(model, cfg, None)
    from official.projects.movinet.modeling import movinet_model

    k600 = build_movinet_classifier(cfg.model_id, 600)
    tf.train.Checkpoint(model=k600).restore(checkpoint_path).assert_existing_objects_matched()
    backbone = k600.backbone
    backbone.trainable = not cfg.freeze_backbone
    model = movinet_model.MovinetClassifier(
        backbone=backbone, num_classes=cfg.num_classes, activation="hard_swish"
    )
    model({"image": tf.zeros([1, 1, cfg.resolution, cfg.resolution, 3])})
    return _label(model, cfg, checkpoint_path)
