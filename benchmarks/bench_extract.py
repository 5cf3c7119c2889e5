"""Benchmark: helpers.extract (OpenCV, process pool) against the ffmpeg CLI, video -> JPEG files.

Both sides turn the same clips, in the same run, into one JPEG file per frame at the video's own
size. The anchor is what seed tutorials run per video:
``ffmpeg -i video -q:v N -fps_mode passthrough out/%05d.jpg`` (imageio-ffmpeg's binary, process
start included), with 1 or 2 ffmpeg processes at a time. JPEG quality is matched by size: the
ffmpeg ``-q:v`` whose mean bytes per frame is closest to OpenCV's quality 90 is used, and both
sizes are printed. Frames are counted from the files written.

Goals: ours >= 1.0x ffmpeg with 1 worker; ours with 2 workers >= 1.6x ours with 1 worker.

A second table measures what decoding on the container's clock costs (one core, decode only, no
JPEG): ``helpers.frames.FrameReader`` (a timestamp read per frame, a possible second pass on a
variable-rate slow-down) against the decoder it replaced (``index / fps``, reproduced below as
``index_clock_frames``) and against ``ffmpeg -threads 1 -i video [-vf fps=10] -f null -``
(process start included), all in the same run, keeping every frame and resampling to 10 fps.
Runs on the generated sample data and, when present, on ../shared/media's real clips.

    python benchmarks/bench_extract.py [--quick] [--clips N] [--repeat R] [--tmp DIR]
                                       [--decoders-only]

Timings on a shared machine are noisy (file creation cost varies with other processes' disk
activity): each setting runs ``--repeat`` times, alternating which side goes first, and the best
run of each side is kept. Where the files go matters as much as the extractor: on this project's
2-core VM, creating small files on the ext4 disk does not scale to two processes at all (a bare
create+write loop: 0.5x), so the default ``/dev/shm`` (tmpfs, when present) measures the
extractors, and ``--tmp DIR`` on a disk measures the disk as well. The README reports both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import imageio_ffmpeg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import (  # noqa: E402
    config,
    extract,
    frames,
    sample,  # noqa: E402
    sources,
)
from helpers.sources import VideoItem  # noqa: E402

QUALITY = 90
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
REAL_CLIPS = config.REAL_CLIPS


def count_jpegs(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.jpg"))
    return len(files), sum(f.stat().st_size for f in files)


def ffmpeg_one(task: tuple[str, Path, int]) -> None:
    path, out, qv = task
    out.mkdir(parents=True, exist_ok=True)
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-i", path, "-q:v", str(qv),
           "-fps_mode", "passthrough", str(out / "%05d.jpg")]  # fmt: skip
    subprocess.run(cmd, check=True)


def run_ffmpeg(items: list[VideoItem], out: Path, workers: int, qv: int) -> tuple[float, int, int]:
    tasks = [(it.path, out / f"{i:05d}", qv) for i, it in enumerate(items)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(ffmpeg_one, tasks))
    seconds = time.perf_counter() - t0
    return (seconds, *count_jpegs(out))


def run_ours(items: list[VideoItem], out: Path, workers: int) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    report = extract.extract_many(items, out, quality=QUALITY, workers=workers, progress=False)
    seconds = time.perf_counter() - t0
    if report.failed:
        raise RuntimeError(f"extraction failed: {report.failed}")
    return (seconds, *count_jpegs(out))


def match_quality(items: list[VideoItem], tmp: Path) -> tuple[int, float, float]:
    """Returns the ffmpeg -q:v whose JPEG size is closest to OpenCV's quality 90."""
    _, n, size = run_ours(items, tmp / "q_ours", 1)
    best = None
    for qv in (1, 2, 3, 4, 5):
        _, m, s = run_ffmpeg(items, tmp / f"q_ff{qv}", 1, qv)
        diff = abs(s / m - size / n)
        if best is None or diff < best[0]:
            best = (diff, qv, s / m)
    return best[1], size / n, best[2]


def bench(name: str, items: list[VideoItem], tmp: Path, repeat: int) -> list[tuple]:
    qv, ours_b, ff_b = match_quality(items[:3], tmp)
    print(f"\n[{name}] {len(items)} clips; JPEG: OpenCV quality {QUALITY} = {ours_b / 1024:.1f} KiB"
          f"/frame, ffmpeg -q:v {qv} = {ff_b / 1024:.1f} KiB/frame")  # fmt: skip
    rows = []
    for workers in (1, 2):
        best = {}
        for r in range(repeat):
            order = (("ffmpeg", run_ffmpeg), ("ours", run_ours))
            for side, fn in order if r % 2 == 0 else order[::-1]:  # alternate who goes first
                out = tmp / f"{name}_{side}_{workers}_{r}"
                args = (items, out, workers, qv) if side == "ffmpeg" else (items, out, workers)
                seconds, frames, _ = fn(*args)
                shutil.rmtree(out)
                fps = frames / seconds
                best[side] = max(best.get(side, (0, 0)), (fps, frames))
        rows.append((name, workers, best["ffmpeg"], best["ours"]))
    return rows


