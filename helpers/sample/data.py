"""The embedded sample dataset: real encoded videos in UCF101 and Kinetics layouts, made on demand.

::

    data = ensure_sample_data()          # data/sample (data/sample_ci in CI fast mode)
    data.ucf_root / "SpinClockwise" / "v_SpinClockwise_g01_c01.avi"
    data.kinetics_csv                    # label,youtube_id,time_start,time_end,split

The UCF101-shaped part follows the official layout: ``UCF101/<Class>/v_<Class>_gGG_cCC.avi`` and
``ucfTrainTestlist/{classInd,trainlist01,testlist01}.txt`` (CRLF, 1-based indices, test lines
without a label), split by group (groups 1-7 test, like fold 1). Clips of one group share their
look, frame rate and size. The Kinetics-shaped part has untrimmed ``{youtube_id}.mp4`` videos
whose labelled segment is surrounded by a distractor motion, so trimming matters.
Generation is deterministic, parallel, atomic (tmp folder + rename) and safe to call from two
processes at once. Also here: :func:`write_index_video` / :func:`read_frame_index`, videos
whose frames show their own index, for exact-frame tests.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import config
from helpers.sample.synth import CLASSES, random_look, random_motion, render, write_video
from helpers.utils import locks
from helpers.utils.parallel import run_parallel

__all__ = [
    "KINETICS_LABELS",
    "SampleData",
    "ensure_sample_data",
    "read_frame_index",
    "write_index_video",
]

KINETICS_LABELS: dict[str, str] = {
    "SpinClockwise": "spinning clockwise",
    "SpinCounterClockwise": "spinning counterclockwise",
    "Expand": "expanding",
    "Shrink": "shrinking",
    "Orbit": "orbiting",
    "Blink": "blinking",
}
"""UCF-style class name -> the Kinetics-style (lower-case, spaces) label used in the CSV."""

_DISTRACTOR = {
    "SpinClockwise": "SpinCounterClockwise",
    "SpinCounterClockwise": "SpinClockwise",
    "Expand": "Shrink",
    "Shrink": "Expand",
    "Orbit": "Blink",
    "Blink": "Orbit",
}
_SIZES = [(128, 96), (112, 112), (120, 90), (121, 91), (160, 120), (144, 108), (96, 96)]
_FPS = (25.0, 30.0, 29.97)
_DONE = ".done.json"
_VERSION = 5  # bump when the generated content changes; old sets are rebuilt
_SEED = 20261122
_YT_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass
class SampleData:
    """Where the generated sample dataset lives."""

    root: Path
    ucf_root: Path
    ucf_splits: Path
    kinetics_csv: Path
    kinetics_videos: Path
    kinetics_path_format: str = "{youtube_id}.mp4"


def _layout(root: Path) -> SampleData:
    return SampleData(
        root,
        root / "UCF101",
        root / "ucfTrainTestlist",
        root / "kinetics" / "kinetics_sample.csv",
        root / "kinetics" / "videos",
    )


def _plan(root: Path, fast: bool) -> tuple[list[tuple], list[str], list[str], list[str]]:
    """Decides every clip (deterministically): tasks plus the split-file and CSV lines."""
    rng = np.random.default_rng(_SEED + fast)
    groups, test_groups, odd_group = (3, 1, 2) if fast else (25, 7, 12)
    tasks, train, test = [], [], []
    # A group's look, size and fps are shared by every class: appearance says nothing about the
    # label, so a model has to learn the motion (and cannot memorise backgrounds).
    specs = {}
    for g in range(1, groups + 1):
        w, h = (321, 241) if g == odd_group else _SIZES[int(rng.integers(len(_SIZES)))]
        specs[g] = (_FPS[g % 3], random_look(rng, h, w))
    for ci, cls in enumerate(CLASSES):
        for g in range(1, groups + 1):
            fps, look = specs[g]
            for c in range(1, (2 if fast else int(rng.integers(3, 5))) + 1):
                name = f"{cls}/v_{cls}_g{g:02d}_c{c:02d}.avi"
                n = int(fps * rng.uniform(2.0, 2.8))
                fourcc = "MJPG" if g == 8 else "XVID"
                tasks.append((str(root / "UCF101" / name), look, [(random_motion(rng, cls), n)],
                              fps, fourcc))  # fmt: skip
                (test if g <= test_groups else train).append(
                    name if g <= test_groups else f"{name} {ci + 1}"
                )
    rows = ["label,youtube_id,time_start,time_end,split"]
    for cls in CLASSES:
        for k in range(2 if fast else 8):
            yt = "".join(rng.choice(list(_YT_CHARS), 11))
            fps = _FPS[int(rng.integers(3))]
            w, h = _SIZES[int(rng.integers(len(_SIZES)))]
            start, length, tail = int(rng.integers(1, 3)), int(rng.integers(2, 4)), 1 + k % 2
            other = _DISTRACTOR[cls]
            segs = [
                (random_motion(rng, other), round(start * fps)),
                (random_motion(rng, cls), round((start + length) * fps) - round(start * fps)),
                (random_motion(rng, other), round((start + length + tail) * fps)
                 - round((start + length) * fps)),
            ]  # fmt: skip
            path = root / "kinetics" / "videos" / f"{yt}.mp4"
            tasks.append((str(path), random_look(rng, h, w), segs, fps, "mp4v"))
            split = "val" if k % 4 == 3 or (fast and k == 1) else "train"
            rows.append(f"{KINETICS_LABELS[cls]},{yt},{start},{start + length},{split}")
    return tasks, train, test, rows


def _make_clip(task: tuple) -> str:
    path, look, segments, fps, fourcc = task
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_video(path, render(look, segments, fps), fps, fourcc)
    return path


def _write_lines(path: Path, lines: list[str], crlf: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n" if crlf else "\n").join(lines).encode() + b"\r\n")


def _build(tmp: Path, fast: bool, workers: int) -> dict:
    tasks, train, test, rows = _plan(tmp, fast)
    for task, result in run_parallel(_make_clip, tasks, workers=workers, desc="sample videos"):
        if isinstance(result, Exception):
            raise RuntimeError(f"sample data: failed to write {task[0]}: {result}") from result
    splits = tmp / "ucfTrainTestlist"
    _write_lines(splits / "classInd.txt", [f"{i + 1} {c}" for i, c in enumerate(CLASSES)])
    _write_lines(splits / "trainlist01.txt", train)
    _write_lines(splits / "testlist01.txt", test)
    _write_lines(tmp / "kinetics" / "kinetics_sample.csv", rows, crlf=False)
    return {"fast": fast, "ucf_train": len(train), "ucf_test": len(test), "kinetics": len(rows) - 1}


def _is_current(root: Path) -> bool:
    try:
        return json.loads((root / _DONE).read_text()).get("version") == _VERSION
    except (OSError, ValueError):
        return False


def ensure_sample_data(
    root: str | Path | None = None, *, fast: bool = config.FAST, workers: int | None = None
) -> SampleData:
    """Generates the sample dataset once; later calls return at once.

    Args:
        root: Target folder; default ``config.DATA_DIR / "sample"`` (``"sample_ci"`` when fast).
        fast: Make the small CI set (6 classes x 3 groups x 2 clips) instead of the full one
            (6 classes x 25 groups x 3-4 clips, about 540 UCF clips and 48 Kinetics videos).
        workers: Processes to use; default 1 in fast mode, else up to 4.

    Returns:
        The :class:`SampleData` paths.
    """
    root = Path(root) if root else config.DATA_DIR / ("sample_ci" if fast else "sample")
    data = _layout(root.resolve())
    if _is_current(root):
        return data
    if getattr(mp.current_process(), "_inheriting", False):
        raise RuntimeError(
            "ensure_sample_data() ran while a worker process was starting: a script that makes "
            "the sample data must call it under `if __name__ == '__main__':`"
        )  # Otherwise the worker would wait forever for the lock its parent holds.
    with locks.exclusive(root.parent / f".{root.name}.lock"):  # a second process waits here
        if _is_current(root):  # ...then finds the marker
            return data
        if root.exists():  # Made by an older generator version (or without a marker).
            shutil.rmtree(root)
        for stale in root.parent.glob(f".{root.name}.tmp-*"):  # from killed runs (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.tmp-", dir=root.parent))
        try:
            workers = workers or (1 if fast else min(4, os.cpu_count() or 1))
            os.chmod(tmp, 0o755)
            summary = {"version": _VERSION, **_build(tmp, fast, workers)}
            (tmp / _DONE).write_text(json.dumps(summary))  # written last
            os.replace(tmp, root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return data


_BITS = 16


def write_index_video(
    path: str | Path,
    num_frames: int,
    fps: float,
    size: tuple[int, int] = (64, 64),
    fourcc: str = "MJPG",
) -> Path:
    """Writes a video whose frame ``i`` shows the number ``i`` as a 4x4 grid of black/white blocks.

    The blocks are large, so the index survives lossy codecs and resizing.

    Args:
        path: Output file (.avi for MJPG/XVID, .mp4 for mp4v).
        num_frames: Frames to write (at most 65536).
        fps: Frame rate in the header, e.g. 29.97.
        size: ``(height, width)``.
        fourcc: Codec tag.

    Returns:
        The path.
    """
    h, w = size
    ys, xs = np.linspace(0, h, 5).astype(int), np.linspace(0, w, 5).astype(int)

    def frames():
        for i in range(num_frames):
            f = np.zeros((h, w, 3), np.uint8)
            for b in range(_BITS):
                if (i >> b) & 1:
                    f[ys[b // 4] : ys[b // 4 + 1], xs[b % 4] : xs[b % 4 + 1]] = 255
            yield f

    return write_video(path, frames(), fps, fourcc)


def read_frame_index(frame: np.ndarray) -> int:
    """Reads back the index drawn by :func:`write_index_video` (any size, RGB or BGR)."""
    gray = frame.mean(axis=2) if frame.ndim == 3 else frame
    h, w = gray.shape
    value = 0
    for b in range(_BITS):
        r, c = b // 4, b % 4
        y0, y1 = int((r + 0.25) * h / 4), int((r + 0.75) * h / 4)
        x0, x1 = int((c + 0.25) * w / 4), int((c + 0.75) * w / 4)
        if gray[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)].mean() > 127:
            value |= 1 << b
    return value
