"""The tutorial's dataset: the generated sample or a UCF101 subset, chosen once in notebook 01.

Notebook 01 chooses (its ``DATASET`` parameter); every later notebook asks which::

    from helpers import sample
    ds = sample.choose_dataset("ucf101-10")   # notebook 01: fetch, or fall back LOUDLY; recorded
    ds = sample.tutorial_dataset()            # notebooks 02-06: the recorded choice
    print(ds.what)
    train = ds.items("train")                 # = sources.ucf101_items(ds.videos, ds.splits, ...)

Both datasets have the UCF101 layout (class folders + ``ucfTrainTestlist``), so the notebooks read
them the same way. The choice is kept in ``config.DATA_DIR / "tutorial_dataset.json"``;
``TFVIDEO_DATASET`` overrides it. CI fast mode always uses the small sample and records nothing,
so a test run never changes a learner's choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from helpers import config, datasets, sources
from helpers.sample.data import ensure_sample_data
from helpers.utils import atomic, downloads

__all__ = [
    "CHOICE_FILE",
    "DATASETS",
    "TutorialDataset",
    "choose_dataset",
    "recorded_choice",
    "tutorial_dataset",
]

DATASETS: dict[str, int | None] = {"sample": None, "ucf101-10": 10}
"""The tutorial's datasets: name -> how many UCF101 classes (None: the generated sample)."""

CHOICE_FILE = "tutorial_dataset.json"
"""Where notebook 01's choice is kept, under ``config.DATA_DIR``."""

_COMPLETE = ".tutorial_complete.json"  # written into a fetched folder once the fetch succeeded


@dataclass(frozen=True)
class TutorialDataset:
    """A dataset in the UCF101 layout, and what to print about it.

    Attributes:
        name: The dataset used: ``"sample"`` or ``"ucf101-10"``.
        videos: The folder of ``<Class>/v_*.avi``.
        splits: The split lists' folder (``classInd.txt``, ``trainlist01.txt``, ...).
        what: One line that says which dataset this is (and why, after a fallback).
        asked: The dataset asked for; differs from ``name`` after a fallback.
        fallback: Why the asked-for dataset is not used, or None.
        missing: Videos the split lists name that the download did not have (``what`` says so).
    """

    name: str
    videos: Path
    splits: Path
    what: str
    asked: str
    fallback: str | None = None
    missing: int = 0

    def class_names(self) -> list[str]:
        """The class names in label order (``classInd.txt``): what a classifier's outputs mean."""
        index = sources.read_class_index(self.splits / "classInd.txt")
        return sorted(index, key=index.__getitem__)

    def items(self, split: str) -> list[sources.VideoItem]:
        """The videos of one official split (fold 1): ``"train"`` or ``"test"``.

        Videos the download did not have (counted in ``what``) are left out, so that every
        notebook step can open every item.
        """
        found = sources.ucf101_items(self.videos, self.splits, split)
        return [i for i in found if Path(i.path).is_file()] if self.missing else found


def _counts(videos: Path, splits: Path) -> str:
    train = len(sources.ucf101_items(videos, splits, "train"))
    test = len(sources.ucf101_items(videos, splits, "test"))
    classes = len(sources.read_class_index(splits / "classInd.txt"))
    return f"{classes} classes, {train} train / {test} test clips"


def _sample(asked: str, fallback: str | None = None) -> TutorialDataset:
    data = ensure_sample_data()  # returns at once when present
    what = f"the generated SAMPLE dataset ({_counts(data.ucf_root, data.ucf_splits)})"
    if fallback:
        what += f", instead of {asked!r}: {fallback}"
    return TutorialDataset("sample", data.ucf_root, data.ucf_splits, what, asked, fallback)


def _fall_back(asked: str, reason: str) -> TutorialDataset:
    # Loud on purpose: a learner who asked for real videos must not think the sample is them.
    print(f"!!! DATASET={asked!r} is not used: {reason}.")
    print("!!! Falling back to the generated SAMPLE dataset (drawn shapes, not real videos).")
    return _sample(asked, reason)


