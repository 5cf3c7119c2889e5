"""The command line of ``python -m helpers.writer``: UCF101, Kinetics or a folder -> records."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path

from helpers import sources
from helpers.utils.exits import EXIT_OK, EXIT_SOME_FAILED, EXIT_STATUS_HELP, run_main

__all__ = ["build_parser", "main", "summary"]


class _OutputFolderError(ValueError):
    """The output folder holds a dataset written with another label map or settings."""

_EPILOG = """\
examples:
  # UCF101, official fold 1, 16-frame clips at 128 px, 8 train shards, 2 processes
  python -m helpers.writer ucf101 --videos UCF-101 --splits ucfTrainTestlist \\
      --out data/records/ucf101 --policy fixed --frames-per-example 16 --short-policy loop \\
      --size 128 --fps 12 --shards 8 --workers 2

  # your own videos: my_videos/<class>/*.mp4 (and a test folder laid out the same way)
  python -m helpers.writer folder --videos my_videos --test-videos my_test_videos \
      --out data/records/mine --policy fixed --frames-per-example 16 --size 128 --fps 10

  # Kinetics: a train CSV and a validation CSV, trimmed downloads named like the CSV rows
  python -m helpers.writer kinetics --csv kinetics-400_train.csv --test-csv kinetics-400_val.csv \\
      --videos videos/ --path-format "{label}/{youtube_id}_{time_start:06d}_{time_end:06d}.mp4" \\
      --out data/records/k400 --policy chunks --frames-per-example 32 --gzip

policies (how clips get equal lengths):
  none            keep every decoded frame; lengths vary (the count is stored in clip/frames)
  fixed           exactly --frames-per-example per clip: longer clips are cut, shorter ones follow
                  --short-policy: drop | loop | repeat_last
  group_shortest  sort clips by length, groups of --group-size (your batch size), cut each group to
                  its shortest member (needs a counting pass first)
  chunks          consecutive windows of --chunk-length (default --frames-per-example)
                  frames, each its own example "<id>_c000", "<id>_c001", ...; a shorter tail
                  is dropped

output: <out>/train/<name>-00000-of-0000N.tfrecord[.gz] (+ .json sidecar per shard), <out>/test/...,
and <out>/manifest.json (label map, settings, counts per shard and split, failures). Reruns resume:
complete shards are kept, and the result is byte-identical to an uninterrupted run. Videos that are
missing or fail to decode are listed in the manifest, never silently dropped; so are videos that
decode only in part (see --min-decoded-fraction) and variable-frame-rate sources (sampled on their
own timestamps).

