"""MoViNet: load (TF Hub, a SavedModel, or a loudly UNTRAINED stand-in), classify, stream, plot.

The official TF Hub tutorial's arc, as functions::

    from helpers import movinet
    labels = movinet.load_labels()                          # Kinetics-600 (or offline names)
    video = movinet.load_video(path, resolution=172)        # [T, 172, 172, 3] float32 in [0, 1]
    base = movinet.load_movinet("a0", "base")               # TF Hub, or the UNTRAINED stand-in
    movinet.get_top_k(movinet.classify(base, video), labels)
    stream = movinet.load_movinet("a0", "stream")
    probs = movinet.stream_probabilities(stream, video)     # [T, 600]: one row per frame
    movinet.render_top_k_video(video, movinet.streaming_top_k(probs, labels, k=5))

Modules: ``models`` (Model Garden builder), ``load``, ``labels``, ``inference``, ``animate``.
"""

from helpers.movinet.animate import (
    TopKAnimator,
    func_animation,
    render_top_k_video,
    save_video,
    show_video,
)
from helpers.movinet.inference import (
    StreamingTopK,
    classify,
    format_top_k,
    get_top_k,
    load_video,
    stream_probabilities,
    streaming_top_k,
)
from helpers.movinet.labels import (
    KINETICS_600_LABELS_URL,
    check_class_names,
    labels_for,
    load_labels,
)
from helpers.movinet.load import MovinetModel, fetch_hub_model, load_movinet
from helpers.movinet.models import (
    MODEL_IDS,
    RESOLUTIONS,
    build_movinet_classifier,
    copy_weights,
    hub_handle,
    kaggle_handle,
    resolution_for,
)

__all__ = [
    "MODEL_IDS",
    "RESOLUTIONS",
    "resolution_for",
    "hub_handle",
    "kaggle_handle",
    "build_movinet_classifier",
    "copy_weights",
    "MovinetModel",
    "load_movinet",
    "fetch_hub_model",
    "KINETICS_600_LABELS_URL",
    "load_labels",
    "labels_for",
    "check_class_names",
    "load_video",
    "classify",
    "stream_probabilities",
    "get_top_k",
    "format_top_k",
    "StreamingTopK",
    "streaming_top_k",
    "TopKAnimator",
    "render_top_k_video",
    "func_animation",
    "show_video",
    "save_video",
]
