"""Tests for helpers.extract: batch, failure report, resume after a kill, CLI, real media."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from helpers import config
from helpers.extract import REPORT_NAME, extract_many, output_dir
from helpers.extract.cli import main
from helpers.sample.data import read_frame_index, write_index_video
from helpers.sources import VideoItem, folder_items, kinetics_items

ROOT = Path(__file__).resolve().parent.parent


def tree(root: Path) -> dict[str, str]:
    """Every file under root (report excluded) -> sha1 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != REPORT_NAME
    }


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder with 3 good videos and the 4 kinds of bad input (plus one missing item later)."""
    src = tmp_path / "src"
    for i, label in enumerate(["a", "a", "b"]):
        write_index_video(src / label / f"good{i}.avi", 20 + i, 25.0)
    (src / "b").mkdir(exist_ok=True)
    (src / "b" / "empty.mp4").write_bytes(b"")
    (src / "b" / "text.mp4").write_text("not a video\n")
    whole = (src / "a" / "good0.avi").read_bytes()
    (src / "b" / "truncated.avi").write_bytes(whole[: len(whole) // 2])
    (src / "b" / "headless.avi").write_bytes(whole[len(whole) // 2 :])
    return src


def test_batch_with_bad_inputs_completes_and_reports(mixed, tmp_path):
    items = [*folder_items(mixed), VideoItem("gone", str(mixed / "gone.mp4"), "b")]
    out = tmp_path / "out"
    report = extract_many(items, out, fps=5, progress=False)
    failed = {Path(r["path"]).name: r["reason"] for r in report.failed}
    assert failed["gone.mp4"] == "file not found"
    assert failed["empty.mp4"].startswith("empty file")
    assert failed["text.mp4"].startswith("cannot open")
    # Cut files either yield the frames that are there or fail with a reason; never a crash.
    assert report.written + len(failed) == len(items) == 8
    assert all(output_dir(i, out).is_dir() for i in items if i.id.startswith(("a/good", "b/good")))
    written = report.written
    index = json.loads((out / "a" / "good1" / "index.json").read_text())
    assert index["num_frames"] == 5 and index["fps"] == 5  # 21 frames at 25 fps -> 0,5,10,15,20
    saved = json.loads((out / REPORT_NAME).read_text())
    assert saved["num_failed"] == len(report.failed) and saved["written"] == report.written
    groups = {g["reason"]: g for g in saved["failed_by_reason"]}  # each reason once, counted
    assert groups["file not found"]["count"] == 1
    assert sum(g["count"] for g in groups.values()) == len(report.failed)
    assert sorted(c["path"] for g in groups.values() for c in g["clips"]) == sorted(
        r["path"] for r in report.failed
    )
    assert not list(out.rglob(".tmp-*"))
    # Rerun: finished videos are skipped, failures are retried (and still fail).
    again = extract_many(items, out, fps=5, progress=False)
    assert (again.written, again.skipped, len(again.failed)) == (0, written, len(failed))


def test_two_workers_same_outputs_as_one(mixed, tmp_path):
    items = folder_items(mixed)
    extract_many(items, tmp_path / "one", size=32, progress=False)
    extract_many(items, tmp_path / "two", size=32, workers=2, progress=False)
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one == two and len(one) > 20


def test_kinetics_untrimmed_sources_are_trimmed(tmp_path):
    write_index_video(tmp_path / "v" / "abc.mp4", 100, 25.0, fourcc="mp4v")
    (tmp_path / "k.csv").write_text("label,youtube_id,time_start,time_end,split\nx,abc,1,3,val\n")
    items = kinetics_items(tmp_path / "k.csv", tmp_path / "v", "{youtube_id}.mp4")
    extract_many(items, tmp_path / "out", fps=5, progress=False)
    folder = output_dir(items[0], tmp_path / "out")
    assert folder == tmp_path / "out" / "x" / "abc_000001_000003"
    frames = sorted(folder.glob("*.jpg"))
    got = [read_frame_index(cv2.imread(str(p))) for p in frames]
    assert got == list(range(25, 75, 5))


def test_kinetics_files_cut_to_the_segment_are_read_whole(tmp_path):
    # The default path format names the times: each file already is its 10 s segment.
    write_index_video(tmp_path / "v" / "abc_000038_000048.mp4", 50, 25.0, fourcc="mp4v")
    (tmp_path / "k.csv").write_text("label,youtube_id,time_start,time_end,split\nx,abc,38,48,val\n")
    items = kinetics_items(tmp_path / "k.csv", tmp_path / "v")
    report = extract_many(items, tmp_path / "out", progress=False)
    assert (report.written, report.failed) == (1, [])
    assert len(list(output_dir(items[0], tmp_path / "out").glob("*.jpg"))) == 50


def test_rerun_redoes_folders_made_with_other_options(mixed, tmp_path):
    items, out = folder_items(mixed), tmp_path / "out"
    first = extract_many(items, out, fps=5, progress=False)
    other = extract_many(items, out, fps=10, progress=False)
    assert (other.written, other.skipped) == (first.written, 0)
    assert json.loads((out / "a" / "good1" / "index.json").read_text())["fps"] == 10


def test_a_resumed_run_keeps_the_partial_notes_of_the_first(tmp_path):
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not present")
    cut = media / "odd_fixtures" / "derived" / "truncated_50pct_v_BaseballPitch_g01_c01.avi"
    items = [VideoItem("cut", str(cut), "x")]
    first = extract_many(items, tmp_path / "out", progress=False)
    again = extract_many(items, tmp_path / "out", progress=False)
    assert len(first.partial) == 1 and "of the" in first.partial[0]["reason"]
    assert (again.skipped, again.partial) == (1, first.partial)


def test_two_videos_with_one_id_never_share_a_folder(tmp_path):
    write_index_video(tmp_path / "src" / "a" / "clip.avi", 10, 25.0)
    write_index_video(tmp_path / "src" / "a" / "clip.mp4", 12, 25.0, fourcc="mp4v")
    report = extract_many(folder_items(tmp_path / "src"), tmp_path / "out", progress=False)
    assert report.written == 1 and len(report.failed) == 1
    assert report.failed[0]["path"].endswith("clip.mp4") and "one id" in report.failed[0]["reason"]
    # Across runs too: the same id from another split's folder does not pass for "done".
    for split in ("train", "test"):
        write_index_video(tmp_path / "splits" / split / "a" / "v1.avi", 10, 25.0)
    extract_many(folder_items(tmp_path / "splits", "train"), tmp_path / "o2", progress=False)
    test = extract_many(folder_items(tmp_path / "splits", "test"), tmp_path / "o2", progress=False)
    assert test.skipped == 0 and "already holds the frames of" in test.failed[0]["reason"]


def test_kill_midway_then_rerun_equals_uninterrupted(tmp_path):
    src = tmp_path / "src"
    for i in range(16):
        write_index_video(src / f"c{i % 2}" / f"v{i:02d}.avi", 150, 30.0, size=(160, 160))
    cmd = [sys.executable, "-m", "helpers.extract", "--folder", str(src), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([*cmd, "--out", str(tmp_path / "full")], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    out = tmp_path / "killed"
    proc = subprocess.Popen([*cmd, "--out", str(out)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    def finished() -> int:  # a .tmp-* folder may already hold its index.json before its rename
        return sum(1 for p in out.rglob("index.json") if not p.parent.name.startswith(".tmp-"))

    deadline = time.time() + 60
    while finished() < 2 and time.time() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = finished()
    assert 2 <= done < 16 and not (out / REPORT_NAME).exists(), "kill did not land midway"
    subprocess.run([*cmd, "--out", str(out)], env=env, cwd=ROOT, check=True, capture_output=True)
    assert tree(out) == tree(tmp_path / "full")
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["skipped"] >= done and report["written"] + report["skipped"] == 16


def test_cli_help_and_exit_codes(mixed, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    text = capsys.readouterr().out
    assert e.value.code == 0
    flags = ["--ucf101", "--splits", "--fold", "--kinetics-csv", "--video-root",
             "--path-format", "--folder", "--split", "--out", "--fps", "--size", "--resize-mode",
             "--max-frames", "--quality", "--workers", "--report", "--limit", "--overwrite",
             "--min-decoded-fraction", "--no-progress", "exit status:"]  # fmt: skip
    assert all(f in text for f in flags)
    args = ["--folder", str(mixed), "--out", str(tmp_path / "o"), "--no-progress", "--size", "8x12"]
    with pytest.raises(SystemExit) as e:  # HxW needs --resize-mode exact: said before any work
        main(args)
    assert e.value.code == 2 and "needs an int size" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    args += ["--resize-mode", "exact"]
    assert main(args) == 1  # finished, some videos failed
    out = capsys.readouterr().out
    assert "FAILED (1): empty file (0 bytes)" in out and "report: " in out
    assert main([*args, "--fail-on-error", "--report", str(tmp_path / "r.json")]) == 1
    assert json.loads((tmp_path / "r.json").read_text())["skipped"] >= 3
    good = ["--folder", str(mixed / "a"), "--out", str(tmp_path / "g"), "--no-progress"]
    assert main(good) == 0
    img = cv2.imread(str(tmp_path / "o" / "a" / "good0" / "frame_00000.jpg"))
    assert img.shape == (8, 12, 3)
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path / "x")])  # no input chosen


def _opencv_count(path: Path) -> int:
    """The independent reference: a plain cv2.VideoCapture read loop."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.isOpened():
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    cap.release()
    return n


