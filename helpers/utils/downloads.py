"""The project's one network layer: reachability, mirrors, verified resumable downloads, zips.

Every byte the project fetches goes through here, so one switch redirects all of it and every
failure reads the same way::

    from helpers.utils import downloads
    downloads.network()                                       # the run's one decision
    downloads.mirror_url("https://host/a/b.zip")              # $TFVIDEO_MIRROR/host/a/b.zip if set
    downloads.download(url, Path("data/x.tar.gz"), sha256=None)   # bytes received (0: cached)
    downloads.cached_download(url, Path("data/x.txt"), "x")   # True when the file is there
    downloads.unpack_tar(Path("data/x.tar.gz"), Path("data/x"), url=url)  # all or nothing

A download writes ``<file>.incomplete``, resumes it with an HTTP ``Range`` request after a crash or
a kill, checks the size (and the sha256 when known), then renames it: the final name only ever
holds a complete, verified file, and a second run finds it and does nothing. Each failure (HTTP
error, refused connection, stalled server, truncated body, bad checksum) raises one
:class:`DownloadError` whose message is one line, ``"<url>: <reason>"``.

Environment variables:

* ``TFVIDEO_MIRROR``: a base URL (e.g. ``http://127.0.0.1:8765``). ``https://H/P`` is then
  fetched from ``$TFVIDEO_MIRROR/H/P``: a local copy for offline machines, and the tests' server.
* ``https_proxy``, ``http_proxy``, ``no_proxy``: the standard proxy settings, honoured by
  :func:`reachable` and by every download (requests).

Whether to go online at all is decided once per run by :func:`network` (see
:mod:`helpers.utils.reachability`); callers ask it before they download.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import re
import shutil
import socket
import tarfile
import zlib
from pathlib import Path
from urllib.parse import urlparse

import requests
import urllib3
from tqdm.auto import tqdm

from helpers.utils.atomic import PARTIAL_SUFFIX
from helpers.utils.reachability import Network, network, reachable

__all__ = [
    "MIRROR_ENV",
    "DownloadError",
    "Network",
    "cached_download",
    "download",
    "failure_reason",
    "mirror_url",
    "network",
    "fetch_if_online",
    "reachable",
    "unpack_tar",
]

MIRROR_ENV = "TFVIDEO_MIRROR"
"""The environment variable naming a mirror that replaces every download's host."""

_CHUNK = 1 << 14  # a dropped connection loses the piece in flight: keep it small


