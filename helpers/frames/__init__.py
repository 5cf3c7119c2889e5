"""Frames: decode a video with OpenCV into RGB frames, resample fps, trim, resize, save JPEGs.

::

    from helpers import frames
    info = frames.probe("v_ApplyEyeMakeup_g01_c01.avi")         # size, fps, frame count
    clip = frames.decode(path, fps=10, start=1.0, end=3.0, size=128)
    clip.frames.shape, clip.timestamps[:3]                       # [T, H, W, 3] uint8, seconds
    frames.save_jpeg_folder(clip, "out/clip")                    # frame_00000.jpg ... + index
    frames.frame_grid(clip.frames[::4])                          # a labelled picture

Modules: ``decode`` (probe, FrameReader, decode), ``coverage`` (partial decodes), ``resize``,
``jpeg``, ``display``.
"""

from helpers.frames.coverage import decoded_fraction, partial_decode
from helpers.frames.decode import (
    UNKNOWN_RATE_NOTE,
    Clip,
    FrameReader,
    VideoDecodeError,
    VideoInfo,
    decode,
    probe,
    single_threaded,
)
from helpers.frames.display import frame_grid, setup_mediapy
from helpers.frames.jpeg import (
    EncodedFrames,
    decode_jpeg,
    encode_jpeg,
    encode_jpeg_stream,
    save_jpeg_folder,
)
from helpers.frames.resize import RESIZE_MODES, Size, check_size, resize_frames

__all__ = [
    "probe",
    "VideoInfo",
    "decode",
    "Clip",
    "FrameReader",
    "VideoDecodeError",
    "partial_decode",
    "decoded_fraction",
    "UNKNOWN_RATE_NOTE",
    "single_threaded",
    "resize_frames",
    "RESIZE_MODES",
    "Size",
    "check_size",
    "encode_jpeg",
    "encode_jpeg_stream",
    "EncodedFrames",
    "decode_jpeg",
    "save_jpeg_folder",
    "frame_grid",
    "setup_mediapy",
]
