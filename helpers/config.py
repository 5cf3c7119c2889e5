"""The one switch (CI fast mode), the offline switch and the data paths, read in one place.

Every notebook and helper asks this module how big a run should be and where data lives::

    from helpers import config
    steps = config.pick(full=2000, fast=5)   # 5 when the CI variable is set
    config.DATA_DIR                          # <repo>/data unless TFVIDEO_DATA is set

Environment variables:

* ``CI``: any value except ``''``, ``0``, ``false`` or ``no`` turns on fast mode (small sizes).
  Fast mode also means offline: no download is attempted.
* ``TFVIDEO_OFFLINE``: the same offline behaviour without shrinking sizes.
  Without either, the first download of a run checks once whether the network answers
  (:func:`helpers.utils.reachability.network`) and every online path follows that decision.
* ``TFVIDEO_DATA``: where generated data and caches go (default ``<repo>/data``).
* ``TFVIDEO_DATASET``: the tutorial's dataset (``sample``, ``ucf101-10``) over notebook 01's.
* ``TFVIDEO_SHARED_MEDIA``: the folder of real test clips (default ``<repo>/../shared/media``).
* ``TF_CPU_ALLOCATOR_USE_BFC``: TensorFlow's own switch. Importing ``helpers`` sets it to
  ``true`` unless you set it yourself (see :data:`CPU_ALLOCATOR`).
* ``TF_CPP_MIN_LOG_LEVEL``: TensorFlow's C++ log filter. Importing ``helpers`` sets it to ``1``
  (no INFO banners) unless you set it yourself; warnings and errors still show.
* ``OPENCV_FFMPEG_LOGLEVEL``: FFmpeg's own log level inside OpenCV. Importing ``helpers`` sets it
  to ``-8`` (quiet) unless you set it yourself: a damaged video otherwise prints raw decoder lines
  (``[h264 @ 0x...] no frame!``) with no file name, while the helpers report each file's problem
  with its path in the summary and report. ``24`` shows FFmpeg's warnings again.

Importing ``helpers`` also mutes the start-up noise that only says "an optional part is
missing" (a CPU-only machine's ``cuInit`` error, Beam's cloud-extras warnings): see
:mod:`helpers.quiet`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from helpers import quiet as _quiet  # noqa: F401  (mutes library start-up noise, see its docstring)

__all__ = [
    "BUILD_DIR",
    "CPU_ALLOCATOR",
    "DATA_DIR",
    "DATASET",
    "FAST",
    "OFFLINE",
    "OFFLINE_REASON",
    "REAL_CLIPS",
    "ROOT",
    "describe",
    "pick",
    "shared_media",
]

_T = TypeVar("_T")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``helpers/``)."""

FAST: bool = _flag("CI")
"""True in CI fast mode: every notebook shrinks its sizes."""

OFFLINE: bool = FAST or _flag("TFVIDEO_OFFLINE")
"""True when offline is forced (CI, or ``TFVIDEO_OFFLINE=1``): no download is attempted."""

OFFLINE_REASON: str = (
    "CI is set" if FAST else "TFVIDEO_OFFLINE is set" if OFFLINE else ""
)
"""Why offline is forced, for the run's one network line ('' when it is not)."""

DATA_DIR: Path = Path(os.environ.get("TFVIDEO_DATA", ROOT / "data")).resolve()
"""Generated sample data, records and caches (ignored by git)."""

DATASET: str = os.environ.get("TFVIDEO_DATASET", "").strip()
"""The tutorial dataset ``TFVIDEO_DATASET`` asks for ('' = the one notebook 01 recorded)."""

BUILD_DIR: Path = ROOT / "build"
"""Rendered notebooks and other build outputs (ignored by git)."""

os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
CPU_ALLOCATOR: str = "BFC" if _flag("TF_CPU_ALLOCATOR_USE_BFC") else "default"
"""TensorFlow's CPU allocator: ``"BFC"`` (a pool that reuses freed memory) unless turned off.

A video batch is big (8 x 16 x 172 x 172 x 3 float32 is 45 MB). TensorFlow's default CPU
allocator returns such buffers to the OS and asks for new ones, and the OS hands them out zeroed,
page by page, which made every batch's float32 conversion several times slower (measured in
``benchmarks/README.md``). The BFC pool keeps the memory and hands it out again.
TensorFlow reads the switch when it first allocates, so import ``helpers`` before running any
TensorFlow op (importing TensorFlow first is fine). ``TF_CPU_ALLOCATOR_USE_BFC=false`` opts out.
"""

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # read once, when TensorFlow first logs
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # read when OpenCV first opens a video


REAL_CLIPS: tuple[str, ...] = (
    "ucf101/v_ApplyEyeMakeup_g01_c01.avi",
    "ucf101/v_BaseballPitch_g01_c01.avi",
    "kinetics_carving_ice_rpi.mp4",
    "kinetics_carving_ice_android.mp4",
    "mmaction2_demo_kinetics400.mp4",
    "mmaction2_tests_test.mp4",
)
"""The real UCF101 and Kinetics clips in :func:`shared_media` that benchmarks measure on."""


def pick(full: _T, fast: _T) -> _T:
    """Returns ``fast`` in CI fast mode and ``full`` otherwise.

    Args:
        full: The value for a normal run.
        fast: The smaller value for CI.

    Returns:
        One of the two values.

    >>> pick(full=1000, fast=10) in (1000, 10)
    True
    """
    return fast if FAST else full


def shared_media() -> Path | None:
    """Returns the folder of real test clips, or None when it is absent.

    Tests and benchmarks that need it skip cleanly when this returns None.
    """
    path = Path(os.environ.get("TFVIDEO_SHARED_MEDIA", ROOT.parent / "shared" / "media"))
    return path.resolve() if path.is_dir() else None


def describe() -> str:
    """Returns a one-line summary of the current mode, for notebooks to print."""
    mode = "FAST (CI)" if FAST else "full"
    if OFFLINE:
        net = f"offline ({OFFLINE_REASON})"
    else:  # a parent (notebooks/run.py) may have decided for the whole run already
        decided = os.environ.get("TFVIDEO_NETWORK", "").strip()
        net = f"{decided} (checked once for this run)" if decided else "checked at first download"
    return f"mode={mode}, network={net}, cpu allocator={CPU_ALLOCATOR}, data={DATA_DIR}"
