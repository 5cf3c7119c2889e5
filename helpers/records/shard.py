"""One shard's content: its videos converted, and everything the manifest reports about them.

Both writers (``helpers.writer`` on one machine, ``helpers.beam`` on a runner) convert a shard's
videos with :func:`convert_items`, so they write the same examples and report failures, clips
the policy dropped, partial decodes, variable-frame-rate sources and raw streams with no frame
rate the same way::

    content = convert_items(items, targets, label_map, cfg)
    content.examples                      # [(clip id, k, serialized example)], in item order
    content.stats()                       # the manifest's shard statistics and report rows
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from helpers import frames as frames_lib
from helpers.records.encode import item_to_examples_with_stats
from helpers.records.settings import RecordConfig
from helpers.sources import VideoItem

__all__ = ["Converter", "ShardContent", "convert_items", "failure_reason"]

Converter = Callable[[VideoItem, "int | None"], "tuple[list[bytes], dict[str, Any]]"]
"""``(item, truncate_to) -> (serialized examples, stats)``: one video's conversion."""


def failure_reason(err: BaseException) -> str:
    """The reason a video failed, for the report: a decode error's own words, else the type."""
    reason = getattr(err, "reason", None)  # VideoDecodeError: without its path (a row field)
    return str(reason) if reason else f"{type(err).__name__}: {err}"


@dataclasses.dataclass
class ShardContent:
    """A shard's converted videos and its report.

    Attributes:
        examples: ``(clip id, example number, serialized)`` for every example, in item order.
        clip_ids: The clips that gave at least one example.
        num_frames: Frames written (looped frames count each time).
        label_counts: Label -> examples (``""`` for unlabelled clips).
        frame_sizes: The distinct ``(height, width)`` of the frames written.
        failures: ``{"id", "path", "reason"}`` per video that failed.
        dropped: ``{"id", "frames"}`` per clip the truncation policy turned into no example.
        partial: ``{"id", "path", "reason"}`` per clip written from a partial decode.
        vfr: ``{"id", "header_fps", "average_fps"}`` per variable-frame-rate source.
        unknown_rate: ``{"id", "path", "reason"}`` per raw stream (no container, so no frame
            rate): written whole, its examples' ``image/frame_rate`` 0.0.
    """

    examples: list[tuple[str, int, bytes]] = dataclasses.field(default_factory=list)
    clip_ids: list[str] = dataclasses.field(default_factory=list)
    num_frames: int = 0
    label_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    frame_sizes: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    failures: list[dict[str, str]] = dataclasses.field(default_factory=list)
    dropped: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    partial: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    vfr: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    unknown_rate: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def stats(self) -> dict[str, Any]:
        """The shard's statistics for ``records.split_entry`` (all but file, bytes, sha256)."""
        return {
            "num_examples": len(self.examples),
            "num_frames": self.num_frames,
            "label_counts": dict(sorted(self.label_counts.items())),
            "frame_sizes": sorted([list(s) for s in self.frame_sizes]),
            "clip_ids": sorted(self.clip_ids),
            "failures": self.failures,
            "dropped": self.dropped,
            "partial": self.partial,
            "vfr": self.vfr,
            "unknown_rate": self.unknown_rate,
        }


def convert_items(
    items: Sequence[VideoItem],
    targets: Iterable[int | None],
    label_map: Mapping[str, int],
    cfg: RecordConfig,
    *,
    min_decoded_fraction: float | None = None,
    convert: Converter | None = None,
    threads: int | None = None,
) -> ShardContent:
    """Converts a shard's videos; a video that fails is reported and the shard carries on.

    Args:
        items: The shard's videos.
        targets: Per video, the ``"group_shortest"`` length (None otherwise).
        label_map: Class name -> index.
        cfg: The record settings.
        min_decoded_fraction: A partial decode below this fraction of the header's frame count
            is a failure instead of a flagged example (None: always written and flagged).
        convert: Replaces the conversion (Beam copies remote videos first); the default is
            :func:`helpers.records.item_to_examples_with_stats`.
        threads: Threads per video for the default conversion (None: all cores).

    Returns:
        The :class:`ShardContent`.
    """

    def default(item: VideoItem, target: int | None) -> tuple[list[bytes], dict[str, Any]]:
        return item_to_examples_with_stats(
            item, label_map, cfg, truncate_to=target, min_decoded_fraction=min_decoded_fraction,
            threads=threads,
        )

    convert = convert or default
    out = ShardContent()
    for item, target in zip(items, targets, strict=True):
        try:
            examples, stats = convert(item, target)
        except Exception as err:  # noqa: BLE001 - every failure is reported, none is raised.
            out.failures.append({"id": item.id, "path": item.path, "reason": failure_reason(err)})
            continue
        if stats["partial"]:
            out.partial.append({"id": item.id, "path": item.path, "reason": stats["partial"]})
        if stats["vfr"]:
            out.vfr.append({"id": item.id, "header_fps": stats["source_fps"],
                            "average_fps": stats["average_fps"]})  # fmt: skip
        if not stats["rate_known"]:
            out.unknown_rate.append({"id": item.id, "path": item.path,
                                     "reason": frames_lib.UNKNOWN_RATE_NOTE})  # fmt: skip
        if not examples:  # listed under dropped_by_policy, not lost
            out.dropped.append({"id": item.id, "frames": stats["decoded_frames"]})
            continue
        out.clip_ids.append(item.id)
        out.num_frames += stats["written_frames"]
        out.examples += [(item.id, k, example) for k, example in enumerate(examples)]
        label = item.label if item.label is not None else ""
        out.label_counts[label] = out.label_counts.get(label, 0) + len(examples)
        out.frame_sizes.add((stats["height"], stats["width"]))
    return out
