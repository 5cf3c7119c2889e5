"""Dataset sources: turn UCF101 split files, Kinetics CSVs or plain folders into typed items.

Every source gives the same :class:`VideoItem` (id, path, label, start/end, split), so the
later stages never care which layout the videos came from::

    items = ucf101_items("data/sample/UCF101", "data/sample/ucfTrainTestlist", split="train")
    label_map = read_class_index("data/sample/ucfTrainTestlist/classInd.txt")
    label_index(label_map, items[0])   # -> 0-based class index
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from helpers.sources.errors import SourceFormatError, UnknownLabelError

__all__ = [
    "VideoItem",
    "build_label_map",
    "check_labels",
    "check_unique_ids",
    "folder_items",
    "kinetics_items",
    "label_index",
    "read_class_index",
    "ucf101_items",
]

DEFAULT_KINETICS_FORMAT = "{youtube_id}_{time_start:06d}_{time_end:06d}.mp4"
VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".gif", ".h264", ".264")


@dataclass(frozen=True)
class VideoItem:
    """One example to decode: a video file, its label and an optional time segment.

    Attributes:
        id: Unique example id, e.g. ``"v_SpinClockwise_g01_c01"``.
        path: Absolute path to the video file.
        label: Class name, or None for unlabeled videos.
        start: Segment start in seconds; None means from the beginning.
        end: Segment end in seconds; None means to the end.
        split: ``"train"``, ``"test"``, ``"val"``... or None.
    """

    id: str
    path: str
    label: str | None
    start: float | None = None
    end: float | None = None
    split: str | None = None


def _read_text(path: str | Path) -> str:
    """A list file's text (UTF-8, with or without a BOM).

    Raises:
        SourceFormatError: The file is not UTF-8, naming the line of the first bad byte.
    """
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        n = data.count(b"\n", 0, err.start) + 1
        line = data.split(b"\n")[n - 1].decode("utf-8", "replace").strip()
        what = f"not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"
        raise SourceFormatError(path, n, what, line) from None


def _lines(path: str | Path) -> list[tuple[int, str]]:
    """Returns (1-based line number, stripped line) for every non-blank line; CRLF-safe."""
    text = _read_text(path)
    return [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]


def _check_duplicate(
    seen: dict[str, int], key: str, file: Path, n: int, line: str, what: str = "example id"
) -> None:
    """Raises if ``key`` was on an earlier line (two records with one id), naming both lines."""
    if key in seen:
        raise SourceFormatError(file, n, f"duplicate {what} {key!r} (also on line {seen[key]})",
                                line)  # fmt: skip
    seen[key] = n


def read_class_index(path: str | Path) -> dict[str, int]:
    """Reads UCF101's ``classInd.txt`` (``"1 ApplyEyeMakeup"`` per line).

    Args:
        path: The classInd.txt file (LF or CRLF line endings).

    Returns:
        ``{class name: 0-based index}`` (the file's 1-based indices minus one).

    Raises:
        SourceFormatError: A line is not ``<int> <name>``, or an index/name repeats.
    """
    result: dict[str, int] = {}
    seen: set[int] = set()
    for n, line in _lines(path):
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise SourceFormatError(path, n, "expected '<index> <ClassName>'", line)
        index = int(parts[0]) - 1
        if index < 0 or index in seen or parts[1] in result:
            raise SourceFormatError(path, n, "duplicate or non-positive class index", line)
        seen.add(index)
        result[parts[1]] = index
    return result


def _resolve_ucf(video_root: Path, rel: str) -> Path:
    """Finds ``Class/v_x.avi`` under the root, or a flat ``v_x.avi`` (no class folders)."""
    nested = video_root / rel
    if nested.exists():
        return nested
    flat = video_root / Path(rel).name
    return flat if flat.exists() else nested


def ucf101_items(
    video_root: str | Path,
    split_dir: str | Path,
    split: str = "train",
    fold: int = 1,
    label_map: Mapping[str, int] | None = None,
) -> list[VideoItem]:
    """Lists the videos of one official UCF101 split.

    Train lines read ``ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1`` and test lines carry no
    index; the label is always the class folder. Files may sit in class folders or flat.

    Args:
        video_root: Folder holding ``<Class>/v_<Class>_gGG_cCC.avi`` (or the files flat).
        split_dir: Folder with ``classInd.txt``, ``trainlistNN.txt``, ``testlistNN.txt``.
        split: ``"train"`` or ``"test"``.
        fold: Which of the official folds (1, 2 or 3).
        label_map: The training labels, for a test list read without ``classInd.txt``: a
            line with another class is an error naming it.

    Returns:
        Items in file order, with ``split`` set. Paths are not checked for existence.

    Raises:
        ValueError: Unknown split name.
        SourceFormatError: A malformed line, a line repeating an earlier video, a class
            missing from classInd.txt (or, without it, from ``label_map``), or a train index
            that contradicts it; not UTF-8.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root, sdir = Path(video_root).resolve(), Path(split_dir)
    list_file = sdir / f"{split}list{fold:02d}.txt"
    class_file = sdir / "classInd.txt"
    classes = read_class_index(class_file) if class_file.exists() else None
    items, seen = [], {}
    for n, line in _lines(list_file):
        parts = line.split()
        if len(parts) not in (1, 2) or not parts[0].lower().endswith(VIDEO_EXTENSIONS):
            raise SourceFormatError(list_file, n, "expected '<Class>/<video file> [index]'", line)
        rel = parts[0].replace("\\", "/")
        if "/" not in rel:
            raise SourceFormatError(list_file, n, "missing '<Class>/' folder", line)
        label = rel.split("/")[0]
        if classes is not None and label not in classes:
            what = f"class {label!r} is not in {class_file.name} ({len(classes)} classes)"
            raise SourceFormatError(list_file, n, what, line)
        if classes is None and label_map is not None and label not in label_map:
            what = f"class {label!r} is not among the {len(label_map)} training classes"
            raise SourceFormatError(list_file, n, what, line)
        if len(parts) == 2:
            if not parts[1].isdigit():
                raise SourceFormatError(list_file, n, "class index is not an integer", line)
            if classes is not None and classes.get(label) != int(parts[1]) - 1:
                raise SourceFormatError(list_file, n, "class index disagrees with classInd", line)
        vid = Path(rel).stem
        _check_duplicate(seen, vid, list_file, n, line)
        items.append(VideoItem(vid, str(_resolve_ucf(root, rel)), label, split=split))
    return items


def _number(value: str, file: Path, n: int, line: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SourceFormatError(file, n, f"{name} is not a number", line) from None
    if not math.isfinite(number):
        raise SourceFormatError(file, n, f"{name} is not a finite number", line)
    return number


def kinetics_items(
    csv_path: str | Path,
    video_root: str | Path,
    path_format: str = DEFAULT_KINETICS_FORMAT,
    split: str | None = None,
    trim: bool | None = None,
    label_map: Mapping[str, int] | None = None,
) -> list[VideoItem]:
    """Lists the segments of a Kinetics-style CSV.

    The header must name ``youtube_id``, ``time_start`` and ``time_end``; ``label`` and ``split``
    are optional (test CSVs have no label), extra columns such as ``is_cc`` are ignored.

    Args:
        csv_path: The annotation CSV.
        video_root: Folder the path format is relative to.
        path_format: Where a segment's file lives, with the fields ``youtube_id``,
            ``time_start``, ``time_end`` (integers when whole seconds), ``label`` and ``split``.
            Use ``"{youtube_id}.mp4"`` for full, untrimmed downloads.
        split: Keep only rows whose split column equals this (None keeps all).
        trim: Cut each segment out of its file. None (the default) decides from
            ``path_format``: a format that names ``time_start`` or ``time_end`` points at files
            already cut to the segment (the default format), so they are read whole; one that
            does not (``"{youtube_id}.mp4"``) points at full videos, so the segment is cut out.
        label_map: The training labels; a kept row with another label is an error naming its
            line (for a test CSV read against the training CSV's classes).

    Returns:
        Items with ``start``/``end`` set from the CSV when trimming (None when the files are
        the segments); ``id`` is ``"<youtube_id>_<start:06d>_<end:06d>"`` either way.

    Raises:
        SourceFormatError: Missing header columns, a wrong column count, bad or reversed times,
            a segment listed twice, a label not in ``label_map``, a file that is not UTF-8.
    """
    csv_path, root = Path(csv_path), Path(video_root).resolve()
    rows = _csv_rows(csv_path)
    if not rows:
        raise SourceFormatError(csv_path, 1, "empty CSV, expected a header", "")
    header = [h.strip() for h in rows[0][1]]
    missing = {"youtube_id", "time_start", "time_end"} - set(header)
    if missing:
        raise SourceFormatError(csv_path, 1, f"header lacks {sorted(missing)}", rows[0][2])
    col = {name: i for i, name in enumerate(header)}
    if trim is None:  # a file per segment holds just the segment: nothing to cut from it
        named = {f.split(".")[0] for _, f, _, _ in Formatter().parse(path_format) if f}
        trim = not named & {"time_start", "time_end"}
    items, seen = [], {}
    for n, row, line in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            what = f"expected {len(header)} columns, got {len(row)}"
            raise SourceFormatError(csv_path, n, what, line)
        get = {name: row[i].strip() for name, i in col.items()}
        if split is not None and get.get("split") != split:
            continue
        start = _number(get["time_start"], csv_path, n, line, "time_start")
        end = _number(get["time_end"], csv_path, n, line, "time_end")
        if start < 0 or end <= start:
            raise SourceFormatError(csv_path, n, "need 0 <= time_start < time_end", line)
        if not get["youtube_id"]:
            raise SourceFormatError(csv_path, n, "empty youtube_id", line)
        fields = {
            **get,
            "time_start": int(start) if start.is_integer() else start,
            "time_end": int(end) if end.is_integer() else end,
        }
        try:
            rel = path_format.format(**fields)
        except (KeyError, ValueError) as e:
            raise SourceFormatError(csv_path, n, f"path_format {path_format!r}: {e}", line) from e
        vid = f"{get['youtube_id']}_{int(start):06d}_{int(end):06d}"
        label = get.get("label") or None
        if label_map is not None and label is not None and label not in label_map:
            what = f"label {label!r} is not among the {len(label_map)} training labels"
            raise SourceFormatError(csv_path, n, what, line)
        _check_duplicate(seen, vid, csv_path, n, line, "segment")
        cut = (start, end) if trim else (None, None)
        items.append(VideoItem(vid, str(root / rel), label, *cut, get.get("split") or None))
    return items


def _csv_rows(path: Path) -> list[tuple[int, list[str], str]]:
    """``(first line number, cells, raw text)`` per CSV row; a quoted cell may span lines."""
    text = _read_text(path)
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    reader = csv.reader(io.StringIO(text, newline=""))
    out, last = [], 0
    for row in reader:
        out.append((last + 1, row, "\n".join(lines[last : reader.line_num])))
        last = reader.line_num
    return out


def folder_items(
    root: str | Path,
    split: str | None = None,
    extensions: Sequence[str] = VIDEO_EXTENSIONS,
) -> list[VideoItem]:
    """Lists ``root/<label>/<video>`` files (or ``root/<split>/<label>/<video>`` with ``split``).

    Videos directly in ``root`` get the label None. Broken and looping symbolic links are
    listed too, so that the decoder reports them (with the reason) instead of skipping them.

    Args:
        root: Folder of class folders.
        split: If given, read ``root/<split>/`` and tag the items with it.
        extensions: File endings to accept (case-insensitive).

    Returns:
        Items sorted by path; ids are the path below ``root`` without the extension.

    Raises:
        FileNotFoundError: The folder does not exist.
    """
    base = Path(root).resolve() / split if split else Path(root).resolve()
    if not base.is_dir():
        raise FileNotFoundError(f"{base}: no such folder")
    exts = tuple(e.lower() for e in extensions)
    items = []
    for p in sorted(base.rglob("*")):
        if not p.name.lower().endswith(exts) or p.name.startswith("."):
            continue
        # A dangling or looping link is listed, so that decoding reports it instead of the
        # clip vanishing from the counts; folders named like videos are not.
        if not p.is_file() and not (p.is_symlink() and not p.exists()):
            continue
        rel = p.relative_to(base)
        label = rel.parts[0] if len(rel.parts) > 1 else None
        vid = rel.with_suffix("").as_posix()
        items.append(VideoItem(re.sub(r"[^\w./-]", "_", vid), str(p), label, split=split))
    return items


def build_label_map(items: Iterable[VideoItem]) -> dict[str, int]:
    """Maps the sorted distinct labels of ``items`` (use the train split) to 0-based indices.

    Args:
        items: Items whose labels define the classes; None labels are ignored.

    Returns:
        ``{label: index}`` in sorted label order.
    """
    return {name: i for i, name in enumerate(sorted({it.label for it in items if it.label}))}


def label_index(label_map: dict[str, int], item: VideoItem) -> int:
    """Looks up an item's class index.

    Args:
        label_map: From :func:`read_class_index` or :func:`build_label_map`.
        item: The item to look up.

    Returns:
        The 0-based class index.

    Raises:
        UnknownLabelError: The item has no label or one that is not in the map.
    """
    if item.label is None or item.label not in label_map:
        known = ", ".join(sorted(label_map)[:5]) + (", ..." if len(label_map) > 5 else "")
        raise UnknownLabelError(
            f"{item.id}: label {item.label!r} is not in the label map ({len(label_map)} classes:"
            f" {known})"
        )
    return label_map[item.label]


def check_unique_ids(items: Iterable[VideoItem], split: str) -> None:
    """Fails before any work if two items of a split share an id (they would share a record).

    Args:
        items: The split's items.
        split: The split name, for the message.

    Raises:
        ValueError: Naming up to five duplicated ids.
    """
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise ValueError(f"split {split!r}: duplicate example ids {dup}")


def check_labels(items: Iterable[VideoItem], label_map: Mapping[str, int], split: str) -> None:
    """Fails before any work if a labeled item's class is not in the label map.

    Args:
        items: The split's items.
        label_map: Class name -> index (built from the training split).
        split: The split name, for the message.

    Raises:
        UnknownLabelError: Naming the unknown classes and one clip of each.
    """
    unknown: dict[str, str] = {}
    for item in items:
        if item.label is not None and item.label not in label_map:
            unknown.setdefault(item.label, item.id)
    if unknown:
        shown = ", ".join(f"{k!r} (e.g. {v})" for k, v in sorted(unknown.items())[:10])
        raise UnknownLabelError(
            f"split {split!r} has {len(unknown)} label(s) missing from the label map of "
            f"{len(label_map)} training classes: {shown}. Build the label map from all splits "
            "or drop those clips; new indices are never invented."
        )
