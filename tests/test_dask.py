"""The Beam conversion on a real ``dask.distributed`` cluster: a scheduler and 2 workers.

The test starts ``dask scheduler`` and ``dask worker --nworkers 2`` as separate processes on
127.0.0.1 (as on SLURM or Kubernetes, only local), runs :func:`helpers.beam.run_pipeline` with
Beam's Dask runner against the scheduler's address, and checks the output against the local
writer's (example bytes by id) and against the DirectRunner's (shard files by sha256).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import beam, config, records, sources
from helpers.records import manifest as manifest_lib

distributed = pytest.importorskip("distributed")

# The same fixtures and readers as the DirectRunner tests.
from test_beam import IN_PROCESS, _corrupt, _items, _local, _read_split, videos  # noqa: E402, F401

WORKERS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    """Starts ``python -m dask ...`` in its own process group, with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(config.ROOT), env.get("PYTHONPATH")]))
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    """Ends a process this test started, and its children (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and a worker process with 2 single-threaded workers; yields the address."""
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = _start(["scheduler", "--host", "127.0.0.1", "--port", port,
                        "--no-dashboard"], logs / "scheduler.log")  # fmt: skip
    workers = _start(["worker", address, "--nworkers", str(WORKERS), "--nthreads", "1",
                      "--no-dashboard"], logs / "workers.log")  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with distributed.Client(address, timeout=5) as client:
                    client.wait_for_workers(WORKERS, timeout=60)
                break
            except OSError:  # the scheduler is not listening yet
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise RuntimeError((logs / "scheduler.log").read_text()) from None
                time.sleep(0.5)
        yield address
    finally:
        _stop(workers)
        _stop(scheduler)


def _executed(address: str) -> dict[str, int]:
    """Tasks each worker has run so far."""
    with distributed.Client(address, timeout=10) as client:
        return client.run(lambda dask_worker: dask_worker.state.executed_count)


@pytest.mark.parametrize(
    "cfg",
    [
        records.RecordConfig(size=16, policy="fixed", frames_per_example=8, short_policy="loop"),
        records.RecordConfig(fps=5.0, policy="group_shortest", group_size=2),
    ],
    ids=["fixed", "group_shortest"],
)
def test_dask_cluster_writes_the_local_writers_examples(
    cluster: str, videos: Path, tmp_path: Path, cfg: records.RecordConfig  # noqa: F811
) -> None:
    bad = _corrupt(tmp_path)
    good = _items(videos)
    bad_items = [sources.VideoItem(f"bad/{p.stem}", str(p), "Spin", split="train") for p in bad]
    label_map = sources.build_label_map([it for it in good if it.split == "train"])
    before = _executed(cluster)
    dask_args = ["--runner", beam.DASK_RUNNER, "--dask_client_address", cluster]
    manifest = beam.run_pipeline(good + bad_items, label_map, cfg, tmp_path / "dask",
                                 num_shards=3, pipeline_args=dask_args)  # fmt: skip
    after = _executed(cluster)
    assert sum(after.values()) > sum(before.values()), "nothing ran on the cluster"
    assert manifest["pipeline_args"] == [*dask_args, "--dask_partition_size=1"]

    for split in ("train", "test"):  # byte-identical to the local writer, by example id
        got = _read_split(tmp_path / "dask", split)
        want, local = _local(good, label_map, cfg, split, tmp_path / "local")
        assert want and sorted(got) == sorted(want)
        assert all(got[k] == want[k] for k in want)
        entry = manifest["splits"][split]
        assert entry["num_shards"] == 3  # honoured: 3 files per split
        assert len(list((tmp_path / "dask" / split).glob("clips-*-of-00003.tfrecord"))) == 3
        for key in ("num_examples", "num_frames", "label_counts", "num_dropped"):
            assert entry[key] == local[key], (split, key)

    failures = beam.read_failures(str(tmp_path / "dask"))  # dead letters, with their reasons
    assert sorted(row["path"] for row in failures) == sorted(str(p) for p in bad)
    assert all(row["reason"].strip() and row["split"] == "train" for row in failures)
    assert manifest["splits"]["train"]["num_failed"] == len(bad)

    on_disk = json.loads((tmp_path / "dask" / records.MANIFEST_FILE).read_text())
    assert set(on_disk) == set(manifest_lib.TOP_KEYS)  # the shared schema
    for entry in on_disk["splits"].values():
        assert set(entry) == set(manifest_lib.SPLIT_KEYS)
        assert {k for s in entry["shards"] for k in s} == set(manifest_lib.SHARD_KEYS)
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == [
        "failures.jsonl", "manifest.json", "test", "train"]  # fmt: skip

    direct = beam.run_pipeline(good + bad_items, label_map, cfg, tmp_path / "direct",
                               num_shards=3, pipeline_args=IN_PROCESS)  # fmt: skip
    for split in ("train", "test"):  # the same shard files, whichever runner wrote them
        assert direct["splits"][split]["shards"] == manifest["splits"][split]["shards"]