"""
_EPILOG += EXIT_STATUS_HELP


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser (also used to render ``--help`` in the docs)."""
    p = argparse.ArgumentParser(
        prog="python -m helpers.writer",
        description="Write videos as sharded SequenceExample TFRecords (JPEG frames, MediaPipe "
        "keys) for the train and test splits, in parallel, deterministically and resumably.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="source", required=True, metavar="{ucf101,kinetics,folder}")
    ucf = sub.add_parser("ucf101", help="a UCF101 folder plus the official split lists")
    ucf.add_argument("--videos", required=True, help="folder of <Class>/v_*.avi (or flat files)")
    ucf.add_argument("--splits", required=True, help="folder with classInd.txt, trainlist0N.txt")
    ucf.add_argument("--fold", type=int, default=1, help="official fold 1, 2 or 3 (default 1)")
    kin = sub.add_parser("kinetics", help="a Kinetics CSV (label,youtube_id,time_start,...)")
    kin.add_argument("--csv", required=True, help="training CSV; its labels define the label map")
    kin.add_argument("--test-csv", help="test/validation CSV (optional)")
    kin.add_argument("--videos", required=True, help="folder the --path-format is relative to")
    kin.add_argument(
        "--path-format",
        default="{youtube_id}_{time_start:06d}_{time_end:06d}.mp4",
        help="file of a row, with {youtube_id} {time_start} {time_end} {label} {split} "
        "(default: %(default)s); use '{youtube_id}.mp4' for untrimmed downloads",
    )
    kin.add_argument("--train-split", help="keep only --csv rows whose split column is this")
    kin.add_argument("--test-split", help="keep only --test-csv rows whose split column is this")
    fol = sub.add_parser("folder", help="a folder of <class>/<video> files (your own videos)")
    fol.add_argument("--videos", required=True, help="training videos: <class>/<video files>")
    fol.add_argument("--test-videos", help="test videos, laid out the same way (optional)")
    for sp in (ucf, kin, fol):
        _common(sp)
    return p


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output and parallelism")
    g.add_argument("--out", required=True, help="dataset folder (manifest.json, train/, test/)")
    g.add_argument("--name", default="clips", help="shard file prefix (default clips)")
    g.add_argument("--shards", type=int, default=4, help="train shard files (default 4)")
    g.add_argument("--test-shards", type=int, help="test shard files (default shards/4, >= 1)")
    g.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)"
    )
    g.add_argument("--gzip", action="store_true", help="GZIP-compress shards (.tfrecord.gz)")
    g.add_argument("--seed", type=int, default=0, help="seed for the shard deal and order (0)")
    g.add_argument("--limit", type=int, help="only the first N clips of each split (by id)")
    f = p.add_argument_group("frames")
    f.add_argument("--fps", type=float, help="resample to this frame rate (default: source)")
    f.add_argument("--size", type=int, help="short side in pixels, or the square for center_crop")
    f.add_argument(
        "--resize-mode", default="short_side", choices=("short_side", "center_crop", "exact")
    )
    f.add_argument("--quality", type=int, default=90, help="JPEG quality 1-100 (default 90)")
    f.add_argument("--max-frames", type=int, help="decode at most this many frames per clip")
    f.add_argument(
        "--min-decoded-fraction", type=float, metavar="F",
        help="fail a video that decodes fewer than F (0-1) of the frames its header claims "
        "(default: write it and list it as partial in the manifest)",
    )  # fmt: skip
    t = p.add_argument_group("truncation (see the policies below)")
    t.add_argument(
        "--policy", default="none", choices=("none", "fixed", "group_shortest", "chunks")
    )
    t.add_argument(
        "--frames-per-example", type=int, help="frames per example for fixed (and chunks)"
    )
    t.add_argument(
        "--short-policy", default="drop", choices=("drop", "loop", "repeat_last"),
        help="fixed: what to do with clips shorter than --frames-per-example (default drop)",
    )  # fmt: skip
    t.add_argument(
        "--chunk-length", type=int, help="chunks: window length (default --frames-per-example)"
    )
    t.add_argument("--group-size", type=int, default=8, help="group_shortest: group size (8)")


def _missing(items: list) -> tuple[list, list[dict[str, str]]]:
    keep, failed = [], []
    for item in items:
        if os.path.exists(item.path):
            keep.append(item)
        else:
            reason = "broken symbolic link" if os.path.islink(item.path) else "missing file"
            failed.append({"id": item.id, "path": item.path, "reason": reason})
    return keep, failed


def _check_folder_labels(test: list, train: list) -> None:
    """A test video whose class folder has no training videos: an error naming the file."""
    known = {item.label for item in train}
    for item in test:
        if item.label not in known:
            raise sources.UnknownLabelError(
                f"{item.path}: class folder {item.label!r} is not among the {len(known)} "
                "training classes"
            )


def _read_sources(args: argparse.Namespace) -> tuple[list, list | None, dict | None]:
    """The train and test items, and classInd's label map when there is one."""
    label_map, test = None, None
    if args.source == "ucf101":
        train = sources.ucf101_items(args.videos, args.splits, "train", args.fold)
        class_file = Path(args.splits) / "classInd.txt"
        if class_file.exists():
            label_map = sources.read_class_index(class_file)
        known = None if label_map else sources.build_label_map(train)  # names an unknown's line
        test = sources.ucf101_items(args.videos, args.splits, "test", args.fold, known)
    elif args.source == "folder":
        train = sources.folder_items(args.videos)
        if args.test_videos:
            test = sources.folder_items(args.test_videos)
            _check_folder_labels(test, train)
    else:
        train = sources.kinetics_items(args.csv, args.videos, args.path_format, args.train_split)
        if args.test_csv:  # read against the training labels: an unknown one names its line
            test = sources.kinetics_items(
                args.test_csv, args.videos, args.path_format, args.test_split,
                label_map=sources.build_label_map(train),
            )  # fmt: skip
    return train, test, label_map


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 when every clip converted, 1 when some failed (counted in the summary, listed in the
        manifest), 2 for bad input or an output that cannot be written, 3 for an internal
        error (``helpers.utils.exits``).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.min_decoded_fraction is not None and not 0 < args.min_decoded_fraction <= 1:
        parser.error("--min-decoded-fraction must be in (0, 1]")
    return run_main(lambda: _run(args), (*sources.INPUT_ERRORS, _OutputFolderError))


