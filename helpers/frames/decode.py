"""Frames: decode a video file with OpenCV into RGB frames, resample fps, trim, resize, save JPEGs.

A video file is a sequence of compressed pictures ("frames") shown at a fixed rate (fps).
:func:`decode` opens the file, jumps (seeks) to the start time, reads frames until the end
time, keeps the ones that fall on the target frame rate and returns them as one array::

    clip = decode("v_SpinClockwise_g01_c01.avi", fps=10, size=96)
    clip.frames.shape      # (T, H, W, 3) uint8, RGB
    clip.timestamps        # when each kept frame is shown, in seconds from the file start
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from helpers.frames.resize import Size, _resize_one, check_size

__all__ = [
    "Clip",
    "FrameReader",
    "VideoDecodeError",
    "VideoInfo",
    "decode",
    "probe",
    "single_threaded",
]

# OpenCV's own "backend can't be used to capture by name" warnings add nothing to our errors.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def single_threaded() -> None:
    """Makes OpenCV's own operations (resize, colour) use one thread in this process.

    For pool workers (processes, not threads); decoding threads are ``FrameReader(threads=1)``.
    """
    cv2.setNumThreads(1)


_EPS = 1e-6


class VideoDecodeError(RuntimeError):
    """A video cannot be decoded; ``str()`` is ``"<path>: <reason>"``."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # Keep the two-argument form picklable across processes.
        return (type(self), (self.path, self.reason))


@dataclass
class VideoInfo:
    """What the container says about a video (the header; decoding may find fewer frames)."""

    path: str
    fps: float
    frame_count: int
    width: int
    height: int
    duration: float


@dataclass
class Clip:
    """Decoded frames plus where they came from.

    Attributes:
        frames: uint8 ``[T, H, W, 3]`` RGB (BGR from ``decode(..., rgb=False)``).
        timestamps: float64 ``[T]`` seconds from the start of the file (not of the trim).
        fps: Output frame rate (the target fps, or the source fps if none was asked).
        source_fps: The file's frame rate.
        num_decoded: Frames actually read from the file (can be below the header count).
        header_frame_count: The frame count the container claims.
        path: The video file.
    """

    frames: np.ndarray
    timestamps: np.ndarray
    fps: float
    source_fps: float
    num_decoded: int
    header_frame_count: int
    path: str


