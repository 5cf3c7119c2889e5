"""Where does the fine-tuning plateau come from? Measured on the VALIDATION split only.

Trains MoViNet-A0 from scratch (TrainConfig defaults) and after every epoch reads, on the
validation groups:

* ``mid``: eval mode, the middle window (what the trainer reported);
* ``lin3``: eval mode, three evenly spaced windows averaged (clip sampling at evaluation);
* ``bn``: the middle window after re-estimating the batch-norm statistics on 20 clean
  (un-augmented) training batches, restored afterwards (BN statistics);
* ``fit``: eval-mode accuracy on un-augmented training clips (does the model fit its data?).

    python benchmarks/probe_plateau.py --schedule constant --epochs 40
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import tensorflow as tf

from helpers import config, pipeline, records, train
from helpers.train import data as train_data


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="/tmp/probe.json")
    args = p.parse_args()
    cfg = train.TrainConfig(
        learning_rate=args.lr, seed=args.seed,
        decay_epochs=args.epochs if args.schedule == "cosine" else None,
    )  # fmt: skip
    folder = config.DATA_DIR / "records" / "sample_none_s64"
    data = train.record_datasets(folder, cfg)
    lin = train.record_datasets(folder, cfg, eval_sampling="linspace", num_clips=3)
    files = records.shard_files(folder, "train")
    clean = pipeline.build_dataset(files, num_frames=cfg.num_frames, stride=cfg.frame_stride,
                                   image_size=cfg.resolution, batch_size=1, sampling="middle")
    clean = train_data._only(clean, data.carve.validation_ids, False, 16, False).cache()
    model = train.build_model(cfg)
    trainer = train.Trainer(model, tempfile.mkdtemp(), learning_rate=cfg.schedule(
        data.steps_per_epoch))
    stats = [v for v in model.variables if "moving_mean" in v.name or "moving_variance" in v.name]
    bn_fn = tf.function(lambda x: model({"image": x}, training=True))
    rows = []
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        trainer.fit(data.train, epochs=epoch, steps_per_epoch=data.steps_per_epoch,
                    progress=False)
        train_s = time.perf_counter() - t0
        row = {"epoch": epoch, "loss": trainer.history[-1]["loss"],
               "train_aug": trainer.history[-1]["accuracy"], "minutes": train_s / 60}
        row["mid"] = train.accuracy(model, data.validation)
        row["lin3"] = train.accuracy(model, lin.validation)
        row["fit"] = train.accuracy(model, clean)
        saved = [v.numpy() for v in stats]
        for _ in range(2):  # 2 passes over the ~19 clean batches: momentum 0.9 forgets the rest
            for x, _y in clean:
                bn_fn(x)
        row["bn"] = train.accuracy(model, data.validation)
        for v, s in zip(stats, saved, strict=True):
            v.assign(s)
        rows.append(row)
        print(json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
        Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows}))
    print("done", file=sys.stderr)


if __name__ == "__main__":
    main()
