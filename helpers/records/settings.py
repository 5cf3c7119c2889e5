"""How clips become records: :class:`RecordConfig` (decoding, JPEG quality, truncation).

One frozen dataclass, shared by the local writer, the Beam pipeline and the manifests (which store
``to_dict()`` and rebuild it with ``from_dict``)::

    from helpers.records.settings import RecordConfig  # re-exported there
    cfg = RecordConfig(fps=25, size=128, policy="fixed", frames_per_example=16, short_policy="loop")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from helpers.records import truncation

__all__ = ["RecordConfig"]


@dataclasses.dataclass(frozen=True)
class RecordConfig:
    """How clips become records: decoding, JPEG quality and the truncation policy.

    Attributes:
        fps: Resample to this frame rate; None keeps the source rate.
        size: None keeps the source size; an int is the short side (or the square for
            ``"center_crop"``); ``(height, width)`` with ``"exact"``.
        resize_mode: ``"short_side"``, ``"exact"`` or ``"center_crop"`` (see ``helpers.frames``).
        quality: JPEG quality, 1-100.
        policy: One of ``helpers.records.truncation.POLICIES``.
        frames_per_example: Frames per example for ``"fixed"``.
        short_policy: ``"drop"``, ``"loop"`` or ``"repeat_last"`` for clips shorter than
            ``frames_per_example``.
        chunk_length: Window length for ``"chunks"``; defaults to ``frames_per_example``.
        group_size: Group size (usually the batch size) for ``"group_shortest"``.
        max_frames: Stop decoding after this many frames (None: no limit).
    """

    fps: float | None = None
    size: int | tuple[int, int] | None = None
    resize_mode: str = "short_side"
    quality: int = 90
    policy: str = "none"
    frames_per_example: int | None = None
    short_policy: str = "drop"
    chunk_length: int | None = None
    group_size: int = 8
    max_frames: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.size, list):
            object.__setattr__(self, "size", tuple(self.size))
        if self.policy == "chunks" and self.chunk_length is None:
            object.__setattr__(self, "chunk_length", self.frames_per_example)
        if not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be in 1..100, got {self.quality}")
        # Raises a clear ValueError for a bad policy or a missing length parameter.
        truncation.policy_indices(
            0,
            self.policy,
            frames_per_example=self.frames_per_example,
            short_policy=self.short_policy,
            chunk_length=self.chunk_length,
            truncate_to=0 if self.policy == "group_shortest" else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Returns the settings as a JSON-ready dict (for the manifest)."""
        out = dataclasses.asdict(self)
        if isinstance(self.size, tuple):
            out["size"] = list(self.size)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordConfig:
        """Builds a config from ``to_dict`` output (for example a manifest's ``config``)."""
        return cls(**dict(data))
