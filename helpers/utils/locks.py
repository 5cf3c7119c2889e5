"""One process at a time: a lock file for the generate-once helpers (sample data, sample records).

Two notebooks opened at once, or ``pytest -n 2``, may both find a data folder missing::

    with locks.exclusive(folder.parent / f".{folder.name}.lock"):
        if not done(folder):   # look again: the other process may have made it meanwhile
            make(folder)

The lock is ``fcntl.flock`` on the lock file: the operating system releases it when the holder
exits, so a killed run leaves no stale lock (the file itself stays, empty). Where ``fcntl`` is
missing (Windows) the block runs unlocked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["exclusive"]


@contextlib.contextmanager
def exclusive(lock_path: str | os.PathLike) -> Iterator[Path]:
    """Holds an exclusive lock on ``lock_path`` (created if needed) for the ``with`` block.

    A second process entering the block for the same path waits until the first one leaves it.

    Args:
        lock_path: The lock file; its folder is created if needed.

    Yields:
        The lock file's path.
    """
    path = Path(lock_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield path
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
