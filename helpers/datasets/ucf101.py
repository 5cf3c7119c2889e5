"""UCF101 by class: only the chosen classes' videos, read out of the hosted zip by range requests.

The videos come from the zip the TensorFlow "Load video data" tutorial reads,
:data:`UCF101_ZIP_URL` (one flat folder, ``UCF101/v_<Class>_g<GG>_c<CC>.avi``); the official
split lists come from :data:`SPLITS_ZIP_URL` (``ucfTrainTestlist/``). The result is the layout
:func:`helpers.sources.ucf101_items` and ``python -m helpers.writer ucf101`` read::

    <out>/<Class>/v_<Class>_g<GG>_c<CC>.avi
    <out>/ucfTrainTestlist/classInd.txt, trainlist0{1,2,3}.txt, testlist0{1,2,3}.txt

With a subset of classes the lists keep only those classes' lines, renumbered ``1..N`` in
classInd order, so a 10-class model gets the labels ``0..9``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from helpers import sources
from helpers.datasets.common import DatasetError, default_cache, require_online, write_if_changed
from helpers.utils import downloads, remote_zip

__all__ = [
    "SPLITS_ZIP_URL",
    "SPLIT_DIR",
    "SPLIT_FILES",
    "UCF101_ZIP_URL",
    "UCF101Fetch",
    "choose_classes",
    "fetch_ucf101",
    "trim_split_file",
]

UCF101_ZIP_URL = "https://storage.googleapis.com/thumos14_files/UCF101_videos.zip"
"""The hosted UCF101 zip of the TF tutorial "Load video data" (it too reads it with remotezip)."""

SPLITS_ZIP_URL = "https://www.crcv.ucf.edu/data/UCF101/UCF101TrainTestSplits-RecognitionTask.zip"
"""The official train/test split lists (UCF CRCV)."""

SPLIT_DIR = "ucfTrainTestlist"
"""The split lists' folder, inside the splits zip and in the output."""

SPLIT_FILES = ("classInd.txt",) + tuple(
    f"{kind}list{fold:02d}.txt" for kind in ("train", "test") for fold in (1, 2, 3)
)
"""The seven split files: the class index, then three train and three test lists."""

_VIDEO_NAME = re.compile(r"^v_(.+?)_g\d+_c\d+\.avi$", re.IGNORECASE)


@dataclass(frozen=True)
class UCF101Fetch:
    """What :func:`fetch_ucf101` did.

    Attributes:
        videos: The folder of ``<Class>/v_*.avi`` (``--videos`` of the writer).
        splits: The split lists' folder (``--splits`` of the writer).
        classes: The chosen classes, in classInd order.
        total_classes: How many classes the official classInd lists.
        fetched: Videos read out of the zip in this run.
        cached: Videos that were already there.
        bytes: Bytes written: the videos fetched plus the split zip when it was downloaded.
        zip_size: The whole zip's size, or None when it was not opened (nothing to fetch).
        missing: Videos the split lists name that the zip does not have.
        trimmed: True when the split lists were cut down to the chosen classes.
    """

    videos: Path
    splits: Path
    classes: tuple[str, ...]
    total_classes: int
    fetched: int
    cached: int
    bytes: int
    zip_size: int | None
    missing: tuple[str, ...]
    trimmed: bool


def choose_classes(class_index: dict[str, int], classes: int | Sequence[str] | None) -> list[str]:
    """Picks classes from classInd: the first N, the named ones, or all.

    Args:
        class_index: ``{name: 0-based index}`` from :func:`helpers.sources.read_class_index`.
        classes: A count N (the first N classes of classInd, a fixed choice), class names
            (exact spelling, any order), or None for all classes.

    Returns:
        The chosen names in classInd order.

    Raises:
        ValueError: N is out of range, a name is unknown, or no class was given.

    >>> choose_classes({"A": 0, "B": 1, "C": 2}, 2)
    ['A', 'B']
    >>> choose_classes({"A": 0, "B": 1, "C": 2}, ["C", "A"])
    ['A', 'C']
    """
    ordered = sorted(class_index, key=class_index.__getitem__)
    if classes is None:
        return ordered
    if isinstance(classes, int):
        if not 1 <= classes <= len(ordered):
            raise ValueError(f"--classes {classes}: choose 1 to {len(ordered)} classes")
        return ordered[:classes]
    unknown = [c for c in classes if c not in class_index]
    if unknown:
        raise ValueError(f"unknown class {unknown[0]!r} (names are as in classInd.txt)")
    if not classes:
        raise ValueError("no class chosen")
    wanted = set(classes)
    return [c for c in ordered if c in wanted]


