"""The one reachability decision of a run: online or offline, and why.

Every online path (TF Hub / Kaggle models, the Model Garden checkpoint, the Kinetics-600 labels,
the example GIF, datasets) asks :func:`network` before it downloads, so one run takes one path
and says which::

    from helpers.utils import downloads
    net = downloads.network()      # decided once per process, printed once
    if not net.online:
        print(f"offline ({net.reason}): using the stand-in")

The decision, in order:

1. ``CI`` or ``TFVIDEO_OFFLINE=1`` (see :mod:`helpers.config`) force offline.
2. ``TFVIDEO_NETWORK`` carries a decision already made for this run (``notebooks/run.py`` decides
   once and hands it to every notebook kernel): ``online: <why>`` or ``offline: <why>``.
3. Otherwise one quick probe: a DNS lookup and a TCP connection to :data:`PROBE_URL`'s host (or
   to the ``TFVIDEO_MIRROR`` server when one is set: the mirror *is* the network), through the
   ``https_proxy`` when one applies. Each step has a short timeout, so a machine without a
   network, or one that drops packets, decides within seconds.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import socket
import time
import urllib.request
from urllib.parse import urlparse

from helpers import config

__all__ = [
    "NETWORK_ENV",
    "PROBE_URL",
    "Network",
    "decide",
    "network",
    "reachable",
]

NETWORK_ENV = "TFVIDEO_NETWORK"
"""Carries a decision made by a parent process (``online: ...`` / ``offline: ...``)."""

PROBE_URL = "https://storage.googleapis.com/"
"""The host probed: it serves the Model Garden checkpoints and, behind tfhub.dev, the hub models."""

_MIRROR_ENV = "TFVIDEO_MIRROR"  # the same variable as downloads.MIRROR_ENV (downloads imports us)


@dataclasses.dataclass(frozen=True)
class Network:
    """The run's reachability decision.

    Attributes:
        online: True when downloads should be attempted.
        reason: Why, in a few words (e.g. ``DNS lookup for storage.googleapis.com failed``).
    """

    online: bool
    reason: str

    def __str__(self) -> str:
        return f"{'online' if self.online else 'offline'}: {self.reason}"

    @classmethod
    def parse(cls, text: str) -> Network | None:
        """Reads ``"online: why"`` / ``"offline: why"`` (the ``str()`` form); None if neither."""
        state, _, reason = text.partition(":")
        if state.strip() not in ("online", "offline"):
            return None
        return cls(state.strip() == "online", reason.strip() or "decided by the parent process")


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """``socket.getaddrinfo`` with a timeout (the resolver itself has none)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM).result(timeout)
    finally:
        pool.shutdown(wait=False)  # a hung lookup thread must not hold the caller


def reachable(url: str, timeout: float = 3.0) -> str | None:
    """None when the URL's host (or its proxy) resolves and accepts a connection, else why not.

    Args:
        url: Any http(s) URL; only its host and port are used.
        timeout: Seconds allowed for the DNS lookup, and again for the connection.

    Returns:
        None, or one line such as ``DNS lookup for tfhub.dev failed (Name or service not known)``.
    """
    parts = urlparse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    via = ""
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):  # downloads go through it too
        proxy_url = urlparse(proxy if "://" in proxy else f"http://{proxy}")
        host, port, via = proxy_url.hostname or "", proxy_url.port or 8080, " (the proxy)"
    try:
        addresses = _resolve(host, port, timeout)
    except concurrent.futures.TimeoutError:
        return f"DNS lookup for {host}{via} timed out after {timeout:g} s"
    except OSError as err:
        return f"DNS lookup for {host}{via} failed ({err.strerror or err})"
    family, kind, proto, _, address = addresses[0]
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
    except TimeoutError:
        return f"no answer from {host}:{port}{via} within {timeout:g} s"
    except OSError as err:
        return f"cannot connect to {host}:{port}{via} ({err.strerror or err})"
    return None


def decide(timeout: float = 3.0) -> Network:
    """Makes the decision afresh (see the module docstring); :func:`network` caches it."""
    if config.OFFLINE:
        return Network(False, config.OFFLINE_REASON)
    inherited = Network.parse(os.environ.get(NETWORK_ENV, ""))
    if inherited is not None:
        return inherited
    mirror = os.environ.get(_MIRROR_ENV, "").strip()
    target = mirror or PROBE_URL
    began = time.perf_counter()
    why = reachable(target, timeout)
    if why is not None:
        return Network(False, f"mirror {mirror}: {why}" if mirror else why)
    ms = (time.perf_counter() - began) * 1000
    host = urlparse(target).netloc
    return Network(True, f"{'mirror ' if mirror else ''}{host} answered in {ms:.0f} ms")


_decision: Network | None = None


def network(*, refresh: bool = False, quiet: bool = False) -> Network:
    """Returns the run's decision, probing once per process and printing it once.

    Args:
        refresh: Decide again (e.g. after changing the environment in a test).
        quiet: Do not print the decision when it is made now.

    Returns:
        A :class:`Network`; ``str()`` of it is the line to show.
    """
    global _decision
    if _decision is None or refresh:
        _decision = decide()
        if not quiet:
            print(f"network: {_decision}", flush=True)
    return _decision
