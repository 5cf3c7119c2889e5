"""Tests for ``python -m helpers.train``: the error contract, and resume after ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import config, sample
from helpers.train import cli

TINY = ["--epochs", "3", "--steps-per-epoch", "2", "--frames", "2", "--batch", "2",
        "--resolution", "32", "--formats", "none", "--validation-fraction", "0.3",
        "--quiet"]  # fmt: skip


def _run(args: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(config.ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.train", *args], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def test_missing_manifest_is_one_error_line(tmp_path, capsys):
    assert cli.main([str(tmp_path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path}: no manifest.json")
    assert not (tmp_path / "run").exists()  # nothing half-written


def test_bad_numbers_and_formats_are_rejected(tmp_path, capsys):
    folder = sample.ensure_sample_records(size=32)
    capsys.readouterr()  # the first test to need the records writes them, with progress bars
    assert cli.main([str(folder), "--out", str(tmp_path / "r"), "--epochs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --epochs: must be at least 1, got 0"
    assert cli.main([str(folder), "--out", str(tmp_path / "r"), "--formats", "int4"]) == 2
    assert capsys.readouterr().err.startswith("error: --formats: unknown ['int4']")
    assert cli.main([str(folder), "--out", str(tmp_path / "r"), "--schedule", "time"]) == 2
    assert not (tmp_path / "r").exists()


def test_a_damaged_shard_names_the_file(tmp_path, capsys):
    import shutil

    folder = tmp_path / "records"
    shutil.copytree(sample.ensure_sample_records(size=32), folder)
    capsys.readouterr()
    shard = sorted((folder / "train").glob("*.tfrecord"))[0]
    shard.write_bytes(shard.read_bytes()[:-100])  # cut inside the last record
    assert cli.main([str(folder), "--out", str(tmp_path / "r"), *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and shard.name in err[0], err


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_then_rerun_resumes_and_reports(tmp_path):
    folder = sample.ensure_sample_records(size=32)
    run = tmp_path / "run"
    args = [str(folder), "--out", str(run), *TINY]
    proc = _run(args)
    history = run / "history.json"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:  # wait for epoch 1's commit
        if history.exists() and list(run.glob("ckpt-*.index")):
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    assert history.exists(), "no epoch was committed within 600 s"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    first = json.loads(history.read_text())["epochs"]
    assert 1 <= len(first) < 3 and not (run / "report.json").exists()

    proc = _run(args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    saved = json.loads(history.read_text())
    assert [r["epoch"] for r in saved["epochs"]] == [1, 2, 3]
    assert [r["step"] for r in saved["epochs"]] == [2, 4, 6]  # the step count continued
    assert saved["epochs"][0] == first[0]  # the finished epoch was kept, not redone
    report = json.loads((run / "report.json").read_text())
    assert report["selected_epoch"] == saved["selected_epoch"] in (1, 2, 3)
    assert 0.0 <= report["test"]["accuracy"] <= 1.0
    n = len(report["labels"])
    confusion = report["test"]["confusion"]
    assert len(confusion) == n and sum(map(sum, confusion)) == report["clips"]["test"]
    assert set(report["validation_split"]["validation_groups"]).isdisjoint(
        report["validation_split"]["train_groups"])
    assert [e["format"] for e in report["exports"]] == ["stream SavedModel"]
    assert (run / "export" / "stream" / "saved_model.pb").exists()
    assert f"test {report['test']['accuracy']:.3f}" in out
    assert not list(run.rglob("*.incomplete")) and not list(run.rglob(".stream.*"))