def test_every_shared_media_video_through_the_extractor(tmp_path):
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not present")
    items = folder_items(media)
    odd = [i for i in items if i.label == "odd_fixtures"]
    assert len(odd) == 21 and len(items) >= 30
    report = extract_many(items, tmp_path / "out", workers=2, progress=False)
    failed = {r["path"]: r["reason"] for r in report.failed}
    assert report.written + len(failed) == len(items)
    for item in items:
        expected = _opencv_count(Path(item.path))
        folder = output_dir(item, tmp_path / "out")
        if expected == 0:
            assert failed[item.path], item.path  # in the report, with a reason
            assert not folder.exists()
        else:
            index = json.loads((folder / "index.json").read_text())
            assert index["num_frames"] == expected == len(list(folder.glob("*.jpg"))), item.path
    assert len(failed) >= 10 and any("truncated_50pct" in r["path"] for r in report.partial)


def test_cli_names_a_malformed_csv_line_in_one_line_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,youtube_id,time_start,time_end,split\na,b,1,2,train\nc,d,5,3,train\n")
    status = main(["--kinetics-csv", str(bad), "--video-root", str(tmp_path), "--out",
                   str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and err.strip() == f"error: {bad}:3: need 0 <= time_start < time_end: " \
        "'c,d,5,3,train'"
    assert main(["--ucf101", str(tmp_path), "--splits", str(tmp_path / "nowhere"), "--out",
                 str(tmp_path / "out")]) == 2  # fmt: skip
    assert "nowhere" in capsys.readouterr().err
