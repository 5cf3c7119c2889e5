"""pytest configuration for the whole repository (tests/ and notebooks/).

The only hook orders the collection so that the slowest files start first. ``.ci/run`` runs two
``pytest-xdist`` workers that take whole files (``--dist loadfile --no-loadscope-reorder``), in
this order: with the longest files handed out first, the two workers finish at about the same
time instead of one of them running notebook 05 alone at the end. Tests do not depend on the order.
"""

from __future__ import annotations

import pytest

SLOWEST_FIRST: tuple[str, ...] = (
    "notebooks/05_finetune.ipynb",
    "tests/test_online_paths.py",
    "tests/test_train.py",
    "tests/test_export.py",
    "tests/test_train_cli.py",
    "notebooks/07_pipeline_speed.ipynb",
    "notebooks/03_pipeline.ipynb",
    "notebooks/04_movinet.ipynb",
    "tests/test_tutorial_dataset.py",
    "tests/test_snippets.py",
    "tests/test_movinet.py",
    "tests/test_pipeline.py",
    "tests/test_dask.py",
)
"""Files measured slowest in CI (``--durations``), slowest first; the rest keep their order."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Moves the files of :data:`SLOWEST_FIRST` to the front, in that order (a stable sort)."""
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
