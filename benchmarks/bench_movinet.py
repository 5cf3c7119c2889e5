"""Benchmark: MoViNet-A0 streaming and base inference, and the animated top-k renderer.

Measured in one run, on the offline Model Garden stand-in (same architecture and FLOPs as the
TF Hub A0 in the streaming configuration: causal, 2plus1d, hard swish; random weights):

* A0 stream, 172x172, batch 1: ms per frame under ``tf.function`` (the first call, which traces
  the graph, is reported separately). Anchor: the same model stepped eagerly. Goal: <= 25 ms.
* A0 base: ms per 50-frame 172x172 clip (first trace separately), next to streaming those frames.
* Animation: output frames per second of ``movinet.render_top_k_video`` (one reused figure,
  blitted) against the seed tutorial's method, a fresh 6.5x7 in, 300-dpi pyplot figure per frame
  resized with PIL to the same output size. Goal: >= 10x. A fresh figure per frame at our own
  size is printed as well, to show what reuse alone buys.

    python benchmarks/bench_movinet.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

from helpers import movinet  # noqa: E402

WIDTH, HEIGHT = 480, 540  # output size of every renderer compared


def seed_style_frame(top: movinet.StreamingTopK, step: int, frame: np.ndarray) -> np.ndarray:
    """One frame the seed's way: a new 300-dpi figure, everything redrawn, then resized."""
    fig = plt.figure(figsize=(6.5, 7), dpi=300)
    grid = fig.add_gridspec(8, 1)
    ax_image, ax = fig.add_subplot(grid[:-3, 0]), fig.add_subplot(grid[-3:, 0])
    ax_image.imshow(frame, interpolation="nearest")
    ax_image.axis("off")
    x = np.arange(top.probs.shape[1]) / 8.0
    for label, curve in zip(top.labels, top.probs, strict=True):
        ax.plot(x, curve, linewidth=1.5, linestyle=":", color="gray")
        ax.plot(x[: step + 1], curve[: step + 1], label=label, linewidth=2.0)
    ax.vlines(x[step], top.probs.min() * 0.8, top.probs.max(), colors="red")
    ax.scatter(x[step], top.probs.max(), color="red")
    ax.legend(loc="lower left")
    ax.set_yscale("log")
    fig.tight_layout()
    fig.canvas.draw()
    data = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return np.asarray(Image.fromarray(data).resize((WIDTH, HEIGHT)))


def fresh_figure_frame(top: movinet.StreamingTopK, step: int, frame: np.ndarray) -> np.ndarray:
    """One frame with our renderer, but a new figure each time (no reuse, no blitting)."""
    animator = movinet.TopKAnimator(top, frame, width=WIDTH, height=HEIGHT, blit=False)
    out = animator.render(step, frame)
    animator.fig.clear()
    return out


def time_stream(stream: movinet.MovinetModel, video: tf.Tensor, steps: int) -> tuple[float, list]:
    states = stream.init_states(video[tf.newaxis].shape)
    t0 = time.perf_counter()
    logits, states = stream({**states, "image": video[tf.newaxis, :1]})
    logits.numpy()
    first = time.perf_counter() - t0
    times = []
    for n in range(1, steps + 1):
        t0 = time.perf_counter()
        logits, states = stream({**states, "image": video[tf.newaxis, n : n + 1]})
        logits.numpy()
        times.append(time.perf_counter() - t0)
    return first, times


def time_eager(stream: movinet.MovinetModel, video: tf.Tensor, steps: int) -> list:
    model = stream.keras_model
    states = model.init_states(tf.constant([1, 1, *video.shape[1:]]))
    times = []
    for n in range(steps):
        t0 = time.perf_counter()
        logits, states = model({**states, "image": video[tf.newaxis, n : n + 1]})
        logits.numpy()
        times.append(time.perf_counter() - t0)
    return times[1:] if len(times) > 1 else times


