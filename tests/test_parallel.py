"""Tests for helpers.utils.parallel: per-task errors, inline and pooled runs, the start method."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers.utils import parallel
from helpers.utils.parallel import run_parallel


@pytest.mark.parametrize("workers", [1, 2])
def test_results_and_errors_per_task(workers):
    out = dict(run_parallel(math.sqrt, [4.0, -1.0, 9.0], workers=workers, progress=False))
    assert out[4.0] == 2.0 and out[9.0] == 3.0
    assert isinstance(out[-1.0], ValueError)  # returned, not raised: the batch carried on


def test_a_bar_for_real_work_and_none_for_none(capsys):
    assert dict(run_parallel(math.sqrt, [4.0], desc="roots")) == {4.0: 2.0}
    assert "roots" in capsys.readouterr().err
    assert list(run_parallel(math.sqrt, [], desc="roots")) == []  # a rerun with all done
    assert capsys.readouterr().err == ""


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


def _group(pgid: int) -> list[str]:
    """The live (not zombie) processes of process group ``pgid``, as ``"pid cmdline"``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it exited while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(f"{pid} {cmdline[:100]}")
    return found


def _videos(folder: Path, count: int = 12) -> None:
    """Small MJPG videos, enough that a 2-worker extract is still running when it is killed."""
    frame = np.zeros((96, 96, 3), np.uint8)
    for i in range(count):
        path = folder / f"c{i % 2}" / f"v{i:02d}.avi"
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (96, 96))
        for k in range(120):
            frame[:] = k
            writer.write(frame)
        writer.release()


ROOT = Path(__file__).resolve().parent.parent
SPAWNED = "import sys, types; sys.modules['zmq'] = types.ModuleType('zmq')  # as in Jupyter\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_no_worker_outlives_a_killed_extract(tmp_path, start):
    _videos(tmp_path / "src")
    out = tmp_path / "out"
    args = ["--folder", str(tmp_path / "src"), "--out", str(out), "--workers", "2", "--size", "64"]
    code = (SPAWNED if start == "spawn" else "") + "from helpers.extract.cli import main\n"
    cmd = [sys.executable, "-c", code + "sys.exit(main())", *args] if start == "spawn" else [
        sys.executable, "-m", "helpers.extract", *args]  # fmt: skip
    # Its own process group: the workers are found by it after the parent is gone.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, start_new_session=True, cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not any(out.rglob("index.json")) and time.monotonic() < deadline:
            time.sleep(0.01)  # until the workers have written something: mid-run
        workers = _group(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert len(workers) >= 3, f"not mid-run with 2 workers: {workers}"
        gone_by = time.monotonic() + 2.0
        while _group(proc.pid) and time.monotonic() < gone_by:
            time.sleep(0.02)
        assert _group(proc.pid) == [], "a worker outlived the killed extract by 2 s"
        assert not (out / "extract_report.json").exists(), "the extract finished before the kill"
    finally:
        for line in _group(proc.pid):  # never leave one behind, even when failing
            os.kill(int(line.split()[0]), signal.SIGKILL)


def test_the_watchdog_ends_a_worker_whose_parent_is_gone(monkeypatch):
    exits = []
    monkeypatch.setattr(parallel.os, "_exit", exits.append)
    monkeypatch.setattr(parallel, "_WATCH_SECONDS", 0.01)
    parallel._watch_parent(os.getppid() + 1)  # not our parent: as after the parent's death
    assert exits == [1]
