"""Tests for helpers.utils.parallel: per-task errors, inline and pooled runs, the start method."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import types

import pytest

from helpers.utils import parallel
from helpers.utils.parallel import run_parallel


@pytest.mark.parametrize("workers", [1, 2])
def test_results_and_errors_per_task(workers):
    out = dict(run_parallel(math.sqrt, [4.0, -1.0, 9.0], workers=workers, progress=False))
    assert out[4.0] == 2.0 and out[9.0] == 3.0
    assert isinstance(out[-1.0], ValueError)  # returned, not raised: the batch carried on


def test_start_method_avoids_fork_in_kernels_and_after_tensorflow(monkeypatch):
    for name in ("tensorflow", "ipykernel", "zmq"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert parallel._start_method() == expected
    for name in ("tensorflow", "ipykernel"):
        with monkeypatch.context() as m:
            m.setitem(sys.modules, name, types.ModuleType(name))
            assert parallel._start_method() == "spawn"


def test_forked_pool_in_a_plain_script():
    code = (
        "import math, sys\n"
        "from helpers.utils import parallel\n"
        "print(parallel._start_method())\n"
        "r = dict(parallel.run_parallel(math.sqrt, [1.0, 16.0, -4.0], workers=2, progress=False))\n"
        "print(r[1.0], r[16.0], type(r[-4.0]).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    method, results = out.stdout.split("\n")[:2]
    assert method == ("fork" if sys.platform.startswith("linux") else "spawn")
    assert results == "1.0 4.0 ValueError"


def _die_on_negative(x: float) -> float:
    """A task that kills its worker process outright, as a decoder crash would."""
    if x < 0:
        os._exit(139)
    return 2 * x


def test_a_crashed_worker_is_reported_and_the_batch_carries_on():
    tasks = [1.0, 2.0, -1.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    pairs = list(run_parallel(_die_on_negative, tasks, workers=2, progress=False))
    assert sorted(task for task, _ in pairs) == sorted(tasks)  # every task answered, once
    out = dict(pairs)
    assert {x: out[x] for x in tasks if x > 0} == {x: 2 * x for x in tasks if x > 0}
    assert isinstance(out[-1.0], parallel.WorkerCrashedError)
    assert "died" in str(out[-1.0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_killed_parent():
    code = (
        "import os, signal, time\n"
        "from helpers.utils import parallel\n"
        "def work(x):\n"
        "    time.sleep(x)\n"
        "    return x\n"
        "for _ in parallel.run_parallel(work, [0, 60, 60, 60], workers=2, progress=False):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # as kill -9 would, mid-batch\n"
    )
    # The workers share the parent's stdout: it closes only when every one of them has exited.
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        proc.communicate(timeout=30)  # without the fix they sleep on for a minute
    finally:
        proc.kill()
    assert proc.returncode == -9
