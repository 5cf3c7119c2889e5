"""Runner flags, process setup, input checks and output files for :mod:`helpers.beam`.

The embedded default is a local multi-process DirectRunner. Any ``--runner`` given by the user
wins, and every flag is passed to Beam unchanged; on the Dask runner one flag is added when the
user gave none of its kind, ``--dask_partition_size=1`` (see :func:`with_defaults`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from apache_beam.io.filesystems import FileSystems

from helpers import config, sources
from helpers.beam.dofns import split_of

if TYPE_CHECKING:
    from helpers.sources import VideoItem

__all__ = [
    "DASK_RUNNER",
    "FAILURES_FILE",
    "check_items",
    "default_pipeline_args",
    "importable_helpers",
    "local_workers",
    "notebook_safe",
    "read_failures",
    "read_lines",
    "runner_of",
    "with_defaults",
]

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
"""Beam's Dask runner (its short name ``DaskRunner`` is not registered in Beam 2.77)."""
_DASK_PARTITION_FLAGS = ("--dask_npartitions", "--dask_partition_size")

FAILURES_FILE = "failures.jsonl"
"""The dead-letter file in the output folder: one JSON object per failed video."""


def default_pipeline_args(workers: int | None = None) -> list[str]:
    """Returns the embedded default runner flags (a local multi-process DirectRunner).

    Args:
        workers: Worker processes; default: the number of CPU cores.

    Returns:
        ``["--runner=DirectRunner", "--direct_running_mode=multi_processing", ...]``.
    """
    workers = workers or os.cpu_count() or 1
    return [
        "--runner=DirectRunner",
        "--direct_running_mode=multi_processing",
        f"--direct_num_workers={workers}",
    ]


def with_defaults(pipeline_args: Sequence[str] | None, workers: int | None) -> list[str]:
    """Returns the flags unchanged when they name a runner, else the defaults plus the flags.

    One addition: on the Dask runner without a partition flag, ``--dask_partition_size=1``.
    Each element is a whole shard's work, and the runner's default of 128 elements per Dask
    partition would run up to 128 shards one after another in a single task.

    Args:
        pipeline_args: Beam flags from the user.
        workers: Processes for the default DirectRunner.

    Returns:
        The flags for ``PipelineOptions``.
    """
    args = list(pipeline_args or [])
    runner = runner_of(args)
    if not runner:
        return default_pipeline_args(workers) + args
    partitioned = any(a.split("=", 1)[0] in _DASK_PARTITION_FLAGS for a in args)
    if runner == DASK_RUNNER and not partitioned:
        return [*args, "--dask_partition_size=1"]
    return args  # The user chose a runner: pass their flags through unchanged.


def _flag(args: Sequence[str], name: str) -> str | None:
    """The last value of ``--name=V`` or ``--name V`` in ``args`` (None when absent)."""
    values = [
        a.split("=", 1)[1] if "=" in a else (args[k + 1] if k + 1 < len(args) else "")
        for k, a in enumerate(args)
        if a == name or a.startswith(name + "=")
    ]
    return values[-1] if values else None


def runner_of(pipeline_args: Sequence[str]) -> str:
    """The runner the flags name (``""`` when none does)."""
    return _flag(pipeline_args, "--runner") or ""


def local_workers(pipeline_args: Sequence[str]) -> int | None:
    """Processes of a DirectRunner that share this machine's cores; None on other runners.

    Args:
        pipeline_args: Flags as :func:`with_defaults` returns them.

    Returns:
        ``--direct_num_workers`` (1 without it: the in-memory runner) for the DirectRunner;
        None for a runner whose workers are other machines or processes it manages.
    """
    if not runner_of(pipeline_args).endswith("DirectRunner"):
        return None
    value = _flag(pipeline_args, "--direct_num_workers") or "1"
    workers = int(value) if value.isdigit() else 1
    return workers or os.cpu_count() or 1  # Beam reads 0 as "one per core"


@contextlib.contextmanager
def importable_helpers() -> Iterator[None]:
    """Lets local worker subprocesses import ``helpers`` even when it is not pip-installed."""
    old = os.environ.get("PYTHONPATH")
    parts = [str(config.ROOT)] + ([old] if old else [])
    os.environ["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@contextlib.contextmanager
def notebook_safe() -> Iterator[None]:
    """Lets a pipeline run inside Jupyter without breaking it or flooding the notebook.

    Outside IPython it changes nothing. Inside:

    * Beam 2.77 relabels every transform through ``apache_beam.runners.interactive``, which
      imports ``apache_beam.dataframe``; with pandas >= 2.4 (outside Beam's ``pandas<2.4`` pin)
      that import fails with ``AttributeError: type object 'DataFrame' has no attribute
      'first'``. Only then is the cosmetic relabelling switched off, for this pipeline only.
    * Beam's INFO and WARNING logging stays out of the notebook: the ``apache_beam`` loggers of
      this process show only errors, and the local worker processes (which log every start,
      channel and shutdown) write to ``<config.DATA_DIR>/logs/beam_workers.log``. A failed
      pipeline still raises here, and the log's path is printed with it.
    """
    from apache_beam import pipeline as pipeline_module
    from apache_beam.utils import interactive_utils

    if not interactive_utils.is_in_ipython():
        yield
        return
    broken = False
    try:
        from apache_beam.runners.interactive import interactive_environment  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means the hook cannot run.
        broken = True
    original = pipeline_module.alter_label_if_ipython
    if broken:
        pipeline_module.alter_label_if_ipython = lambda *_args: None
    logger = logging.getLogger("apache_beam")
    level = logger.level
    logger.setLevel(logging.ERROR)
    log = config.DATA_DIR / "logs" / "beam_workers.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log, "ab") as handle:
            os.dup2(handle.fileno(), 2)  # worker processes inherit this descriptor
            try:
                yield
            except BaseException:
                print(f"(Beam's worker logs: {log})", file=sys.stderr)
                raise
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
        logger.setLevel(level)
        pipeline_module.alter_label_if_ipython = original


def read_lines(path: str) -> list[str]:
    """Returns the non-empty lines of a text file on any Beam filesystem ([] if it is absent)."""
    if not FileSystems.exists(path):
        return []
    with FileSystems.open(path) as handle:
        return [line for line in handle.read().decode("utf-8").splitlines() if line.strip()]


def read_failures(out_dir: str) -> list[dict[str, str]]:
    """Returns the dead-letter rows (``id``, ``path``, ``split``, ``reason``), sorted by id.

    Args:
        out_dir: The pipeline's output folder.

    Returns:
        One dict per failed video.
    """
    rows = [json.loads(line) for line in read_lines(FileSystems.join(out_dir, FAILURES_FILE))]
    return sorted(rows, key=lambda row: (row["split"], row["id"]))


def check_items(items: Sequence[VideoItem], label_map: dict[str, int]) -> None:
    """Fails before any work on duplicate ids or unknown labels, like the local writer."""
    by_split: dict[str, list[VideoItem]] = {}
    for item in items:
        by_split.setdefault(split_of(item), []).append(item)
    for split, chunk in sorted(by_split.items()):
        sources.check_unique_ids(chunk, split)
        sources.check_labels(chunk, label_map, split)
