"""The command line of ``python -m helpers.train``: fine-tune on records, export, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.utils.exits import below_one

__all__ = ["build_parser", "main"]

_EPILOG = """\
examples:
  # From scratch on the sample records, at most 60 epochs or 15 minutes, all export formats
  python -m helpers.train data/records/sample_none_s64 --out runs/a0 --epochs 60 --minutes 15

  # From the Kinetics-600 checkpoint (downloaded, or --checkpoint for a local copy), 172 px
  python -m helpers.train data/records/ucf101 --out runs/ucf --pretrained --resolution 172 \\
      --lr 1e-3 --epochs 5 --export exports/ucf

output (in --out): ckpt-<step>.* and best/ (checkpoints), history.json (one row per epoch:
loss, training and validation accuracy), report.json (the validation split's groups, the
selected epoch, its validation accuracy, the test accuracy measured once on it, the confusion
matrix, and every export format's test accuracy, size and ms per streamed frame), and the
exports (--export, default <out>/export). Model selection reads validation only: it is carved
from the training split by group (UCF101's gGG; otherwise the video), never the test split.
Rerun the same command after an interruption (even kill -9): training resumes.
"""


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser."""
    p = argparse.ArgumentParser(
        prog="python -m helpers.train",
        description="Fine-tune a causal MoViNet on a records folder (helpers.writer / "
        "helpers.beam), select the checkpoint on a validation split, test it once, and export "
        "it as a stream SavedModel and TFLite (float32, float16, dynamic-range, int8).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("records", help="records folder with manifest.json and train/test splits")
    p.add_argument("--out", required=True, help="run folder: checkpoints, history, report")
    p.add_argument("--export", help="export folder (default <out>/export)")
    p.add_argument("--model", default="a0", choices=[f"a{i}" for i in range(6)], help="MoViNet id")
    p.add_argument("--epochs", type=int, default=60, help="most epochs (default 60)")
    p.add_argument("--minutes", type=float, help="training time budget in minutes")
    p.add_argument("--patience", type=int, help="stop after N epochs without a better validation")
    init = p.add_mutually_exclusive_group()
    init.add_argument("--pretrained", action="store_true", help="start from Kinetics-600")
    init.add_argument("--scratch", action="store_true", help="random init (the default)")
    p.add_argument("--checkpoint", help="local Kinetics-600 checkpoint prefix (with --pretrained)")
    p.add_argument("--freeze-backbone", action="store_true", help="train only the head")
    p.add_argument("--resolution", type=int, default=64, help="frame side (default 64)")
    p.add_argument("--frames", type=int, default=8, help="frames per window (default 8)")
    p.add_argument("--stride", type=int, default=2, help="take every Nth frame (default 2)")
    p.add_argument("--batch", type=int, default=16, help="clips per step (default 16)")
    p.add_argument("--lr", type=float, default=2e-3, help="peak Adam learning rate")
    p.add_argument("--schedule", choices=["time", "epochs", "constant"],
                   help="cosine decay of the learning rate to 5 %% over the --minutes budget "
                   "(time; the default with --minutes) or over --epochs (epochs; the default "
                   "without), or none (constant)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--validation-fraction", type=float, default=0.2,
                   help="fraction of the training groups held out (default 0.2)")
    p.add_argument("--formats", default="float32,float16,dynamic,int8",
                   help="TFLite formats, comma-separated, or 'none' (stream SavedModel only)")
    p.add_argument("--calibration-clips", type=int, default=32, help="training clips for int8")
    p.add_argument("--steps-per-epoch", type=int, help=argparse.SUPPRESS)  # tiny test runs
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def _fail(where: object, reason: object) -> int:
    print(f"error: {where}: {reason}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI.

    Returns:
        0 when the run finished; 2 for bad input (one ``error:`` line on stderr).
    """
    args = build_parser().parse_args(argv)
    records_dir = Path(args.records)
    if not (records_dir / "manifest.json").is_file():
        return _fail(records_dir, "no manifest.json (write records with python -m helpers.writer)")
    bad = below_one(args, "epochs", "batch", "frames", "stride", "resolution")
    if bad:
        print(bad, file=sys.stderr)
        return 2
    if args.minutes is not None and args.minutes <= 0:
        return _fail("--minutes", f"must be positive, got {args.minutes}")
    fmts = [] if args.formats == "none" else [f for f in args.formats.split(",") if f]
    # Here, not at the top: --help and argument errors answer without importing TensorFlow.
    from helpers import records
    from helpers.train.export import TFLITE_FORMATS
    from helpers.train.run import finetune
    from helpers.train.settings import TrainConfig

    unknown = sorted(set(fmts) - set(TFLITE_FORMATS))
    if unknown:
        return _fail("--formats", f"unknown {unknown}; choose from {list(TFLITE_FORMATS)}")
    try:
        manifest = records.load_manifest(records_dir)
        missing = {"train", "test"} - set(manifest.get("splits", {}))
        if missing:
            return _fail(records_dir / "manifest.json", f"no {sorted(missing)} split")
        schedule = args.schedule or ("time" if args.minutes else "epochs")
        if schedule == "time" and not args.minutes:
            return _fail("--schedule", "time needs --minutes")
        decay = args.epochs if schedule == "epochs" else None
        cfg = TrainConfig(
            model_id=args.model, num_classes=len(records.class_names(manifest)),
            num_frames=args.frames, frame_stride=args.stride, resolution=args.resolution,
            batch_size=args.batch, learning_rate=args.lr, decay_epochs=decay,
            pretrained=args.pretrained, freeze_backbone=args.freeze_backbone, seed=args.seed,
        )  # fmt: skip
        report = finetune(
            records_dir, args.out, cfg=cfg, epochs=args.epochs, minutes=args.minutes,
            anneal=schedule == "time",
            patience=args.patience, validation_fraction=args.validation_fraction,
            export_dir=args.export, formats=fmts, calibration_clips=args.calibration_clips,
            checkpoint_path=args.checkpoint, steps_per_epoch=args.steps_per_epoch,
            progress=not args.quiet,
        )  # fmt: skip
    except records.RecordFileError as err:
        return _fail(err.path, err.reason)
    except (ValueError, RuntimeError, OSError) as err:  # too few groups, offline pretrained...
        return _fail(records_dir, err)
    print(_summary(report))
    return 0


def _summary(report: dict) -> str:
    """The run in a few lines: selection, test once, the confusion matrix, the exports."""
    val, test = report["validation"]["accuracy"], report["test"]["accuracy"]
    lines = [
        f"validation groups: {', '.join(report['validation_split']['validation_groups'])} "
        f"({report['clips']['validation']} clips); train {report['clips']['train']}, "
        f"test {report['clips']['test']}",
        f"stopped: {report['stopped']} after {report['epochs_run']} epochs, "
        f"{report['train_minutes']:.1f} min",
        f"selected epoch {report['selected_epoch']} on validation: validation {val:.3f}, "
        f"test {test:.3f} (test evaluated once)",
        "confusion (rows true, columns predicted): " + " | ".join(
            f"{name} {row}" for name, row in zip(report["labels"], report["test"]["confusion"],
                                                 strict=True)),
    ]  # fmt: skip
    for row in report["exports"]:
        lines.append(f"  {row['format']:18s} test {row['test_accuracy']:.3f}  "
                     f"{row['size_bytes'] / 1e6:6.2f} MB  {row['ms_per_frame']:7.2f} ms/frame")
    return "\n".join(lines)
