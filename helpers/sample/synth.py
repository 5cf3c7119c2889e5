"""Procedurally drawn motion clips: the actions of the embedded sample dataset.

Every class moves the same kind of asymmetric, textured shape over a smooth random background,
so a single frame cannot tell the classes apart; only the motion over time can:

* ``SpinClockwise`` / ``SpinCounterClockwise``: the shape turns in place.
* ``Expand`` / ``Shrink``: the shape grows or shrinks.
* ``Orbit``: the shape travels around a circle (either direction).
* ``Blink``: the shape flashes on and off.

Rotating a whole clip keeps its label (a clockwise spin stays clockwise), so rotation
augmentation is label-preserving. :func:`render` draws the frames; :func:`write_video` encodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

__all__ = ["CLASSES", "Look", "Motion", "random_look", "random_motion", "render", "write_video"]

CLASSES: tuple[str, ...] = (
    "Blink",
    "Expand",
    "Orbit",
    "Shrink",
    "SpinClockwise",
    "SpinCounterClockwise",
)
"""Sorted, so classInd.txt order equals the sorted-train-labels order."""


@dataclass(frozen=True)
class Look:
    """How a clip looks (shared by the clips of one UCF-style group): colours and textures."""

    seed: int
    height: int
    width: int
    noise: float  # std of per-frame pixel noise
    shape_size: float  # shape diameter as a fraction of the short side


@dataclass(frozen=True)
class Motion:
    """How the shape moves in one clip; ``label`` is one of :data:`CLASSES`."""

    label: str
    speed: float  # deg/s for spins and orbits (150-300); Hz for Blink; growth for Expand/Shrink
    phase: float  # starting angle in degrees
    direction: int  # +1/-1 for Orbit
    center: tuple[float, float]  # shape centre as fractions of (width, height)


def random_look(rng: np.random.Generator, height: int, width: int) -> Look:
    """Draws a random appearance for a clip or a group of clips."""
    return Look(
        int(rng.integers(2**31)),
        height,
        width,
        float(rng.uniform(0.5, 2.5)),
        rng.uniform(0.5, 0.65),
    )


def random_motion(rng: np.random.Generator, label: str) -> Motion:
    """Draws random speed, phase and position for one clip of class ``label``."""
    if label not in CLASSES:
        raise ValueError(f"unknown class {label!r}; expected one of {CLASSES}")
    grow = rng.uniform(0.8, 1.0)
    speed = {"Blink": rng.uniform(1.2, 2.5), "Expand": grow, "Shrink": grow}.get(
        label, rng.uniform(150, 300)
    )
    center = (float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.42, 0.58)))
    return Motion(label, float(speed), float(rng.uniform(0, 360)), int(rng.choice([-1, 1])), center)


def _background(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth, low-contrast random background and its base colour."""
    base = rng.uniform(60, 190, 3).astype(np.float32)
    grid = base + rng.uniform(-35, 35, (3, 4, 3)).astype(np.float32)
    bg = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    k = rng.uniform(0.05, 0.3)
    stripes = 8 * np.sin(k * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1)))
    return np.clip(bg + stripes[..., None], 0, 255), base


