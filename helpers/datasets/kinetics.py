"""Kinetics annotations: the official CSVs and a label map, ready for ``helpers.sources``.

DeepMind publishes each release's annotations as one tarball (:data:`ANNOTATION_URLS`, the same
links the MediaPipe Kinetics builder and the CVDF pages use), holding ``train.csv``,
``validate.csv`` and ``test.csv`` with the header ``label,youtube_id,time_start,time_end,split``
(Kinetics-400 adds ``is_cc``; test CSVs may have no label column). The output::

    <out>/kinetics-<version>_train.csv, _val.csv, _test.csv   (verbatim, checked row by row)
    <out>/kinetics-<version>_label_map.txt                     (one class per line, sorted)

The videos are YouTube clips and stay the user's to get: the CVDF mirror
(:data:`CVDF_URL`) hosts them as tarballs of segment files named like
:data:`helpers.sources.DEFAULT_KINETICS_FORMAT`. Nothing here contacts YouTube.
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from helpers import sources
from helpers.datasets.common import DatasetError, default_cache, require_online, write_if_changed
from helpers.utils import downloads

__all__ = [
    "ANNOTATION_URLS",
    "CVDF_URL",
    "VERSIONS",
    "KineticsAnnotations",
    "fetch_kinetics_annotations",
    "label_map",
    "videos_hint",
]

_BASE = "https://storage.googleapis.com/deepmind-media/Datasets"
ANNOTATION_URLS = {
    "400": f"{_BASE}/kinetics400.tar.gz",
    "600": f"{_BASE}/kinetics600.tar.gz",
    "700": f"{_BASE}/kinetics700.tar.gz",
    "700_2020": f"{_BASE}/kinetics700_2020.tar.gz",
}
"""The official annotation tarball of each Kinetics release."""

VERSIONS = tuple(ANNOTATION_URLS)
"""The releases :func:`fetch_kinetics_annotations` knows."""

CVDF_URL = "https://github.com/cvdfoundation/kinetics-dataset"
"""The CVDF mirror of the Kinetics videos (download scripts for per-split clip tarballs)."""

# train.csv, validate.csv, test.csv (also kinetics_400_val.csv and similar spellings)
_CSV_NAME = re.compile(r"(?:^|[_-])(train|validate|val|test)\.csv$")
_SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class KineticsAnnotations:
    """What :func:`fetch_kinetics_annotations` wrote.

    Attributes:
        version: ``"400"``, ``"600"``, ``"700"`` or ``"700_2020"``.
        csvs: ``{"train" | "val" | "test": CSV path}`` (test only when the tarball has one).
        label_map: The label map file (one class per line, line i is class index i).
        num_classes: Lines in the label map.
        rows: ``{split: number of rows}``.
        bytes: Bytes downloaded in this run (0 when the tarball was cached).
    """

    version: str
    csvs: dict[str, Path]
    label_map: Path
    num_classes: int
    rows: dict[str, int]
    bytes: int


def label_map(csv_bytes: bytes) -> list[str]:
    r"""The sorted distinct labels of a Kinetics CSV, as the official label maps order them.

    Args:
        csv_bytes: A CSV with a ``label`` column.

    Returns:
        Class names, sorted by code point (``"passing American football"`` before ``"pass..."``
        in lower case, like DeepMind's and MediaPipe's maps).

    >>> label_map(b"label,youtube_id,time_start,time_end,split\nb,x,0,10,val\na,y,0,10,val\n")
    ['a', 'b']
    """
    rows = csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig")))
    return sorted({row["label"].strip() for row in rows if (row.get("label") or "").strip()})


def _members(tar_path: Path) -> dict[str, tuple[str, bytes]]:
    """``{split: (member name, bytes)}`` of the tarball's train/val/test CSVs."""
    found: dict[str, tuple[str, bytes]] = {}
    try:
        with tarfile.open(tar_path, "r:*") as archive:
            for member in archive:
                match = _CSV_NAME.search(PurePosixPath(member.name).name)
                if not member.isfile() or not match:
                    continue
                split = "val" if match.group(1) == "validate" else match.group(1)
                handle = archive.extractfile(member)  # read, never extract: no paths from the tar
                if split not in found and handle is not None:
                    found[split] = (member.name, handle.read())
    except (tarfile.TarError, EOFError, OSError) as err:
        why = f"cannot read the tarball ({err}); delete it and rerun"
        raise DatasetError(tar_path, why) from err
    for split in ("train", "val"):
        if split not in found:
            raise DatasetError(tar_path, f"no {split} CSV in the annotation tarball")
    return found


