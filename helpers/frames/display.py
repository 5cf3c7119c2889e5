"""Showing frames in notebooks: a labelled grid (matplotlib), and mediapy set up to play clips.

::

    fig = frame_grid(clip.frames[::4], titles=[f"{t:.2f} s" for t in clip.timestamps[::4]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["frame_grid", "setup_mediapy"]


def frame_grid(
    frames: np.ndarray | Sequence[np.ndarray],
    *,
    titles: Sequence[str] | None = None,
    cols: int = 8,
    width: float = 1.6,
    row_labels: Sequence[str] | None = None,
):
    """Draws frames in a grid, one small picture each, with optional titles.

    Args:
        frames: ``[N, H, W, 3]`` uint8 RGB (or a list of such frames, sizes may differ).
        titles: One short title per frame (e.g. its timestamp or index).
        cols: Pictures per row.
        width: Inches per picture.
        row_labels: Optional label at the left of each row.

    Returns:
        The matplotlib Figure (already drawn; notebooks display it).
    """
    import matplotlib.pyplot as plt

    n = len(frames)
    if n == 0:
        raise ValueError("no frames to draw")
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    h, w = np.asarray(frames[0]).shape[:2]
    fig, axes = plt.subplots(
        rows, cols, figsize=(cols * width, rows * width * h / w + 0.3 * rows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(np.asarray(frames[i]))
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    if row_labels is not None:
        for r, label in enumerate(row_labels[:rows]):
            axes[r, 0].axis("on")
            axes[r, 0].set_xticks([])
            axes[r, 0].set_yticks([])
            axes[r, 0].set_ylabel(label, fontsize=9)
    fig.tight_layout()
    return fig


def setup_mediapy() -> None:
    """Points mediapy at imageio-ffmpeg's bundled ffmpeg binary (no system ffmpeg needed)."""
    import imageio_ffmpeg
    import mediapy

    mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
