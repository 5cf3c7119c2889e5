"""The command line of :mod:`helpers.extract` (``python -m helpers.extract --help``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from helpers import sources
from helpers.extract.batch import REPORT_NAME, extract_many
from helpers.frames import RESIZE_MODES
from helpers.frames.resize import check_size
from helpers.sources import VideoItem
from helpers.utils.exits import EXIT_OK, EXIT_SOME_FAILED, EXIT_STATUS_HELP, run_main

SHOWN_PER_REASON = 3
"""Failures printed per reason; the report file lists every one."""

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
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "--min-decoded-fraction",
        type=float,
        default=None,
        metavar="F",
        help="fail a video that decodes fewer than F (0-1) of the frames its header claims "
        "(default: write it and list it as partial)",
    )
    p.add_argument(  # status 1 on failures is now the default; kept so old scripts still run
        "--fail-on-error", action="store_true", help=argparse.SUPPRESS
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
        0 when every video was extracted, 1 when some failed, 2 for bad input or an output
        that cannot be written, 3 for an internal error (``helpers.utils.exits``).
    """
    p = build_parser()
    args = p.parse_args(argv)
    try:
        check_size(args.size, args.resize_mode)
    except ValueError as e:
        p.error(f"--size: {e}")
    if args.min_decoded_fraction is not None and not 0 < args.min_decoded_fraction <= 1:
        p.error("--min-decoded-fraction must be in (0, 1]")
    return run_main(lambda: _run(args, p), sources.INPUT_ERRORS)


def _run(args: argparse.Namespace, p: argparse.ArgumentParser) -> int:
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
        min_decoded_fraction=args.min_decoded_fraction,
    )
    print(f"{len(items)} videos -> {args.out}: {report.summary()}")
    for kind in ("failed", "partial"):
        for reason, rows in report.by_reason(kind).items():
            print(f"  {kind.upper()} ({len(rows)}): {reason}")
            for row in rows[:SHOWN_PER_REASON]:
                print(f"    {row['path']}")
            if len(rows) > SHOWN_PER_REASON:
                print(f"    ... {len(rows) - SHOWN_PER_REASON} more")
    if report.failed or report.partial:
        print(f"report: {args.report or Path(args.out) / REPORT_NAME}")
    return EXIT_SOME_FAILED if report.failed else EXIT_OK