def trim_split_file(name: str, data: bytes, chosen: Sequence[str]) -> bytes:
    """Keeps the lines of the chosen classes in one split file, renumbered ``1..N``.

    Line endings (the official files use CRLF) and line order are kept.

    Args:
        name: ``classInd.txt``, ``trainlistNN.txt`` or ``testlistNN.txt``.
        data: The file's bytes.
        chosen: The classes to keep, in classInd order.

    Returns:
        The trimmed file's bytes.
    """
    new_index = {c: i + 1 for i, c in enumerate(chosen)}
    text = data.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    kept = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if name == "classInd.txt":
            if len(parts) == 2 and parts[1] in new_index:
                kept.append(f"{new_index[parts[1]]} {parts[1]}")
            continue
        label = parts[0].replace("\\", "/").split("/")[0]
        if label not in new_index:
            continue
        if len(parts) == 2:  # a train line: "<Class>/<file> <class index>"
            kept.append(f"{parts[0]} {new_index[label]}")
        else:
            kept.append(line.strip())
    return "".join(f"{k}{newline}" for k in kept).encode("utf-8")


def _read_split_zip(path: Path) -> dict[str, bytes]:
    """The seven split files' bytes (zipfile checks each member's CRC-32 as it reads it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            found = {PurePosixPath(n).name: n for n in archive.namelist() if not n.endswith("/")}
            lacking = [f for f in SPLIT_FILES if f not in found]
            if lacking:
                raise DatasetError(path, f"no {SPLIT_DIR}/{lacking[0]} in the split-list zip")
            return {f: archive.read(found[f]) for f in SPLIT_FILES}
    except zipfile.BadZipFile as err:
        raise DatasetError(path, f"not a valid zip ({err}); delete it and rerun") from err


def _listed_videos(split_dir: Path) -> dict[str, str]:
    """``{lower-case file name: "<Class>/<file>"}`` for every video any list names."""
    listed: dict[str, str] = {}
    for name in SPLIT_FILES[1:]:
        for line in (split_dir / name).read_text(encoding="utf-8-sig").splitlines():
            if line.split():
                rel = line.split()[0].replace("\\", "/")
                listed.setdefault(PurePosixPath(rel).name.lower(), rel)
    return listed


def fetch_ucf101(
    out: str | Path,
    classes: int | Sequence[str] | None = 10,
    *,
    cache: str | Path | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> UCF101Fetch:
    """Fetches the chosen UCF101 classes and their split lists into ``out``.

    Only the chosen classes' members of the zip are read (one range request each). Each
    video is written under the name the split lists use: they spell some classes differently
    from the zip (``HandstandPushups/v_HandStandPushups_...``), so names are matched without
    regard to case. A rerun skips the zip entirely when every listed video is there; an
    interrupted run keeps the videos it finished.

    Args:
        out: The dataset folder.
        classes: A count N (the first N classes of classInd), class names, or None for all 101.
        cache: Where the split-list zip is kept (default :func:`default_cache`).
        timeout: Seconds to wait for a connection or for data.
        progress: Show progress bars.

    Returns:
        What was fetched, see :class:`UCF101Fetch`.

    Raises:
        helpers.utils.downloads.DownloadError: A download failed, a member is corrupt, or the
            run is offline and something is missing (``"<url>: offline: <reason>"``).
        DatasetError: Bad ``classes``, or the split-list zip lacks a split file.
        helpers.sources.SourceFormatError: classInd.txt is malformed.
    """
    out = Path(out)
    cache = Path(cache) if cache is not None else default_cache()
    splits_zip = cache / PurePosixPath(SPLITS_ZIP_URL).name
    if not splits_zip.is_file():
        require_online(SPLITS_ZIP_URL)
    received = downloads.download(SPLITS_ZIP_URL, splits_zip, timeout=timeout, progress=progress)
    official = _read_split_zip(splits_zip)
    full_lists = cache / SPLIT_DIR  # verbatim copies, so that line errors name a real file
    for name, data in official.items():
        write_if_changed(full_lists / name, data)
    class_index = sources.read_class_index(full_lists / "classInd.txt")
    try:
        chosen = choose_classes(class_index, classes)
    except ValueError as err:
        raise DatasetError(full_lists / "classInd.txt", str(err)) from None
    trimmed = len(chosen) < len(class_index)
    split_dir = out / SPLIT_DIR
    for name, data in official.items():
        write_if_changed(split_dir / name, trim_split_file(name, data, chosen) if trimmed else data)

    listed = _listed_videos(split_dir)
    by_lower = {c.lower(): c for c in chosen}

    def destination(info: zipfile.ZipInfo) -> Path | None:
        base = PurePosixPath(info.filename).name
        match = _VIDEO_NAME.match(base)
        label = by_lower.get(match.group(1).lower()) if match else None
        if label is None:
            return None
        return out / listed.get(base.lower(), f"{label}/{base}")

    todo = [rel for rel in listed.values() if not (out / rel).exists()]
    result, zip_size = remote_zip.ZipFetch(0, len(listed), 0, 0), None
    if todo:
        require_online(UCF101_ZIP_URL)
        result = remote_zip.fetch_zip_members(
            UCF101_ZIP_URL, destination, timeout=timeout, progress=progress
        )
        zip_size = result.zip_size
    missing = tuple(rel for rel in listed.values() if not (out / rel).exists())
    return UCF101Fetch(
        videos=out, splits=split_dir, classes=tuple(chosen), total_classes=len(class_index),
        fetched=result.fetched, cached=result.cached, bytes=result.bytes + received,
        zip_size=zip_size, missing=missing, trimmed=trimmed,
    )  # fmt: skip
