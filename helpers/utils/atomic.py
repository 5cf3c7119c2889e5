"""Writing a file so that a crash leaves either the old file or the whole new one, never a cut.

Every output the project writes in one piece (shard sidecars, manifests, TFLite models, training
histories) goes through here::

    atomic_write_bytes("model.tflite", data)        # model.tflite.incomplete, fsync, rename
    atomic_write_json("manifest.json", {"shards": 4})
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["PARTIAL_SUFFIX", "atomic_write_bytes", "atomic_write_json", "partial_name"]

PARTIAL_SUFFIX = ".incomplete"
"""Appended to a file's name while it is written (shards, indexes and the Beam manifest too)."""


def partial_name(path: str | os.PathLike) -> Path:
    """The temporary sibling a file is written to first: ``name.incomplete``.

    (:data:`helpers.records.framing.SIDECAR_SUFFIXES` lists the suffix, so a shard pattern such as
    ``*.tfrecord*`` never picks up a half-written file.)
    """
    path = Path(path)
    return path.with_name(path.name + PARTIAL_SUFFIX)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to :func:`partial_name`, fsyncs it and renames it over ``path``.

    If anything fails (a full disk, a kill before the rename), ``path`` is untouched and the
    partial file is removed when Python gets the chance.

    Returns:
        ``path``.
    """
    path = Path(path)
    tmp = partial_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    """:func:`atomic_write_bytes` of ``data`` as indented JSON (keys in their order)."""
    return atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
