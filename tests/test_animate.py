"""Tests for helpers.movinet.animate: the reusable top-k figure and its outputs."""

from __future__ import annotations

import re

import mediapy
import numpy as np
import pytest

from helpers.frames import setup_mediapy
from helpers.movinet import animate

T, C = 6, 10


@pytest.fixture()
def inputs():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(T, C)).cumsum(0)
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    video = rng.random((T, 32, 32, 3)).astype(np.float32)
    return video, probs, [f"class {i}" for i in range(C)]


def test_one_frame_per_input_frame_constant_size(inputs):
    video, probs, labels = inputs
    movie = animate.render_top_k_video(
        video, probs, labels, k=3, width=240, height=260, progress=False
    )
    assert movie.shape == (T, 260, 240, 3) and movie.dtype == np.uint8
    assert np.abs(movie[0].astype(int) - movie[-1].astype(int)).max() > 0  # playhead moved


def test_blitting_matches_full_redraw(inputs):
    video, probs, labels = inputs
    top = animate.streaming_top_k(probs, labels, k=3)
    fast = animate.TopKAnimator(top, video[0], width=240, height=260)
    full = animate.TopKAnimator(top, video[0], width=240, height=260, blit=False)
    a, b = fast.render(4, video[4]), full.render(4, video[4])
    assert a.shape == b.shape
    differ = np.abs(a.astype(int) - b.astype(int)).sum(-1) > 0
    assert differ.mean() < 0.001


@pytest.mark.parametrize(("k", "width"), [(1, 480), (3, 480), (5, 480), (5, 240)])
def test_the_legend_covers_no_curve_and_no_picture(inputs, k, width):
    video, probs, labels = inputs
    names = [f"a long class name number {i}" for i in range(C)]
    top = animate.streaming_top_k(probs, names, k=k)
    animator = animate.TopKAnimator(top, video[0], width=width)
    animator.render(T - 1, video[-1])
    legend = animator.legend.get_window_extent()
    assert not legend.overlaps(animator.ax.get_window_extent())  # outside the curves' axes
    assert not legend.overlaps(animator.ax_image.get_window_extent())
    assert animator.fig.bbox.contains(legend.x0, legend.y0)
    assert animator.fig.bbox.contains(legend.x1, legend.y1)  # and inside the picture
    texts = [t.get_window_extent() for t in animator.legend.get_texts()]
    assert len(texts) == k
    assert not any(a.overlaps(b) for i, a in enumerate(texts) for b in texts[i + 1 :])


def test_untrained_title_and_mismatch_errors(inputs):
    video, probs, labels = inputs
    top = animate.streaming_top_k(probs, labels, k=3)
    assert animate.TopKAnimator(top, video[0], untrained=True).ax_image.get_title() == (
        animate.UNTRAINED_TITLE
    )
    assert animate.TopKAnimator(top, video[0]).ax_image.get_title() == ""
    with pytest.raises(ValueError, match="probability rows"):
        animate.render_top_k_video(video, probs[:3], labels, progress=False)
    with pytest.raises(ValueError, match="classes"):
        animate.render_top_k_video(video, probs, labels[:4], progress=False)


def test_save_gif_and_mp4_and_jshtml(inputs, tmp_path):
    video, probs, labels = inputs
    movie = animate.render_top_k_video(
        video, probs, labels, k=3, width=240, height=260, progress=False
    )
    for name in ("topk.gif", "topk.mp4"):
        path = animate.save_video(movie, tmp_path / name, fps=4)
        setup_mediapy()
        back = mediapy.read_video(path)
        assert back.shape == movie.shape, (name, back.shape)  # every frame, at its size
        assert np.abs(back.astype(int) - movie).mean() < 12, name  # and the same pictures
    html = animate.func_animation(video[:3], probs[:3], labels, k=3).to_jshtml()
    frames = re.findall(r"frames\[(\d+)\] = \"data:image/png;base64,", html)
    assert frames == ["0", "1", "2"]  # one embedded picture per video frame
