"""Tests for helpers.writer and sample_records: shards, manifest, determinism, resume, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers import config, records, sample, sources, writer
from helpers.records import index as record_index
from helpers.sample.data import write_index_video
from helpers.writer import cli as writer_cli
from helpers.writer.shards import assign_shards

LENGTHS = {"Alpha": (5, 7, 9), "Beta": (11, 13, 6), "Gamma": (8, 10, 12)}
LABELS = {"Alpha": 0, "Beta": 1, "Gamma": 2}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> tuple[list[sources.VideoItem], list[sources.VideoItem]]:
    root = tmp_path_factory.mktemp("videos")
    train, test = [], []
    for label, lengths in LENGTHS.items():
        for g, n in enumerate(lengths):
            vid = f"v_{label}_g{g:02d}_c01"
            path = write_index_video(root / f"{vid}.avi", n, 10.0, size=(32, 32))
            (test if g == 2 else train).append(sources.VideoItem(vid, str(path), label))
    train.append(sources.VideoItem("v_Alpha_g09_c01", str(root / "broken.avi"), "Alpha"))
    (root / "broken.avi").write_bytes(b"not a video")
    return train, test


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _read_all(out: Path, manifest: dict, split: str) -> list[dict]:
    return [
        records.parse_example(r)
        for s in manifest["splits"][split]["shards"]
        for r in records.iter_records(out / s["file"])
    ]


def test_assign_shards_balanced_and_complete():
    shards = assign_shards(103, 8, seed=3)
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1
    assert sorted(i for s in shards for i in s) == list(range(103))
    assert shards == assign_shards(103, 8, seed=3) != assign_shards(103, 8, seed=4)


def test_manifest_counts_add_up(tmp_path, clips):
    train, test = clips
    cfg = records.RecordConfig(policy="fixed", frames_per_example=8, short_policy="drop")
    manifest = writer.write_dataset(train, test, tmp_path, cfg, shards=3, test_shards=2)
    assert manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["label_map"] == {"Alpha": 0, "Beta": 1, "Gamma": 2}
    assert manifest["jpeg_quality"] == 90 and manifest["truncation"]["policy"] == "fixed"
    tr = manifest["splits"]["train"]
    # train lengths 5,7 | 11,13 | 8,10 + one broken file: 4 kept, 2 dropped (too short), 1 failed
    counts = (tr["num_clips_in"], tr["num_clips"], tr["num_dropped"], tr["num_failed"])
    assert counts == (7, 4, 2, 1)
    assert tr["num_examples"] == sum(s["num_examples"] for s in tr["shards"]) == 4
    assert tr["num_frames"] == 32 and tr["label_counts"] == {"Beta": 2, "Gamma": 2}
    (failure,) = tr["failures"]
    assert failure["id"] == "v_Alpha_g09_c01" and "broken.avi" in failure["path"]
    assert "cannot open" in failure["reason"]  # the reason, not just the name
    assert {d["id"] for d in tr["dropped_by_policy"]} == {"v_Alpha_g00_c01", "v_Alpha_g01_c01"}
    assert [s["file"] for s in tr["shards"]] == [
        f"train/clips-0000{k}-of-00003.tfrecord" for k in range(3)
    ]
    parsed = _read_all(tmp_path, manifest, "train")
    assert len(parsed) == 4 and all(int(p["num_frames"]) == 8 for p in parsed)
    te = manifest["splits"]["test"]
    assert te["num_shards"] == 2 and te["num_examples"] == 3 - 1  # Beta g02 has 6 frames
    for split in ("train", "test"):
        for s in manifest["splits"][split]["shards"]:
            assert (tmp_path / s["file"]).stat().st_size == s["bytes"]


def test_same_seed_byte_identical_other_seed_differs(tmp_path, clips):
    train, _ = clips
    cfg = records.RecordConfig(policy="chunks", frames_per_example=3)
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        writer.write_split(train, tmp_path / name, "train", LABELS, cfg,
                           shards=2, seed=seed)  # fmt: skip
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a == b
    assert a != c


def test_workers_and_gzip_give_same_examples(tmp_path, clips):
    train, _ = clips
    cfg = records.RecordConfig(policy="none")
    labels = LABELS
    one = writer.write_split(train, tmp_path / "one", "train", labels, cfg, shards=2)
    two = writer.write_split(train, tmp_path / "two", "train", labels, cfg, shards=2, workers=2)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    gz = writer.write_split(train, tmp_path / "gz", "train", labels, cfg, shards=2, compress=True)
    assert gz["shards"][0]["file"].endswith(".tfrecord.gz")
    plain = [list(records.iter_records(tmp_path / "one" / s["file"])) for s in one["shards"]]
    zipped = [list(records.iter_records(tmp_path / "gz" / s["file"])) for s in gz["shards"]]
    assert plain == zipped and two["num_examples"] == one["num_examples"] == 6


def test_group_shortest_truncates_each_group(tmp_path, clips):
    train, _ = clips
    cfg = records.RecordConfig(policy="group_shortest", group_size=2)
    manifest = writer.write_dataset(train, None, tmp_path, cfg, shards=2)
    got = {p["id"].numpy().decode(): int(p["num_frames"]) for p in _read_all(tmp_path, manifest,
                                                                              "train")}  # fmt: skip
    # lengths 5 7 8 10 11 13 -> groups (5,7) (8,10) (11,13)
    assert got == {
        "v_Alpha_g00_c01": 5, "v_Alpha_g01_c01": 5, "v_Gamma_g00_c01": 8,
        "v_Gamma_g01_c01": 8, "v_Beta_g00_c01": 11, "v_Beta_g01_c01": 11,
    }  # fmt: skip
    assert (tmp_path / "train" / "lengths.json").exists()


@pytest.mark.parametrize("policy", ["fixed", "group_shortest"])
def test_a_rerun_converts_a_video_repaired_since(tmp_path, clips, policy):
    train, _ = clips
    src = tmp_path / "src"
    src.mkdir()
    items = [sources.VideoItem(i.id, str(src / Path(i.path).name), i.label) for i in train[:4]]
    for item, original in zip(items[1:], train[1:4], strict=True):
        Path(item.path).write_bytes(Path(original.path).read_bytes())  # the first is missing
    cfg = records.RecordConfig(policy=policy, frames_per_example=4, group_size=2)

    def failed(manifest):
        return [f["id"] for f in manifest["splits"]["train"]["failures"]]

    first = writer.write_dataset(items, None, tmp_path / "out", cfg, shards=2, label_map=LABELS)
    assert failed(first) == [items[0].id]
    Path(items[0].path).write_bytes(Path(train[0].path).read_bytes())  # the video is back
    again = writer.write_dataset(items, None, tmp_path / "out", cfg, shards=2, label_map=LABELS)
    assert failed(again) == []
    writer.write_dataset(items, None, tmp_path / "clean", cfg, shards=2, label_map=LABELS)
    assert _files(tmp_path / "out" / "train") == _files(tmp_path / "clean" / "train")


def test_a_new_name_or_compression_replaces_the_old_shard_set(tmp_path, clips):
    train, _ = clips
    cfg = records.RecordConfig()
    writer.write_dataset(train, None, tmp_path, cfg, shards=3, label_map=LABELS)
    (tmp_path / "train" / "notes.txt").write_text("mine")  # never listed: left alone
    writer.write_dataset(train, None, tmp_path, cfg, shards=2, label_map=LABELS, name="ucf")
    assert sorted(p.name for p in (tmp_path / "train").iterdir() if "-of-" in p.name) == sorted(
        f"ucf-0000{i}-of-00002.tfrecord{s}" for i in range(2) for s in ("", ".json", ".index")
    )
    writer.write_dataset(train, None, tmp_path, cfg, shards=2, label_map=LABELS, name="ucf",
                         compress=True)  # fmt: skip
    shards = sorted(p.name for p in (tmp_path / "train").glob("*-of-*"))
    assert shards == sorted(f"ucf-0000{i}-of-00002.tfrecord.gz{s}" for i in range(2)
                            for s in ("", ".json"))  # fmt: skip
    assert (tmp_path / "train" / "notes.txt").read_text() == "mine"


def test_unknown_test_label_is_an_error_before_writing(tmp_path, clips):
    train, test = clips
    bad = [*test, sources.VideoItem("v_Delta_g01_c01", test[0].path, "Delta")]
    with pytest.raises(sources.UnknownLabelError, match="Delta"):
        writer.write_dataset(train, bad, tmp_path, records.RecordConfig(), shards=1)
    assert not (tmp_path / "train").exists()


def test_duplicate_ids_and_changed_settings_are_errors(tmp_path, clips):
    train, _ = clips
    labels = LABELS
    with pytest.raises(ValueError, match="duplicate"):
        writer.write_split([*train, train[0]], tmp_path, "train", labels, records.RecordConfig())
    writer.write_split(train[:2], tmp_path, "train", labels, records.RecordConfig(), shards=2)
    with pytest.raises(ValueError, match="other settings"):
        writer.write_split(train[:2], tmp_path, "train", labels, records.RecordConfig(quality=50))
    with pytest.raises(ValueError, match="label map"):
        writer.write_split(train[:2], tmp_path, "train", {"Alpha": 1, "Beta": 0, "Gamma": 2},
                           records.RecordConfig())  # fmt: skip
    # Fewer shards in the same folder: the old shard set is removed, not mixed in.
    writer.write_split(train[:2], tmp_path, "train", labels, records.RecordConfig(), shards=1)
    assert sorted(p.name for p in (tmp_path / "train").iterdir()) == [
        "clips-00000-of-00001.tfrecord",
        "clips-00000-of-00001.tfrecord.index",
        "clips-00000-of-00001.tfrecord.json",
    ]


_SLOW_WRITER = """
import sys, time
from helpers import records, sources, writer
from helpers.records import shard
real = shard.item_to_examples_with_stats
def slow(*a, **k):
    time.sleep(0.4)
    return real(*a, **k)
