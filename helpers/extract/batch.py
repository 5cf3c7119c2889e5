"""Batch frame extraction: videos -> JPEG folders, in parallel, resumable, with a failure report.

::

    report = extract_many(items, "data/frames", fps=10, size=128, workers=2)
    report.failed        # [{"path": ..., "id": ..., "reason": ...}]
    report.by_reason()   # {reason: [rows]}: extract_report.json groups them the same way

Each video becomes ``<out>/<label>/<id>/frame_00000.jpg ... index.json``. A folder appears only
when complete (written under a temporary name, then renamed), so an interrupted run can simply
be started again: finished videos are skipped. A bad video never stops the batch; it goes into
the report with the reason. A video that decodes only in part (fewer frames than its header
claims) is written and listed as ``partial``, or failed below ``min_decoded_fraction``. An
output that cannot be written (a full disk, a read-only folder) stops the batch with that
``OSError``. The same is available on the command line::

    python -m helpers.extract --help
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from helpers.frames import (
    UNKNOWN_RATE_NOTE,
    FrameReader,
    VideoDecodeError,
    decoded_fraction,
    partial_decode,
    save_jpeg_folder,
    single_threaded,
)
from helpers.frames.resize import check_size
from helpers.sources import VideoItem
from helpers.utils.atomic import atomic_write_json
from helpers.utils.parallel import run_parallel

__all__ = ["ExtractReport", "extract_many", "extract_one", "output_dir"]

REPORT_NAME = "extract_report.json"


@dataclass
class ExtractReport:
    """What a batch did.

    ``failed`` and ``partial`` rows name the file and the reason; ``vfr`` rows name the
    variable-frame-rate sources with their header and measured average rates; ``unknown_rate``
    rows name raw streams (no container), whose timestamps assume 25 fps.
    """

    out_dir: str
    written: int = 0
    skipped: int = 0
    failed: list[dict] = field(default_factory=list)
    partial: list[dict] = field(default_factory=list)
    vfr: list[dict] = field(default_factory=list)
    unknown_rate: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many written, skipped, failed, partial, variable-rate."""
        return (
            f"written={self.written} skipped(already done)={self.skipped} "
            f"failed={len(self.failed)} partial={len(self.partial)} vfr={len(self.vfr)}"
            + (f" unknown_rate={len(self.unknown_rate)}" if self.unknown_rate else "")
        )

    def by_reason(self, rows: str = "failed") -> dict[str, list[dict]]:
        """``failed`` (or ``partial``) rows grouped by reason, the most frequent first."""
        groups: dict[str, list[dict]] = {}
        for row in getattr(self, rows):
            groups.setdefault(row["reason"], []).append(row)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def to_json(self) -> dict:
        """The report file's content: counts, then each reason once with its clips."""

        def grouped(rows: str) -> list[dict]:
            return [
                {"reason": reason, "count": len(group),
                 "clips": [{"id": r["id"], "path": r["path"]} for r in group]}
                for reason, group in self.by_reason(rows).items()
            ]  # fmt: skip

        return {
            "out_dir": self.out_dir,
            "written": self.written,
            "skipped": self.skipped,
            "num_failed": len(self.failed),
            "num_partial": len(self.partial),
            "num_vfr": len(self.vfr),
            "failed_by_reason": grouped("failed"),
            "partial_by_reason": grouped("partial"),
            "vfr": self.vfr,
            "num_unknown_rate": len(self.unknown_rate),
            "unknown_rate": self.unknown_rate,
            "options": self.options,
        }


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
        ``{"id", "path", "frames", "num_decoded", "header_frame_count", "trimmed",
        "source_fps", "average_fps", "vfr", "decoded_until", "rate_known"}``.

    Raises:
        VideoDecodeError: The video cannot be decoded, or decodes below the options'
            ``min_decoded_fraction`` (then no folder is left); reported by the caller.
        OSError: The folder cannot be written (a full disk): the batch stops.
    """
    item, target, opts = task
    opts = dict(opts)
    quality = opts.pop("quality", 90)
    min_fraction = opts.pop("min_decoded_fraction", None)
    # One core per video: OpenCV decodes with one thread, and frames stay BGR from the decoder
    # to the JPEG encoder (no colour swaps); ``--workers N`` is what uses N cores.
    # Frames are encoded as they are decoded, so memory stays flat for long videos.
    reader = FrameReader(item.path, start=item.start, end=item.end, rgb=False, threads=1, **opts)
    save_jpeg_folder(reader, target, quality=quality, bgr=True, extra=_settings(item, task[2]))
    done = {
        "id": item.id,
        "path": item.path,
        "frames": reader.num_frames,
        "num_decoded": reader.num_decoded,
        "header_frame_count": reader.header_frame_count,
        "trimmed": item.start is not None or item.end is not None,
        "source_fps": reader.source_fps,
        "average_fps": round(reader.average_fps, 6),
        "vfr": reader.vfr,
        "decoded_until": round(reader.decoded_until, 6),
        "rate_known": reader.rate_known,
    }
    reason = _partial(done, done["trimmed"], opts.get("max_frames"))
    if reason and min_fraction and decoded_fraction(**_coverage_args(done)) < min_fraction:
        shutil.rmtree(target, ignore_errors=True)  # below the bar: a failure, no folder
        raise VideoDecodeError(item.path, f"{reason}, below min_decoded_fraction={min_fraction}")
    return done


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
    if trimmed or max_frames is not None:
        return None
    return partial_decode(**_coverage_args(done))


def _coverage_args(done: dict) -> dict:
    """:func:`~helpers.frames.partial_decode`'s arguments from a result or an ``index.json``."""
    return {
        "decoded": done["num_decoded"],
        "claimed": done["header_frame_count"],
        "header_fps": done.get("source_fps") or 0.0,
        "average_fps": done.get("average_fps") or 0.0,
        "decoded_until": done.get("decoded_until"),  # None in older folders: judged by count
    }


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
    min_decoded_fraction: float | None = None,
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
        min_decoded_fraction: A whole video that decodes fewer than this fraction of the
            frames its header claims fails (None: it is written and listed as partial).

    Returns:
        The :class:`ExtractReport` (also written to ``report_path``).

    Raises:
        OSError: The output cannot be written (read-only, full disk); finished folders stay
            and a rerun resumes, no temporary is left.
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
    if min_decoded_fraction:  # only when set: folders made without it stay current
        opts["min_decoded_fraction"] = min_decoded_fraction
    report = ExtractReport(str(out), options=dict(opts))
    tasks, owners = [], {}
    for item in items:
        target = output_dir(item, out)
        if target in owners:  # (sources refuse duplicate lines; a hand-made list may not)
            same = owners[target] == item.path
            reason = "listed twice" if same else f"{target} is also the folder of {owners[target]}"
            report.failed.append({"path": item.path, "id": item.id,
                                  "reason": f"{reason}: two items, one id"})  # fmt: skip
            continue
        owners[target] = item.path
        done = None if overwrite else _finished(target, item, opts)
        if isinstance(done, str):
            report.failed.append({"path": item.path, "id": item.id, "reason": done})
        elif done is None:
            tasks.append((item, str(target), opts))
        else:  # finished in an earlier run with these options: keep what it found
            report.skipped += 1
            trimmed = item.start is not None or item.end is not None
            _note(report, item, done, trimmed, max_frames)
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
        if isinstance(result, OSError):  # the output, not the video: stop, say where
            raise result
        if isinstance(result, Exception):
            reason = result.reason if isinstance(result, VideoDecodeError) else repr(result)
            report.failed.append({"path": item.path, "id": item.id, "reason": reason})
            continue
        report.written += 1
        _note(report, item, result, result["trimmed"], max_frames)
    for rows in (report.failed, report.partial, report.vfr, report.unknown_rate):
        rows.sort(key=lambda r: r["path"])
    path = Path(report_path) if report_path else out / REPORT_NAME
    atomic_write_json(path, report.to_json())
    return report


def _note(report: ExtractReport, item: VideoItem, done: dict, trimmed: bool, max_frames) -> None:
    """Adds a finished video's partial decode and variable frame rate to the report."""
    if reason := _partial(done, trimmed, max_frames):
        report.partial.append({"path": item.path, "id": item.id, "reason": reason})
    if done.get("vfr"):
        report.vfr.append({"path": item.path, "id": item.id, "header_fps": done["source_fps"],
                           "average_fps": done["average_fps"]})  # fmt: skip
    if done.get("rate_known") is False:
        report.unknown_rate.append({"path": item.path, "id": item.id, "reason": UNKNOWN_RATE_NOTE})