def _open(
    path: str | os.PathLike, threads: int | None = None
) -> tuple[cv2.VideoCapture, float, int]:
    """Opens a file with clear errors; returns (capture, fps, header frame count)."""
    p = Path(path)
    if not p.exists():
        raise VideoDecodeError(p, "file not found")
    if p.is_dir():
        raise VideoDecodeError(p, "is a folder, not a video file")
    if p.stat().st_size == 0:
        raise VideoDecodeError(p, "empty file (0 bytes)")
    params = [] if threads is None else [cv2.CAP_PROP_N_THREADS, threads]
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise VideoDecodeError(p, "cannot open: not a video, unsupported codec, or truncated")
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not (0 < fps < 1000):  # Some broken headers report 0 or 90000 (a timescale).
        fps = 25.0
    return cap, float(fps), max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Reads a video's header: fps, frame count and size. Decodes nothing.

    Args:
        path: The video file.

    Returns:
        A :class:`VideoInfo`.

    Raises:
        VideoDecodeError: Missing, empty or unreadable file.
    """
    cap, fps, count = _open(path)
    try:
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    return VideoInfo(str(path), fps, count, w, h, count / fps)


class FrameReader:
    """Decodes a video one frame at a time: ``for frame, t in FrameReader(path, fps=10)``.

    Frame ``i`` of the file is shown at ``i / source_fps`` seconds (the header's frame rate: a
    variable-rate stream's own timestamps are not used). With ``fps`` the output samples the
    times ``start, start + 1/fps, ...`` and keeps, for each, the frame on screen at that moment:
    30 -> 10 fps keeps every 3rd frame, 29.97 -> 25 drops about one in six. A trimmed read
    starts with the first frame that begins at or after ``start``, which also serves a sample
    time that falls before it.
    Memory stays flat however long the video is; :func:`decode` (``FrameReader(...).read()``)
    keeps every frame. ``num_decoded`` counts the frames read from the file so far and
    ``num_frames`` the frames yielded; the other attributes are known on opening.

    Args:
        path: The video file.
        fps: Target frame rate; None keeps every frame.
        start: Seconds; the decoder seeks here instead of reading from the beginning.
        end: Seconds (exclusive); reading stops here.
        size: See :func:`resize_frames`.
        resize_mode: See :func:`resize_frames`.
        max_frames: Stop after this many output frames.
        rgb: False keeps OpenCV's BGR order (saves two colour swaps when the frames only go
            back to OpenCV, e.g. to ``cv2.imencode``).
        threads: FFmpeg decoding threads; None is FFmpeg's default (all cores), 1 keeps the
            decode on one core (what a pool worker wants).

    Raises:
        VideoDecodeError: Missing, empty or unreadable file (on construction).
        ValueError: Bad arguments.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        fps: float | None = None,
        start: float | None = None,
        end: float | None = None,
        size: Size = None,
        resize_mode: str = "short_side",
        max_frames: int | None = None,
        rgb: bool = True,
        threads: int | None = None,
    ) -> None:
        check_size(size, resize_mode)  # on opening, not at the first frame
        if fps is not None and fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.path, self.start, self.end, self.max_frames = str(path), start, end, max_frames
        self._opts = (size, resize_mode, rgb)
        self._cap, self.source_fps, self.header_frame_count = _open(path, threads)
        self.fps = float(fps) if fps is not None else self.source_fps
        self._target_fps = fps
        self.num_decoded = self.num_frames = 0

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        """Yields ``(frame, timestamp in seconds)``; the capture is closed at the end."""
        cap, src_fps, fps, end = self._cap, self.source_fps, self._target_fps, self.end
        size, resize_mode, rgb = self._opts
        t0 = max(self.start or 0.0, 0.0)
        first = math.ceil(t0 * src_fps - _EPS)
        try:
            if first > 0:
                cap.set(cv2.CAP_PROP_POS_FRAMES, first)
                pos = int(cap.get(cv2.CAP_PROP_POS_FRAMES))
                first = pos if pos >= 0 else first
            index, k = first, 0
            while self.max_frames is None or self.num_frames < self.max_frames:
                t = index / src_fps
                if (end is not None and t >= end - _EPS) or not cap.grab():
                    break
                self.num_decoded += 1
                # How many output sample times fall while this frame is on screen?
                t_next = (index + 1) / src_fps
                repeat = int(fps is None and t >= t0 - _EPS)  # (an inexact seek may land early)
                if fps is not None:
                    stop = t_next if end is None else min(t_next, end)
                    while t0 + k / fps < stop - _EPS:
                        repeat, k = repeat + 1, k + 1
                if repeat:
                    ok, bgr = cap.retrieve()
                    if not ok or bgr is None:
                        break
                    frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if rgb else bgr
                    frame = _resize_one(frame, size, resize_mode)
                    if self.max_frames is not None:
                        repeat = min(repeat, self.max_frames - self.num_frames)
                    for _ in range(repeat):
                        self.num_frames += 1
                        yield frame, t
                index += 1
        finally:
            cap.release()

    def no_frames_error(self) -> VideoDecodeError:
        """The error for a video (or a trim window) that gave no frame."""
        trimmed = self.start is not None or self.end is not None
        where = f" in [{self.start}, {self.end}] s" if trimmed else ""
        claims = f"header claims {self.header_frame_count}"
        return VideoDecodeError(self.path, f"no decodable frames{where} ({claims})")

    def read(self) -> Clip:
        """Decodes every (remaining) frame into a :class:`Clip`.

        Raises:
            VideoDecodeError: No frame was decoded.
        """
        pairs = list(self)
        if not pairs:
            raise self.no_frames_error()
        return Clip(
            frames=np.stack([f for f, _ in pairs]),
            timestamps=np.asarray([t for _, t in pairs], dtype=np.float64),
            fps=self.fps,
            source_fps=self.source_fps,
            num_decoded=self.num_decoded,
            header_frame_count=self.header_frame_count,
            path=self.path,
        )


def decode(path: str | os.PathLike, **options: Any) -> Clip:
    """Decodes a video into RGB frames: ``FrameReader(path, **options).read()``.

    Args:
        path: The video file.
        **options: :class:`FrameReader`'s keyword arguments: ``fps``, ``start``, ``end``,
            ``size``, ``resize_mode``, ``max_frames``, ``rgb``, ``threads``.

    Returns:
        A :class:`Clip`.

    Raises:
        VideoDecodeError: Missing, empty, unreadable file, or no decodable frame in range.
        ValueError: Bad arguments.
        TypeError: An unknown option.
    """
    return FrameReader(path, **options).read()
