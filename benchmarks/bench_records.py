"""Benchmark: writing SequenceExample shards (frames/s), where the time goes, and a projection.

For each data set (the generated sample clips, and the real clips of ``config.REAL_CLIPS``):

  (anchor) decode only, streamed: every frame decoded and converted to pixels by a
           helpers.frames.FrameReader (BGR, the writer's decode threads), nothing kept or written;
           the frames' raw uint8 size (T*H*W*3) is the "store raw frames" baseline the seed
           tutorials used. The writer cannot do less decoding than this.
  (ref)    decode only into one RGB array (helpers.frames.decode, the notebooks' call, which the
           writer used before it encoded frames as they were decoded): slower than the anchor.
  (write)  helpers.writer.write_split end to end (decode + JPEG q90 + serialize + shard files +
           index + sidecars + manifest), one clip per shard, with 1 and 2 worker processes, and
           once with GZIP. The 2-worker "marginal" rate subtracts a run on the first clips, i.e.
           the one-off cost of starting the pool.

On the real clips it also prints:

  * a breakdown of one worker's time per stage (decode, resize, JPEG encode, serialization,
    CRC, sha256, index), each stage doing what the writer does (streamed BGR decode on the
    writer's threads, JPEG from BGR, examples from those JPEGs), in CPU seconds (what a
    shared machine disturbs least) and as a share of the writer's own CPU time, and the
    writer's CPU utilisation (CPU s per wall s: how many cores one worker keeps busy);
  * the start-up of one worker process (a fresh interpreter importing what a writer worker
    and a Beam worker import), against the same process importing TensorFlow as well (what a
    worker imported before records were written with protobuf alone);
  * a projection of hours and core-hours for UCF101 and Kinetics-700 from the measured frames/s.

Frames are stored at their source resolution (no resize), so bytes/frame compare like for like.
Throughput ratios are against the decode-only anchor measured in the same run; each timing is
the best of ``--repeats`` runs, since other work on a shared machine only slows a run down. The
last line is the summary the README quotes.

    python benchmarks/bench_records.py [--quick] [--clips N] [--repeats N]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from bench_extract import bench_decoders, print_decoders  # noqa: E402  (the same decoders)

from helpers import config, frames, records, sample, sources, writer  # noqa: E402
from helpers.records import framing  # noqa: E402
from helpers.records import index as record_index  # noqa: E402

GOAL_SIZE = 10.0  # records at least this many times smaller than raw uint8
GOAL_ONE, GOAL_TWO = 0.85, 1.7  # the goals: 1 worker vs decode-only, 2 vs 1 worker
SMALL = 2  # clips in the run subtracted for the marginal rate
COPIES = 2  # the real clips are few: each is written this many times (distinct ids)
# The data sets to project, as documented by their authors (an estimate: the frame rate and
# the per-frame cost of the real clips are assumed to hold for the whole set).
PROJECTS = (
    ("UCF101", 13_320, 27 * 3600 * 25),  # 13,320 clips, 27 hours of 25 fps video
    ("Kinetics-700", 650_000, 650_000 * 10 * 30),  # ~650k clips of up to 10 s, mostly 30 fps
)
WORKER_IMPORTS = {
    "writer worker": "import helpers.writer.shards",
    "Beam worker": "import apache_beam, helpers.beam.dofns, helpers.records.encode",
}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the writer's forked workers)."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usages)


def _best(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(wall s, CPU s of this process) of the fastest of ``repeats`` calls."""
    runs = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), _cpu()
        fn()
        runs.append((time.perf_counter() - wall, _cpu() - cpu))
    return min(runs)


def _real_items() -> list[sources.VideoItem]:
    media = config.shared_media()
    if media is None:
        return []
    base = [sources.VideoItem(Path(rel).stem, str(media / rel), Path(rel).parent.name or "k")
            for rel in config.REAL_CLIPS if (media / rel).exists()]  # fmt: skip
    return [dataclasses.replace(it, id=f"{it.id}_{k}") for k in range(COPIES) for it in base]


def _write(items, out: Path, workers: int, compress: bool = False) -> dict:
    label_map = sources.build_label_map(items)
    cfg = records.RecordConfig(quality=90)
    shutil.rmtree(out, ignore_errors=True)
    entry = writer.write_split(items, out, "train", label_map, cfg, shards=len(items),
                               workers=workers, compress=compress)  # fmt: skip
    assert entry["num_failed"] == 0, entry["failures"]
    return entry


