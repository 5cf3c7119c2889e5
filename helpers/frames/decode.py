"""Frames: decode a video file with OpenCV into RGB frames, resample fps, trim, resize, save JPEGs.

A video file is a sequence of compressed pictures ("frames"), each with the time it is shown
(its presentation timestamp). :func:`decode` opens the file, jumps (seeks) to the start time,
reads frames until the end time, keeps the ones on screen at the target frame rate's sample
times and returns them as one array::

    clip = decode("v_SpinClockwise_g01_c01.avi", fps=10, size=96)
    clip.frames.shape      # (T, H, W, 3) uint8, RGB, at the display aspect ratio
    clip.timestamps        # when each kept frame is shown, in seconds from the file start

Times come from the container's clock (OpenCV's ``CAP_PROP_POS_MSEC`` after each frame), not
from ``index / fps``, so variable-frame-rate phone videos and very high or low rates are
sampled where their frames really are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from helpers.frames.resize import Size, _resize_one, check_size

__all__ = [
    "UNKNOWN_RATE_NOTE",
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
_MAX_HEADER_FPS = 100_000.0  # above: a timescale mistaken for a rate (90000), not a frame rate
_VFR_SPREAD = 0.1  # frame intervals differing by more than 10 % (plus rounding) make a stream VFR
# FFmpeg's raw elementary-stream demuxers (.h264, .hevc, .m4v, .mjpeg...) use this time base and
# an assumed 25 fps: such a stream has no clock of its own.
_RAW_TIME_BASE = 1 / 1_200_000
UNKNOWN_RATE_NOTE = "raw stream (no container): no frame rate, timestamps assume 25 fps"
"""Why a source is listed under ``unknown_rate`` (extract's report, the records manifest)."""


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
    """What the container says about a video (the header; decoding may find fewer frames).

    ``width`` and ``height`` are the display size (rotation and sample aspect ratio applied),
    which is what :func:`decode` returns without ``size``; ``fps`` is the header's rate (0.0
    when the header has none) and ``duration`` is ``frame_count / fps``. ``rate_known`` is
    False for a raw elementary stream (``.h264``...): it has no container, so no rate and no
    timestamps; ``fps`` is then 0.0 (FFmpeg would assume 25).
    """

    path: str
    fps: float
    frame_count: int
    width: int
    height: int
    duration: float
    sample_aspect: float = 1.0
    rotation: int = 0
    rate_known: bool = True


@dataclass
class Clip:
    """Decoded frames plus where they came from.

    Attributes:
        frames: uint8 ``[T, H, W, 3]`` RGB (BGR from ``decode(..., rgb=False)``).
        timestamps: float64 ``[T]`` seconds from the start of the file (not of the trim): the
            presentation time of each frame, from the container.
        fps: Output frame rate (the target fps, or the source's rate if none was asked).
        source_fps: The frame rate the header states (0.0 if it states none).
        num_decoded: Frames actually read from the file (can be below the header count).
        header_frame_count: The frame count the container claims.
        path: The video file.
        average_fps: The rate measured over the decoded frames' timestamps (0.0 below 2).
        vfr: The decoded frames' intervals vary (a variable-frame-rate stream).
        decoded_until: Seconds from the file start to the end of the last decoded frame.
        rate_known: False for a raw elementary stream (no container): its timestamps are
            spaced at an assumed 25 fps, so they order the frames but are not times.
    """

    frames: np.ndarray
    timestamps: np.ndarray
    fps: float
    source_fps: float
    num_decoded: int
    header_frame_count: int
    path: str
    average_fps: float = 0.0
    vfr: bool = False
    decoded_until: float = 0.0
    rate_known: bool = True


def _open(path: str | os.PathLike, threads: int | None = None) -> cv2.VideoCapture:
    """Opens a file with clear errors (a broken link, a folder, an empty file...)."""
    p = Path(path)
    if not p.exists():
        if p.is_symlink():  # exists() follows links: a dangling or looping one lands here
            try:
                p.resolve(strict=True)
                reason = "broken symbolic link"
            except RuntimeError:
                reason = "symbolic link loop"
            except OSError:
                reason = f"broken symbolic link (target {os.readlink(p)} is missing)"
            raise VideoDecodeError(p, reason)
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
    return cap


def _raw_stream(cap: cv2.VideoCapture) -> bool:
    """Whether the file is a raw elementary stream: no duration and FFmpeg's raw time base."""
    # The FFmpeg backend answers POS_AVI_RATIO with the stream's time base; a count <= 0 means
    # the container has no duration (OpenCV computes duration x rate).
    no_duration = cap.get(cv2.CAP_PROP_FRAME_COUNT) <= 0
    return no_duration and abs(cap.get(cv2.CAP_PROP_POS_AVI_RATIO) - _RAW_TIME_BASE) < 1e-12


def _header(cap: cv2.VideoCapture) -> tuple[float, int, float, int, tuple[float, float]]:
    """(header fps or 0.0, frame count, sample aspect ratio, rotation, display (height, width))."""
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = float(fps) if 0 < fps < _MAX_HEADER_FPS and not _raw_stream(cap) else 0.0
    count = max(int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), 0)
    num, den = cap.get(cv2.CAP_PROP_SAR_NUM), cap.get(cv2.CAP_PROP_SAR_DEN)
    sar = num / den if num > 0 and den > 0 else 1.0
    rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
    # OpenCV has already rotated the frames; the aspect ratio belongs to the stored (unrotated)
    # width, which a quarter turn makes the height.
    w, h = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
    if abs(sar - 1.0) > 1e-3:
        h, w = (h * sar, w) if rotation in (90, 270) else (h, w * sar)
    return fps, count, sar, rotation, (h, w)  # (unrounded: --size scales the true shape)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Reads a video's header: fps, frame count, display size. Decodes nothing.

    Args:
        path: The video file.

    Returns:
        A :class:`VideoInfo`.

    Raises:
        VideoDecodeError: Missing, empty or unreadable file.
    """
    cap = _open(path)
    try:
        fps, count, sar, rotation, (h, w) = _header(cap)
        known = not _raw_stream(cap)
    finally:
        cap.release()
    duration = count / fps if fps else 0.0
    return VideoInfo(str(path), fps, count, max(1, round(w)), max(1, round(h)), duration, sar,
                     rotation, known)  # fmt: skip


class _MissedFrameError(Exception):
    """The fast pass skipped converting a frame that turned out to be needed (a VFR slow-down)."""


class FrameReader:
    """Decodes a video one frame at a time: ``for frame, t in FrameReader(path, fps=10)``.

    Every frame carries its presentation time from the container (variable-frame-rate streams
    included) and is on screen until the next frame's time. With ``fps`` the output samples the
    times ``start, start + 1/fps, ...`` and keeps, for each, the frame on screen at that moment:
    30 -> 10 fps keeps every 3rd frame, 29.97 -> 25 drops about one in six, and a stream of 2 s
    at 10 fps then 1 s at 60 fps gives 20 + 10 frames at 10 fps. A trimmed read starts with
    the first frame that begins at or after ``start``, which also serves a sample time that
    falls before it. Frames come out at the display aspect ratio (a non-square sample aspect
    ratio is applied before ``size``), rotated as the file says.

    Memory stays flat however long the video is; :func:`decode` (``FrameReader(...).read()``)
    keeps every frame. ``num_decoded`` counts the frames read from the file, ``num_frames``
    the frames yielded, ``average_fps``/``vfr`` describe the decoded frames' times and
    ``decoded_until`` is where the last one ends; the header attributes (``source_fps``,
    ``header_frame_count``, ``sample_aspect``, ``rotation``, ``rate_known``) are known on
    opening. A raw elementary stream (``rate_known`` False) has no clock: it decodes whole,
    its frames spaced at an assumed 25 fps, and refuses ``fps``, ``start`` and ``end``.

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
        VideoDecodeError: Missing, empty or unreadable file, or ``fps``/``start``/``end`` on a
            raw stream (on construction).
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
        self._threads = threads
        self._cap: cv2.VideoCapture | None = _open(path, threads)
        head = _header(self._cap)
        self.source_fps, self.header_frame_count, self.sample_aspect, self.rotation = head[:4]
        self._display = head[4]
        self.rate_known = not _raw_stream(self._cap)
        if not self.rate_known and (fps is not None or start is not None or end is not None):
            self._cap.release()
            raise VideoDecodeError(path, "raw stream with no frame rate or timestamps (no "
                                   "container): fps, start and end in seconds cannot be "
                                   "honoured; decode it whole, or mux it with its rate first "
                                   "(ffmpeg -r RATE -i IN -c copy OUT.mp4)")  # fmt: skip
        self._target_fps = None if fps is None else float(fps)
        self.num_decoded = self.num_frames = 0
        self.average_fps, self.vfr, self.decoded_until = 0.0, False, 0.0

    @property
    def fps(self) -> float:
        """The output rate: the target fps, else the header's rate, else the measured one."""
        return self._target_fps or self.source_fps or self.average_fps

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        """Yields ``(frame, timestamp in seconds)``; the capture is closed at the end."""
        # Fast pass: convert a decoded frame only when the next sample time may fall on it.
        # If a slow-down proves that guess wrong, decode again converting every candidate.
        exact = self._target_fps is None
        try:
            while True:
                done = self.num_frames
                try:
                    for pair in self._pass(exact, skip=done):
                        self.num_frames += 1
                        yield pair
                    return
                except _MissedFrameError:
                    exact = True
                    self._reopen(0.0)
        finally:
            if self._cap is not None:
                self._cap.release()

    def _reopen(self, seek: float) -> None:
        """A fresh capture positioned at ``seek`` seconds (the FFmpeg backend seeks by time)."""
        if self._cap is not None:
            self._cap.release()
        self._cap = _open(self.path, self._threads)
        if seek > 0:
            self._cap.set(cv2.CAP_PROP_POS_MSEC, seek * 1000.0)

    def _grab(self) -> float | None:
        """Decodes the next frame; returns its time in seconds, or None at the end."""
        if not self._cap.grab():
            return None
        return self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0

    def _position(self, t0: float) -> float | None:
        """Seeks to the first frame at or before ``t0`` (falling back to the file start).

        Returns the time of the first grabbed frame, or None if there is none.
        """
        if t0 <= 0:
            return self._grab()
        self._cap.set(cv2.CAP_PROP_POS_MSEC, t0 * 1000.0)
        t = self._grab()
        if t is not None and t <= t0 + _EPS:
            return t
        # Landed after t0: exactly right if no frame starts in between, but a seek on a
        # variable-rate stream can overshoot; go back a little, then to the start.
        step = 2.0 / self.source_fps if self.source_fps else 1.0
        for back in (max(t0 - step, 0.0), 0.0):
            self._reopen(back)
            t = self._grab()
            if t is None or t <= t0 + _EPS or back == 0.0:
                return t
        return t  # pragma: no cover - the loop returns at back == 0.0

    def _pass(self, exact: bool, skip: int) -> Iterator[tuple[np.ndarray, float]]:
        """One decoding pass; yields the output pairs after the first ``skip``."""
        fps, end = self._target_fps, self.end
        t0 = max(self.start or 0.0, 0.0)
        limit = self.max_frames
        decoded, first_t, last_t, last_d = 0, None, None, 0.0
        min_d, max_d = float("inf"), 0.0
        default_d = 1.0 / self.source_fps if self.source_fps else 0.04
        k, emitted = 0, 0  # next output sample index; outputs of this pass
        held: tuple[float, np.ndarray | None] | None = None  # a frame waiting for its end time

        def emit(frame_t: float, frame: np.ndarray | None, t_next: float):
            nonlocal k, emitted
            stop = t_next if end is None else min(t_next, end)
            if fps is None:
                repeat = 1
            else:
                repeat = 0
                while t0 + k / fps < stop - _EPS:
                    repeat, k = repeat + 1, k + 1
            for _ in range(repeat):
                if limit is not None and emitted >= limit:
                    return
                if frame is None:
                    raise _MissedFrameError
                emitted += 1
                if emitted > skip:
                    yield frame, frame_t

        t = self._position(t0)
        while t is not None and (limit is None or emitted < limit):
            if last_t is not None and t <= last_t:  # no timestamp (or a repeat): one interval on
                t = last_t + (default_d if max_d == 0.0 else min_d)
            decoded += 1
            if last_t is not None:
                last_d = t - last_t
                min_d, max_d = min(min_d, last_d), max(max_d, last_d)
            first_t = t if first_t is None else first_t
            self.num_decoded = decoded
            self._stats(first_t, t, decoded, min_d, max_d)
            self.decoded_until = t + (last_d or default_d)
            if end is not None and t >= end - _EPS:
                break
            if t >= t0 - _EPS:
                if held is not None:
                    yield from emit(*held, t)
                d = last_d or default_d  # the next frame is guessed one interval later
                wanted = fps is None or exact or t0 + k / fps < t + d * 1.01 + _EPS
                held = (t, self._convert() if wanted else None)
            last_t = t
            t = self._grab()
        if held is not None and (limit is None or emitted < limit):
            yield from emit(*held, held[0] + (last_d or default_d))  # as long as the one before

    def _convert(self) -> np.ndarray:
        """The grabbed frame as RGB (or BGR) at the display aspect ratio and the asked size."""
        ok, bgr = self._cap.retrieve()
        if not ok or bgr is None:
            where = f"frame {self.num_decoded - 1}"
            raise VideoDecodeError(self.path, f"{where} decoded but could not be converted")
        size, mode, rgb = self._opts
        frame = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if rgb else bgr
        return _resize_one(frame, size, mode, display=self._display)

    def _stats(self, first: float, last: float, n: int, min_d: float, max_d: float) -> None:
        if not self.rate_known:  # the times are assumed, so nothing can be measured from them
            return
        if n > 1 and last > first:
            self.average_fps = (n - 1) / (last - first)
        self.vfr = n > 2 and max_d - min_d > _VFR_SPREAD * min_d + 5e-4

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
            average_fps=self.average_fps,
            vfr=self.vfr,
            decoded_until=self.decoded_until,
            rate_known=self.rate_known,
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
