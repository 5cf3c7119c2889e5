"""Tests for helpers.sample: layout, splits, Kinetics CSV, idempotence, the example clip."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from helpers import config
from helpers.frames import decode, probe, resize_frames
from helpers.sample import data as sample_data
from helpers.sample import synth
from helpers.sources import build_label_map, kinetics_items, read_class_index, ucf101_items

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> sample_data.SampleData:
    return sample_data.ensure_sample_data(tmp_path_factory.mktemp("d") / "s", fast=True)


def test_ucf_layout_and_official_split_format(data):
    class_ind = (data.ucf_splits / "classInd.txt").read_bytes()
    assert class_ind.startswith(b"1 Blink\r\n")  # 1-based, CRLF like the official files
    classes = read_class_index(data.ucf_splits / "classInd.txt")
    assert list(classes) == list(synth.CLASSES) == sorted(synth.CLASSES)
    train = ucf101_items(data.ucf_root, data.ucf_splits, "train")
    test = ucf101_items(data.ucf_root, data.ucf_splits, "test")
    assert build_label_map(train) == classes
    assert Counter(i.label for i in test) == {c: 2 for c in synth.CLASSES}  # 1 group x 2 clips
    for item in train + test:
        rel = Path(item.path).relative_to(data.ucf_root)
        assert rel.as_posix() == f"{item.label}/{item.id}.avi" and Path(item.path).is_file()
    test_lines = (data.ucf_splits / "testlist01.txt").read_text().splitlines()
    assert all(len(line.split()) == 1 for line in test_lines)
    group = lambda i: i.id.rsplit("_", 1)[0]  # noqa: E731  (v_<Class>_gGG)
    assert not {group(i) for i in train} & {group(i) for i in test}


def test_videos_vary_and_decode(data):
    items = [*ucf101_items(data.ucf_root, data.ucf_splits, "train"),
             *ucf101_items(data.ucf_root, data.ucf_splits, "test")]  # fmt: skip
    infos = [probe(i.path) for i in items]
    assert {round(i.fps, 2) for i in infos} == {25.0, 30.0, 29.97}
    sizes = {(i.width, i.height) for i in infos}
    assert (321, 241) in sizes and len(sizes) >= 3
    assert all(2.0 <= i.duration <= 3.0 for i in infos)
    clip = decode(items[0].path)
    assert clip.num_decoded == infos[0].frame_count and clip.frames.std() > 5


def test_motion_not_visible_in_one_frame_but_over_time():
    rng = np.random.default_rng(0)
    look = synth.random_look(rng, 64, 64)
    cw = list(synth.render(look, [(synth.Motion("SpinClockwise", 150, 0, 1, (0.5, 0.5)), 8)], 25))
    ccw = synth.render(look, [(synth.Motion("SpinCounterClockwise", 150, 0, 1, (0.5, 0.5)), 8)], 25)
    ccw = list(ccw)
    assert np.abs(cw[0].astype(int) - ccw[0]).mean() < 1  # same first frame
    assert np.abs(cw[4].astype(int) - ccw[4]).mean() > 3  # different motion


def test_kinetics_csv_and_untrimmed_sources(data):
    with open(data.kinetics_csv, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["label", "youtube_id", "time_start", "time_end", "split"]
    items = kinetics_items(data.kinetics_csv, data.kinetics_videos, data.kinetics_path_format)
    assert len(items) == 12 and {i.split for i in items} == {"train", "val"}
    assert set(build_label_map(items)) == set(sample_data.KINETICS_LABELS.values())
    for item in items:
        info = probe(item.path)
        assert Path(item.path).name == f"{item.id.rsplit('_', 2)[0]}.mp4"
        assert item.start >= 1 and info.duration >= item.end + 0.9  # longer than the segment
    seg = decode(items[0].path, start=items[0].start, end=items[0].end)
    assert seg.timestamps[0] >= items[0].start and seg.timestamps[-1] < items[0].end


def test_idempotent_and_deterministic(data):
    marker = data.root / ".done.json"
    before = marker.stat().st_mtime_ns
    again = sample_data.ensure_sample_data(data.root, fast=True)
    assert again == data and marker.stat().st_mtime_ns == before
    a, b = sample_data._plan(Path("/x"), True), sample_data._plan(Path("/x"), True)
    assert a == b and sample_data._plan(Path("/x"), False)[0][0] != a[0][0]


def test_two_processes_at_once(tmp_path):
    code = (
        "import sys; from helpers.sample import data as s; "
        "d = s.ensure_sample_data(sys.argv[1], fast=True); print(len(list(d.root.rglob('*.avi'))))"
    )
    root = tmp_path / "shared"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(root)], cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0] and outs == ["36", "36"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["shared"]


@pytest.mark.parametrize(("fourcc", "ext", "size"), [("MJPG", "avi", (64, 64)),
                                                      ("XVID", "avi", (48, 80)),
                                                      ("mp4v", "mp4", (41, 61))])  # fmt: skip
def test_index_video_roundtrip(tmp_path, fourcc, ext, size):
    path = sample_data.write_index_video(tmp_path / f"i.{ext}", 40, 29.97, size, fourcc)
    clip = decode(path)
    assert [sample_data.read_frame_index(f) for f in clip.frames] == list(range(40))
    small = resize_frames(clip.frames, 24)
    assert [sample_data.read_frame_index(f) for f in small] == list(range(40))


def test_old_generator_version_is_rebuilt(tmp_path, monkeypatch):
    root = tmp_path / "s"
    root.mkdir()
    (root / "stale.avi").write_bytes(b"old")
    (root / ".done.json").write_text('{"version": 1}')
    monkeypatch.setattr(sample_data, "_build", lambda tmp, fast, workers: {"stub": True})
    sample_data.ensure_sample_data(root, fast=True)
    marker = json.loads((root / ".done.json").read_text())
    assert marker == {"version": sample_data._VERSION, "stub": True}
    assert not (root / "stale.avi").exists()


def test_example_clip_online_offline_and_synthetic(tmp_path, monkeypatch, capsys):
    from helpers.sample import example
    from helpers.utils import downloads

    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    media = tmp_path / "media"
    (media / "derived_gif").mkdir(parents=True)
    (media / "derived_gif" / "carving_ice_kinetics_derived.gif").write_bytes(b"GIF89a")
    monkeypatch.setattr(config, "shared_media", lambda: media)
    fake = tmp_path / "UCF101" / "Blink" / "v_Blink_g01_c01.avi"
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"x")
    sample = sample_data.SampleData(fake.parents[1], fake.parents[1], tmp_path, tmp_path, tmp_path)
    monkeypatch.setattr(example, "ensure_sample_data", lambda: sample)

    def fail(url, path, **kwargs):
        raise downloads.DownloadError(url, "no route to host")

    monkeypatch.setattr(downloads, "download", fail)
    path, about = example.example_clip(offline=False)  # download fails: the shared GIF
    assert path.name == "carving_ice_kinetics_derived.gif" and "carving ice" in about
    said = capsys.readouterr().out
    assert "Could not download the tutorial's jumping-jacks GIF (no route to host)" in said
    monkeypatch.setattr(config, "shared_media", lambda: None)
    path, about = example.example_clip(offline=True)
    assert path == fake and "SYNTHETIC" in about and capsys.readouterr().out == ""

    def fetch(url, path, **kwargs):
        assert url == example.JUMPING_JACK_URL
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"GIF89a")
        return 6

    monkeypatch.setattr(downloads, "download", fetch)
    path, about = example.example_clip(offline=False)
    assert path == tmp_path / "data" / "movinet" / "jumpingjack.gif" and "jumping jacks" in about