def row(name: str, value: str, anchor: str, ratio: str, goal: str, verdict: str) -> None:
    print(f"| {name} | {value} | {anchor} | {ratio} | {goal} | {verdict} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer frames and repeats")
    args = p.parse_args(argv)
    stream_steps = 20 if args.quick else 100
    base_runs = 2 if args.quick else 3
    eager_steps = 3 if args.quick else 5
    anim_frames = 20 if args.quick else 50
    seed_frames = 5 if args.quick else 12
    print(f"CPU cores: {os.cpu_count()}, TF {tf.__version__}, quick={args.quick}")

    size = movinet.resolution_for("a0")
    video = tf.random.stateless_uniform([max(stream_steps + 1, 50), size, size, 3], seed=(0, 1))

    t0 = time.perf_counter()
    stream = movinet.load_movinet("a0", "stream", source="offline")
    build_stream = time.perf_counter() - t0
    first, times = time_stream(stream, video, stream_steps)
    ms_frame = 1000 * statistics.median(times)
    eager = time_eager(stream, video, eager_steps)
    ms_eager = 1000 * statistics.median(eager)
    print(f"A0 stream: build {build_stream:.1f} s, first call (trace) {first:.1f} s, "
          f"{stream_steps} frames: median {ms_frame:.1f} ms, mean "
          f"{1000 * statistics.mean(times):.1f} ms; eager median {ms_eager:.0f} ms")  # fmt: skip

    t0 = time.perf_counter()
    base = movinet.load_movinet("a0", "base", source="offline")
    build_base = time.perf_counter() - t0
    clip = video[tf.newaxis, :50]
    t0 = time.perf_counter()
    base(clip).numpy()
    base_first = time.perf_counter() - t0
    runs = []
    for _ in range(base_runs):
        t0 = time.perf_counter()
        base(clip).numpy()
        runs.append(time.perf_counter() - t0)
    ms_clip = 1000 * statistics.median(runs)
    print(f"A0 base: build {build_base:.1f} s, first call (trace) {base_first:.1f} s, "
          f"50-frame clip: median {ms_clip:.0f} ms over {base_runs} runs")  # fmt: skip

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(anim_frames, 600)).cumsum(0)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    frames = (video.numpy()[:anim_frames] * 255).astype(np.uint8)
    labels = [f"class {i}" for i in range(600)]
    top = movinet.streaming_top_k(probs, labels, k=5)
    t0 = time.perf_counter()
    movie = movinet.render_top_k_video(
        frames, probs, labels, width=WIDTH, height=HEIGHT, progress=False
    )
    ours_fps = anim_frames / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(seed_frames):
        seed_out = seed_style_frame(top, i, frames[i])
    seed_fps = seed_frames / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for i in range(seed_frames):
        fresh_out = fresh_figure_frame(top, i, frames[i])
    fresh_fps = seed_frames / (time.perf_counter() - t0)
    assert movie.shape[1:] == seed_out.shape == fresh_out.shape, (movie.shape, seed_out.shape)
    print(f"Animation {WIDTH}x{HEIGHT}: ours {ours_fps:.1f} frames/s ({anim_frames} frames), "
          f"seed method {seed_fps:.2f} frames/s, fresh figure at our size {fresh_fps:.1f} "
          f"frames/s ({seed_frames} frames each)")  # fmt: skip

    print("\n| benchmark | measured | anchor | ratio | goal | result |")
    print("|---|---|---|---|---|---|")
    row("A0 stream step, tf.function (172x172)", f"{ms_frame:.1f} ms/frame",
        f"eager: {ms_eager:.0f} ms/frame", f"{ms_eager / ms_frame:.0f}x faster",
        "<= 25 ms/frame", "PASS" if ms_frame <= 25 else "MISS")  # fmt: skip
    row("A0 stream first call (trace)", f"{first:.1f} s", "-", "-", "reported", "-")
    row("A0 base, 50-frame clip", f"{ms_clip:.0f} ms/clip",
        f"streamed 50 frames: {50 * ms_frame:.0f} ms", f"{50 * ms_frame / ms_clip:.1f}x",
        "reported", "-")  # fmt: skip
    row("Top-k animation render", f"{ours_fps:.1f} frames/s",
        f"seed (new 300-dpi figure/frame): {seed_fps:.2f} frames/s",
        f"{ours_fps / seed_fps:.0f}x", ">= 10x",
        "PASS" if ours_fps >= 10 * seed_fps else "MISS")  # fmt: skip
    row("Top-k animation render", f"{ours_fps:.1f} frames/s",
        f"new figure/frame at our size: {fresh_fps:.1f} frames/s",
        f"{ours_fps / fresh_fps:.1f}x", "reported", "-")  # fmt: skip
    print("\nNumbers are noisy when other jobs share the CPU; ratios come from the same run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
