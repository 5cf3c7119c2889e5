"""JPEG frames: encode/decode single frames and write a clip as a folder of JPEG files.

Part of :mod:`helpers.frames` (``frames.encode_jpeg``, ``frames.encode_jpeg_stream``,
``frames.save_jpeg_folder``)::

    save_jpeg_folder(decode("clip.avi", fps=10), "out/clip")   # frame_00000.jpg ... index.json
    encoded = encode_jpeg_stream(FrameReader("clip.avi", rgb=False), bgr=True, threads=2)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from helpers.frames.decode import Clip, FrameReader

__all__ = ["EncodedFrames", "decode_jpeg", "encode_jpeg", "encode_jpeg_stream", "save_jpeg_folder"]


def encode_jpeg(frame_rgb: np.ndarray, quality: int = 90, *, bgr: bool = False) -> bytes:
    """Encodes one RGB uint8 frame as JPEG bytes (deterministic for the same input).

    Args:
        frame_rgb: ``[H, W, 3]`` uint8 RGB.
        quality: JPEG quality 1-100.
        bgr: The frame is already in OpenCV's BGR order (no colour swap).

    Returns:
        The JPEG file contents.

    Raises:
        ValueError: OpenCV refused the frame.
    """
    frame = np.ascontiguousarray(frame_rgb)
    bgr_frame = frame if bgr else cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr_frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"cannot JPEG-encode a frame of shape {frame_rgb.shape}")
    return buf.tobytes()


@dataclass
class EncodedFrames:
    """A stream of frames, JPEG-encoded as they were decoded.

    Attributes:
        jpegs: The JPEG bytes of the first ``keep`` frames (every frame without ``keep``).
        timestamps: float64 ``[T]``: the time of every frame of the stream, kept or not.
        height: The frames' height (0 when the stream was empty).
        width: The frames' width (0 when the stream was empty).
    """

    jpegs: list[bytes]
    timestamps: np.ndarray
    height: int
    width: int


# Frames waiting for a helper thread's encoder: enough to keep it busy, few enough that memory
# stays flat however long the video is.
_IN_FLIGHT_PER_THREAD = 4


def encode_jpeg_stream(
    frames: Iterable[tuple[np.ndarray, float]],
    quality: int = 90,
    *,
    bgr: bool = False,
    keep: int | None = None,
    threads: int = 1,
) -> EncodedFrames:
    """JPEG-encodes ``(frame, time)`` pairs as they come, keeping bytes, never the frames.

    Encoding while a :class:`~helpers.frames.FrameReader` decodes needs no array of the whole
    clip. With ``threads >= 2``, helper threads encode while this thread decodes the next frames
    (OpenCV releases the GIL in both); the bytes and their order do not depend on ``threads``.

    Args:
        frames: ``(frame [H, W, 3] uint8, time in seconds)`` pairs, e.g. a FrameReader.
        quality: JPEG quality 1-100.
        bgr: The frames are in OpenCV's BGR order (``FrameReader(..., rgb=False)``): no colour
            swap, the same bytes.
        keep: Encode only the first ``keep`` frames (the rest are read and timed, not encoded).
        threads: Threads that work on the stream: this one plus ``threads - 1`` encoders.

    Returns:
        The :class:`EncodedFrames`.

    Raises:
        ValueError: A frame OpenCV refuses to encode.
    """
    jpegs: list[bytes] = []
    stamps: list[float] = []
    shape: tuple[int, ...] = (0, 0)
    helpers = max(0, threads - 1)
    pool = ThreadPoolExecutor(helpers, thread_name_prefix="jpeg") if helpers else None
    pending: deque[Future[bytes]] = deque()
    try:
        for frame, t in frames:
            if keep is None or len(stamps) < keep:
                if pool is None:
                    jpegs.append(encode_jpeg(frame, quality, bgr=bgr))
                else:
                    pending.append(pool.submit(encode_jpeg, frame, quality, bgr=bgr))
                    while len(pending) > _IN_FLIGHT_PER_THREAD * helpers:
                        jpegs.append(pending.popleft().result())
            shape = frame.shape
            stamps.append(t)
        jpegs += [future.result() for future in pending]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return EncodedFrames(jpegs, np.asarray(stamps, dtype=np.float64), int(shape[0]),
                         int(shape[1]))  # fmt: skip


def decode_jpeg(data: bytes) -> np.ndarray:
    """Decodes JPEG bytes into an RGB uint8 ``[H, W, 3]`` array.

    Raises:
        ValueError: The bytes are not a decodable image.
    """
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("not a decodable JPEG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _write_new(path: str, data: bytes) -> None:
    # os.open is measurably cheaper than open() per small file; thousands are written per clip.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def save_jpeg_folder(
    clip: Clip | FrameReader,
    out_dir: str | os.PathLike,
    quality: int = 90,
    *,
    bgr: bool = False,
    extra: dict | None = None,
) -> Path:
    """Writes ``frame_00000.jpg, ...`` plus ``index.json`` (timestamps, fps, counts).

    The folder is built under a temporary name next to ``out_dir`` and renamed at the end, so a
    crash never leaves a half-written ``out_dir``. An existing ``out_dir`` is replaced.

    Args:
        clip: A decoded :class:`~helpers.frames.Clip`, or a
            :class:`~helpers.frames.FrameReader`, whose frames are encoded as they are decoded
            (one at a time: memory stays flat for long videos).
        out_dir: The folder to create.
        quality: JPEG quality.
        bgr: The frames are BGR (``rgb=False`` when decoding); the files are the same.
        extra: More JSON-ready entries for ``index.json`` (e.g. how the frames were made).

    Returns:
        ``out_dir`` as a Path.

    Raises:
        VideoDecodeError: A FrameReader gave no frame.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the result is ordinary data
        names: list[str] = []
        stamps: list[float] = []
        shape: tuple[int, ...] = ()
        pairs = zip(clip.frames, clip.timestamps, strict=True) if isinstance(clip, Clip) else clip
        for i, (frame, t) in enumerate(pairs):
            names.append(f"frame_{i:05d}.jpg")
            _write_new(os.path.join(tmp, names[-1]), encode_jpeg(frame, quality, bgr=bgr))
            stamps.append(round(float(t), 6))
            shape = frame.shape
        if not names:
            raise clip.no_frames_error()
        index = {
            "source": clip.path,
            "num_frames": len(names),
            "height": int(shape[0]),
            "width": int(shape[1]),
            "fps": clip.fps,
            "source_fps": clip.source_fps,
            "average_fps": round(clip.average_fps, 6),
            "vfr": clip.vfr,
            "num_decoded": clip.num_decoded,
            "header_frame_count": clip.header_frame_count,
            "decoded_until": round(clip.decoded_until, 6),
            "rate_known": clip.rate_known,
            "quality": quality,
            "frames": names,
            "timestamps": stamps,
            **(extra or {}),
        }
        (tmp / "index.json").write_text(json.dumps(index, indent=1))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
