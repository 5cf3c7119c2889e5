"""What the dataset fetchers share: the download cache, their error type, whole-file writes."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import config
from helpers.utils import atomic

__all__ = ["DatasetError", "default_cache", "write_if_changed"]


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