def _run(args: argparse.Namespace) -> int:
    # Here, not at the top: ``--help`` and argument errors answer without importing TensorFlow.
    from helpers import records, writer
    from helpers.records import RecordConfig

    train, test, label_map = _read_sources(args)
    splits = {"train": sorted(train, key=lambda i: i.id)}
    if test is not None:
        splits["test"] = sorted(test, key=lambda i: i.id)
    if args.limit:
        splits = {k: v[: args.limit] for k, v in splits.items()}
    if label_map is None:
        label_map = sources.build_label_map(splits["train"])
    failures = {}
    for split, items in list(splits.items()):
        splits[split], failures[split] = _missing(items)
    cfg = RecordConfig(
        fps=args.fps, size=args.size, resize_mode=args.resize_mode, quality=args.quality,
        policy=args.policy, frames_per_example=args.frames_per_example,
        short_policy=args.short_policy, chunk_length=args.chunk_length,
        group_size=args.group_size, max_frames=args.max_frames,
    )  # fmt: skip
    try:  # before any work: another dataset in the folder is the user's to sort out
        records.check_manifest(Path(args.out), label_map, cfg)
    except ValueError as err:
        raise _OutputFolderError(str(err)) from None
    began = time.perf_counter()
    manifest = writer.write_dataset(
        splits["train"], splits.get("test"), args.out, cfg, label_map=label_map,
        shards=args.shards, test_shards=args.test_shards, workers=args.workers, seed=args.seed,
        compress=args.gzip, name=args.name, failures=failures,
        min_decoded_fraction=args.min_decoded_fraction,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    print(summary(manifest, args.out, seconds))
    failed = sum(s["num_failed"] for s in manifest["splits"].values())
    return EXIT_SOME_FAILED if failed else EXIT_OK


def summary(manifest: dict, out: str | Path, seconds: float | None = None) -> str:
    """Formats a manifest as a short table (what the CLI prints at the end)."""
    head = ("split", "shards", "clips in", "examples", "frames", "failed", "dropped", "MB")
    lines = [
        f"records in {out}  ({len(manifest['label_map'])} classes, "
        f"policy={manifest['truncation']['policy']}, quality={manifest['jpeg_quality']})",
        "{:6s} {:>6s} {:>8s} {:>8s} {:>8s} {:>6s} {:>7s} {:>8s}".format(*head),
    ]
    order = sorted(manifest["splits"], key=lambda k: (k != "train", k))
    for name in order:
        s = manifest["splits"][name]
        mb = sum(x["bytes"] for x in s["shards"]) / 1e6
        lines.append(
            f"{name:6s} {s['num_shards']:6d} {s['num_clips_in']:8d} {s['num_examples']:8d} "
            f"{s['num_frames']:8d} {s['num_failed']:6d} {s['num_dropped']:7d} {mb:8.2f}"
        )
        lines.extend(_by_reason("failed", s["failures"]))
        lines.extend(_by_reason("partial", s.get("partial", [])))
        if s.get("num_vfr"):
            lines.append(f"  {s['num_vfr']} variable-frame-rate source(s), sampled on their "
                         "own timestamps (listed under 'vfr')")  # fmt: skip
        if s.get("num_unknown_rate"):
            lines.append(f"  unknown_rate={s['num_unknown_rate']}: raw stream(s) with no frame "
                         "rate, written whole with image/frame_rate 0.0 (listed under "
                         "'unknown_rate')")  # fmt: skip
    if seconds is not None:
        lines.append(f"took {seconds:.1f} s")
    return "\n".join(lines)


def _by_reason(kind: str, rows: list[dict], shown: int = 3) -> list[str]:
    """Summary lines: each reason once with its count, then its first few clips."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        reason = row.get("reason", row.get("error"))  # ("error" in sidecars before 2026-12)
        groups.setdefault(str(reason), []).append(row["id"])
    lines = []
    for reason, ids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        more = f", ... {len(ids) - shown} more in manifest.json" if len(ids) > shown else ""
        lines.append(f"  {kind} ({len(ids)}): {reason}: {', '.join(ids[:shown])}{more}")
    return lines
