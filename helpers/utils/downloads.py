"""The network side of the MoViNet stage: is a host there, and a download cached once.

Our CI and many corporate machines have no route to TF Hub or GitHub, and a blocked connection
can hang for minutes. The loaders therefore ask :func:`reachable` first (a 3-second connect, via
the configured proxy when there is one) and fall back, loudly, to an offline path::

    from helpers.utils import downloads
    downloads.reachable("https://tfhub.dev/...")              # None, or why not
    downloads.cached_download(url, Path("data/x.txt"), "x")   # True when the file is there
"""

from __future__ import annotations

import concurrent.futures
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["cached_download", "reachable"]


def reachable(url: str, timeout: float = 3.0) -> str | None:
    """None when the URL's host (or its proxy) accepts a connection quickly, else the reason."""
    parts = urlparse(url)
    host, port = parts.hostname or "", 443
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):  # hub.load's urllib goes through it
        via = urlparse(proxy if "://" in proxy else f"http://{proxy}")
        host, port = via.hostname or "", via.port or 8080

    def connect() -> None:
        socket.create_connection((host, port), timeout=timeout).close()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(connect).result(timeout=timeout + 1)
    except concurrent.futures.TimeoutError:
        return f"no answer from {host} within {timeout:.0f} s"
    except OSError as err:
        return f"cannot reach {host}: {err}"
    finally:
        pool.shutdown(wait=False)
    return None


def cached_download(url: str, path: Path, what: str) -> bool:
    """Downloads ``url`` to ``path`` once (``tf_keras.utils.get_file``); True when it is there.

    A failed download prints one line naming ``what`` and the error type, and returns False so the
    caller can fall back to an offline copy.
    """
    if not path.exists():
        try:
            import tf_keras

            tf_keras.utils.get_file(fname=path.name, origin=url, cache_dir=str(path.parent.parent),
                                    cache_subdir=path.parent.name)  # fmt: skip
        except Exception as err:  # any download failure: the caller falls back
            print(f"Could not download {what} ({type(err).__name__}); using an offline copy.")
    return path.exists()
