"""Benchmark: fine-tuning MoViNet-A0 on the sample records, selected on validation, tested once.

Measures, in one run:

  1. training throughput (steps/s, clips/s) of helpers.train.Trainer fed by helpers.pipeline,
     against the input pipeline alone (anchor);
  2. per seed, a full fine-tuning run as ``python -m helpers.train`` does it (from scratch, 64x64,
     8 frames 2 apart, batch 16, Adam 2e-3 cosine-annealed to 5 % over the 15-minute budget,
     norm_momentum 0.9): the
     validation split (training groups held out) picks the epoch, the test split is evaluated
     ONCE on it. Goal: test >= 0.90 within 15 min of training on 2 CPU cores, for every seed;
  3. the single-frame 2-D CNN baseline on the same data (the set needs temporal order);
  4. for the first seed's selected model, every export format (stream SavedModel; TFLite
     float32, float16, dynamic-range, int8 calibrated on training clips): test accuracy, size
     and ms per streamed frame; when int8 loses accuracy, the worst layers and a selective int8.

It ends with one line per seed:
``bench_train: seed S, selected epoch E, validation V, test T, train minutes M``.

    python benchmarks/bench_train.py --seeds 0 1 2     # full run (15 min of training per seed)
    python benchmarks/bench_train.py --quick           # smoke check: tiny sizes, 2 epochs
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import sample, train  # noqa: E402
from helpers.pipeline import clips_per_second  # noqa: E402

GOAL_MINUTES = 15.0
TARGET = 0.90
EPOCHS = 500  # a cap only: the time budget ends the run, and the rate anneals over that time


def throughput(trainer: train.Trainer, ds: tf.data.Dataset, steps: int) -> float:
    """Returns steps/s over ``steps`` steps (after two warm-up steps that trace the graph)."""
    batches = iter(ds)
    for _ in range(2):
        trainer.train_step(*next(batches))
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(*next(batches))
    return steps / (time.perf_counter() - start)


def load() -> str:
    """The 1-minute load average (the machine is shared: printed beside every timed run)."""
    return f"{os.getloadavg()[0]:.2f}"


def table(rows: list[tuple[str, ...]]) -> None:
    header = ("benchmark", "measured", "anchor", "ratio", "goal")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 2 epochs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="most epochs (decay length)")
    parser.add_argument("--budget-min", type=float, default=GOAL_MINUTES, help="training budget")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--work", help="work folder (default: a new temporary one); rerun "
                        "with the same folder to resume the seeds' runs after an interruption")
    args = parser.parse_args(argv)
    q = args.quick
    epochs = 2 if q else args.epochs
    records_dir = sample.ensure_sample_records(size=64)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench_train_"))
    rows: list[tuple[str, ...]] = []
    lines: list[str] = []
    base_cfg = train.TrainConfig(
        num_frames=4 if q else 8, resolution=32 if q else 64, batch_size=4 if q else 16,
    )  # fmt: skip
    print(f"config: {base_cfg}, at most {epochs} epochs or {args.budget_min} min")

    if not args.skip_throughput:  # 1. Throughput.
        data = train.record_datasets(records_dir, base_cfg)
        pipe_cps = clips_per_second(data.train, 3 if q else 20)
        trainer = train.Trainer(train.build_model(base_cfg), work / "throughput")
        sps = throughput(trainer, data.train, 3 if q else 20)
        cps = sps * base_cfg.batch_size
        rows.append(("input pipeline alone (anchor)", f"{pipe_cps:.1f} clips/s", "-", "1.00", "-"))
        rows.append((f"training (batch {base_cfg.batch_size})",
                     f"{sps:.2f} steps/s, {cps:.1f} clips/s", f"{pipe_cps:.1f} clips/s",
                     f"{cps / pipe_cps:.2f}", "model-bound (< 1)"))  # fmt: skip

    first_report = None
    for i, seed in enumerate(args.seeds):  # 2. One full run per seed.
        cfg = train.TrainConfig(**{**vars(base_cfg), "seed": seed})
        before = load()
        report = train.finetune(
            records_dir, work / f"seed{seed}", cfg=cfg, epochs=epochs,
            minutes=0.5 if q else args.budget_min, anneal=True, export_dir=work / f"export{seed}",
            formats=list(train.TFLITE_FORMATS) if i == 0 else [],
            calibration_clips=4 if q else 32, steps_per_epoch=3 if q else None, progress=False,
        )  # fmt: skip
        first_report = first_report or report
        test, val = report["test"]["accuracy"], report["validation"]["accuracy"]
        minutes = report["train_minutes"]
        ok = test >= TARGET and minutes <= GOAL_MINUTES
        print(f"seed {seed}: {report['stopped']}; load before {before}, after {load()}; "
              f"test confusion {report['test']['confusion']}")  # fmt: skip
        rows.append((f"seed {seed}: test acc of the validation-selected epoch",
                     f"{test:.3f} (val {val:.3f}, epoch {report['selected_epoch']})",
                     f"goal {TARGET:.2f} in {GOAL_MINUTES:.0f} min", f"{minutes:.1f} min",
                     f">= {TARGET:.2f} within {GOAL_MINUTES:.0f} min: "
                     f"{'PASS' if ok else 'MISS'}"))  # fmt: skip
        lines.append(f"bench_train: seed {seed}, selected epoch {report['selected_epoch']}, "
                     f"validation {val:.3f}, test {test:.3f}, train minutes {minutes:.1f}")

    # 3. The single-frame baseline (same data, its own small CNN).
    data = train.record_datasets(records_dir, base_cfg)
    base = train.train_frame_baseline(data.train, data.test, num_classes=base_cfg.num_classes,
                                      steps=3 if q else 300, progress=False)  # fmt: skip
    movinet_test = first_report["test"]["accuracy"]
    rows.append(("test accuracy: 1-frame 2-D CNN", f"{base.result.accuracy:.3f}",
                 f"MoViNet {movinet_test:.3f}",
                 f"{base.result.accuracy / max(movinet_test, 1e-9):.2f}",
                 "far below MoViNet: motion needed"))  # fmt: skip

    # 4. Every export format of the first seed's selected model.
    exports = first_report["exports"]
    anchor = exports[0]
    for row in exports:
        rows.append((f"export {row['format']}: test acc / size / ms per frame",
                     f"{row['test_accuracy']:.3f} / {row['size_bytes'] / 1e6:.2f} MB / "
                     f"{row['ms_per_frame']:.2f} ms", f"{anchor['format']}",
                     f"acc {row['test_accuracy'] - anchor['test_accuracy']:+.3f}, "
                     f"{anchor['ms_per_frame'] / row['ms_per_frame']:.1f}x faster", "report"))
    int8 = next((r for r in exports if r["format"] == "TFLite int8"), None)
    if int8 and int8["test_accuracy"] < anchor["test_accuracy"] - 0.02:
        print("int8 loses accuracy: the worst layers (RMSE in quantization steps)")
        model = train.build_model(base_cfg)
        train.Trainer(model, work / f"seed{args.seeds[0]}").restore_best()
        stream = train.stream_from_base(model, norm_momentum=base_cfg.norm_momentum)
        clips, _ = train.split_clips(data.train, 4 if q else 32)
        calib = train.calibration_inputs(stream, clips)
        worst = train.int8_layer_errors(stream, calib, resolution=base_cfg.resolution, top=8)
        for err in worst:
            print(f"  {err.rmse_per_scale:8.2f}  {err.op:16s} {err.tensor}")
        path = train.selective_int8(stream, calib, work / "int8_selective.tflite",
                                    resolution=base_cfg.resolution,
                                    keep_float=[e.tensor for e in worst[:5]])  # fmt: skip
        test_clips, test_labels = train.split_clips(data.test)
        ref_path = Path(anchor["path"])
        sel = train.measure_formats({"ref": ref_path, "sel": path}, test_clips, test_labels)[1]
        rows.append(("export TFLite int8, 5 worst layers float", f"{sel.accuracy:.3f} / "
                     f"{sel.size_bytes / 1e6:.2f} MB / {sel.ms_per_frame:.2f} ms",
                     anchor["format"], f"acc {sel.accuracy - anchor['test_accuracy']:+.3f}",
                     "report"))  # fmt: skip

    run = "QUICK smoke run" if q else "full run"
    print(f"\nMoViNet-A0 fine-tuning ({run}); work folder {work}")
    table(rows)
    if q:
        print("QUICK run: tiny sizes; the 0.90 goal is only meaningful in the full run.")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
