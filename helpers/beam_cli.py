r"""Command line for :mod:`helpers.beam` (``python -m helpers.beam --help``).

Our own flags pick the source, output and record config; every other flag goes to Beam's
``PipelineOptions`` unchanged, so the same command runs on the DirectRunner, Dataflow, Flink or
Spark::

    python -m helpers.beam --source ucf101 --video_root data/sample/UCF101 \\
        --split_dir data/sample/ucfTrainTestlist --out_dir data/beam --num_shards 4 --fps 10
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from apache_beam.io.filesystems import FileSystems

from helpers import beam

if TYPE_CHECKING:
    from helpers.sources import VideoItem

__all__ = ["main"]


def _value(text: str) -> Any:
    """Parses a CLI value as JSON when it can (``16``, ``null``, ``[112,112]``), else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.beam",
        description="Convert videos to SequenceExample TFRecord shards with Apache Beam. Flags not "
        "listed here (--runner, --project, --region, --temp_location, --flink_master, ...) pass "
        "through to Beam unchanged. Without --runner: DirectRunner, multi_processing, --workers.",
    )
    src = parser.add_argument_group("source (the same readers as the local writer)")
    src.add_argument("--source", choices=("ucf101", "kinetics", "folder"), required=True)
    src.add_argument("--video_root", required=True, help="folder holding the videos")
    src.add_argument("--split_dir", help="ucf101: folder with classInd.txt and the split lists")
    src.add_argument("--fold", type=int, default=1, help="ucf101: split fold 1-3 (default 1)")
    src.add_argument("--csv", help="kinetics: annotation CSV")
    src.add_argument("--path_format", help="kinetics: video file name format")
    src.add_argument(
        "--splits",
        nargs="+",
        default=None,
        help="splits to convert (ucf101 default: train test; others: as tagged in the source)",
    )
    src.add_argument("--limit", type=int, default=None, help="first N videos per split (trials)")
    out = parser.add_argument_group("output")
    out.add_argument("--out_dir", required=True, help="output folder (local or gs://...)")
    out.add_argument("--num_shards", type=int, default=4, help="shards per split (0: runner)")
    out.add_argument("--gzip", action="store_true", help="write .tfrecord.gz shards")
    out.add_argument("--name", default="clips", help="shard file prefix (default clips)")
    out.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for the default DirectRunner (default: CPU cores)",
    )
    from helpers.records import RecordConfig

    rec = parser.add_argument_group("record config (helpers.records.RecordConfig)")
    for field in dataclasses.fields(RecordConfig):
        default = field.default if field.default is not dataclasses.MISSING else None
        rec.add_argument(
            f"--{field.name}",
            type=_value,
            default=default,
            help=f"default: {json.dumps(default, default=str)}",
        )
    return parser


def _items_from_args(args: argparse.Namespace) -> tuple[list[VideoItem], dict[str, int]]:
    """Reads the items and the label map with helpers.sources, as the local writer does."""
    from helpers import sources

    if args.source == "ucf101":
        if not args.split_dir:
            raise SystemExit("--source ucf101 needs --split_dir")
        splits = args.splits or ["train", "test"]
        per_split = [
            sources.ucf101_items(args.video_root, args.split_dir, split=s, fold=args.fold)
            for s in splits
        ]
        label_map = sources.read_class_index(os.path.join(args.split_dir, "classInd.txt"))
    else:
        if args.source == "kinetics":
            if not args.csv:
                raise SystemExit("--source kinetics needs --csv")
            extra = {"path_format": args.path_format} if args.path_format else {}
            read = lambda s: sources.kinetics_items(args.csv, args.video_root, split=s, **extra)  # noqa: E731
        else:
            read = lambda s: sources.folder_items(args.video_root, split=s)  # noqa: E731
        per_split = [read(s) for s in args.splits] if args.splits else [read(None)]
        everything = [item for chunk in per_split for item in chunk]
        train = [item for item in everything if item.split == "train"] or everything
        label_map = sources.build_label_map(train)
    if args.limit:
        per_split = [chunk[: args.limit] for chunk in per_split]
    return [item for chunk in per_split for item in chunk], label_map


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m helpers.beam --help``).

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        0 when every video converted, 1 when some went to the failure file.
    """
    args, pipeline_args = _parser().parse_known_args(argv)
    from helpers.records import RecordConfig

    cfg = RecordConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(RecordConfig)})
    items, label_map = _items_from_args(args)
    manifest = beam.run_pipeline(
        items,
        label_map,
        cfg,
        args.out_dir,
        num_shards=args.num_shards,
        compression="gzip" if args.gzip else None,
        pipeline_args=pipeline_args,
        name=args.name,
        workers=args.workers,
    )
    for split, info in manifest["splits"].items():
        print(
            f"{split}: {info['num_examples']} examples from {info['num_clips_in']} videos, "
            f"{info['num_failed']} failed, {len(info['shards'])} shards"
        )
    failed = sum(info["num_failed"] for info in manifest["splits"].values())
    if failed:
        where = FileSystems.join(args.out_dir, beam.FAILURES_FILE)
        print(f"{failed} video(s) failed; see {where}", file=sys.stderr)
    print(f"manifest: {FileSystems.join(args.out_dir, beam.MANIFEST_FILE)}")
    return 1 if failed else 0
