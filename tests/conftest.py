"""Fixtures shared by the test modules: the loopback mirror that stands in for the network."""

from __future__ import annotations

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