shard.item_to_examples_with_stats = slow  # slow the first run down so it can be killed
items = [sources.VideoItem(*row) for row in {items!r}]
writer.write_split(items, sys.argv[1], "train", {labels!r}, records.RecordConfig(quality=80),
                   shards=4, seed=7)
"""


def test_kill_midway_then_rerun_equals_clean_run(tmp_path, clips):
    train, _ = clips
    labels = LABELS
    rows = [(i.id, i.path, i.label) for i in train]
    script = textwrap.dedent(_SLOW_WRITER.format(items=rows, labels=labels))
    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(killed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not list((killed / "train").glob("*.json")):
            assert proc.poll() is None, "writer exited before writing a shard"
            assert time.monotonic() < deadline, "writer too slow to start"
            time.sleep(0.02)
        time.sleep(0.3)  # now inside a later shard
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    sidecars = list((killed / "train").glob("*.tfrecord.json"))
    assert 1 <= len(sidecars) < 4, "the kill should land midway"
    assert not (killed / "manifest.json").exists()
    items = [sources.VideoItem(*row) for row in rows]
    cfg = records.RecordConfig(quality=80)
    resumed = writer.write_split(items, killed, "train", labels, cfg, shards=4, seed=7)
    assert resumed["resumed_shards"] == len(sidecars)
    writer.write_split(items, tmp_path / "clean", "train", labels, cfg, shards=4, seed=7)
    assert _files(killed) == _files(tmp_path / "clean")
    assert not list(killed.rglob("*.incomplete"))


def _ucf_layout(root: Path, clips) -> tuple[Path, Path]:
    train, test = clips
    videos, splits = root / "UCF-101", root / "lists"
    splits.mkdir(parents=True)
    (splits / "classInd.txt").write_text("1 Alpha\r\n2 Beta\r\n3 Gamma\r\n")
    lines = {"train": [], "test": []}
    for split, items in (("train", train[:-1]), ("test", test)):
        for item in items:
            target = videos / item.label / f"{item.id}.avi"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(Path(item.path).read_bytes())
            idx = f" {list(LENGTHS).index(item.label) + 1}" if split == "train" else ""
            lines[split].append(f"{item.label}/{item.id}.avi{idx}")
    lines["test"].append("Gamma/v_Gamma_g07_c01.avi")  # listed but missing on disk
    (splits / "trainlist01.txt").write_text("\r\n".join(lines["train"]) + "\r\n")
    (splits / "testlist01.txt").write_text("\r\n".join(lines["test"]) + "\r\n")
    return videos, splits


def test_cli_ucf101(tmp_path, clips, capsys):
    videos, splits = _ucf_layout(tmp_path, clips)
    out = tmp_path / "rec"
    rc = writer_cli.main(["ucf101", "--videos", str(videos), "--splits", str(splits),
                          "--out", str(out),
                      "--policy", "fixed", "--frames-per-example", "6", "--short-policy", "loop",
                      "--shards", "2", "--workers", "1", "--gzip", "--size", "16"])  # fmt: skip
    text = capsys.readouterr().out
    assert rc == 1  # the missing test clip is reported
    assert "records in" in text and "missing file" in text
    manifest = records.read_manifest(out)
    assert manifest["label_map"] == {"Alpha": 0, "Beta": 1, "Gamma": 2}  # from classInd.txt
    assert manifest["splits"]["train"]["num_examples"] == 6
    assert manifest["splits"]["test"]["num_failed"] == 1
    assert manifest["splits"]["test"]["num_clips_in"] == 4
    parsed = _read_all(out, manifest, "test")
    assert {int(p["num_frames"]) for p in parsed} == {6} and int(parsed[0]["height"]) == 16


def test_cli_kinetics(tmp_path, clips, capsys):
    train, test = clips
    csv = tmp_path / "k.csv"
    rows = ["label,youtube_id,time_start,time_end,split"]
    for item in train[:-1] + test:
        rows.append(f"{item.label.lower()},{item.id},0,1,{'val' if item in test else 'train'}")
    csv.write_text("\n".join(rows) + "\n")
    videos = Path(train[0].path).parent
    rc = writer_cli.main(["kinetics", "--csv", str(csv), "--train-split", "train",
                      "--test-csv", str(csv), "--test-split", "val", "--videos", str(videos),
                      "--path-format", "{youtube_id}.avi", "--out", str(tmp_path / "k"),
                      "--policy", "chunks", "--frames-per-example", "4",
                      "--workers", "1"])  # fmt: skip
    assert rc == 0, capsys.readouterr().out
    manifest = records.read_manifest(tmp_path / "k")
    assert manifest["label_map"] == {"alpha": 0, "beta": 1, "gamma": 2}
    assert manifest["splits"]["train"]["num_clips"] == 6
    assert manifest["splits"]["test"]["num_clips"] == 3  # the "val" rows, not the train rows
    # trimmed to [0, 1) s at 10 fps: 10 of each clip's 5-13 frames, i.e. min(n, 10) // 4 chunks
    lengths = {it.id: n for it, n in zip(train[:-1], [5, 7, 11, 13, 8, 10], strict=True)}
    expected = sum(min(n, 10) // 4 for n in lengths.values())
    assert manifest["splits"]["train"]["num_examples"] == expected
    ids = {str(p["id"].numpy().decode()) for p in _read_all(tmp_path / "k", manifest, "train")}
    assert ids == {f"{i}_000000_000001_c{k:03d}" for i, n in lengths.items()
                   for k in range(min(n, 10) // 4)}  # fmt: skip


def test_cli_help_explains_everything(capsys):
    with pytest.raises(SystemExit) as e:
        writer_cli.main(["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for word in ("ucf101", "kinetics", "group_shortest", "repeat_last", "manifest.json"):
        assert word in text
    with pytest.raises(SystemExit):
        writer_cli.main(["ucf101", "--help"])
    sub = capsys.readouterr().out
    for flag in ("--workers", "--shards", "--frames-per-example", "--policy", "--fps", "--gzip",
                 "--seed"):
        assert flag in sub


def test_real_media_written_and_read(tmp_path):
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not available")
    items = [
        sources.VideoItem("v_ApplyEyeMakeup_g01_c01",
                          str(media / "ucf101/v_ApplyEyeMakeup_g01_c01.avi"), "ApplyEyeMakeup"),
        sources.VideoItem("v_BaseballPitch_g01_c01",
                          str(media / "ucf101/v_BaseballPitch_g01_c01.avi"), "BaseballPitch"),
        sources.VideoItem("carving", str(media / "kinetics_carving_ice_rpi.mp4"), "carving ice"),
        sources.VideoItem("pool", str(media / "mmaction2_rawvideo_part_0.mp4"), "cleaning pool"),
    ]  # fmt: skip
    cfg = records.RecordConfig(size=48, fps=10, policy="fixed", frames_per_example=8)
    manifest = writer.write_dataset(items, None, tmp_path, cfg, shards=2)
    tr = manifest["splits"]["train"]
    assert tr["num_examples"] == 4 and tr["num_failed"] == 0
    for p in _read_all(tmp_path, manifest, "train"):
        video = records.decode_frames(p["frames"]).numpy()
        assert video.shape[0] == 8 and min(video.shape[1:3]) == 48 and video.std() > 5


def test_ensure_sample_records_is_idempotent(tmp_path, clips, monkeypatch):
    from types import SimpleNamespace

    from helpers.sample import records as sample_records

    videos, splits = _ucf_layout(tmp_path, clips)
    fake = SimpleNamespace(ucf_root=videos, ucf_splits=splits)
    monkeypatch.setattr(sample_records, "ensure_sample_data", lambda *a, **k: fake)
    out = sample.ensure_sample_records("fixed", frames_per_example=4, out_dir=tmp_path / "rec")
    manifest = records.read_manifest(out)
    assert manifest["truncation"]["frames_per_example"] == 4
    assert manifest["splits"]["train"]["num_examples"] == 6
    stamp = (out / "manifest.json").stat().st_mtime_ns
    shard = out / manifest["splits"]["train"]["shards"][0]["file"]
    Path(record_index.index_path(shard)).unlink()  # e.g. a folder from before indexes existed
    again = sample.ensure_sample_records("fixed", frames_per_example=4, out_dir=tmp_path / "rec")
    assert again == out
    assert (out / "manifest.json").stat().st_mtime_ns == stamp  # nothing rewritten
    assert record_index.current_index(shard)  # but the index is back


def test_ensure_sample_records_twice_at_once_writes_once(tmp_path, clips, monkeypatch):
    """Two notebooks (or pytest workers) asking for the same folder: one writes, one waits."""
    import threading
    from types import SimpleNamespace

    from helpers.sample import records as sample_records

    videos, splits = _ucf_layout(tmp_path, clips)
    fake = SimpleNamespace(ucf_root=videos, ucf_splits=splits)
    monkeypatch.setattr(sample_records, "ensure_sample_data", lambda *a, **k: fake)
    calls, real_write = [], writer.write_dataset

    def slow_write(*args, **kwargs):
        calls.append(1)
        time.sleep(0.5)  # the other caller checks the folder meanwhile
        return real_write(*args, **kwargs)

    monkeypatch.setattr(writer, "write_dataset", slow_write)
    outs = []

    def ask() -> None:
        outs.append(
            sample.ensure_sample_records("fixed", frames_per_example=4, out_dir=tmp_path / "rec")
        )

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outs == [tmp_path / "rec"] * 2 and len(calls) == 1
    assert records.read_manifest(tmp_path / "rec")["splits"]["train"]["num_examples"] == 6


def test_plain_shards_get_an_index_gzip_shards_none_and_a_lost_index_comes_back(tmp_path, clips):
    train, _ = clips
    cfg = records.RecordConfig()
    writer.write_split(train, tmp_path / "plain", "train", LABELS, cfg, shards=2)
    writer.write_split(train, tmp_path / "gz", "train", LABELS, cfg, shards=2, compress=True)
    shards = sorted((tmp_path / "plain" / "train").glob("*.tfrecord"))
    assert len(shards) == 2 and all(record_index.current_index(p) for p in shards)
    assert not list((tmp_path / "gz").rglob("*.index"))
    written = shards[0].with_name(shards[0].name + ".index").read_bytes()
    Path(record_index.index_path(shards[0])).unlink()
    again = writer.write_split(train, tmp_path / "plain", "train", LABELS, cfg, shards=2)
    assert again["resumed_shards"] == 2  # the shards are kept: only the index is rebuilt
    assert Path(record_index.index_path(shards[0])).read_bytes() == written


def test_a_shard_only_appears_under_its_name_when_complete(tmp_path, clips, monkeypatch):
    """A failure just before the rename leaves no file under the shard's name, nor a temporary."""
    from helpers.writer import shards as shard_writer

    real = os.replace

    def power_cut(src, dst):
        if str(dst).endswith(".tfrecord"):
            assert Path(src).stat().st_size > 0  # the whole shard is in the temporary file
            raise OSError("power cut")
        real(src, dst)

    monkeypatch.setattr(shard_writer.os, "replace", power_cut)
    train, _ = clips
    with pytest.raises(OSError, match="power cut"):  # an output error surfaces as itself
        writer.write_split(train[:2], tmp_path, "train", LABELS, records.RecordConfig(), shards=1)
    left = sorted(p.name for p in (tmp_path / "train").iterdir())
    assert left == [], left


