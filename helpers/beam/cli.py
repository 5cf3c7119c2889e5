r"""Command line for :mod:`helpers.beam` (``python -m helpers.beam --help``).

Our own flags pick the source, output and record config; every other flag goes to Beam's
``PipelineOptions`` unchanged, so the same command runs on the DirectRunner, a Dask cluster,
Dataflow, Flink or Spark::

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

from helpers import beam, sources
from helpers.beam.dofns import local_copy
from helpers.records.manifest import MANIFEST_FILE
from helpers.records.settings import RecordConfig
from helpers.sources import INPUT_ERRORS
from helpers.utils.exits import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_STATUS_HELP,
    below_one,
    run_main,
)

if TYPE_CHECKING:
    from helpers.sources import VideoItem

__all__ = ["build_parser", "main"]

_EPILOG = """\
runners (every flag not listed above goes to Beam unchanged):
  local (default)  --runner DirectRunner --direct_running_mode=multi_processing
                   --direct_num_workers=N   (N = --workers)
  Dataflow         --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
                   --setup_file ./pyproject.toml --requirements_file worker-requirements.txt
                   (or --sdk_container_image IMAGE); needs apache-beam[gcp]; --video_root,
                   --csv and --out_dir may be gs:// URLs
  Dask             --runner apache_beam.runners.dask.dask_runner.DaskRunner
                   --dask_client_address tcp://SCHEDULER:8786   (workers: pip install the
                   repo; one shard per Dask partition unless --dask_partition_size is given)
  Flink            --runner FlinkRunner --flink_master HOST:8081 [--parallelism N]
  Spark            --runner SparkRunner [--spark_master_url spark://HOST:7077]
"""


def _value(text: str) -> Any:
    """Parses a CLI value as JSON when it can (``16``, ``null``, ``[112,112]``), else a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m helpers.beam``; ``build_parser().print_help()`` lists the flags."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.beam",
        description="Convert videos to SequenceExample TFRecord shards with Apache Beam. Flags not "
        "listed here (--runner, --project, --region, --temp_location, --flink_master, ...) pass "
        "through to Beam unchanged. Without --runner: DirectRunner, multi_processing, --workers.",
        epilog=_EPILOG + "\n" + EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = parser.add_argument_group("source (the same readers as the local writer)")
    src.add_argument("--source", choices=("ucf101", "kinetics", "folder"), required=True)
    src.add_argument(
        "--video_root", required=True, help="folder (or gs://... URL) holding the videos"
    )
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
    out.add_argument(
        "--num_shards", type=int, default=4, help="shards per split (0: one per 64 clips)"
    )
    out.add_argument("--gzip", action="store_true", help="write .tfrecord.gz shards")
    out.add_argument("--seed", type=int, default=0, help="seeds the clip-to-shard deal (0)")
    out.add_argument("--name", default="clips", help="shard file prefix (default clips)")
    out.add_argument(
        "--min_decoded_fraction", type=float, default=None, metavar="F",
        help="a video that decodes fewer than F of the frames its header claims fails "
        "(default: it is written and listed under 'partial' in the manifest)",
    )  # fmt: skip
    out.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for the default DirectRunner (default: CPU cores)",
    )
    out.add_argument(
        "--threads_per_video", type=int, default=None, metavar="N",
        help="decode and JPEG-encode threads per video (default, decided on each worker: the "
        "DirectRunner's share of the cores; else OMP_NUM_THREADS, which a Dask nanny sets to 1 "
        "for its workers; else 1, as Dataflow, Flink and Spark run a task per core)",
    )  # fmt: skip
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


_REMOTE = "/__remote_video_root__"  # stands in for a gs://... root while sources build paths


def _read_items(args: argparse.Namespace, root: str) -> list[list[VideoItem]]:
    """Reads the items of each requested split with ``helpers.sources``."""
    if args.source == "ucf101":
        return [
            sources.ucf101_items(root, args.split_dir, split=s, fold=args.fold)
            for s in args.splits or ["train", "test"]
        ]
    if args.source == "kinetics":
        extra = {"path_format": args.path_format} if args.path_format else {}
        with local_copy(args.csv) as csv_path:  # the CSV may be on gs:// too
            return [
                sources.kinetics_items(csv_path, root, split=s, **extra)
                for s in args.splits or [None]
            ]
    return [sources.folder_items(root, split=s) for s in args.splits or [None]]


