"""Tests for helpers.frames.display: the frame grid."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from helpers.frames.display import frame_grid


def test_frame_grid_layout_and_titles():
    frames = np.zeros((10, 24, 32, 3), np.uint8)
    fig = frame_grid(frames, titles=[str(i) for i in range(10)], cols=4, row_labels=["a", "b", "c"])
    axes = fig.axes
    assert len(axes) == 12  # 3 rows x 4 columns, the last two empty
    assert [ax.get_title() for ax in axes[:10]] == [str(i) for i in range(10)]
    assert axes[4].get_ylabel() == "b" and not axes[11].images
    with pytest.raises(ValueError):
        frame_grid([])
