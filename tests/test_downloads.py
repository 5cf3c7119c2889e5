"""Tests for helpers.utils.downloads against a loopback mirror: resume, verify, fail clearly.

:class:`Mirror` (also used by test_datasets.py) is a threaded ``http.server`` on 127.0.0.1 that
serves ``<root>/<host>/<path>`` (the ``TFVIDEO_MIRROR`` layout), honours ``Range``, counts the
body bytes it sends and can misbehave on request: drop the connection, stall, ignore ranges.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from helpers.utils import downloads, remote_zip
from helpers.utils.downloads import DownloadError

ROOT = Path(__file__).resolve().parent.parent


class Mirror:
    """A Range-capable loopback file server with byte counting and fault injection.

    ``faults[url]`` is a dict with any of: ``drop_after`` (close after N body bytes; ``times``
    limits how many responses), ``stall`` (seconds to hang before the headers), ``stall_body``
    (seconds to hang after ``drop_after`` bytes), ``throttle`` (seconds between 16 KiB pieces),
    ``no_range`` (answer 200 with the whole file).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[list] = []  # [path, Range header, body bytes sent] per request
        self.faults: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.mirror = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @staticmethod
    def rel(url: str) -> str:
        parts = urlparse(url)
        return f"{parts.netloc}{parts.path}"

    def put(self, url: str, data: bytes) -> Path:
        path = self.root / self.rel(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def fault(self, url: str, **how) -> None:
        self.faults[self.rel(url)] = how

    @property
    def requests(self) -> list[tuple[str, str | None]]:
        return [(rel, rng) for rel, rng, _ in self.log]

    @property
    def served(self) -> int:
        return sum(n for _, _, n in self.log)

    def reset_counts(self) -> None:
        with self.lock:
            self.log = []

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stalled handler must not hold up the test's end

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hang up: that is fine
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        m: Mirror = self.server.mirror  # type: ignore[attr-defined]
        target = urlparse(self.path)  # a proxy request names the whole URL: http://H/P
        rel = f"{target.netloc}{target.path}" if target.netloc else target.path.lstrip("/")
        rng = self.headers.get("Range")
        entry = [rel, rng, 0]
        with m.lock:
            m.log.append(entry)
        fault = m.faults.get(rel, {})
        if "stall" in fault:
            m.release.wait(fault["stall"])
            self.close_connection = True
            return
        file = m.root / rel
        if not file.is_file():
            self.send_error(404, "Not Found")
            return
        data = file.read_bytes()
        size, start, end, status = len(data), 0, len(data) - 1, 200
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", (rng or "").strip())
        if match and not fault.get("no_range"):
            first, last = match.groups()
            if first == "":
                start = max(0, size - int(last))
            else:
                start, end = int(first), min(int(last), size - 1) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        body = data[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        limit = len(body)
        if fault.get("drop_after", limit) < limit and fault.get("times", 1) > 0:
            limit = fault["drop_after"]
            fault["times"] = fault.get("times", 1) - 1
        for at in range(0, limit, 1 << 14):
            piece = body[at : min(at + (1 << 14), limit)]
            try:
                self.wfile.write(piece)
                self.wfile.flush()
            except OSError:  # the client went away
                self.close_connection = True
                return
            with m.lock:
                entry[2] += len(piece)
            if fault.get("throttle"):
                time.sleep(fault["throttle"])
        if limit < len(body):
            if "stall_body" in fault:
                m.release.wait(fault["stall_body"])
            self.close_connection = True  # the client sees a body cut short


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    server = Mirror(tmp_path / "mirror")
    monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield server
    server.close()


def refused_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def payload(n: int, seed: int = 0) -> bytes:
    """Deterministic incompressible bytes."""
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:n])


URL = "https://files.example.org/data/archive.bin"


# --- the mirror switch and the proxy --------------------------------------------------------


