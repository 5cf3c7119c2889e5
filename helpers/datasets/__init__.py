"""Real data in one command: UCF101 by class, Kinetics annotations.

From the shell (``--help`` explains every flag)::

    python -m helpers.datasets ucf101 --classes 10 --out data/ucf101-10
    python -m helpers.datasets kinetics-annotations --version 400 --out data/kinetics400

or from Python::

    from helpers import datasets, sources
    got = datasets.fetch_ucf101("data/ucf101-10", classes=10)       # or ["Archery", "YoYo"]
    items = sources.ucf101_items(got.videos, got.splits, "train")   # feeds the writer as is
    k400 = datasets.fetch_kinetics_annotations("400", "data/kinetics400")
    sources.kinetics_items(k400.csvs["val"], "videos/")             # the videos stay yours

UCF101 videos are read out of the hosted zip of the TF tutorial "Load video data"
(:data:`UCF101_ZIP_URL`) one member at a time with HTTP range requests, so ten classes cost
ten classes' bytes. Every download goes through :mod:`helpers.utils.downloads`: resumable,
verified, renamed into place when complete, redirected by ``TFVIDEO_MIRROR``. Before anything
missing is fetched, the run's one network decision (:func:`helpers.utils.downloads.network`) is
asked: offline, the fetch fails at once with ``DownloadError("<url>: offline: <reason>")``.
"""

from __future__ import annotations

from helpers.datasets.common import DatasetError, default_cache
from helpers.datasets.kinetics import (
    ANNOTATION_URLS,
    CVDF_URL,
    VERSIONS,
    KineticsAnnotations,
    fetch_kinetics_annotations,
)
from helpers.datasets.ucf101 import (
    SPLITS_ZIP_URL,
    UCF101_ZIP_URL,
    UCF101Fetch,
    choose_classes,
    fetch_ucf101,
)

__all__ = [
    "fetch_ucf101",
    "UCF101Fetch",
    "choose_classes",
    "UCF101_ZIP_URL",
    "SPLITS_ZIP_URL",
    "fetch_kinetics_annotations",
    "KineticsAnnotations",
    "VERSIONS",
    "ANNOTATION_URLS",
    "CVDF_URL",
    "DatasetError",
    "default_cache",
]
