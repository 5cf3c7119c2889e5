"""Benchmark: writing SequenceExample shards (clips/s, frames/s) and their size vs raw uint8 frames.

For each data set (the generated sample clips, and the real clips in ../shared/media when present):

  (anchor) decode only: helpers.frames.decode over every clip, nothing written; its frames' raw
           uint8 size (T*H*W*3) is the "store raw frames" baseline the seed tutorials used.
  (write)  helpers.writer.write_split end to end (decode + JPEG q90 + serialize + shard files +
           sidecars + manifest) with 1 and 2 worker processes, and once with GZIP. For 2 workers
           a "marginal" row subtracts a 4-clip run, i.e. the one-off cost of starting the worker
           processes (each imports TensorFlow).

Frames are stored at their source resolution (no resize), so bytes/frame compare like for like.
Goal: records >= 10x smaller than raw uint8. Throughput ratios are reported against the
decode-only anchor measured in the same run (absolute numbers depend on the machine's load).

    python benchmarks/bench_records.py [--quick] [--clips N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import (  # noqa: E402
    config,
    frames,
    records,
    sample,  # noqa: E402
    sources,
    writer,
)

GOAL = 10.0
SMALL = 4
REAL = [
    ("ucf101/v_ApplyEyeMakeup_g01_c01.avi", "ApplyEyeMakeup"),
    ("ucf101/v_BaseballPitch_g01_c01.avi", "BaseballPitch"),
    ("kinetics_carving_ice_rpi.mp4", "carving ice"),
    ("kinetics_carving_ice_android.mp4", "carving ice"),
    ("mmaction2_demo_kinetics400.mp4", "arm wrestling"),
    ("mmaction2_tests_test.mp4", "cleaning pool"),
    ("example_video01.mp4", "rope pushdown"),
]


def _real_items() -> list[sources.VideoItem]:
    media = config.shared_media()
    if media is None:
        return []
    return [
        sources.VideoItem(Path(rel).stem, str(media / rel), label)
        for rel, label in REAL
        if (media / rel).exists()
    ]


def _bench(name: str, items: list[sources.VideoItem], tmp: Path) -> list[str]:
    label_map = sources.build_label_map(items)
    cfg = records.RecordConfig(quality=90)
    began = time.perf_counter()
    raw_bytes = num_frames = 0
    for item in items:
        clip = frames.decode(item.path)
        raw_bytes += clip.frames.nbytes
        num_frames += len(clip.frames)
    decode_s = time.perf_counter() - began
    rows = [("decode only (anchor)", decode_s, num_frames, raw_bytes)]
    for label, workers, gz in (("write, 1 worker", 1, False), ("write, 2 workers", 2, False),
                               ("write, 1 worker, GZIP", 1, True)):  # fmt: skip
        out = tmp / f"{name}-{workers}-{gz}"
        began = time.perf_counter()
        entry = writer.write_split(items, out, "train", label_map, cfg, shards=4,
                                   workers=workers, compress=gz)  # fmt: skip
        seconds = time.perf_counter() - began
        assert entry["num_failed"] == 0, entry["failures"]
        size = sum(s["bytes"] for s in entry["shards"])
        rows.append((label, seconds, entry["num_frames"], size))
        shutil.rmtree(out)
        if workers > 1 and len(items) > 2 * SMALL:
            # Marginal rate: subtract a SMALL-clip run, which removes the fixed start-up cost
            # (each worker process imports TensorFlow once).
            began = time.perf_counter()
            writer.write_split(items[:SMALL], tmp / "small", "train", label_map, cfg,
                               shards=SMALL, workers=workers)  # fmt: skip
            fixed = time.perf_counter() - began
            shutil.rmtree(tmp / "small")
            marginal = max(seconds - fixed, 1e-6)
            extra = (len(items) - SMALL) / len(items)
            rows.append((f"{label} (marginal)", marginal / extra, entry["num_frames"], size))
    lines = [
        f"\n== {name}: {len(items)} clips, {num_frames} frames, raw uint8 "
        f"{raw_bytes / num_frames:,.0f} bytes/frame",
        f"{'run':24s} {'s':>7s} {'clips/s':>8s} {'frames/s':>9s} {'vs anchor':>9s} "
        f"{'bytes/frame':>11s} {'raw/stored':>10s}",
    ]
    anchor_fps = num_frames / decode_s
    for label, seconds, n, size in rows:
        fps = n / seconds
        lines.append(
            f"{label:24s} {seconds:7.2f} {len(items) / seconds:8.1f} {fps:9.0f} "
            f"{fps / anchor_fps:8.2f}x {size / n:11,.0f} {raw_bytes / size:9.1f}x"
        )
    ratio = raw_bytes / rows[1][3]
    verdict = "PASS" if ratio >= GOAL else "MISS"
    lines.append(f"goal: records >= {GOAL:.0f}x smaller than raw uint8 -> {ratio:.1f}x {verdict}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few sample clips (CI smoke run)")
    p.add_argument("--clips", type=int, help="sample clips to write (default 120, quick 12)")
    args = p.parse_args(argv)
    n = args.clips or (12 if args.quick else 120)
    data = sample.ensure_sample_data()
    clips = sorted(sources.ucf101_items(data.ucf_root, data.ucf_splits, "train"),
                    key=lambda i: i.id)[:n]  # fmt: skip
    print(f"bench_records: JPEG q90 SequenceExample shards, {config.describe()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench_records_"))
    try:
        lines = _bench("sample data", clips, tmp)
        real = _real_items()
        if real:
            lines += _bench("real clips (../shared/media)", real, tmp)
        else:
            lines.append("\n(real clips skipped: ../shared/media not found)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