def test_mirror_url_rewrites_only_when_set(monkeypatch):
    monkeypatch.delenv(downloads.MIRROR_ENV, raising=False)
    assert downloads.mirror_url(URL) == URL
    monkeypatch.setenv(downloads.MIRROR_ENV, "http://127.0.0.1:8765/")
    assert downloads.mirror_url(URL) == "http://127.0.0.1:8765/files.example.org/data/archive.bin"
    assert downloads.mirror_url("https://h.org/a?x=1").endswith("/h.org/a?x=1")
    assert downloads.mirror_url("file:///tmp/x") == "file:///tmp/x"


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


def test_a_download_goes_through_a_configured_proxy(mirror, tmp_path, monkeypatch):
    monkeypatch.delenv(downloads.MIRROR_ENV)
    monkeypatch.setenv("http_proxy", mirror.url)  # the mirror answers proxy requests too
    monkeypatch.setenv("no_proxy", "")
    data = payload(5000)
    mirror.put("http://files.invalid/p.bin", data)
    downloads.download("http://files.invalid/p.bin", tmp_path / "p.bin", progress=False)
    assert (tmp_path / "p.bin").read_bytes() == data
    assert mirror.requests == [("files.invalid/p.bin", None)]


# --- download: cache, resume, verify ---------------------------------------------------------


def test_download_is_complete_verified_and_cached(mirror, tmp_path, capsys):
    data = payload(300_000)
    mirror.put(URL, data)
    target = tmp_path / "out" / "archive.bin"
    sha = hashlib.sha256(data).hexdigest()
    assert downloads.download(URL, target, sha256=sha, size=len(data)) == len(data)
    assert target.read_bytes() == data and not list(target.parent.glob("*.incomplete"))
    assert "archive.bin" in capsys.readouterr().err  # the progress bar
    mirror.reset_counts()
    assert downloads.download(URL, target, sha256=sha, progress=False) == 0
    assert mirror.requests == []  # a second run is a no-op


def test_a_dropped_download_resumes_with_a_range_request(mirror, tmp_path):
    data = payload(200_000)
    mirror.put(URL, data)
    mirror.fault(URL, drop_after=70_000, times=1)
    target = tmp_path / "archive.bin"
    with pytest.raises(DownloadError) as err:
        downloads.download(URL, target, retries=0, progress=False, timeout=5)
    have = (tmp_path / "archive.bin.incomplete").stat().st_size  # whole chunks of what arrived
    assert 0 < have <= 70_000 and not target.exists()
    assert str(err.value) == (
        f"{mirror.url}/files.example.org/data/archive.bin: truncated: connection dropped "
        f"mid-transfer after {have} of 200000 bytes (rerun to resume)"
    )
    mirror.reset_counts()
    assert downloads.download(URL, target, progress=False) == len(data) - have
    assert mirror.requests == [(Mirror.rel(URL), f"bytes={have}-")]
    assert mirror.served == len(data) - have
    assert target.read_bytes() == data


def test_a_dropped_connection_is_resumed_within_the_call(mirror, tmp_path):
    data = payload(100_000)
    mirror.put(URL, data)
    mirror.fault(URL, drop_after=40_000, times=2)
    target = tmp_path / "archive.bin"
    downloads.download(URL, target, retries=2, progress=False)
    assert target.read_bytes() == data
    ranges = [r for _, r in mirror.requests]
    assert len(ranges) == 3 and ranges[0] is None
    assert all(r.startswith("bytes=") for r in ranges[1:])


def test_a_server_ignoring_the_range_restarts_cleanly(mirror, tmp_path):
    data = payload(50_000)
    mirror.put(URL, data)
    (tmp_path / "archive.bin.incomplete").write_bytes(data[:20_000])
    mirror.fault(URL, no_range=True)
    downloads.download(URL, tmp_path / "archive.bin", progress=False)
    assert (tmp_path / "archive.bin").read_bytes() == data


