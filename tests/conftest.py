"""Fixtures shared by the test modules: the loopback mirror that stands in for the network, and
odd media generated with the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_downloads import Mirror

from helpers import config
from helpers.utils import downloads, reachability


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A ``test_downloads.Mirror`` on 127.0.0.1 behind ``TFVIDEO_MIRROR``, and a run that is online.

    Online means what it means for a user: not forced offline (the tests run with ``CI`` set),
    no decision inherited, no proxy; the run's one network probe then finds the mirror.
    """
    mirror = Mirror(tmp_path / "mirror")
    monkeypatch.setenv(downloads.MIRROR_ENV, mirror.url)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(reachability.NETWORK_ENV, raising=False)
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setattr(reachability, "_decision", None)  # decide afresh, through the mirror
    yield mirror
    mirror.close()


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