def _ucf(name: str, folder: Path) -> TutorialDataset:
    done = json.loads((folder / _COMPLETE).read_text())
    splits = folder / done["splits"]
    what = f"UCF101, its first {DATASETS[name]} classes ({_counts(folder, splits)}) in {folder}"
    missing = done["missing"]
    if missing:
        what += f"; LEFT OUT: {missing} listed videos that the hosted zip does not have"
    return TutorialDataset(name, folder, splits, what, name, missing=missing)


def _resolve(name: str, *, progress: bool) -> TutorialDataset:
    """Finds, fetches or replaces dataset ``name``; never downloads when offline."""
    if name not in DATASETS:
        raise ValueError(f"unknown tutorial dataset {name!r}: choose one of {', '.join(DATASETS)}")
    if DATASETS[name] is None:
        return _sample(name)
    folder = config.DATA_DIR / name
    if config.FAST:
        return _fall_back(name, "CI fast mode (CI=true) always uses the small sample")
    if (folder / _COMPLETE).is_file():
        return _ucf(name, folder)  # fetched before: nothing to download
    net = downloads.network()  # the run's one decision (CI and TFVIDEO_OFFLINE force offline)
    if not net.online:
        return _fall_back(name, f"it is not in {folder} yet and this run is offline ({net.reason})")
    try:
        got = datasets.fetch_ucf101(folder, DATASETS[name], progress=progress)
    except (downloads.DownloadError, datasets.DatasetError, sources.SourceFormatError) as err:
        return _fall_back(name, f"the download failed ({err})")
    done = {"splits": got.splits.name, "classes": list(got.classes), "missing": len(got.missing)}
    atomic.atomic_write_json(folder / _COMPLETE, done)
    return _ucf(name, folder)


def recorded_choice() -> str:
    """The dataset later notebooks use: ``TFVIDEO_DATASET``, else notebook 01's choice.

    In CI fast mode the recorded choice is ignored (the sample is used unless
    ``TFVIDEO_DATASET`` asks otherwise, which then falls back loudly).
    """
    if config.DATASET:
        return config.DATASET
    if config.FAST:
        return "sample"
    try:
        return str(json.loads((config.DATA_DIR / CHOICE_FILE).read_text())["dataset"])
    except FileNotFoundError:
        return "sample"  # notebook 01 has not run: the default
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"!!! {config.DATA_DIR / CHOICE_FILE} is unreadable ({err}); using the sample.")
        return "sample"


def choose_dataset(name: str = "sample", *, progress: bool = True) -> TutorialDataset:
    """Notebook 01: gets dataset ``name`` and records the result for the later notebooks.

    ``"ucf101-10"`` reads the first ten UCF101 classes out of the hosted zip with
    :func:`helpers.datasets.fetch_ucf101` into ``config.DATA_DIR / "ucf101-10"`` (once; a rerun
    finds it). Offline (``config.OFFLINE``), in CI fast mode or when the download fails, it
    prints why and falls back to the sample, and the sample is what gets recorded.

    Args:
        name: One of :data:`DATASETS`.
        progress: Show the download's progress bars.

    Returns:
        The dataset to use.

    Raises:
        ValueError: ``name`` is not one of :data:`DATASETS`.
    """
    chosen = _resolve(name, progress=progress)
    if not config.FAST:  # CI must not overwrite a learner's choice
        config.DATA_DIR.mkdir(parents=True, exist_ok=True)
        atomic.atomic_write_json(
            config.DATA_DIR / CHOICE_FILE,
            {"dataset": chosen.name, "asked": chosen.asked, "fallback": chosen.fallback},
        )
    return chosen


def tutorial_dataset(*, progress: bool = True) -> TutorialDataset:
    """Notebooks 02-06: the dataset notebook 01 chose (see :func:`recorded_choice`).

    Args:
        progress: Show progress bars if the dataset has to be fetched again.

    Returns:
        The dataset to use; after a fallback, the sample (and the reason was printed).

    Raises:
        ValueError: ``TFVIDEO_DATASET`` names an unknown dataset.
    """
    return _resolve(recorded_choice(), progress=progress)
