"""What the dataset fetchers share: the cache, their error type, the network check, whole writes."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import config
from helpers.utils import atomic, downloads

__all__ = ["DatasetError", "default_cache", "require_online", "write_if_changed"]


class DatasetError(ValueError):
    """A request or a fetched file makes no sense; ``str(err)`` is ``"<where>: <reason>"``.

    Attributes:
        where: The URL or file at fault.
        reason: What is wrong, in a few words.
    """

    def __init__(self, where: str | os.PathLike, reason: str) -> None:
        self.where = str(where)
        self.reason = reason
        super().__init__(f"{self.where}: {reason}")


def default_cache() -> Path:
    """Where downloaded archives are kept, so a rerun fetches nothing (``DATA_DIR/downloads``)."""
    return config.DATA_DIR / "downloads"


def require_online(url: str) -> None:
    """Asks the run's one reachability decision before ``url`` is fetched.

    Offline (``CI``, ``TFVIDEO_OFFLINE``, or a probe that found no network or no
    ``TFVIDEO_MIRROR`` server), this fails at once with one line instead of a timeout per file.
    Only called when something is missing: a complete folder needs no network.

    Args:
        url: The real URL about to be fetched.

    Raises:
        helpers.utils.downloads.DownloadError: ``"<url>: offline: <reason>"``.
    """
    net = downloads.network()
    if not net.online:
        raise downloads.DownloadError(downloads.mirror_url(url), f"offline: {net.reason}")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Writes ``data`` to ``path`` in one piece unless the file already holds exactly that.

    Returns:
        True when the file was written.
    """
    if path.is_file() and path.read_bytes() == data:
        return False  # a rerun leaves finished files (and their times) alone
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.atomic_write_bytes(path, data)
    return True
