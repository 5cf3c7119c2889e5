"""Truncation policies that turn clips of any length into examples of the lengths you want.

Four policies, chosen with ``RecordConfig.policy`` (see ``helpers.records``):

* ``"fixed"``: every example has exactly ``frames_per_example`` frames. Longer clips keep their
  first ``frames_per_example``; shorter ones follow ``short_policy``: ``"drop"`` (no example),
  ``"loop"`` (0, 1, .., n-1, 0, 1, ..) or ``"repeat_last"`` (.., n-1, n-1, n-1).
* ``"group_shortest"``: sort the clips by length, take groups of ``group_size`` and cut each group
  to its shortest member (the blog seed's scheme). It needs every length first, so the writer runs a
  counting pass and then passes ``truncate_to`` per clip.
* ``"chunks"``: consecutive, non-overlapping windows of ``chunk_length`` frames, each its own
  example; a tail shorter than ``chunk_length`` is dropped.
* ``"none"``: the clip as decoded (variable length; the count is stored in the record).

Everything here works on frame *indices*, so the same code draws the notebook's figure and cuts the
real frames::

    >>> [i.tolist() for i in policy_indices(3, "fixed", frames_per_example=5, short_policy="loop")]
    [[0, 1, 2, 0, 1]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

__all__ = [
    "POLICIES",
    "SHORT_POLICIES",
    "group_shortest_targets",
    "policy_indices",
    "policy_lengths",
    "used_prefix",
]

POLICIES: tuple[str, ...] = ("none", "fixed", "group_shortest", "chunks")
"""The truncation policies, in the order the notebook explains them."""

SHORT_POLICIES: tuple[str, ...] = ("drop", "loop", "repeat_last")
"""What ``"fixed"`` does with a clip shorter than ``frames_per_example``."""


def policy_indices(
    length: int,
    policy: str,
    *,
    frames_per_example: int | None = None,
    short_policy: str = "drop",
    chunk_length: int | None = None,
    truncate_to: int | None = None,
) -> list[np.ndarray]:
    """Returns the frame indices of every example that one clip of ``length`` frames yields.

    Args:
        length: How many frames the clip has (after decoding and fps resampling).
        policy: One of ``POLICIES``.
        frames_per_example: The fixed length for ``"fixed"``.
        short_policy: One of ``SHORT_POLICIES``; used by ``"fixed"`` for short clips.
        chunk_length: The window length for ``"chunks"``.
        truncate_to: The group length for ``"group_shortest"`` (from ``group_shortest_targets``).
            With another policy it first cuts the clip to its first ``truncate_to`` frames.

    Returns:
        One int64 index array per example (an empty list when the clip yields none).

    Raises:
        ValueError: On an unknown policy, a missing or non-positive length parameter, or a
            ``truncate_to`` longer than the clip.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown truncation policy {policy!r}; choose one of {POLICIES}")
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    if truncate_to is not None:
        if truncate_to > length:
            raise ValueError(
                f"truncate_to={truncate_to} is longer than the clip ({length} frames): "
                "the counting pass and the decode disagree"
            )
        length = truncate_to
    if policy == "none":
        return [np.arange(length, dtype=np.int64)] if length > 0 else []
    if policy == "group_shortest":
        if truncate_to is None:
            raise ValueError(
                "policy 'group_shortest' needs truncate_to per clip: count the lengths first "
                "(group_shortest_targets), as helpers.writer.write_split does"
            )
        return [np.arange(length, dtype=np.int64)] if length > 0 else []
    if policy == "chunks":
        size = _positive(chunk_length, "chunk_length", policy)
        return [np.arange(k * size, (k + 1) * size, dtype=np.int64) for k in range(length // size)]
    size = _positive(frames_per_example, "frames_per_example", policy)
    if short_policy not in SHORT_POLICIES:
        raise ValueError(f"unknown short_policy {short_policy!r}; choose one of {SHORT_POLICIES}")
    if length >= size:
        return [np.arange(size, dtype=np.int64)]
    if length == 0 or short_policy == "drop":
        return []
    wanted = np.arange(size, dtype=np.int64)
    if short_policy == "loop":
        return [wanted % length]
    return [np.minimum(wanted, length - 1)]


def used_prefix(
    policy: str, *, frames_per_example: int | None = None, truncate_to: int | None = None
) -> int | None:
    """How many leading frames of a clip the policy can use, whatever its length (None: all).

    Every policy takes its examples from the start of the clip, so a writer encodes only this
    many frames: ``policy_indices`` never returns an index at or above it.

    >>> used_prefix("fixed", frames_per_example=16), used_prefix("chunks")
    (16, None)
    """
    bounds = [truncate_to] if truncate_to is not None else []
    if policy == "fixed" and frames_per_example is not None:
        bounds.append(frames_per_example)
    return min(bounds) if bounds else None


def group_shortest_targets(lengths: Mapping[str, int], group_size: int) -> dict[str, int]:
    """Cuts every clip to the shortest clip of its group (groups of ``group_size`` by length).

    Clips are sorted by ``(length, id)`` so that the grouping is deterministic; the last group may
    be smaller than ``group_size``.

    Args:
        lengths: Frame count per clip id (from a counting pass).
        group_size: How many clips form one group; usually the training batch size.

    Returns:
        The target length per clip id.

    Raises:
        ValueError: If ``group_size`` is not positive.

    >>> group_shortest_targets({"a": 9, "b": 3, "c": 5, "d": 7}, group_size=2)
    {'b': 3, 'c': 3, 'd': 7, 'a': 7}
    """
    if group_size <= 0:
        raise ValueError(f"group_size must be positive, got {group_size}")
    ordered = sorted(lengths.items(), key=lambda kv: (kv[1], kv[0]))
    targets: dict[str, int] = {}
    for start in range(0, len(ordered), group_size):
        group = ordered[start : start + group_size]
        shortest = group[0][1]
        for key, _ in group:
            targets[key] = shortest
    return targets


def policy_lengths(
    lengths: Iterable[int],
    policy: str,
    *,
    frames_per_example: int | None = None,
    short_policy: str = "drop",
    chunk_length: int | None = None,
    group_size: int = 8,
) -> list[int]:
    """Returns the lengths of all examples a policy makes from clips of the given lengths.

    This is what the notebook plots: "before" is ``lengths``, "after" is this list.

    Args:
        lengths: Frame count per clip.
        policy: One of ``POLICIES``.
        frames_per_example: For ``"fixed"``.
        short_policy: For ``"fixed"``.
        chunk_length: For ``"chunks"``.
        group_size: For ``"group_shortest"``.

    Returns:
        One length per produced example, clip by clip.
    """
    lengths = list(lengths)
    targets: dict[str, int] = {}
    if policy == "group_shortest":
        targets = group_shortest_targets({f"{i:09d}": n for i, n in enumerate(lengths)}, group_size)
    out: list[int] = []
    for i, n in enumerate(lengths):
        examples = policy_indices(
            n,
            policy,
            frames_per_example=frames_per_example,
            short_policy=short_policy,
            chunk_length=chunk_length,
            truncate_to=targets.get(f"{i:09d}"),
        )
        out.extend(len(e) for e in examples)
    return out


def _positive(value: int | None, name: str, policy: str) -> int:
    if value is None or value <= 0:
        raise ValueError(f"policy {policy!r} needs a positive {name}, got {value!r}")
    return int(value)
