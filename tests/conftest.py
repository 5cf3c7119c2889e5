"""Fixtures shared by several test files: odd media generated with the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def raw_h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 s, 10 fps H.264 elementary stream (30 frames): no container, so no rate, no times."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    out = tmp_path_factory.mktemp("raw") / "clip.h264"
    src = "testsrc=size=64x48:rate=10:duration=3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", src, "-bf",
         "0", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    return out