def test_a_download_killed_with_sigkill_resumes_to_identical_bytes(mirror, tmp_path):
    data = payload(1_500_000)
    mirror.put(URL, data)
    mirror.fault(URL, throttle=0.02)  # about 1.8 s for the whole file
    target = tmp_path / "archive.bin"
    partial = tmp_path / "archive.bin.incomplete"
    code = "import sys; from helpers.utils import downloads; downloads.download(sys.argv[1], "
    code += "sys.argv[2], progress=False)"
    env = {**os.environ, "PYTHONPATH": str(ROOT), downloads.MIRROR_ENV: mirror.url}
    proc = subprocess.Popen([sys.executable, "-c", code, URL, str(target)], env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if partial.exists() and partial.stat().st_size >= 300_000:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    have = partial.stat().st_size
    assert 300_000 <= have < len(data) and not target.exists()
    mirror.fault(URL)  # full speed again
    mirror.reset_counts()
    downloads.download(URL, target, progress=False)
    assert target.read_bytes() == data
    assert mirror.requests == [(Mirror.rel(URL), f"bytes={have}-")]
    assert mirror.served == len(data) - have


# --- one clear line per failure --------------------------------------------------------------


def _fails(url: str, target: Path, **kwargs) -> str:
    with pytest.raises(DownloadError) as err:
        downloads.download(url, target, progress=False, **kwargs)
    text = str(err.value)
    assert "\n" not in text and len(text) < 300
    assert not target.exists()
    return text


def test_http_404_is_one_line(mirror, tmp_path):
    text = _fails("https://files.example.org/missing.bin", tmp_path / "m.bin")
    assert text == f"{mirror.url}/files.example.org/missing.bin: HTTP 404 Not Found"


def test_a_refused_connection_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv(downloads.MIRROR_ENV, refused_url())
    text = _fails(URL, tmp_path / "x.bin")
    assert text.endswith("files.example.org/data/archive.bin: connection refused")


def test_a_server_that_never_answers_times_out(mirror, tmp_path):
    mirror.put(URL, payload(1000))
    mirror.fault(URL, stall=10)
    began = time.monotonic()
    text = _fails(URL, tmp_path / "x.bin", timeout=0.3)
    assert text.endswith("server stalled (no data for 0.3 s)") and time.monotonic() - began < 5


def test_a_server_that_stalls_mid_body_fails_and_keeps_the_partial(mirror, tmp_path):
    mirror.put(URL, payload(100_000))
    mirror.fault(URL, drop_after=80_000, times=9, stall_body=10)
    text = _fails(URL, tmp_path / "x.bin", timeout=0.3, retries=0)
    assert "truncated: server stalled (no data for 0.3 s) after 65536 of 100000 bytes" in text
    assert (tmp_path / "x.bin.incomplete").stat().st_size == 65_536


def test_a_body_cut_short_every_time_is_truncated(mirror, tmp_path):
    mirror.put(URL, payload(100_000))
    mirror.fault(URL, drop_after=10_000, times=99)
    text = _fails(URL, tmp_path / "x.bin", retries=2)
    assert re.search(r"truncated: connection dropped mid-transfer after \d+ of 100000 bytes", text)
    assert mirror.requests and len(mirror.requests) == 3  # the first try and two resumes


def test_a_wrong_hash_or_size_leaves_nothing(mirror, tmp_path):
    mirror.put(URL, payload(10_000))
    text = _fails(URL, tmp_path / "x.bin", sha256="0" * 64)
    assert "sha256 mismatch" in text and not (tmp_path / "x.bin.incomplete").exists()
    assert "server has 10000 bytes, expected 9999" in _fails(URL, tmp_path / "x.bin", size=9999)


# --- zip members by range requests ----------------------------------------------------------

ZIP_URL = "https://files.example.org/big.zip"


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


MEMBERS = {f"top/m{i}.bin": payload(120_000, seed=i) for i in range(8)}


def test_only_the_chosen_members_are_fetched(mirror, tmp_path):
    blob = _zip(MEMBERS)
    mirror.put(ZIP_URL, blob)

    def choose(info):
        return tmp_path / "x" / "m3.bin" if info.filename.endswith("m3.bin") else None

    got = remote_zip.fetch_zip_members(ZIP_URL, choose, progress=False)
    assert (tmp_path / "x" / "m3.bin").read_bytes() == MEMBERS["top/m3.bin"]
    assert (got.fetched, got.cached, got.bytes, got.zip_size) == (1, 0, 120_000, len(blob))
    assert mirror.served < 200_000 < len(blob) / 4  # one member and the directory, of ~1 MB
    assert all(r is not None for _, r in mirror.requests)  # range requests only
    mirror.reset_counts()
    again = remote_zip.fetch_zip_members(ZIP_URL, choose, progress=False)
    assert (again.fetched, again.cached) == (0, 1)
    assert mirror.served < 70_000  # only the directory


def test_a_member_cut_short_is_read_again_or_fails_in_one_line(mirror, tmp_path):
    mirror.put(ZIP_URL, _zip(MEMBERS))
    mirror.fault(ZIP_URL, drop_after=100_000, times=1)  # only member reads are that long

    def choose(info):
        return tmp_path / Path(info.filename).name if info.filename.endswith("m5.bin") else None

    remote_zip.fetch_zip_members(ZIP_URL, choose, progress=False)
    assert (tmp_path / "m5.bin").read_bytes() == MEMBERS["top/m5.bin"]
    assert sum(1 for _, r in mirror.requests if r and not r.startswith("bytes=-")) == 2
    (tmp_path / "m5.bin").unlink()
    mirror.fault(ZIP_URL, drop_after=100_000, times=99)
    with pytest.raises(DownloadError) as err:
        remote_zip.fetch_zip_members(ZIP_URL, choose, retries=1, progress=False)
    assert str(err.value).endswith("big.zip: top/m5.bin: connection dropped mid-transfer")
    assert list(tmp_path.glob("m5*")) == []


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_corrupt_member_is_caught_and_nothing_is_left(mirror, tmp_path, method):
    members = {"a.txt": b"hello " * 20_000, "b.txt": b"world " * 20_000}
    blob = bytearray(_zip(members, method))
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as archive:
        info = archive.getinfo("b.txt")
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    blob[at] ^= 0xFF  # one flipped byte in b.txt's data
    mirror.put(ZIP_URL, bytes(blob))
    with pytest.raises(DownloadError) as err:
        remote_zip.fetch_zip_members(ZIP_URL, lambda i: tmp_path / i.filename, progress=False)
    text = str(err.value)
    assert "\n" not in text and text.startswith(f"{mirror.url}/files.example.org/big.zip: b.txt:")
    assert "corrupt member" in text
    assert (tmp_path / "a.txt").read_bytes() == members["a.txt"]  # finished before: kept
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["a.txt"]


def test_a_missing_zip_or_one_without_range_support_is_one_line(mirror, tmp_path):
    with pytest.raises(DownloadError, match=r"big\.zip: HTTP 404 Not Found$"):
        remote_zip.fetch_zip_members(ZIP_URL, lambda i: None, progress=False)
    mirror.put(ZIP_URL, _zip(MEMBERS))
    mirror.fault(ZIP_URL, no_range=True)
    with pytest.raises(DownloadError, match=r"big\.zip: .*range requests"):
        remote_zip.fetch_zip_members(ZIP_URL, lambda i: None, progress=False)


# --- cached_download (the MoViNet stage's labels and GIF) ------------------------------------


def test_cached_download_fetches_once_and_reports_a_failure(mirror, tmp_path, capsys):
    mirror.put("https://x.example/l.txt", b"a\n")
    path = tmp_path / "cache" / "labels.txt"
    assert downloads.cached_download("https://x.example/l.txt", path, "the labels")
    assert downloads.cached_download("https://x.example/l.txt", path, "the labels")
    assert path.read_text() == "a\n" and len(mirror.requests) == 1  # the second call used the file
    capsys.readouterr()
    assert not downloads.cached_download("https://x.example/m.gif", tmp_path / "c" / "m.gif", "M")
    said = capsys.readouterr().out
    assert said == "Could not download M (HTTP 404 Not Found); using an offline copy.\n"