def _sprite(rng: np.random.Generator, side: int, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An asymmetric textured polygon (RGB float) and its alpha mask, centred in a square."""
    n = int(rng.integers(5, 8))
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(-0.25, 0.25, n) * 6 / n
    radii = rng.uniform(0.28, 0.42, n) * side
    radii[0] = 0.5 * side  # one long "arm" makes the orientation visible
    pts = np.stack([side / 2 + radii * np.cos(angles), side / 2 + radii * np.sin(angles)], 1)
    alpha = np.zeros((side, side), np.float32)
    cv2.fillPoly(alpha, [np.round(pts * 4).astype(np.int32)], 1.0, cv2.LINE_AA, shift=2)
    # Colours far from the background's base colour, so the shape stands out at 64 px.
    c1 = np.where(base > 128, rng.uniform(0, 50, 3), rng.uniform(205, 255, 3))
    c2 = c1 * rng.uniform(0.35, 0.6)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    t = rng.uniform(0, np.pi)
    stripes = (np.sin((xx * np.cos(t) + yy * np.sin(t)) * rng.uniform(0.3, 0.6)) > 0)[..., None]
    rgb = np.where(stripes, c1, c2).astype(np.float32)
    tip = pts[0] * 0.8 + side / 2 * 0.2  # a bright dot near the long arm's tip
    cv2.circle(rgb, (int(tip[0]), int(tip[1])), max(2, side // 7), (255, 255, 255), -1)
    return rgb, alpha


def render(look: Look, segments: Sequence[tuple[Motion, int]], fps: float) -> Iterator[np.ndarray]:
    """Draws frames as RGB uint8 ``[H, W, 3]`` arrays.

    Args:
        look: The appearance (same seed, same background and shape).
        segments: ``(motion, number of frames)`` pairs played one after another; the Kinetics
            sample uses this to put distractor motion around the labelled segment.
        fps: Frame rate, which sets the speed in pixels or degrees per frame.

    Yields:
        One frame at a time.
    """
    rng = np.random.default_rng(look.seed)
    h, w = look.height, look.width
    short = min(h, w)
    side = max(8, int(look.shape_size * short))
    bg, base = _background(rng, h, w)
    rgb, alpha = _sprite(rng, side, base)
    gain = rng.uniform(0.8, 1.15)
    bg, rgb = bg * gain, rgb * gain
    diff = np.empty_like(bg)
    # A small bank of noise frames, cycled: per-frame noise without per-frame random draws.
    noise = np.random.default_rng(look.seed + 1).normal(0, look.noise, (7, h, w, 1))
    noise = noise.astype(np.float32) + bg
    frame_no = 0
    for motion, count in segments:
        for i in range(count):
            t, u = i / fps, i / max(count - 1, 1)  # seconds into the segment, 0..1 progress
            cx, cy = motion.center[0] * w, motion.center[1] * h
            angle, scale, visible = motion.phase, 1.0, 1.0
            if motion.label == "SpinClockwise":
                angle -= motion.speed * t  # OpenCV angles are counter-clockwise on screen
            elif motion.label == "SpinCounterClockwise":
                angle += motion.speed * t
            elif motion.label in ("Expand", "Shrink"):
                grow = u if motion.label == "Expand" else 1 - u
                scale = 0.3 + 0.85 * motion.speed * grow
            elif motion.label == "Orbit":
                a = math.radians(motion.phase + motion.direction * motion.speed * t)
                cx, cy = w / 2 + 0.25 * short * math.cos(a), h / 2 + 0.25 * short * math.sin(a)
                scale = 0.6
            elif motion.label == "Blink":
                visible = float((t * motion.speed) % 1.0 < 0.5)
            m = cv2.getRotationMatrix2D((side / 2, side / 2), angle, scale)
            m[:, 2] += (cx - side / 2, cy - side / 2)
            a = cv2.warpAffine(alpha, m, (w, h))[..., None]
            spr = cv2.warpAffine(rgb, m, (w, h))
            np.subtract(spr, bg, out=diff)
            diff *= a * visible
            diff += noise[frame_no % len(noise)]
            frame_no += 1
            yield np.clip(diff, 0, 255).astype(np.uint8)


def write_video(path: str | Path, frames: Iterator[np.ndarray], fps: float, fourcc: str) -> Path:
    """Encodes RGB frames into ``path`` (.avi or .mp4).

    OpenCV's writer rounds odd sizes down to even, so odd sizes (e.g. 321x241) go through
    imageio-ffmpeg's bundled ffmpeg with the MPEG-4 Part 2 codec and the same fourcc tag.

    Args:
        path: Output file (its folder is created).
        frames: RGB uint8 frames, all the same size.
        fps: Frame rate written into the header.
        fourcc: ``"XVID"``, ``"MJPG"`` or ``"mp4v"``.

    Returns:
        The path.

    Raises:
        OSError: The encoder could not be opened.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    it = iter(frames)
    first = next(it)
    h, w = first.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
        if not writer.isOpened():
            raise OSError(f"{path}: OpenCV cannot open a {fourcc} writer")
        for frame in (first, *it):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        writer.release()
        return path
    import imageio_ffmpeg

    mjpg = fourcc == "MJPG"
    gen = imageio_ffmpeg.write_frames(
        str(path), (w, h), fps=fps, codec="mjpeg" if mjpg else "mpeg4", quality=None,
        macro_block_size=1, pix_fmt_out="yuvj444p" if mjpg else "yuv420p",
        output_params=["-q:v", "4", "-vtag", fourcc], ffmpeg_log_level="error",
    )  # fmt: skip
    gen.send(None)
    for frame in (first, *it):
        gen.send(np.ascontiguousarray(frame).tobytes())
    gen.close()
    return path