class DownloadError(OSError):
    """A download failed; ``str(err)`` is one line: ``"<url>: <reason>"``.

    Attributes:
        url: The URL that was requested (after :func:`mirror_url`).
        reason: What went wrong, in a few words.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = " ".join(str(reason).split())  # one line, whatever the cause printed
        super().__init__(f"{url}: {self.reason}")

    def __str__(self) -> str:  # OSError would print its args as a tuple.
        return f"{self.url}: {self.reason}"


def mirror_url(url: str) -> str:
    """Redirects ``url`` to the ``TFVIDEO_MIRROR`` base URL when that is set.

    Args:
        url: The real (upstream) URL, e.g. ``https://example.org/data/x.zip``.

    Returns:
        ``$TFVIDEO_MIRROR/example.org/data/x.zip`` (query kept), or ``url`` unchanged when the
        variable is unset or the URL is not http(s).
    """
    base = os.environ.get(MIRROR_ENV, "").strip().rstrip("/")
    parts = urlparse(url)
    if not base or parts.scheme not in ("http", "https"):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{base}/{parts.netloc}{parts.path}{query}"


def failure_reason(err: BaseException, timeout: float) -> str:
    """A few words for a requests/urllib3/socket failure (their own messages are pages long)."""
    text = repr(err)
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(err, (requests.exceptions.ReadTimeout, TimeoutError, socket.timeout)) or (
        "timed out" in text
    ):
        return f"server stalled (no data for {timeout:g} s)"
    if "Connection refused" in text:
        return "connection refused"
    if "NameResolutionError" in text or "Name or service not known" in text:
        return "host not found"
    status = re.search(r"(\d{3}) (?:Client|Server) Error: (.*?) for url", text)
    if status:  # requests' raise_for_status() text, e.g. inside remotezip's errors
        return f"HTTP {status.group(1)} {status.group(2)}"
    dropped = (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError)
    if isinstance(err, dropped):
        return "connection dropped mid-transfer"
    return f"{type(err).__name__}: {str(err)[:200]}"


# What a transfer can raise (requests wraps most; a streamed body can leak urllib3's and
# http.client's own). A local disk error is none of these: it propagates as itself.
NETWORK_ERRORS = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
)


def _total_from(resp: requests.Response) -> int | None:
    """The full file size from ``Content-Range: bytes a-b/N`` or ``Content-Length``."""
    match = re.search(r"/(\d+)\s*$", resp.headers.get("Content-Range", ""))
    if match:
        return int(match.group(1))
    length = resp.headers.get("Content-Length")
    return int(length) if resp.status_code == 200 and length and length.isdigit() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _complete(path: Path, size: int | None, sha256: str | None) -> bool:
    """True when ``path`` exists and matches whatever of size and hash is known."""
    if not path.is_file():
        return False
    if size is not None and path.stat().st_size != size:
        return False
    return sha256 is None or _sha256(path) == sha256.lower()


def download(
    url: str,
    path: str | os.PathLike,
    *,
    sha256: str | None = None,
    size: int | None = None,
    timeout: float = 30.0,
    retries: int = 2,
    progress: bool = True,
    session: requests.Session | None = None,
) -> int:
    """Downloads ``url`` to ``path`` resumably, verifies it and renames it into place.

    The body goes to ``<path>.partial``. A partial file left by an earlier run (or by a dropped
    connection, retried up to ``retries`` times) is resumed with ``Range: bytes=<have>-``; a
    server that ignores the range sends the whole file again. The size (from the server, or
    ``size``) and ``sha256`` are checked before the rename, so ``path`` only ever holds a whole,
    verified file.

    Args:
        url: The real URL; :func:`mirror_url` decides where it is fetched from.
        path: The final file. Its folder is created.
        sha256: Expected hex digest, or None to skip the hash check.
        size: Expected size in bytes, or None to trust the server's.
        timeout: Seconds to wait for a connection, and for each piece of data (a stalled
            server fails after this long without a byte).
        retries: How often a connection dropped mid-body is resumed before giving up.
        progress: Show a tqdm progress bar.
        session: A requests session to reuse connections (default: a new one).

    Returns:
        Bytes received over the network; 0 when ``path`` was already complete.

    Raises:
        DownloadError: HTTP error, refused or stalled connection, truncated body, wrong size or
            hash. A resumable ``.partial`` file is kept (unless its content is wrong).
    """
    path = Path(path)
    if _complete(path, size, sha256):
        return 0
    real = mirror_url(url)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        active = session or stack.enter_context(requests.Session())
        return _download(active, real, path, partial, sha256, size, timeout, retries, progress)


def _download(
    session: requests.Session,
    real: str,
    path: Path,
    partial: Path,
    sha256: str | None,
    size: int | None,
    timeout: float,
    retries: int,
    progress: bool,
) -> int:
    """:func:`download` after the cache check: the attempts, the checks, the rename."""
    received, expected, failure = 0, size, ""
    for _attempt in range(retries + 1):
        have = partial.stat().st_size if partial.exists() else 0
        if expected is not None and have >= expected:
            break
        headers = {"Accept-Encoding": "identity"}  # ranges count the file's own bytes
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            resp = session.get(real, stream=True, timeout=(timeout, timeout), headers=headers)
        except NETWORK_ERRORS as err:
            raise DownloadError(real, failure_reason(err, timeout)) from err
        with resp:
            if resp.status_code == 416 and have:  # nothing after `have`: already whole, or wrong
                total = _total_from(resp)
                if total == have and (expected is None or expected == have):
                    expected = have
                    break
                partial.unlink()
                continue
            if resp.status_code >= 400:
                raise DownloadError(real, f"HTTP {resp.status_code} {resp.reason}".strip())
            if resp.status_code != 206:  # the server ignored the range: start over
                have = 0
            total = _total_from(resp)
            if expected is not None and total is not None and total != expected:
                raise DownloadError(real, f"server has {total} bytes, expected {expected}")
            expected = expected if expected is not None else total
            got, failure = _receive(resp, partial, have, expected, timeout, progress)
            received += got
        if not failure:
            break
    have = partial.stat().st_size if partial.exists() else 0
    if failure or (expected is not None and have < expected):
        why = failure or "connection closed early"
        of = f" of {expected}" if expected is not None else ""
        raise DownloadError(real, f"truncated: {why} after {have}{of} bytes (rerun to resume)")
    if expected is not None and have != expected:
        partial.unlink()
        raise DownloadError(real, f"got {have} bytes, expected {expected}")
    if sha256 is not None and (digest := _sha256(partial)) != sha256.lower():
        partial.unlink()  # wrong content cannot be resumed
        raise DownloadError(real, f"sha256 mismatch: got {digest[:12]}..., want {sha256[:12]}...")
    os.replace(partial, path)
    return received


def _receive(
    resp: requests.Response, partial: Path, have: int, total: int | None, timeout: float, bar: bool
) -> tuple[int, str]:
    """Appends the body to ``partial`` (fsynced); returns (bytes received, failure or '')."""
    got, failure = 0, ""
    name = partial.name.removesuffix(PARTIAL_SUFFIX)
    with (
        open(partial, "ab" if have else "wb") as out,
        tqdm(
            total=total, initial=have, unit="B", unit_scale=True, desc=name, disable=not bar
        ) as pb,
    ):
        try:
            for chunk in resp.iter_content(_CHUNK):
                out.write(chunk)
                got += len(chunk)
                pb.update(len(chunk))
        except NETWORK_ERRORS as err:  # keep what arrived: the next attempt resumes it
            failure = failure_reason(err, timeout)
        out.flush()
        os.fsync(out.fileno())
    return got, failure


def cached_download(url: str, path: Path, what: str) -> bool:
    """Downloads ``url`` to ``path`` once (with :func:`download`); True when the file is there.

    A failed download prints one line naming ``what`` and the reason, and returns False so the
    caller can fall back to an offline copy.
    """
    if not path.exists():
        try:
            download(url, path, timeout=10.0)
        except DownloadError as err:  # the caller falls back
            print(f"Could not download {what} ({err.reason}); using an offline copy.")
    return path.exists()


def fetch_if_online(url: str, path: Path, what: str, *, offline: bool | None = None) -> bool:
    """Downloads ``url`` to ``path`` once if the run is online; True when the file is there.

    Args:
        url: What to fetch.
        path: Where it is cached.
        what: Its name in messages, e.g. ``"the Kinetics-600 labels"``.
        offline: None follows the run's one decision (:func:`network`) and says so when it is
            offline; True or False decide it for this call, silently.
    """
    if not path.exists():
        net = network() if offline is None else Network(not offline, "asked")
        if net.online:
            cached_download(url, path, what)
        elif offline is None:
            print(f"Offline ({net.reason}): {what} not downloaded.")
    return path.exists()


def unpack_tar(archive: Path, dest: Path, *, url: str) -> Path:
    """Unpacks a (gzipped) tar archive into ``dest``, all or nothing.

    The members go to ``<dest>.partial`` (the ``data`` filter refuses absolute paths and links
    out of the folder), which is renamed to ``dest`` when complete. A damaged archive (truncated,
    not gzip, not tar) is deleted, so the next run downloads it again.

    Args:
        archive: The downloaded ``.tar.gz``.
        dest: The folder to create (replaced if it exists).
        url: The archive's URL, for the error message.

    Returns:
        ``dest``.

    Raises:
        DownloadError: The archive is damaged; the message says how.
    """
    partial = dest.with_name(dest.name + PARTIAL_SUFFIX)
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(partial, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        shutil.rmtree(partial, ignore_errors=True)
        archive.unlink(missing_ok=True)  # a damaged file would fail the same way every run
        why = str(err) or type(err).__name__
        raise DownloadError(mirror_url(url), f"damaged archive, deleted ({why})") from err
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(partial, dest)
    return dest
