"""A short clip for the MoViNet notebook: the tutorial's GIF online, a local stand-in offline."""

from __future__ import annotations

from pathlib import Path

from helpers import config
from helpers.sample.data import ensure_sample_data
from helpers.utils import downloads

__all__ = ["JUMPING_JACK_URL", "example_clip"]

JUMPING_JACK_URL = (
    "https://github.com/tensorflow/models/raw/f8af2291cced43fc9f1d9b41ddbf772ae7b0d7d2"
    "/official/projects/movinet/files/jumpingjack.gif"
)
"""The official MoViNet tutorial's example clip: jumping jacks (a Kinetics-600 class), CC-BY."""


def example_clip(*, offline: bool | None = None) -> tuple[Path, str]:
    """A short clip to classify, and a line that says what it is.

    Online (the run's :func:`~helpers.utils.reachability.network` decision), the official tutorial's
    jumping-jacks GIF, downloaded once to ``config.DATA_DIR/movinet``. Otherwise (saying why in
    one line) ``shared/media``'s Kinetics "carving ice" GIF when
    present, else a clip of the generated sample set: synthetic shapes that no Kinetics-600 class
    describes, which the description says loudly.

    Args:
        offline: Skip the download; defaults to the run's network decision.

    Returns:
        ``(path, description)``.
    """
    cache = config.DATA_DIR / "movinet" / "jumpingjack.gif"
    if downloads.fetch_if_online(
        JUMPING_JACK_URL, cache, "the tutorial's jumping-jacks GIF", offline=offline
    ):
        return cache, "the official tutorial's GIF: jumping jacks (a Kinetics-600 class)"
    media = config.shared_media()
    gif = media / "derived_gif" / "carving_ice_kinetics_derived.gif" if media else None
    if gif is not None and gif.exists():
        return gif, "a Kinetics-600 'carving ice' clip from ../shared/media"
    path = sorted(ensure_sample_data().ucf_root.glob("*/*.avi"))[0]
    return path, (
        f"{path.name}: a SYNTHETIC clip from the generated sample set; no Kinetics-600 class "
        "describes it, so even a pretrained model's top 5 means nothing here"
    )
