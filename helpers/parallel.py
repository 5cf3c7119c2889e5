"""A small process-pool runner shared by the extractor, the record writer and the data generator.

::

    for task, result in run_parallel(decode_one, paths, workers=2, desc="decode"):
        if isinstance(result, Exception):
            print("failed:", task, result)
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import TypeVar

from tqdm import tqdm  # plain text bar: works in notebooks without ipywidgets

__all__ = ["run_parallel"]

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def _start_method() -> str:
    """``fork`` where it is safe (Linux scripts without TensorFlow), else ``spawn``.

    Forking a Jupyter kernel copies its ZMQ sockets into the children, which breaks the kernel;
    forking after TensorFlow started its threads can deadlock.
    """
    risky = ("tensorflow", "ipykernel", "zmq")
    if sys.platform.startswith("linux") and not any(m in sys.modules for m in risky):
        return "fork"
    return "spawn"


def run_parallel(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    workers: int = 1,
    desc: str = "",
    unit: str = "video",
    progress: bool = True,
    initializer: Callable[[], None] | None = None,
) -> Iterator[tuple[T, R | Exception]]:
    """Runs ``fn(task)`` for every task, inline or in a pool of worker processes.

    Workers are forked on Linux in plain scripts (fast to start) and started with ``spawn`` in
    Jupyter kernels or once TensorFlow is loaded (see :func:`_start_method`), so
    ``fn`` must be a top-level function of an importable module and tasks must be picklable.
    At most ``2 * workers`` tasks are in flight, so huge task lists do not pile up in memory.

    Args:
        fn: The function to apply.
        tasks: The inputs.
        workers: ``<= 1`` runs in this process; otherwise the number of processes.
        desc: Progress-bar label.
        unit: Progress-bar unit.
        progress: Show a tqdm progress bar.
        initializer: Top-level function each worker process runs once at start (not inline).

    Yields:
        ``(task, result)`` in completion order; ``result`` is the exception instance when ``fn``
        raised (exceptions are returned, never raised).
    """
    todo = list(tasks)
    bar = tqdm(total=len(todo), desc=desc, unit=unit, disable=not progress, leave=False)
    try:
        if workers <= 1 or len(todo) <= 1:
            for task in todo:
                try:
                    result: R | Exception = fn(task)
                except Exception as e:  # noqa: BLE001 - reported to the caller, by design.
                    result = e
                bar.update()
                yield task, result
            return
        ctx = mp.get_context(_start_method())
        with ProcessPoolExecutor(
            max_workers=min(workers, len(todo)), mp_context=ctx, initializer=initializer
        ) as pool:
            pending: dict = {}
            it = iter(todo)
            for task in it:
                pending[pool.submit(fn, task)] = task
                if len(pending) >= 2 * workers:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as e:  # noqa: BLE001
                        result = e
                    bar.update()
                    yield task, result
                    nxt = next(it, _DONE)
                    if nxt is not _DONE:
                        pending[pool.submit(fn, nxt)] = nxt
    finally:
        bar.close()
