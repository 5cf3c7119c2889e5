"""The command line of :mod:`helpers.extract` (``python -m helpers.extract --help``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from helpers import sources
from helpers.extract.batch import REPORT_NAME, extract_many
from helpers.frames import RESIZE_MODES
from helpers.frames.resize import check_size
from helpers.sources import VideoItem

__all__ = ["build_parser", "main"]


def _size(text: str) -> int | tuple[int, int]:
    if "x" in text.lower():
        h, w = text.lower().split("x")
        return int(h), int(w)
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m helpers.extract``; ``.print_help()`` lists the flags."""
    p = argparse.ArgumentParser(
        prog="python -m helpers.extract",
        description="Extract video frames to JPEG folders (<out>/<label>/<id>/frame_00000.jpg + "
        "index.json), in parallel and resumably, with a JSON failure report. Pick one input.",
    )
    src = p.add_argument_group("input (choose one)")
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
    chosen = [bool(args.ucf101), bool(args.kinetics_csv), bool(args.folder)]
    if sum(chosen) != 1:
        p.error("choose exactly one input: --ucf101, --kinetics-csv or --folder")
    if args.ucf101:
        if not args.splits:
            p.error("--ucf101 needs --splits")
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
    p = build_parser()
    args = p.parse_args(argv)
    try:
        check_size(args.size, args.resize_mode)
    except ValueError as e:
        p.error(f"--size: {e}")
    try:
        items = _items(args, p)[: args.limit]
    except sources.INPUT_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
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
