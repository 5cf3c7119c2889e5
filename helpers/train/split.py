"""A validation split carved from the training split, by group, the same way every time.

Model selection (early stopping, the checkpoint kept, schedule decisions) must never look at the
test split, so it needs a third split. Clips of one group (UCF101's ``gGG``: the same actor and
scene; the sample set's groups share a background, size and frame rate) look alike, so a group
must sit wholly on one side, or validation measures memory of a scene::

    from helpers.train import split
    groups = split.group_of("v_SpinClockwise_g08_c02")      # "g08"
    carve = split.carve_validation(ids, fraction=0.2)        # ids: the training split's
    carve.validation_groups, carve.num_train, carve.num_validation

The choice is a pure function of the group names (sorted by a CRC-32 of the name, the first
``round(fraction * groups)`` taken), so it needs no seed, does not follow the order of the
shards, and is the same on every machine.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ValidationCarve", "carve_validation", "group_of"]

_UCF_GROUP = re.compile(r"_g(\d+)_c\d+")
_CHUNK = re.compile(r"_c\d{3}$")  # the writer's chunk suffix: chunks of one video stay together


def group_of(example_id: str) -> str:
    """The group of a record's ``example/id``.

    UCF101-style names (``v_<Class>_gGG_cCC``, with or without a folder) give ``"gGG"``. Any
    other id is its own group, minus the writer's ``_cNNN`` chunk suffix, so every chunk of one
    video lands in the same split.

    >>> group_of("SpinClockwise/v_SpinClockwise_g08_c02"), group_of("abc123XYZ_c004")
    ('g08', 'abc123XYZ')
    """
    match = _UCF_GROUP.search(example_id)
    if match:
        return f"g{int(match.group(1)):02d}"
    return _CHUNK.sub("", example_id)


def _rank(group: str) -> tuple[int, str]:
    return zlib.crc32(group.encode()), group


@dataclass(frozen=True)
class ValidationCarve:
    """Which training records are held out for validation.

    Attributes:
        fraction: The requested fraction of groups.
        validation_groups: Groups held out, sorted.
        train_groups: Groups left for training, sorted.
        validation_ids: ``example/id`` of every held-out record.
        num_train: Records left for training.
        num_validation: Records held out.
    """

    fraction: float
    validation_groups: tuple[str, ...]
    train_groups: tuple[str, ...]
    validation_ids: frozenset[str] = field(repr=False)
    num_train: int
    num_validation: int

    def to_dict(self) -> dict:
        """The carve as JSON-ready values (for a run's report)."""
        return {
            "rule": "groups sorted by CRC-32 of the name; the first round(fraction * n) held out",
            "fraction": self.fraction,
            "validation_groups": list(self.validation_groups),
            "train_groups": list(self.train_groups),
            "num_train": self.num_train,
            "num_validation": self.num_validation,
        }


def carve_validation(ids: Iterable[str], fraction: float = 0.2) -> ValidationCarve:
    """Holds out about ``fraction`` of the training split's groups for validation.

    Args:
        ids: The ``example/id`` of every training record.
        fraction: Fraction of the GROUPS to hold out, in ``(0, 1)``. At least one group is held
            out and at least one is left.

    Returns:
        A :class:`ValidationCarve`.

    Raises:
        ValueError: ``fraction`` out of range, or fewer than two groups to share.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction}")
    ids = list(ids)
    groups = sorted({group_of(i) for i in ids}, key=_rank)
    if len(groups) < 2:
        raise ValueError(
            f"cannot carve a validation split: the training split has {len(groups)} group(s) "
            "(need two, so that no group is in both splits)"
        )
    count = min(len(groups) - 1, max(1, round(fraction * len(groups))))
    held = set(groups[:count])
    val_ids = frozenset(i for i in ids if group_of(i) in held)
    return ValidationCarve(
        fraction=fraction,
        validation_groups=tuple(sorted(held)),
        train_groups=tuple(sorted(set(groups) - held)),
        validation_ids=val_ids,
        num_train=len(ids) - len(val_ids),
        num_validation=len(val_ids),
    )