def _stream(path: str) -> frames.FrameReader:
    """The writer's decode of one worker: BGR frames, on that worker's share of the cores."""
    return frames.FrameReader(path, rgb=False, threads=records.default_threads(1))


def _bench(name: str, items: list[sources.VideoItem], tmp: Path, repeats: int) -> dict:
    """Times decode-only and the writer; prints the table; returns the rates."""
    raw = {"bytes": 0, "frames": 0}

    def decode_all() -> None:
        raw["bytes"] = raw["frames"] = 0
        for item in items:
            for frame, _ in _stream(item.path):
                raw["bytes"] += frame.nbytes
                raw["frames"] += 1

    def decode_array() -> None:
        for item in items:
            frames.decode(item.path)

    decode_s, decode_cpu = _best(decode_all, repeats)
    n = raw["frames"]
    array_s, array_cpu = _best(decode_array, repeats)
    rows = [("decode only (anchor)", decode_s, raw["bytes"]),
            ("decode into RGB array (ref)", array_s, raw["bytes"])]  # fmt: skip
    cpu = {"decode only (anchor)": decode_cpu, "decode into RGB array (ref)": array_cpu}
    entry = {}
    for label, workers, gz in (("write, 1 worker", 1, False), ("write, 2 workers", 2, False),
                               ("write, 1 worker, GZIP", 1, True)):  # fmt: skip
        out = tmp / f"{workers}{gz}"
        seconds, cpu[label] = _best(
            lambda o=out, w=workers, g=gz: entry.update(_write(items, o, w, g)), repeats
        )
        assert entry["num_frames"] == n, (entry["num_frames"], n)
        rows.append((label, seconds, sum(s["bytes"] for s in entry["shards"])))
        if workers == 2:  # the pool's start-up, split off by a run on the first clips
            few, _ = _best(lambda: _write(items[:SMALL], tmp / "small", 2), repeats)
            share = sum(frames.probe(i.path).frame_count for i in items[SMALL:]) / max(
                1, sum(frames.probe(i.path).frame_count for i in items))
            rows.append(("write, 2 workers, marginal", (seconds - few) / share, rows[-1][2]))
    print(f"\n== {name}: {len(items)} clips, {n} frames, raw uint8 {raw['bytes'] / n:,.0f} "
          f"bytes/frame")  # fmt: skip
    print(f"{'run':28s} {'s':>7s} {'frames/s':>9s} {'vs anchor':>9s} {'CPU s':>7s} "
          f"{'cores':>5s} {'bytes/frame':>11s} {'raw/stored':>10s}")  # fmt: skip
    rates = {}
    for label, seconds, size in rows:
        rates[label] = n / seconds
        used = f"{cpu[label]:7.2f} {cpu[label] / seconds:5.2f}" if label in cpu else f"{'':13s}"
        print(f"{label:28s} {seconds:7.2f} {n / seconds:9.0f} {decode_s / seconds:8.2f}x {used} "
              f"{size / n:11,.0f} {raw['bytes'] / size:9.1f}x")  # fmt: skip
    print("(cores: CPU s per wall s, i.e. how many cores the run kept busy on average)")
    print(f"in CPU time, which other load on the machine disturbs less: 1 worker "
          f"{decode_cpu / cpu['write, 1 worker']:.2f}x decode-only; against decode into an RGB "
          f"array (this benchmark's anchor before) 1 worker runs at "
          f"{rates['write, 1 worker'] / rates['decode into RGB array (ref)']:.2f}x")  # fmt: skip
    ratio = raw["bytes"] / rows[2][2]
    print(f"goal: records >= {GOAL_SIZE:.0f}x smaller than raw uint8 -> {ratio:.1f}x "
          f"{'PASS' if ratio >= GOAL_SIZE else 'MISS'}")  # fmt: skip
    return {"frames": n, "decode": n / decode_s, **rates,
            "cpu ratio": decode_cpu / cpu["write, 1 worker"],
            "anchor cores": decode_cpu / decode_s}  # fmt: skip


