"""Resizing decoded frames: short side, exact size, or centre crop (re-exported by ``frames``).

::

    resize_frames(clip.frames, 128)                       # short side 128, aspect kept
    resize_frames(clip.frames, 112, mode="center_crop")   # 112 x 112 from the middle
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["RESIZE_MODES", "Size", "check_size", "resize_frames"]

RESIZE_MODES = ("short_side", "exact", "center_crop")
Size = int | tuple[int, int] | None


def check_size(size: Size, mode: str) -> None:
    """Raises ValueError unless ``size`` suits ``mode`` (see :func:`resize_frames`)."""
    if mode not in RESIZE_MODES:
        raise ValueError(f"resize_mode must be one of {RESIZE_MODES}, got {mode!r}")
    if size is None:
        return
    sides = (size,) if isinstance(size, int) else tuple(size)
    if not 1 <= len(sides) <= 2 or not all(isinstance(s, int) and s > 0 for s in sides):
        raise ValueError(f"size must be a positive int or (height, width), got {size!r}")
    if len(sides) == 2 and mode != "exact":
        raise ValueError(f"resize_mode={mode!r} needs an int size, got {size!r}")


def _target_hw(h: float, w: float, size: Size, mode: str) -> tuple[int, int]:
    if mode == "exact":
        return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if not isinstance(size, int):
        raise ValueError(f"resize_mode={mode!r} needs an int size, got {size!r}")
    scale = size / min(h, w)
    return max(size, round(h * scale)), max(size, round(w * scale))


def _resize_one(
    frame: np.ndarray, size: Size, mode: str, display: tuple[float, float] | None = None
) -> np.ndarray:
    """Resizes one frame; ``display`` is its ``(height, width)`` on screen, if not its own.

    Non-square pixels: ``size`` applies to the display size, and one resize does both.
    """
    h, w = frame.shape[:2]
    dh, dw = display or (h, w)
    if size is None:
        th, tw = max(1, round(dh)), max(1, round(dw))
        if (th, tw) == (h, w):
            return frame
    else:
        th, tw = _target_hw(dh, dw, size, mode)
    if (th, tw) != (h, w):
        interp = cv2.INTER_AREA if th * tw < h * w else cv2.INTER_LINEAR
        frame = cv2.resize(frame, (tw, th), interpolation=interp)
    if size is not None and mode == "center_crop":
        y, x = (th - size) // 2, (tw - size) // 2
        frame = frame[y : y + size, x : x + size]
    return frame


def resize_frames(frames: np.ndarray, size: Size, mode: str = "short_side") -> np.ndarray:
    """Resizes ``[T, H, W, C]`` (or one ``[H, W, C]``) frames.

    Args:
        frames: uint8 frames.
        size: None (no change); an int (short side, or the square side for ``center_crop``);
            ``(height, width)`` for ``exact``.
        mode: ``"short_side"`` keeps the aspect ratio so the short side equals ``size``;
            ``"exact"`` stretches to ``size``; ``"center_crop"`` covers the short side then
            crops the middle ``size x size``.

    Returns:
        The resized frames, same rank as the input.

    Raises:
        ValueError: Unknown mode or a size that does not fit the mode.
    """
    if mode not in RESIZE_MODES:
        raise ValueError(f"resize_mode must be one of {RESIZE_MODES}, got {mode!r}")
    if size is None:
        return frames
    if frames.ndim == 3:
        return _resize_one(frames, size, mode)
    return np.stack([_resize_one(f, size, mode) for f in frames])