def _checked(tar_path: Path, member: str, data: bytes, video_root: Path) -> int:
    """Parses a CSV as :func:`helpers.sources.kinetics_items` will; returns its row count."""
    with tempfile.TemporaryDirectory(dir=tar_path.parent) as tmp:  # never a stray file in out
        probe = Path(tmp) / PurePosixPath(member).name
        probe.write_bytes(data)
        try:
            return len(sources.kinetics_items(probe, video_root))
        except sources.SourceFormatError as err:  # name the tar member, not the probe file
            where = f"{tar_path}/{member}"
            raise sources.SourceFormatError(where, err.line_no, err.what, err.line) from None


def fetch_kinetics_annotations(
    version: str,
    out: str | Path,
    *,
    cache: str | Path | None = None,
    timeout: float = 30.0,
    progress: bool = True,
) -> KineticsAnnotations:
    """Downloads a Kinetics release's annotation tarball and writes its CSVs and label map.

    Every row is parsed as :func:`helpers.sources.kinetics_items` will read it before a file is
    written, and the label map is written last: when it exists, the CSVs are complete. A rerun
    with the tarball in ``cache`` downloads nothing.

    Args:
        version: One of :data:`VERSIONS`.
        out: The output folder.
        cache: Where the tarball is kept (default :func:`default_cache`).
        timeout: Seconds to wait for a connection or for data.
        progress: Show a progress bar.

    Returns:
        The files written, see :class:`KineticsAnnotations`.

    Raises:
        DatasetError: Unknown version, or the tarball lacks a train or val CSV.
        helpers.utils.downloads.DownloadError: The download failed, or the run is offline and
            the tarball is not cached (``"<url>: offline: <reason>"``).
        helpers.sources.SourceFormatError: A malformed CSV row, named
            ``<tarball>/<member>:<line>``.
    """
    if version not in ANNOTATION_URLS:
        raise DatasetError(version, f"unknown Kinetics version (one of {', '.join(VERSIONS)})")
    url, out = ANNOTATION_URLS[version], Path(out)
    cache = Path(cache) if cache is not None else default_cache()
    tar_path = cache / PurePosixPath(url).name
    if not tar_path.is_file():
        require_online(url)
    received = downloads.download(url, tar_path, timeout=timeout, progress=progress)
    members = _members(tar_path)
    out.mkdir(parents=True, exist_ok=True)
    csvs, rows = {}, {}
    for split in _SPLITS:
        if split in members:
            name, data = members[split]
            csvs[split] = out / f"kinetics-{version}_{split}.csv"
            rows[split] = _checked(tar_path, name, data, out)
    classes = label_map(members["train"][1]) or label_map(members["val"][1])
    if not classes:
        raise DatasetError(f"{tar_path}/{members['train'][0]}", "no labels in the train CSV")
    for split, path in csvs.items():
        write_if_changed(path, members[split][1])
    map_path = out / f"kinetics-{version}_label_map.txt"
    write_if_changed(map_path, "".join(f"{c}\n" for c in classes).encode("utf-8"))
    return KineticsAnnotations(version, csvs, map_path, len(classes), rows, received)


def videos_hint(result: KineticsAnnotations) -> str:
    """How to get the videos and turn them into records (what the CLI prints at the end)."""
    csvs = result.csvs
    test = f" --test-csv {csvs['val']}" if "val" in csvs else ""
    return (
        f"videos: not downloaded (they are YouTube clips); the CVDF mirror hosts them: {CVDF_URL}\n"
        f"  each CSV row's clip is read from <videos>/<path format>, by default\n"
        f"  {sources.DEFAULT_KINETICS_FORMAT!r}; put '{{split}}/' or '{{label}}/' in front\n"
        f"  when the clips sit in split or class folders.\n"
        f"next: python -m helpers.writer kinetics --csv {csvs['train']}{test} \\\n"
        f"        --videos VIDEOS --out data/records/kinetics{result.version}"
    )