def test_cli_names_a_malformed_split_line_and_exits_2(tmp_path, capsys):
    splits = tmp_path / "lists"
    splits.mkdir()
    (splits / "classInd.txt").write_text("1 Alpha\r\n2 Beta\r\n")
    (splits / "trainlist01.txt").write_text("Alpha/v_Alpha_g01_c01.avi 1\r\nv_Beta.avi 2\r\n")
    (splits / "testlist01.txt").write_text("Alpha/v_Alpha_g02_c01.avi\r\n")
    status = writer_cli.main(["ucf101", "--videos", str(tmp_path), "--splits", str(splits),
                          "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert status == 2 and err.startswith(f"error: {splits / 'trainlist01.txt'}:2: ")
    assert not (tmp_path / "out").exists()


def _cli_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_cli_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    splits = tmp_path / "lists"
    splits.mkdir()
    (splits / "classInd.txt").write_text("1 Alpha\r\n")
    cases = {  # file content -> the line it must name and what it must say
        "Alpha/v_Alpha_g01_c01.avi 1\r\nAlpha/v_Alpha_g02_c01.avi 1\r\n"
        "Alpha/v_Alpha_g01_c01.avi 1\r\n":
            (3, "duplicate example id 'v_Alpha_g01_c01' (also on line 1)"),
        "Alpha/v_Alpha_g01_c01.avi 1\r\nBeta/v_Beta_g01_c01.avi\r\n":
            (2, "class 'Beta' is not in classInd.txt"),
        b"Alpha/v_Alpha_g01_c01.avi 1\r\nAlpha/v_Alpha_\xe9.avi 1\r\n":
            (2, "not UTF-8 text (byte 0xe9)"),
    }  # fmt: skip
    for text, (line, what) in cases.items():
        data = text if isinstance(text, bytes) else text.encode()
        (splits / "trainlist01.txt").write_bytes(data)
        (splits / "testlist01.txt").write_text("Alpha/v_Alpha_g03_c01.avi\r\n")
        status = writer_cli.main(["ucf101", "--videos", str(tmp_path), "--splits", str(splits),
                                  "--out", str(tmp_path / "out")])  # fmt: skip
        err = capsys.readouterr().err
        assert status == 2 and err.count("\n") == 1, err
        assert err.startswith(f"error: {splits / 'trainlist01.txt'}:{line}: {what}"), err
    assert not (tmp_path / "out").exists()


def test_cli_kinetics_unknown_test_label_names_its_line(tmp_path, capsys):
    (tmp_path / "train.csv").write_text("label,youtube_id,time_start,time_end\na,x1,0,10\n")
    head = "label,youtube_id,time_start,time_end\n"
    (tmp_path / "val.csv").write_text(f"{head}a,y1,0,10\nzz,y2,0,10\n")
    status = writer_cli.main(["kinetics", "--csv", str(tmp_path / "train.csv"), "--test-csv",
                              str(tmp_path / "val.csv"), "--videos", str(tmp_path),
                              "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and err.startswith(f"error: {tmp_path / 'val.csv'}:3: label 'zz' is not")


def test_cli_folder_partial_decode_full_disk_and_unwritable_output(tmp_path, capsys, monkeypatch):
    videos = tmp_path / "my_videos"
    for label in ("cat", "dog"):
        write_index_video(videos / label / "a.avi", 12, 25.0, size=(32, 32))
    whole = write_index_video(tmp_path / "long.avi", 60, 25.0, size=(32, 32)).read_bytes()
    (videos / "dog" / "cut.avi").write_bytes(whole[: len(whole) * 2 // 5])  # 40 % of the bytes
    base = ["folder", "--videos", str(videos), "--workers", "1", "--shards", "1"]
    assert writer_cli.main([*base, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "partial (1): partial decode: " in out and "dog/cut" in out
    split = records.load_manifest(tmp_path / "out")["splits"]["train"]
    assert split["num_clips"] == 3 and split["num_partial"] == 1 and split["num_failed"] == 0
    row = split["partial"][0]
    assert row["id"] == "dog/cut" and "of the 60 frames the header claims" in row["reason"]
    # The same clip below a minimum fraction is a failure: status 1, counted, not written.
    strict = [*base, "--out", str(tmp_path / "strict"), "--min-decoded-fraction", "0.9"]
    assert writer_cli.main(strict) == 1
    split = records.load_manifest(tmp_path / "strict")["splits"]["train"]
    assert (split["num_clips"], split["num_failed"], split["num_partial"]) == (2, 1, 0)
    assert "below min_decoded_fraction=0.9" in split["failures"][0]["reason"]
    capsys.readouterr()
    # An output under a file: one line naming it, status 2.
    (tmp_path / "afile").write_text("x")
    assert writer_cli.main([*base, "--out", str(tmp_path / "afile" / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {tmp_path / 'afile'}")
    # A full disk while a shard is written: one line, status 2, no temporary left behind.
    from helpers.writer import shards as shard_writer

    def full(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(shard_writer.os, "replace", full)
    assert writer_cli.main([*base, "--out", str(tmp_path / "full")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err, err
    assert _cli_files(tmp_path / "full") == ["train"]


def test_cli_ucf101_without_class_index_names_the_line_of_an_unknown_test_class(tmp_path, capsys):
    splits = tmp_path / "lists"
    splits.mkdir()
    (splits / "trainlist01.txt").write_text(
        "Alpha/v_Alpha_g01_c01.avi\r\nBeta/v_Beta_g01_c01.avi\r\n"
    )
    (splits / "testlist01.txt").write_text(
        "Alpha/v_Alpha_g02_c01.avi\r\nGamma/v_Gamma_g02_c01.avi\r\n"
    )
    out = tmp_path / "out"
    status = writer_cli.main(["ucf101", "--videos", str(tmp_path), "--splits", str(splits),
                              "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    where = f"error: {splits / 'testlist01.txt'}:2: "
    assert err.startswith(where + "class 'Gamma' is not among the 2 training classes"), err
    assert not out.exists()