def _breakdown(
    items: list[sources.VideoItem], tmp: Path, repeats: int, anchor_cores: float
) -> float:
    """One worker's CPU time per stage on the same clips; returns the writer's CPU s/frame.

    Each stage does what the writer does with one worker: the streamed BGR decode on its
    threads, JPEG encoding of BGR frames, examples built from those JPEGs. The writer encodes
    on a helper thread while it decodes; here the stages run one after another, so their CPU
    adds up to the writer's (the rest is files, sidecar, manifest and the thread hand-off).
    ``anchor_cores`` (decode-only's CPU s per wall s) bounds what one worker can reach.
    """
    cfg = records.RecordConfig(quality=90)
    cost = dict.fromkeys(("decode (streamed, BGR)", "resize to 224 (not in this config)",
                          "JPEG encode", "serialization", "CRC (framing)", "sha256", "index"),
                         0.0)  # fmt: skip
    n = 0
    for item in items:
        stage = {}

        def timed(key: str, fn: Callable[[], object], stage=stage) -> object:
            began, out = _cpu(), fn()
            stage[key] = _cpu() - began
            return out

        # The decode alone, as the writer streams it (nothing kept); then again, kept, for the
        # later stages (that second pass is not counted).
        timed("decode (streamed, BGR)", lambda i=item: sum(1 for _ in _stream(i.path)))
        reader = _stream(item.path)
        pairs = list(reader)
        n += len(pairs)
        timed("resize to 224 (not in this config)",
              lambda p=pairs: [frames.resize_frames(f[None], 224) for f, _ in p])  # fmt: skip
        jpegs = timed("JPEG encode", lambda p=pairs: [
            frames.encode_jpeg(f, cfg.quality, bgr=True) for f, _ in p])  # fmt: skip
        stamps = np.asarray([t for _, t in pairs])
        height, width = pairs[0][0].shape[:2]
        del pairs

        def serialize(i=item, j=jpegs, s=stamps, h=height, w=width, r=reader) -> bytes:
            example = records.example_from_jpegs(i, 0, j, s, r.fps, h, w, i.id)
            return example.SerializeToString(deterministic=True)

        serialized = timed("serialization", serialize)
        framed = timed("CRC (framing)", lambda s=serialized: framing.frame_record(s))
        timed("sha256", lambda f=framed: hashlib.sha256(f).digest())
        timed("index", lambda s=serialized, f=framed: record_index.entries_for([s], len(f)))
        for key, value in stage.items():
            cost[key] += value
    wall, writer_cpu = _best(lambda: _write(items, tmp / "cpu", 1), repeats)
    print(f"\n== where one worker's time goes (real clips, {n} frames; CPU s, one pass)")
    print(f"{'stage':36s} {'CPU s':>7s} {'ms/frame':>9s} {'of writer':>9s}")
    inside = 0.0
    for key, seconds in cost.items():
        in_writer = not key.startswith("resize")
        inside += seconds if in_writer else 0.0
        share = f"{100 * seconds / writer_cpu:8.1f}%" if in_writer else f"{'-':>9s}"
        print(f"{key:36s} {seconds:7.3f} {1000 * seconds / n:9.3f} {share}")
    rest = writer_cpu - inside
    print(f"{'rest (files, sidecar, manifest, threads)':36s} {rest:7.3f} {1000 * rest / n:9.3f} "
          f"{100 * rest / writer_cpu:8.1f}%")  # fmt: skip
    print(f"{'the writer, 1 worker (measured)':36s} {writer_cpu:7.3f} {1000 * writer_cpu / n:9.3f}"
          f" {100.0:8.1f}%")  # fmt: skip
    decode = cost["decode (streamed, BGR)"]
    cores = os.cpu_count() or 1
    # Decode-only finishes in decode / anchor_cores seconds; the writer, with all of this
    # machine's cores and nothing else running, in writer_cpu / cores at best.
    bound = min(decode / writer_cpu, 1.0) if cores == 1 else cores * decode / (
        writer_cpu * anchor_cores)  # fmt: skip
    print(f"one worker kept {writer_cpu / wall:.2f} cores busy ({writer_cpu:.2f} CPU s in "
          f"{wall:.2f} s). Decode is {100 * decode / writer_cpu:.0f}% of the writer's CPU; "
          f"decode-only kept {anchor_cores:.2f} cores busy (FFmpeg's threads), so on this "
          f"machine's {cores} cores, idle, one worker can reach at most {min(bound, 1.0):.2f}x "
          f"decode-only (1 core: {decode / writer_cpu:.2f}x).")  # fmt: skip
    return writer_cpu / n