def index_clock_frames(path: str, fps: float | None) -> int:
    """The decoder before time-correct decoding: frame i shown at ``i / header fps``.

    Kept here only as the benchmark's anchor (it misplaces variable-rate frames): grab every
    frame, convert only the ones the target rate keeps. Returns the output frame count.
    """
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    src = cap.get(cv2.CAP_PROP_FPS) or 25.0
    index = k = out = 0
    while cap.grab():
        repeat = 1
        if fps is not None:
            repeat = 0
            while k / fps < (index + 1) / src - 1e-6:
                repeat, k = repeat + 1, k + 1
        if repeat:
            ok, bgr = cap.retrieve()
            out += repeat if ok else 0
        index += 1
    cap.release()
    return out


def time_correct_frames(path: str, fps: float | None) -> int:
    return sum(1 for _ in frames.FrameReader(path, fps=fps, rgb=False, threads=1))


def ffmpeg_null_frames(path: str, fps: float | None) -> int:
    vf = ["-vf", f"fps={fps}"] if fps else []
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-threads", "1", "-i", path, *vf,
           "-f", "null", "-"]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return -1  # (ffmpeg's count is not reported; the frames/s use ours)


def bench_decoders(sets: dict[str, list[VideoItem]], repeat: int) -> list[tuple]:
    """Decode-only frames/s of the three decoders, best of ``repeat``, same clips, same run."""
    sides = (("index/fps", index_clock_frames), ("time-correct", time_correct_frames),
             ("ffmpeg CLI", ffmpeg_null_frames))  # fmt: skip
    rows = []
    for name, items in sets.items():
        paths = [it.path for it in items]
        for fps in (None, 10.0):
            best: dict[str, float] = {}
            count = 0
            for r in range(repeat):
                for side, fn in sides if r % 2 == 0 else sides[::-1]:
                    began = time.perf_counter()
                    n = sum(fn(path, fps) for path in paths)
                    seconds = time.perf_counter() - began
                    best[side] = min(best.get(side, float("inf")), seconds)
                    count = n if side == "time-correct" else count
            rows.append((name, fps, count, {side: count / t for side, t in best.items()}))
    return rows


def print_decoders(rows: list[tuple]) -> None:
    print(f"\n{'set':7s} {'fps':>5s} {'frames':>7s} {'index/fps':>10s} {'time-correct':>13s} "
          f"{'ffmpeg CLI':>11s} {'tc/index':>9s} {'tc/ffmpeg':>10s}   (output frames/s, 1 core)")
    for name, fps, count, speed in rows:
        tc, old, ff = speed["time-correct"], speed["index/fps"], speed["ffmpeg CLI"]
        print(f"{name:7s} {fps or 'all'!s:>5s} {count:7d} {old:10.0f} {tc:13.0f} {ff:11.0f} "
              f"{tc / old:8.2f}x {tc / ff:9.2f}x")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer clips, one repeat")
    p.add_argument("--clips", type=int, default=None, help="sample clips to use")
    p.add_argument("--repeat", type=int, default=None, help="runs per setting (best is kept)")
    p.add_argument("--decoders-only", action="store_true",
                   help="only the decode-cost table (time-correct vs index/fps vs ffmpeg)")
    p.add_argument("--tmp", default=None,
                   help="where outputs are written (default: /dev/shm when present, so the "
                        "extractors are measured, not the disk; pass a disk folder to include it)")
    args = p.parse_args(argv)
    n_clips = args.clips or (40 if args.quick else 160)
    repeat = args.repeat or (1 if args.quick else 3)
    data = sample.ensure_sample_data()
    items = sources.ucf101_items(data.ucf_root, data.ucf_splits, "train")
    sets = {"sample": items[:: max(1, len(items) // n_clips)][:n_clips]}
    media = config.shared_media()
    if media is not None:
        real = [VideoItem(Path(c).stem, str(media / c), None) for c in REAL_CLIPS]
        sets["real"] = [it for it in real if Path(it.path).exists()]
    print_decoders(bench_decoders(sets, repeat))
    if args.decoders_only:
        return 0
    rows = []
    shm = Path("/dev/shm")
    where = args.tmp or (str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None)
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        print(f"writing under {tmp}")
        for name, its in sets.items():
            rows += bench(name, its, Path(tmp), repeat)
    print(f"\n{'set':7s} {'workers':>7s} {'frames':>7s} {'ffmpeg fps':>11s} {'ours fps':>9s} "
          f"{'ours/ffmpeg':>11s}")  # fmt: skip
    for name, workers, (ff, n_ff), (ours, n_ours) in rows:
        print(f"{name:7s} {workers:7d} {n_ours:7d} {ff:11.0f} {ours:9.0f} {ours / ff:10.2f}x"
              + ("" if n_ff == n_ours else f"  (ffmpeg wrote {n_ff} frames)"))  # fmt: skip
    ok = True
    print()
    for name in sets:
        one = next(r for r in rows if r[0] == name and r[1] == 1)
        two = next(r for r in rows if r[0] == name and r[1] == 2)
        vs = one[3][0] / one[2][0]
        scale = two[3][0] / one[3][0]
        ff_scale = two[2][0] / one[2][0]
        for what, value, goal in (("ours/ffmpeg, 1 worker", vs, 1.0),
                                  ("ours 2 workers / 1 worker", scale, 1.6)):  # fmt: skip
            status = "PASS" if value >= goal else "MISS"
            ok &= value >= goal
            print(f"[{name}] {what}: {value:.2f}x (goal >= {goal}x) {status}")
        print(f"[{name}] (ffmpeg 2 processes / 1 process: {ff_scale:.2f}x, for reference)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
