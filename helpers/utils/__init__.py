"""Small shared tools of every stage: atomic writes, a lock file, the process pool, downloads.

::

    from helpers import utils
    utils.atomic_write_json(path, data)          # a temporary name, fsync, rename
    with utils.exclusive(lock_path): ...         # one process at a time
    for task, result in utils.run_parallel(fn, tasks, workers=2): ...
    utils.network()                              # the run's one online/offline decision
"""

from helpers.utils.atomic import PARTIAL_SUFFIX, atomic_write_bytes, atomic_write_json, partial_name
from helpers.utils.downloads import cached_download, unpack_tar
from helpers.utils.locks import exclusive
from helpers.utils.parallel import WorkerCrashedError, run_parallel
from helpers.utils.reachability import Network, network, reachable

__all__ = [
    "PARTIAL_SUFFIX",
    "partial_name",
    "atomic_write_bytes",
    "atomic_write_json",
    "exclusive",
    "run_parallel",
    "WorkerCrashedError",
    "Network",
    "network",
    "reachable",
    "cached_download",
    "unpack_tar",
]
