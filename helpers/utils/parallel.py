"""A small process-pool runner shared by the extractor, the record writer and the data generator.

::

    for task, result in run_parallel(decode_one, paths, workers=2, desc="decode"):
        if isinstance(result, Exception):
            print("failed:", task, result)
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from tqdm import tqdm  # plain text bar: works in notebooks without ipywidgets

__all__ = ["WorkerCrashedError", "run_parallel"]

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
_WATCH_SECONDS = 0.2  # the watchdog's poll, where the kernel cannot kill workers for us


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a task (e.g. a decoder crash, or the OOM killer)."""


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
        progress: Show a tqdm progress bar (never for an empty task list).
        initializer: Top-level function each worker process runs once at start (not inline).

    A worker process that dies (a crash in native code, the out-of-memory killer) breaks the
    pool; the tasks then in flight are run again one at a time in fresh pools, so only the task
    that crashes again is reported (as :class:`WorkerCrashedError`), and the rest carry on.

    Yields:
        ``(task, result)`` in completion order; ``result`` is the exception instance when ``fn``
        raised (exceptions are returned, never raised).
    """
    todo = list(tasks)
    # No bar for no work: a rerun that finds everything done says so in its summary instead.
    bar = tqdm(total=len(todo), desc=desc, unit=unit, disable=not progress or not todo, leave=False)
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
        it, workers = iter(todo), min(workers, len(todo))
        while True:
            suspects = yield from _pool_pass(fn, it, workers, ctx, initializer, bar)
            if not suspects:
                return
            for task in suspects:  # one at a time, so that a second crash names its task
                result = _run_alone(fn, task, ctx, initializer)
                bar.update()
                yield task, result
    finally:
        bar.close()


def _worker_init(parent: int, initializer: Callable[[], None] | None) -> None:
    """In each worker: die with the parent process, then run the caller's initializer.

    A parent killed outright (``kill -9``, the OOM killer) would otherwise leave its workers
    running: they would finish the queued tasks and write into a folder a rerun is using. On
    Linux the kernel kills the worker (``PR_SET_PDEATHSIG``); elsewhere, or if that call fails, a
    watchdog thread does, within :data:`_WATCH_SECONDS`. A worker started with ``spawn``
    (Jupyter, after TensorFlow) runs this only after its imports; if the parent died meanwhile,
    the ``getppid`` check ends it here, before it takes a task.
    """
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before we could ask to die with it
        os._exit(1)
    if initializer is not None:
        initializer()


def _die_with_parent() -> bool:
    """Asks the kernel to SIGKILL this process when its parent dies; False if it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library already loaded (glibc or musl)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Watchdog thread: ends the process once its parent is gone (it is then re-parented)."""
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def _pool(workers: int, ctx: Any, initializer: Callable[[], None] | None) -> ProcessPoolExecutor:
    init = functools.partial(_worker_init, os.getpid(), initializer)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init)


def _pool_pass(
    fn: Callable,
    it: Iterator,
    workers: int,
    ctx: Any,
    initializer: Callable[[], None] | None,
    bar: tqdm,
) -> Generator[tuple[Any, Any], None, list]:
    """Runs tasks from ``it`` in one pool; yields ``(task, result)``.

    Returns (as the generator's value) the tasks that were in flight when a worker process died
    and broke the pool, or ``[]`` when every task ran.
    """
    with _pool(workers, ctx, initializer) as pool:
        pending: dict = {}

        def fill() -> list:
            while len(pending) < 2 * workers:
                task = next(it, _DONE)
                if task is _DONE:
                    return []
                try:
                    pending[pool.submit(fn, task)] = task
                except BrokenProcessPool:
                    return [task]
            return []

        unsent = fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                task = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken.append(task)
                    continue
                except Exception as e:  # noqa: BLE001 - reported to the caller, by design.
                    result = e
                bar.update()
                yield task, result
            if broken or unsent:
                return broken + list(pending.values()) + unsent
            unsent = fill()
        return unsent


def _run_alone(fn: Callable, task: Any, ctx: Any, initializer: Callable[[], None] | None) -> Any:
    """``fn(task)`` in a fresh one-process pool: its result, its exception, or the crash."""
    with _pool(1, ctx, initializer) as pool:
        try:
            return pool.submit(fn, task).result()
        except BrokenProcessPool:
            return WorkerCrashedError(
                "the worker process died running this task (a crash in native code, or killed "
                "for memory); the other tasks carried on"
            )
        except Exception as e:  # noqa: BLE001 - reported to the caller, by design.
            return e