def _items_from_args(args: argparse.Namespace) -> tuple[list[VideoItem], dict[str, int]]:
    """Reads the items and the label map with helpers.sources, as the local writer does.

    A remote ``--video_root`` (``gs://...``) works for ucf101 and kinetics: the sources build the
    paths under a placeholder root, which is then replaced by the URL.
    """
    if args.source == "ucf101" and not args.split_dir:
        raise SystemExit("--source ucf101 needs --split_dir (a local folder)")
    if args.source == "kinetics" and not args.csv:
        raise SystemExit("--source kinetics needs --csv")
    remote = FileSystems.get_scheme(args.video_root) is not None
    if remote and args.source == "folder":
        raise SystemExit("--source folder lists a local folder; use ucf101 or kinetics for gs://")
    per_split = _read_items(args, _REMOTE if remote else args.video_root)
    if remote:
        url = args.video_root.rstrip("/")
        per_split = [
            [dataclasses.replace(it, path=url + it.path[len(_REMOTE) :]) for it in chunk]
            for chunk in per_split
        ]
    if args.limit:
        per_split = [sorted(chunk, key=lambda it: it.id)[: args.limit] for chunk in per_split]
    if args.source == "ucf101":
        label_map = sources.read_class_index(os.path.join(args.split_dir, "classInd.txt"))
    else:
        everything = [item for chunk in per_split for item in chunk]
        train = [item for item in everything if item.split == "train"] or everything
        label_map = sources.build_label_map(train)
    return [item for chunk in per_split for item in chunk], label_map


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m helpers.beam --help``).

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The shared exit status (``helpers.utils.exits``): 0 when every video converted, 1 when
        some went to the failure file, 2 for bad input or an unwritable output, 3 for a bug.
    """
    args, pipeline_args = build_parser().parse_known_args(argv)
    return run_main(lambda: _run(args, pipeline_args), INPUT_ERRORS)


def _run(args: argparse.Namespace, pipeline_args: list[str]) -> int:
    bad = below_one(args, "workers", "threads_per_video")
    if bad:
        print(bad, file=sys.stderr)
        return EXIT_BAD_INPUT
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
        seed=args.seed,
        workers=args.workers,
        min_decoded_fraction=args.min_decoded_fraction,
        threads_per_video=args.threads_per_video,
    )
    for split, info in manifest["splits"].items():
        unknown, vfr = info["num_unknown_rate"], info.get("num_vfr", 0)
        print(
            f"{split}: {info['num_examples']} examples from {info['num_clips_in']} videos, "
            f"{info['num_failed']} failed, {info['num_partial']} partial decode(s), "
            + (f"{vfr} variable-frame-rate (sampled on their own timestamps), " if vfr else "")
            + (f"unknown_rate={unknown}, " if unknown else "")
            + f"{len(info['shards'])} shards"
        )
    failed = sum(info["num_failed"] for info in manifest["splits"].values())
    partial = sum(info["num_partial"] for info in manifest["splits"].values())
    if partial:
        print(f"{partial} video(s) decoded only in part (written; listed under 'partial' in the "
              "manifest; --min_decoded_fraction makes them failures)", file=sys.stderr)  # fmt: skip
    unknown = sum(info["num_unknown_rate"] for info in manifest["splits"].values())
    if unknown:
        print(f"{unknown} raw stream(s) with no frame rate (written whole with image/frame_rate "
              "0.0; listed under 'unknown_rate' in the manifest)", file=sys.stderr)  # fmt: skip
    if failed:
        where = FileSystems.join(args.out_dir, beam.FAILURES_FILE)
        print(f"{failed} video(s) failed; see {where}", file=sys.stderr)
    print(f"manifest: {FileSystems.join(args.out_dir, MANIFEST_FILE)}")
    return EXIT_SOME_FAILED if failed else EXIT_OK