def _start_up(repeats: int) -> float:
    """Seconds for a fresh interpreter to import a worker's modules (best of ``repeats``)."""
    env = dict(os.environ, PYTHONPATH=str(config.ROOT))
    results = {}
    for label, code in {**WORKER_IMPORTS,
                        "writer worker + TensorFlow (before)":
                            "import tensorflow, helpers.writer.shards"}.items():  # fmt: skip
        runs = []
        for _ in range(repeats + 1):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True,
                           capture_output=True)  # fmt: skip
            runs.append(time.perf_counter() - began)
        results[label] = min(runs)
    print("\n== worker start-up: a fresh Python process importing what a worker imports")
    for label, seconds in results.items():
        print(f"{label:40s} {seconds:6.2f} s")
    print("(helpers.writer forks its workers where it can, which skips even this; a spawned "
          "worker, as in Jupyter, pays it once.)")
    return results["writer worker"]


def _projection(rates: dict, cpu_per_frame: float) -> None:
    one, two = rates["write, 1 worker"], rates["write, 2 workers, marginal"]
    print("\n== projection: an ESTIMATE from the real clips' measured costs (JPEG q90 at source "
          "resolution, these clips' mix of codecs and sizes)")
    print(f"{'data set':14s} {'clips':>8s} {'frames':>12s} {'core-hours':>10s} "
          f"{'h, 1 worker':>11s} {'h, 2 workers':>12s} {'h, 64 cores':>11s}")
    for name, clips, n in PROJECTS:
        core_hours = n * cpu_per_frame / 3600
        print(f"{name:14s} {clips:8,d} {n:12,d} {core_hours:10.1f} {n / one / 3600:11.1f} "
              f"{n / two / 3600:12.1f} {core_hours / 64:11.2f}")  # fmt: skip
    print(f"core-hours: {1000 * cpu_per_frame:.2f} CPU ms per frame (the writer's, from the "
          "breakdown). Hours on 1 and 2 workers: this run's wall-clock frames/s on this machine, "
          "so they grow with its load. 64 cores: the core-hours spread evenly (a Dask or Beam "
          "cluster), with the videos already on local disk. Larger source frames cost more.")


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints the tables and the summary line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few sample clips, one run per setting")
    p.add_argument("--clips", type=int, help="sample clips to write (default 60, quick 8)")
    p.add_argument("--repeats", type=int, help="runs per setting, best kept (default 2, quick 1)")
    args = p.parse_args(argv)
    n = args.clips or (8 if args.quick else 60)
    repeats = args.repeats or (1 if args.quick else 2)
    data = sample.ensure_sample_data()
    clips = sorted(sources.ucf101_items(data.ucf_root, data.ucf_splits, "train"),
                   key=lambda i: i.id)[:n]  # fmt: skip
    load = os.getloadavg()
    print(f"bench_records: JPEG q90 SequenceExample shards, {config.describe()}; "
          f"load average {load[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="bench_records_"))
    try:
        _bench("sample data", clips, tmp, repeats)
        real = _real_items()
        if not real:
            print("\n(real clips skipped: the shared media folder was not found)")
            return 0
        rates = _bench(f"real clips ({len(real) // COPIES} clips x {COPIES})", real, tmp, repeats)
        cpu_per_frame = _breakdown(real[: len(real) // COPIES], tmp, repeats,
                                   rates["anchor cores"])  # fmt: skip
        print("\nwhat time-correct decoding costs the writer's decode, real clips (same run):")
        print_decoders(bench_decoders({"real": real[: len(real) // COPIES]}, max(2, repeats)))
        start = _start_up(repeats)
        _projection(rates, cpu_per_frame)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r1 = rates["write, 1 worker"] / rates["decode"]
    r2 = rates["write, 2 workers, marginal"] / rates["write, 1 worker"]
    print(f"\ngoals: 1 worker >= {GOAL_ONE}x decode-only: {'PASS' if r1 >= GOAL_ONE else 'MISS'}; "
          f"2 workers marginal >= {GOAL_TWO}x 1 worker: {'PASS' if r2 >= GOAL_TWO else 'MISS'}; "
          f"load average now {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"bench_records: real clips, 1 worker {r1:.2f}x decode-only, 2 workers marginal "
          f"{r2:.2f}x 1 worker, worker start {start:.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
