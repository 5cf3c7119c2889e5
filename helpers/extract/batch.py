"""Batch frame extraction: videos -> JPEG folders, in parallel, resumable, with a failure report.

::

    report = extract_many(items, "data/frames", fps=10, size=128, workers=2)
    report.failed        # [{"path": ..., "id": ..., "reason": ...}], also in extract_report.json

Each video becomes ``<out>/<label>/<id>/frame_00000.jpg ... index.json``. A folder appears only
when complete (written under a temporary name, then renamed), so an interrupted run can simply
be started again: finished videos are skipped. A bad video never stops the batch; it goes into
the report with the reason. The same is available on the command line::

    python -m helpers.extract --help
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers.frames import FrameReader, VideoDecodeError, save_jpeg_folder, single_threaded
from helpers.frames.resize import check_size
from helpers.sources import VideoItem
from helpers.utils.parallel import run_parallel

__all__ = ["ExtractReport", "extract_many", "extract_one", "output_dir"]

REPORT_NAME = "extract_report.json"


@dataclass
class ExtractReport:
    """What a batch did. ``failed`` and ``partial`` entries name the file and the reason."""

    out_dir: str
    written: int = 0
    skipped: int = 0
    failed: list[dict] = field(default_factory=list)
    partial: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many written, skipped, failed, partial."""
        return (
            f"written={self.written} skipped(already done)={self.skipped} "
            f"failed={len(self.failed)} partial={len(self.partial)}"
        )


def output_dir(item: VideoItem, out_dir: str | Path) -> Path:
    """Where an item's JPEG folder goes: ``<out>/<label>/<id>`` (or ``<out>/<id>`` unlabeled)."""
    rel = Path(item.id)
    if item.label and rel.parts[0] != item.label:
        rel = Path(item.label) / rel
    return Path(out_dir) / rel


def extract_one(task: tuple[VideoItem, str, dict]) -> dict:
    """Decodes one item and writes its JPEG folder (top-level so worker processes can run it).

    Args:
        task: ``(item, target folder, options)``; options are :func:`~helpers.frames.decode`'s
            keywords plus ``quality``.

    Returns:
        ``{"id", "path", "frames", "num_decoded", "header_frame_count"}``.

    Raises:
        VideoDecodeError: The video cannot be decoded (reported by the caller).
    """
    item, target, opts = task
    opts = dict(opts)
    quality = opts.pop("quality", 90)
    # One core per video: OpenCV decodes with one thread, and frames stay BGR from the decoder
    # to the JPEG encoder (no colour swaps); ``--workers N`` is what uses N cores.
    # Frames are encoded as they are decoded, so memory stays flat for long videos.
    reader = FrameReader(item.path, start=item.start, end=item.end, rgb=False, threads=1, **opts)
    save_jpeg_folder(reader, target, quality=quality, bgr=True, extra=_settings(item, task[2]))
    return {
        "id": item.id,
        "path": item.path,
        "frames": reader.num_frames,
        "num_decoded": reader.num_decoded,
        "header_frame_count": reader.header_frame_count,
        "trimmed": item.start is not None or item.end is not None,
    }


def _settings(item: VideoItem, opts: dict) -> dict:
    """What a folder records about how it was made (``index.json``'s ``extraction``)."""
    made = {"start": item.start, "end": item.end, "options": opts}
    return {"extraction": json.loads(json.dumps(made))}  # tuples read back as lists


def _finished(target: Path, item: VideoItem, opts: dict) -> dict | str | None:
    """A finished folder's index, a reason it holds another video, or None: (re)extract it.

    A folder made with other options (or by an older version) counts as not done.
    """
    try:
        index = json.loads((target / "index.json").read_text())
    except (OSError, ValueError):
        return None
    if index.get("source") != item.path:
        return (f"{target} already holds the frames of {index.get('source')}: two videos with "
                "one id (rename one), or the videos moved (pass overwrite=True)")  # fmt: skip
    return index if index.get("extraction") == _settings(item, opts)["extraction"] else None


def _partial(done: dict, trimmed: bool, max_frames: int | None) -> str | None:
    """Why a whole-video extraction holds fewer frames than the header claims, if it does."""
    count = done["header_frame_count"]
    if not trimmed and max_frames is None and done["num_decoded"] < count:
        return f"decoded {done['num_decoded']} of the {count} frames the header claims"
    return None


def _file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _clean_stale_tmp(out: Path) -> None:
    for tmp in out.rglob(".tmp-*"):
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)


def extract_many(
    items: Sequence[VideoItem],
    out_dir: str | Path,
    *,
    fps: float | None = None,
    size: int | tuple[int, int] | None = None,
    resize_mode: str = "short_side",
    max_frames: int | None = None,
    quality: int = 90,
    workers: int = 1,
    report_path: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> ExtractReport:
    """Extracts every item to a JPEG folder; see the module docstring for the layout.

    Args:
        items: Videos to extract (from :mod:`helpers.sources`).
        out_dir: Output root.
        fps: Target frame rate (None keeps all frames).
        size: Resize (see :func:`helpers.frames.resize_frames`).
        resize_mode: ``short_side``, ``exact`` or ``center_crop``.
        max_frames: Cap on frames per video.
        quality: JPEG quality.
        workers: Processes, one core each (1 = run here, on one core).
        report_path: Where to write the JSON report (default ``<out_dir>/extract_report.json``).
        overwrite: Re-extract videos whose folder already exists. Without it, a folder
            finished with the same options is skipped, one made with other options is redone,
            and one that holds another video's frames is reported as a failure.
        progress: Show a tqdm bar.

    Returns:
        The :class:`ExtractReport` (also written to ``report_path``).
    """
    check_size(size, resize_mode)  # a bad size fails here, not once per video
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(out)
    opts = {
        "fps": fps,
        "size": size,
        "resize_mode": resize_mode,
        "max_frames": max_frames,
        "quality": quality,
    }
    report = ExtractReport(str(out), options=dict(opts))
    tasks, owners = [], {}
    for item in items:
        target = output_dir(item, out)
        done = None if overwrite else _finished(target, item, opts)
        if owners.setdefault(target, item.path) != item.path:
            done = f"{target} is also the folder of {owners[target]}: two videos, one id"
        if isinstance(done, str):
            report.failed.append({"path": item.path, "id": item.id, "reason": done})
        elif done is None:
            tasks.append((item, str(target), opts))
        else:  # finished in an earlier run with these options: keep what it found
            report.skipped += 1
            trimmed = item.start is not None or item.end is not None
            if reason := _partial(done, trimmed, max_frames):
                report.partial.append({"path": item.path, "id": item.id, "reason": reason})
    if workers > 1:  # longest first, so one long video does not finish alone at the end
        tasks.sort(key=lambda t: _file_size(t[0].path), reverse=True)
    for (item, _, _), result in run_parallel(
        extract_one,
        tasks,
        workers=workers,
        desc="extract",
        progress=progress,
        initializer=single_threaded,
    ):
        if isinstance(result, Exception):
            reason = result.reason if isinstance(result, VideoDecodeError) else repr(result)
            report.failed.append({"path": item.path, "id": item.id, "reason": reason})
            continue
        report.written += 1
        if reason := _partial(result, result["trimmed"], max_frames):
            report.partial.append({"path": item.path, "id": item.id, "reason": reason})
    report.failed.sort(key=lambda r: r["path"])
    report.partial.sort(key=lambda r: r["path"])
    path = Path(report_path) if report_path else out / REPORT_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(report), indent=1))
    os.replace(tmp, path)
    return report
