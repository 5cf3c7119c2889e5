"""Tests for helpers.downloads: the network check (through a proxy) and the cached download."""

from __future__ import annotations

import socket

import tf_keras

from helpers.utils import downloads


def test_the_network_check_goes_through_a_configured_proxy(monkeypatch):
    listener = socket.create_server(("127.0.0.1", 0))  # stands in for the proxy
    try:
        port = listener.getsockname()[1]
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("no_proxy", "")
        assert downloads.reachable("https://tfhub.invalid/model", timeout=2) is None
        monkeypatch.setenv("no_proxy", "tfhub.invalid")  # bypassed: straight to the host
        assert "tfhub.invalid" in downloads.reachable("https://tfhub.invalid/m", timeout=2)
    finally:
        listener.close()


def test_cached_download_fetches_once_and_reports_a_failure(tmp_path, monkeypatch, capsys):
    path, calls = tmp_path / "cache" / "labels.txt", []

    def fetch(fname, origin, cache_dir, cache_subdir):
        calls.append(origin)
        (tmp_path / cache_subdir).mkdir(exist_ok=True)
        (tmp_path / cache_subdir / fname).write_text("a\n")
        assert cache_dir == str(tmp_path)

    monkeypatch.setattr(tf_keras.utils, "get_file", fetch)
    assert downloads.cached_download("https://x.invalid/l.txt", path, "the labels")
    assert downloads.cached_download("https://x.invalid/l.txt", path, "the labels")
    assert calls == ["https://x.invalid/l.txt"]  # the second call used the file

    def fail(**kwargs):
        raise ConnectionError("no route")

    monkeypatch.setattr(tf_keras.utils, "get_file", fail)
    assert not downloads.cached_download("https://x.invalid/m.gif", tmp_path / "c" / "m.gif", "M")
    assert "Could not download M (ConnectionError)" in capsys.readouterr().out
