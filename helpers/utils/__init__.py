"""Small shared tools of every stage: atomic writes, a lock file, the process pool, downloads.

::

    from helpers import utils
    utils.atomic_write_json(path, data)          # a temporary name, fsync, rename
    with utils.exclusive(lock_path): ...         # one process at a time
    for task, result in utils.run_parallel(fn, tasks, workers=2): ...
    utils.network()                              # the run's one online/offline decision
"""

from helpers.utils.lazy import lazy_face

# Names load on first use: the light paths (a Beam worker, a --help) must not import `requests`.
__all__, __getattr__, __dir__ = lazy_face(
    __name__,
    {
        "atomic": ("PARTIAL_SUFFIX", "partial_name", "atomic_write_bytes", "atomic_write_json"),
        "locks": ("exclusive",),
        "parallel": ("run_parallel", "WorkerCrashedError"),
        "reachability": ("Network", "network", "reachable"),
        "downloads": ("cached_download", "unpack_tar"),
        "lazy": ("lazy_face",),
    },
)
