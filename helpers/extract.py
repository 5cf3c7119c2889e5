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

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from helpers import sources
from helpers.frames import (
    RESIZE_MODES,
    FrameReader,
    VideoDecodeError,
    save_jpeg_folder,
    single_threaded,
)
from helpers.parallel import run_parallel
from helpers.sources import VideoItem

__all__ = ["ExtractReport", "extract_many", "extract_one", "main", "output_dir"]

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
    save_jpeg_folder(reader, target, quality=quality, bgr=True)
    return {
        "id": item.id,
        "path": item.path,
        "frames": reader.num_frames,
        "num_decoded": reader.num_decoded,
        "header_frame_count": reader.header_frame_count,
        "trimmed": item.start is not None or item.end is not None,
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
        overwrite: Re-extract videos whose folder already exists.
        progress: Show a tqdm bar.

    Returns:
        The :class:`ExtractReport` (also written to ``report_path``).
    """
    if resize_mode not in RESIZE_MODES:
        raise ValueError(f"resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}")
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
    tasks = []
    for item in items:
        target = output_dir(item, out)
        if (target / "index.json").exists() and not overwrite:
            report.skipped += 1
        else:
            tasks.append((item, str(target), opts))
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
        count = result["header_frame_count"]
        if not result["trimmed"] and max_frames is None and result["num_decoded"] < count:
            reason = f"decoded {result['num_decoded']} of the {count} frames the header claims"
            report.partial.append({"path": item.path, "id": item.id, "reason": reason})
    report.failed.sort(key=lambda r: r["path"])
    report.partial.sort(key=lambda r: r["path"])
    path = Path(report_path) if report_path else out / REPORT_NAME
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(report), indent=1))
    os.replace(tmp, path)
    return report


def _size(text: str) -> int | tuple[int, int]:
    if "x" in text.lower():
        h, w = text.lower().split("x")
        return int(h), int(w)
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m helpers.extract",
        description="Extract video frames to JPEG folders (<out>/<label>/<id>/frame_00000.jpg + "
        "index.json), in parallel and resumably, with a JSON failure report. Pick one input.",
    )
    src = p.add_argument_group("input (choose one)")
    src.add_argument(
        "--sample",
        action="store_true",
        help="the embedded sample dataset (generated on first use), UCF101 layout",
    )
    src.add_argument(
        "--ucf101",
        metavar="VIDEO_ROOT",
        help="UCF101 video folder (<Class>/v_*.avi or flat); needs --splits",
    )
    src.add_argument(
        "--splits",
        metavar="DIR",
        help="UCF101 split folder with classInd.txt, trainlistNN.txt, testlistNN.txt",
    )
    src.add_argument("--fold", type=int, default=1, help="UCF101 split fold 1-3 (default 1)")
    src.add_argument(
        "--kinetics-csv",
        metavar="CSV",
        help="Kinetics CSV (label,youtube_id,time_start,time_end[,split,...])",
    )
    src.add_argument("--video-root", metavar="DIR", help="folder the Kinetics --path-format is in")
    src.add_argument(
        "--path-format",
        default=sources.DEFAULT_KINETICS_FORMAT,
        help="Kinetics file name pattern (default %(default)s; use "
        "'{youtube_id}.mp4' for untrimmed downloads, which are then trimmed)",
    )
    src.add_argument("--folder", metavar="DIR", help="a plain folder of <label>/<video> files")
    src.add_argument(
        "--split",
        default=None,
        help="UCF101: train, test or all (default all); Kinetics/folder: keep only "
        "this split value / sub-folder",
    )
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--fps", type=float, default=None, help="target frame rate (default: keep all)")
    p.add_argument(
        "--size",
        type=_size,
        default=None,
        help="N (short side, or square with center_crop) or HxW for exact",
    )
    p.add_argument(
        "--resize-mode",
        choices=RESIZE_MODES,
        default="short_side",
        help="how --size is applied (default %(default)s)",
    )
    p.add_argument("--max-frames", type=int, default=None, help="cap on frames per video")
    p.add_argument("--quality", type=int, default=90, help="JPEG quality 1-100 (default 90)")
    p.add_argument("--workers", type=int, default=1, help="processes, one core each (default 1)")
    p.add_argument("--report", default=None, help=f"report path (default <out>/{REPORT_NAME})")
    p.add_argument("--limit", type=int, default=None, help="only the first N videos")
    p.add_argument("--overwrite", action="store_true", help="redo videos already extracted")
    p.add_argument(
        "--fail-on-error",
        action="store_true",
        help="exit with status 1 if any video failed (default: 0, see the report)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p  # fmt: skip


def _items(args: argparse.Namespace, p: argparse.ArgumentParser) -> list[VideoItem]:
    chosen = [bool(args.sample), bool(args.ucf101), bool(args.kinetics_csv), bool(args.folder)]
    if sum(chosen) != 1:
        p.error("choose exactly one input: --sample, --ucf101, --kinetics-csv or --folder")
    if args.sample or args.ucf101:
        if args.sample:
            from helpers.sample_data import ensure_sample_data

            data = ensure_sample_data()
            root, splits = data.ucf_root, data.ucf_splits
        elif not args.splits:
            p.error("--ucf101 needs --splits")
        else:
            root, splits = args.ucf101, args.splits
        names = ["train", "test"] if args.split in (None, "all") else [args.split]
        return [it for s in names for it in sources.ucf101_items(root, splits, s, args.fold)]
    if args.kinetics_csv:
        if not args.video_root:
            p.error("--kinetics-csv needs --video-root")
        return sources.kinetics_items(
            args.kinetics_csv, args.video_root, args.path_format, args.split
        )
    return sources.folder_items(args.folder, args.split)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        0, or 1 with ``--fail-on-error`` when a video failed.
    """
    p = _parser()
    args = p.parse_args(argv)
    items = _items(args, p)[: args.limit]
    report = extract_many(
        items,
        args.out,
        fps=args.fps,
        size=args.size,
        resize_mode=args.resize_mode,
        max_frames=args.max_frames,
        quality=args.quality,
        workers=args.workers,
        report_path=args.report,
        overwrite=args.overwrite,
        progress=not args.no_progress,
    )
    print(f"{len(items)} videos -> {args.out}: {report.summary()}")
    for row in report.failed:
        print(f"  FAILED {row['path']}: {row['reason']}")
    return 1 if args.fail_on_error and report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
