"""The model to fine-tune: a causal MoViNet, from the Kinetics-600 checkpoint or from scratch."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import tensorflow as tf
import tf_keras

from helpers import config
from helpers.movinet.models import build_movinet_classifier
from helpers.train.settings import TrainConfig

__all__ = ["PRETRAINED_URL", "build_model", "pretrained_checkpoint"]

PRETRAINED_URL = (
    "https://storage.googleapis.com/tf_model_garden/vision/movinet/movinet_{model_id}_stream.tar.gz"
)
"""The Model Garden's Kinetics-600 checkpoint of the causal streaming MoViNets (README table)."""




def pretrained_checkpoint(model_id: str = "a0", cache_dir: str | os.PathLike | None = None) -> str:
    """Downloads and unpacks the Model Garden's K600 stream checkpoint; returns its prefix.

    Args:
        model_id: ``"a0"`` ... ``"a5"``.
        cache_dir: Where to keep it (default ``config.DATA_DIR / "checkpoints"``).

    Returns:
        The checkpoint path for ``tf.train.Checkpoint.restore``.

    Raises:
        RuntimeError: Offline, or the archive holds no checkpoint.
    """
    if config.OFFLINE:
        raise RuntimeError("offline mode (config.OFFLINE): cannot download the checkpoint")
    url = PRETRAINED_URL.format(model_id=model_id.lower())
    root = Path(cache_dir or config.DATA_DIR / "checkpoints")
    folder = root / f"movinet_{model_id.lower()}_stream"
    if tf.train.latest_checkpoint(str(folder)) is None:
        archive = tf_keras.utils.get_file(fname=Path(url).name, origin=url, cache_dir=str(root))
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
    path = tf.train.latest_checkpoint(str(folder))
    if path is None:
        raise RuntimeError(f"no checkpoint found in {folder} after unpacking {url}")
    return path


def build_model(cfg: TrainConfig, checkpoint_path: str | None = None) -> tf_keras.Model:
    """Builds the causal (2+1)D MoViNet with a new ``cfg.num_classes`` head.

    With ``cfg.pretrained`` the Kinetics-600 weights are restored the Model Garden's way
    (``tf.train.Checkpoint(model=model).restore(path)`` on a 600-class model), then the backbone
    gets a fresh head, as in the TF "transfer learning with MoViNet" tutorial.

    Args:
        cfg: The configuration.
        checkpoint_path: A local K600 checkpoint (default: :func:`pretrained_checkpoint`).

    Returns:
        A built base model mapping ``{'image': [B, T, H, W, 3]}`` to logits ``[B, num_classes]``.
    """
    tf_keras.utils.set_random_seed(cfg.seed)
    if not cfg.pretrained:
        return build_movinet_classifier(
            cfg.model_id, cfg.num_classes, norm_momentum=cfg.norm_momentum
        )
    from official.projects.movinet.modeling import movinet_model

    k600 = build_movinet_classifier(cfg.model_id, 600)
    path = checkpoint_path or pretrained_checkpoint(cfg.model_id)
    tf.train.Checkpoint(model=k600).restore(path).assert_existing_objects_matched()
    backbone = k600.backbone
    backbone.trainable = not cfg.freeze_backbone
    model = movinet_model.MovinetClassifier(
        backbone=backbone, num_classes=cfg.num_classes, activation="hard_swish"
    )
    model({"image": tf.zeros([1, 1, cfg.resolution, cfg.resolution, 3])})
    return model
