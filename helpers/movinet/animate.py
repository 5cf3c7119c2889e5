"""Animated top-k plots: each video frame above the class probabilities streamed so far.

One matplotlib figure is built once and its artists are updated for every frame (``set_data``),
then read back with ``canvas.buffer_rgba()``. That is what makes it fast: the seed tutorial built a
new 300-dpi figure per frame. ::

    from helpers import movinet
    from helpers.movinet import animate
    probs = movinet.stream_probabilities(stream, video)           # [T, num_classes]
    movie = animate.render_top_k_video(video, probs, labels, untrained=stream.untrained)
    animate.show_video(movie, fps=8)                              # inline (mediapy)
    animate.save_video(movie, "topk.gif", fps=8)                  # or .mp4
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tqdm import tqdm

from helpers.frames import setup_mediapy
from helpers.movinet.inference import StreamingTopK, streaming_top_k

__all__ = ["TopKAnimator", "func_animation", "render_top_k_video", "save_video", "show_video"]

UNTRAINED_TITLE = "UNTRAINED weights: labels are meaningless"


def _as_uint8(frame: np.ndarray) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.dtype == np.uint8:
        return frame
    return (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


class TopKAnimator:
    """One reusable figure: a video frame on top, top-k probability curves below.

    Curves are drawn in colour up to the playhead and as grey dotted lines after it, on a log
    scale with a legend above the plot. :meth:`render` moves the playhead and returns the figure
    as pixels.

    Args:
        top: The classes to draw (see :func:`helpers.movinet.streaming_top_k`).
        first_frame: Any frame of the video (sets the image size).
        fps: Frame rate of the video (the x axis is in seconds).
        width: Output width in pixels (even, so the video encodes to H.264).
        height: Output height in pixels (even).
        untrained: Title the plot "UNTRAINED weights".
        blit: Draw the static parts (axes, grey curves, grid, legend) once and only redraw the
            moving artists in :meth:`render`. Turn off when matplotlib draws the figure itself.
    """

    def __init__(
        self,
        top: StreamingTopK,
        first_frame: np.ndarray,
        *,
        fps: float = 8.0,
        width: int = 480,
        height: int = 540,
        untrained: bool = False,
        blit: bool = True,
    ) -> None:
        dpi = 100
        self.fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        # A row of its own for the legend, sized to its lines of text, so that neither a curve
        # nor the picture can ever run under it, whatever the figure's size.
        longest = max(len(label) for label in top.labels) * 7 * 0.55 / 72 + 0.3  # inches at 7 pt
        columns = max(1, min(3, len(top.labels), int(width / dpi // longest)))
        legend_inches = 0.16 * -(-len(top.labels) // columns) + 0.06
        rest = max(height / dpi - legend_inches, 1e-3)
        ratios = [rest * 5 / 8, legend_inches, rest * 3 / 8]
        grid = self.fig.add_gridspec(3, 1, height_ratios=ratios)
        self.ax_image = self.fig.add_subplot(grid[0, 0])
        ax_legend = self.fig.add_subplot(grid[1, 0])
        self.ax = self.fig.add_subplot(grid[2, 0])
        self.ax_image.axis("off")
        ax_legend.axis("off")
        self.image = self.ax_image.imshow(_as_uint8(first_frame), interpolation="nearest")
        num_frames = top.probs.shape[1]
        self.x = np.arange(num_frames) / fps
        self.y = np.maximum(top.probs, 1e-12)
        self.lines = []
        for label, curve in zip(top.labels, self.y, strict=True):
            self.ax.plot(self.x, curve, linestyle=":", linewidth=1.2, color="0.6")
            (line,) = self.ax.plot(self.x[:1], curve[:1], linewidth=2.0, label=label)
            self.lines.append(line)
        low, high = float(self.y.min()) * 0.8, float(self.y.max()) * 1.25
        self.ymax = float(self.y.max())
        self.playhead = self.ax.axvline(0.0, color="red", linewidth=1.0)
        (self.dot,) = self.ax.plot([0.0], [self.ymax], "o", color="red", markersize=4)
        self.ax.set_yscale("log")
        self.ax.set_ylim(low, high)
        self.ax.set_xlim(0.0, max(float(self.x[-1]), 1e-3))
        self.ax.set_xlabel("Time (s)")
        self.ax.set_ylabel("Probability")
        self.ax.grid(which="major", linestyle=":", alpha=0.4)
        self.legend = ax_legend.legend(
            self.lines, top.labels, loc="center", mode="expand", ncol=columns, fontsize=7,
            frameon=False, borderaxespad=0.0, handlelength=1.5, columnspacing=1.0,
        )  # fmt: skip
        if untrained:
            self.ax_image.set_title(UNTRAINED_TITLE, color="red", fontsize=10, fontweight="bold")
        self.fig.tight_layout()
        self.animated = [self.image, *self.lines, self.playhead, self.dot]
        self.background = None
        if blit:
            for artist in self.animated:
                artist.set_animated(True)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def render(self, step: int, frame: np.ndarray | None = None) -> np.ndarray:
        """Draws the state at frame ``step`` and returns it.

        Args:
            step: Frame index (the playhead position).
            frame: The video frame to show; None keeps the previous one.

        Returns:
            ``[height, width, 3]`` uint8 RGB pixels (a copy).
        """
        self.update(step, frame)
        if self.background is None:
            self.canvas.draw()
        else:
            self.canvas.restore_region(self.background)
            for artist in self.animated:
                self.fig.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def update(self, step: int, frame: np.ndarray | None = None) -> list:
        """Moves the artists to frame ``step`` without drawing; returns the changed artists."""
        if frame is not None:
            self.image.set_data(_as_uint8(frame))
        for line, curve in zip(self.lines, self.y, strict=True):
            line.set_data(self.x[: step + 1], curve[: step + 1])
        t = float(self.x[step])
        self.playhead.set_xdata([t, t])
        self.dot.set_data([t], [self.ymax])
        return [self.image, *self.lines, self.playhead, self.dot]


def _prepare(
    video: np.ndarray, probs: np.ndarray, labels: Sequence[str], k: int
) -> tuple[np.ndarray, StreamingTopK]:
    video = np.asarray(video)
    probs = np.asarray(probs)
    if video.ndim != 4 or probs.ndim != 2:
        raise ValueError(f"need video [T,H,W,3] and probs [T,C], got {video.shape}, {probs.shape}")
    if len(video) != len(probs):
        raise ValueError(
            f"{len(video)} video frames but {len(probs)} probability rows; "
            "stream with chunk_size=1 to get one row per frame"
        )
    return video, streaming_top_k(probs, labels, k=k)


def render_top_k_video(
    video: np.ndarray,
    probs: np.ndarray,
    labels: Sequence[str],
    *,
    k: int = 5,
    fps: float = 8.0,
    width: int = 480,
    height: int = 540,
    untrained: bool = False,
    progress: bool = True,
) -> np.ndarray:
    """Renders the animated top-k plot as an array of frames.

    Args:
        video: ``[T, H, W, 3]`` frames (float in [0, 1] or uint8).
        probs: ``[T, num_classes]`` per-frame probabilities (from streaming).
        labels: One name per class.
        k: Number of classes to draw.
        fps: Video frame rate (x axis in seconds).
        width: Output width in pixels.
        height: Output height in pixels.
        untrained: Mark the plot "UNTRAINED weights" (pass ``model.untrained``).
        progress: Show a tqdm bar.

    Returns:
        ``[T, height, width, 3]`` uint8: one output frame per input frame.

    Raises:
        ValueError: If the shapes do not match or the labels do not fit the class count.
    """
    video, top = _prepare(video, probs, labels, k)
    animator = TopKAnimator(top, video[0], fps=fps, width=width, height=height, untrained=untrained)
    out = np.empty((len(video), height, width, 3), np.uint8)
    for i in tqdm(range(len(video)), desc="rendering", unit="frame", disable=not progress):
        out[i] = animator.render(i, video[i])
    return out


def func_animation(
    video: np.ndarray,
    probs: np.ndarray,
    labels: Sequence[str],
    *,
    k: int = 5,
    fps: float = 8.0,
    untrained: bool = False,
) -> FuncAnimation:
    """Returns a matplotlib ``FuncAnimation`` of the same plot (use ``.to_jshtml()`` in notebooks).

    Args:
        video: ``[T, H, W, 3]`` frames.
        probs: ``[T, num_classes]`` per-frame probabilities.
        labels: One name per class.
        k: Number of classes to draw.
        fps: Video frame rate.
        untrained: Mark the plot "UNTRAINED weights".

    Returns:
        The animation; its figure is reused for every frame.
    """
    video, top = _prepare(video, probs, labels, k)
    animator = TopKAnimator(top, video[0], fps=fps, untrained=untrained, blit=False)
    return FuncAnimation(
        animator.fig,
        lambda i: animator.update(i, video[i]),
        frames=len(video),
        interval=1000.0 / fps,
        blit=False,
    )


def _codec_for(path: str) -> str:
    return "gif" if path.lower().endswith(".gif") else "h264"


def show_video(movie: np.ndarray, *, fps: float = 8.0, codec: str = "h264") -> None:
    """Shows frames inline in a notebook with mediapy (``codec='gif'`` for a GIF).

    Args:
        movie: ``[T, H, W, 3]`` uint8 frames.
        fps: Playback frame rate.
        codec: ``"h264"`` (mp4) or ``"gif"``.
    """
    import mediapy


    setup_mediapy()
    mediapy.show_video(movie, fps=fps, codec=codec)


def save_video(movie: np.ndarray, path: str | os.PathLike, *, fps: float = 8.0) -> str:
    """Writes frames to ``.mp4`` (H.264) or ``.gif`` with mediapy's bundled-ffmpeg setup.

    Args:
        movie: ``[T, H, W, 3]`` uint8 frames.
        path: Output file; the extension picks the format. Written to a temporary name in
            the same folder, then renamed.
        fps: Frame rate.

    Returns:
        The path written.
    """
    import mediapy


    setup_mediapy()
    path = os.fspath(path)
    head, name = os.path.split(path)
    tmp = os.path.join(head, f".partial.{name}")  # same extension: ffmpeg picks the format by it
    try:
        mediapy.write_video(tmp, movie, fps=fps, codec=_codec_for(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
