"""Class names for MoViNet models: the Kinetics-600 list (downloaded once) or offline names.

::

    from helpers.movinet.labels import load_labels, labels_for
    labels = load_labels()          # 600 Kinetics names, cached under config.DATA_DIR/labels
    labels = labels_for(model)      # a SavedModel's own labels.txt, Kinetics-600, or generic names
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpers import config
from helpers.movinet.load import MovinetModel
from helpers.utils import downloads

__all__ = [
    "KINETICS_600_LABELS_URL",
    "check_class_names",
    "labels_for",
    "load_labels",
]

KINETICS_600_LABELS_URL = (
    "https://raw.githubusercontent.com/tensorflow/models/f8af2291cced43fc9f1d9b41ddbf772ae7b0d7d2"
    "/official/projects/movinet/files/kinetics_600_labels.txt"
)
"""The Kinetics-600 class list the official MoViNet tutorial downloads (one name per line)."""


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def check_class_names(labels: Sequence[str], num_classes: int) -> list[str]:
    """Returns the labels as a list after checking there is exactly one per class.

    Args:
        labels: Class names, index order.
        num_classes: The model's logits width.

    Returns:
        ``list(labels)``.

    Raises:
        ValueError: If the counts differ.
    """
    labels = list(labels)
    if len(labels) != num_classes:
        raise ValueError(
            f"label list has {len(labels)} names but the model has {num_classes} classes; "
            "pass the labels the model was trained with"
        )
    return labels


def load_labels(num_classes: int = 600, *, offline: bool | None = None) -> list[str]:
    """Returns class names for a Kinetics-600 model.

    Online (the run's :func:`~helpers.utils.reachability.network` decision), the official list is
    downloaded once and cached under ``config.DATA_DIR/labels``. Offline, or when the download
    fails, it says so in one line and uses ``shared/media/labels/kinetics600_label_map.txt`` when
    present, else generic names ``"class_000 (untrained)"``.

    Args:
        num_classes: Expected count; 600 for the hub models, anything for the generic names.
        offline: Skip the download; defaults to the run's network decision.

    Returns:
        ``num_classes`` names in index order.

    Raises:
        ValueError: If the list found does not have ``num_classes`` names.
    """
    cache = config.DATA_DIR / "labels" / "kinetics_600_labels.txt"
    if num_classes != 600:
        return [f"class_{i:03d} (untrained)" for i in range(num_classes)]
    if downloads.fetch_if_online(
        KINETICS_600_LABELS_URL, cache, "the Kinetics-600 labels", offline=offline
    ):
        return check_class_names(_read_lines(cache), num_classes)
    media = config.shared_media()
    shared = media / "labels" / "kinetics600_label_map.txt" if media else None
    if shared is not None and shared.exists():
        print(f"Using the local Kinetics-600 label list {shared}.")
        return check_class_names(_read_lines(shared), num_classes)
    print("No Kinetics-600 label list here: using generic names class_000 ... class_599.")
    return [f"class_{i:03d} (untrained)" for i in range(num_classes)]


def labels_for(model: MovinetModel) -> list[str]:
    """Returns the class names for a loaded model.

    A local SavedModel's own ``labels.txt`` wins; a 600-class model gets the Kinetics-600 list
    (see :func:`load_labels`); any other class count gets generic names (``"class_000"``, or
    ``"class_000 (untrained)"`` for the untrained stand-in).

    Args:
        model: A :class:`MovinetModel`.

    Returns:
        ``model.num_classes`` names.
    """
    if model.labels is not None:
        return check_class_names(model.labels, model.num_classes)
    if model.num_classes != 600 and not model.untrained:  # trained, but shipped no names
        return [f"class_{i:03d}" for i in range(model.num_classes)]
    return load_labels(model.num_classes)
