"""Benchmark: fine-tuning MoViNet-A0 on the sample records, and streaming the exported model.

Measures, in one run:

  1. training throughput (steps/s, clips/s) of helpers.train.Trainer fed by helpers.pipeline,
     against the input pipeline alone (anchor);
  2. time to reach 90 % test accuracy (from scratch with TrainConfig's defaults: 64x64, 8 frames
     2 apart, batch 16, Adam 2e-3, norm_momentum 0.9; the test split is evaluated after every
     epoch, and that time counts, as does the first epoch's tracing), against the goal of 15 min
     on 2 CPU cores, plus a single-frame 2-D CNN baseline for contrast;
  3. stream latency per frame: the exported stream SavedModel (anchor) vs TFLite float vs
     TFLite dynamic-range quantized, and the size of each export.

    python benchmarks/bench_train.py            # full run (~15-20 min on 2 quiet cores)
    python benchmarks/bench_train.py --quick    # smoke check: a few steps, tiny sizes
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import movinet, sample, train  # noqa: E402
from helpers.pipeline import clips_per_second  # noqa: E402

GOAL_MINUTES = 15.0
TARGET = 0.90


def throughput(trainer: train.Trainer, ds: tf.data.Dataset, steps: int, batch: int) -> float:
    """Returns steps/s over ``steps`` steps (after two warm-up steps that trace the graph)."""
    batches = iter(ds)
    for _ in range(2):
        trainer.train_step(*next(batches))
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(*next(batches))
    return steps / (time.perf_counter() - start)


def time_to_target(
    trainer: train.Trainer,
    data: train.RecordDatasets,
    max_epochs: int,
    budget_s: float,
    steps_per_epoch: int,
) -> tuple[float | None, list[dict[str, float]]]:
    """Trains epoch by epoch until the target accuracy or the time budget; returns (s, history)."""
    reached = None
    for epoch in range(1, max_epochs + 1):
        history = trainer.fit(
            data.train,
            epochs=epoch,
            steps_per_epoch=steps_per_epoch,
            eval_ds=data.test,
            progress=False,
        )
        row = history[-1]
        print(f"  epoch {epoch}: loss {row['loss']:.3f}, test acc {row['test_accuracy']:.3f}, "
              f"{row['seconds'] / 60:.1f} min")  # fmt: skip
        if row["test_accuracy"] >= TARGET:
            reached = row["seconds"]
            break
        if row["seconds"] > budget_s:
            break
    return reached, trainer.history


def stream_latency(step, frames: np.ndarray, warmup: int = 2) -> float:
    """Median milliseconds per frame of ``step(frame)`` over ``frames``."""
    for frame in frames[:warmup]:
        step(frame)
    times = []
    for frame in frames:
        start = time.perf_counter()
        step(frame)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps at tiny sizes")
    parser.add_argument("--budget-min", type=float, default=GOAL_MINUTES + 5, help="stop after")
    parser.add_argument("--decay-epochs", type=int, default=0,
                        help="cosine learning-rate decay length in epochs (0: constant rate)")
    args = parser.parse_args(argv)
    q = args.quick
    cfg = train.TrainConfig(
        num_frames=4 if q else 8,
        resolution=32 if q else 64,
        batch_size=4 if q else 16,
        decay_epochs=None if q else args.decay_epochs,
    )
    print(f"config: {cfg}")
    data = train.record_datasets(sample.ensure_sample_records(size=64), cfg)
    print(f"data: {data.num_train} train / {data.num_test} test clips, {data.records_dir}")
    rows: list[tuple[str, str, str, str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="bench_train_"))

    # 1. Throughput.
    pipe_cps = clips_per_second(data.train, 3 if q else 20)
    model = train.build_model(cfg)
    trainer = train.Trainer(model, work / "throughput", learning_rate=cfg.learning_rate)
    sps = throughput(trainer, data.train, 3 if q else 20, cfg.batch_size)
    cps = sps * cfg.batch_size
    rows.append(("input pipeline alone (anchor)", f"{pipe_cps:.1f} clips/s", "-", "1.00", "-"))
    rows.append(("training steps/s", f"{sps:.2f} steps/s", "", "", ""))
    rows.append(
        (f"training clips/s (batch {cfg.batch_size})", f"{cps:.1f} clips/s",
         f"{pipe_cps:.1f} clips/s", f"{cps / pipe_cps:.2f}", "model-bound (< 1)")
    )  # fmt: skip

    # 2. Time to 90 % (a fresh model and checkpoint folder).
    model = train.build_model(cfg)
    schedule = cfg.schedule(data.steps_per_epoch)
    trainer = train.Trainer(model, work / "to_target", learning_rate=schedule)
    reached, history = time_to_target(
        trainer,
        data,
        max_epochs=1 if q else 200,
        budget_s=0.0 if q else args.budget_min * 60,
        steps_per_epoch=3 if q else data.steps_per_epoch,
    )
    final = history[-1]["test_accuracy"]
    status = "PASS" if reached is not None and reached <= GOAL_MINUTES * 60 else "MISS"
    shown = f"{reached / 60:.1f} min" if reached is not None else f"not reached (acc {final:.2f})"
    rows.append((f"time to {TARGET:.0%} test accuracy", shown, f"{GOAL_MINUTES:.0f} min goal",
                 f"{reached / 60 / GOAL_MINUTES:.2f}" if reached else "-",
                 f"<= {GOAL_MINUTES:.0f} min: {status}"))  # fmt: skip
    base = train.train_frame_baseline(
        data.train, data.test, num_classes=cfg.num_classes, steps=3 if q else 300, progress=False
    )
    chance = 1 / cfg.num_classes
    rows.append(("test accuracy: MoViNet (clip)", f"{final:.3f}", f"chance {chance:.3f}",
                 f"{final / chance:.1f}", ""))  # fmt: skip
    rows.append(("test accuracy: 1-frame 2-D CNN", f"{base.result.accuracy:.3f}",
                 f"MoViNet {final:.3f}", f"{base.result.accuracy / max(final, 1e-9):.2f}",
                 "< MoViNet: motion needed"))  # fmt: skip

    # 3. Exports and stream latency per frame.
    stream = train.stream_from_base(model, cfg.model_id, norm_momentum=cfg.norm_momentum)
    lite = train.export_tflite_variants(
        stream, {work / "f.tflite": False, work / "q.tflite": True}, resolution=cfg.resolution
    )
    paths = {
        "stream SavedModel": train.export_stream(stream, work / "stream"),
        "TFLite float": lite[0],
        "TFLite quantized": lite[1],
    }
    base_dir = train.export_base(model, work / "base")
    shape = (16 if q else 64, 1, 1, cfg.resolution, cfg.resolution, 3)
    frames = np.random.default_rng(0).uniform(0, 1, shape).astype(np.float32)
    saved = movinet.load_movinet(source=paths["stream SavedModel"], mode="stream")
    state = {"s": saved.init_states(frames[0].shape)}

    def saved_step(frame: np.ndarray) -> None:
        _, state["s"] = saved({**state["s"], "image": frame})

    latency = {"stream SavedModel": stream_latency(saved_step, frames)}
    for name in ("TFLite float", "TFLite quantized"):
        lite = train.TFLiteStream(paths[name])
        lite_state = {"s": lite.init_states()}

        def lite_step(frame: np.ndarray, lite=lite, lite_state=lite_state) -> None:
            _, lite_state["s"] = lite(lite_state["s"], frame)

        latency[name] = stream_latency(lite_step, frames)
    anchor = latency["stream SavedModel"]
    for name, ms in latency.items():
        tag = " (anchor)" if name == "stream SavedModel" else ""
        label = f"stream latency/frame: {name}{tag}"
        rows.append((label, f"{ms:.2f} ms", f"{anchor:.2f} ms", f"{anchor / ms:.2f}x faster",
                     "report"))  # fmt: skip
    sizes = {"base SavedModel": base_dir, **paths}
    for name, path in sizes.items():
        mb = train.path_size(path) / 1e6
        ratio = mb / (train.path_size(paths["TFLite float"]) / 1e6)
        rows.append((f"export size: {name}", f"{mb:.2f} MB", "TFLite float", f"{ratio:.2f}", ""))

    run = "QUICK smoke run" if q else "full run"
    size = f"{cfg.resolution}x{cfg.resolution}x{cfg.num_frames} (stride {cfg.frame_stride})"
    print(f"\nMoViNet-A0 fine-tuning ({run}), {size}, batch {cfg.batch_size}")
    header = ("benchmark", "measured", "anchor", "ratio", "goal")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    if q:
        print("\nQUICK run: sizes and step counts are smoke-test values; the 90% goal is only "
              "meaningful in the full run.")  # fmt: skip


if __name__ == "__main__":
    main()
