"""Tests for helpers.beam: the Beam pipeline writes the same examples as the local writer."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import tensorflow as tf

from helpers import beam, config, records, sources, writer
from helpers.beam import cli as beam_cli
from helpers.beam import dofns as beam_dofns
from helpers.beam import options as beam_options
from helpers.beam import outputs as beam_manifest
from helpers.records import index as record_index
from helpers.records import manifest as manifest_lib

IN_PROCESS = ["--runner=DirectRunner"]  # in-process runner: fast; multi_processing is for the CLI.


def _write_avi(path: Path, num_frames: int, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (32, 24))
    rng = np.random.default_rng(seed)
    for t in range(num_frames):
        frame = np.full((24, 32, 3), (t * 23 + seed * 40) % 256, np.uint8)
        frame[rng.integers(0, 20) :, : rng.integers(4, 30)] = 255
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two splits, two classes, clips of 5-14 frames: root/<split>/<label>/<clip>.avi."""
    root = tmp_path_factory.mktemp("videos")
    lengths = iter([14, 7, 11, 5, 9, 12, 6, 10])
    for split in ("train", "test"):
        for label in ("Orbit", "Spin"):
            for k in range(2):
                _write_avi(root / split / label / f"{label}_{k}.avi", next(lengths), seed=k)
    return root


def _items(root: Path) -> list[sources.VideoItem]:
    return sources.folder_items(root, split="train") + sources.folder_items(root, split="test")


def _corrupt(tmp_path: Path) -> list[Path]:
    """Bad inputs: the shared odd fixtures when present, else generated ones."""
    shared = config.shared_media()
    names = ["zero_length.mp4", "not_a_video.mp4", "truncated_60pct_moov_at_end.mp4"]
    bad_dir = tmp_path / "bad" / "train" / "Spin"
    bad_dir.mkdir(parents=True)
    if shared is not None and (shared / "odd_fixtures" / "derived").is_dir():
        for name in names:
            shutil.copy(shared / "odd_fixtures" / "derived" / name, bad_dir / name)
    else:
        (bad_dir / names[0]).write_bytes(b"")
        (bad_dir / names[1]).write_text("this is a text file, not a video\n")
        (bad_dir / names[2]).write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    return sorted(bad_dir.iterdir())


def _example_id(serialized: bytes) -> str:
    example = tf.train.SequenceExample.FromString(serialized)
    return example.context.feature[records.EXAMPLE_ID_KEY].bytes_list.value[0].decode()


def _read_split(out_dir: Path, split: str, gzip: bool = False) -> dict[str, bytes]:
    pattern = beam.shard_pattern(str(out_dir), split, compression="gzip" if gzip else None)
    got: dict[str, bytes] = {}
    for path in sorted(tf.io.gfile.glob(pattern)):
        for serialized in records.iter_records(path):
            assert _example_id(serialized) not in got, "duplicate example id"
            got[_example_id(serialized)] = serialized
    return got


def _local(items, label_map, cfg, split: str, out_dir: Path) -> tuple[dict[str, bytes], dict]:
    """What the local writer (helpers.writer) writes for one split (by example id), and its
    manifest entry."""
    chosen = [item for item in items if item.split == split]
    entry = writer.write_split(chosen, out_dir, split, label_map, cfg, shards=2, workers=1)
    got: dict[str, bytes] = {}
    for path in sorted((out_dir / split).glob("clips-*.tfrecord")):
        for serialized in records.iter_records(path):
            got[_example_id(serialized)] = serialized
    return got, entry


@pytest.mark.parametrize(
    "cfg",
    [
        records.RecordConfig(size=16, policy="fixed", frames_per_example=8, short_policy="loop"),
        records.RecordConfig(policy="chunks", chunk_length=4),
        records.RecordConfig(fps=5.0, policy="group_shortest", group_size=2),
        records.RecordConfig(size=16, policy="fixed", frames_per_example=8, short_policy="drop"),
    ],
    ids=["fixed", "chunks", "group_shortest", "fixed_drop"],
)
def test_same_examples_as_local_writer(videos: Path, tmp_path: Path, cfg) -> None:
    items = _items(videos)
    label_map = sources.build_label_map([it for it in items if it.split == "train"])
    manifest = beam.run_pipeline(
        items, label_map, cfg, tmp_path / "out", num_shards=2, pipeline_args=IN_PROCESS
    )
    for split in ("train", "test"):
        got = _read_split(tmp_path / "out", split)
        want, local = _local(items, label_map, cfg, split, tmp_path / "local")
        assert want, "the reference wrote nothing: the test would be vacuous"
        entry = manifest["splits"][split]  # clips the policy dropped: listed, as locally
        by_id = lambda rows: sorted(rows, key=lambda d: d["id"])  # noqa: E731
        assert by_id(entry["dropped_by_policy"]) == by_id(local["dropped_by_policy"])
        assert entry["num_dropped"] == local["num_dropped"] == len(local["dropped_by_policy"])
        if cfg.policy == "fixed" and cfg.short_policy == "drop":
            assert entry["num_dropped"] > 0  # 5-7 frame clips, 8-frame windows
        shards = sorted((tmp_path / "out" / split).glob("clips-*.tfrecord"))
        assert shards and all(record_index.current_index(p) for p in shards)  # indexed too
        assert sorted(got) == sorted(want)
        for example_id, serialized in want.items():
            assert got[example_id] == serialized, example_id
        assert manifest["splits"][split]["num_examples"] == len(want)
        assert manifest["splits"][split]["failures"] == []
    assert manifest["label_map"] == label_map
    assert records.RecordConfig.from_dict(manifest["config"]) == cfg
    on_disk = json.loads((tmp_path / "out" / records.MANIFEST_FILE).read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    # One schema: the local writer's manifest and Beam's have the same keys at every level,
    # and the same per-split figures.
    local = records.load_manifest(tmp_path / "local")
    assert set(on_disk) == set(local) == set(manifest_lib.TOP_KEYS)
    for split in ("train", "test"):
        ours, theirs = on_disk["splits"][split], local["splits"][split]
        assert set(ours) == set(theirs) == set(manifest_lib.SPLIT_KEYS)
        assert {k for s in ours["shards"] for k in s} == set(manifest_lib.SHARD_KEYS)
        assert {k for s in theirs["shards"] for k in s} == set(manifest_lib.SHARD_KEYS)
        for key in ("num_clips_in", "num_clips", "num_examples", "num_frames", "label_counts",
                    "frame_sizes", "num_dropped"):  # fmt: skip
            assert ours[key] == theirs[key], (split, key)
    assert on_disk["written_by"] == "helpers.beam" and local["written_by"] == "helpers.writer"


def test_corrupt_inputs_go_to_dead_letter_file(videos: Path, tmp_path: Path) -> None:
    bad = _corrupt(tmp_path)
    good = sources.folder_items(videos, split="train")
    bad_items = [sources.VideoItem(f"bad/{p.stem}", str(p), "Spin", split="train") for p in bad]
    cfg = records.RecordConfig(size=16)
    label_map = sources.build_label_map(good)
    manifest = beam.run_pipeline(
        good + bad_items, label_map, cfg, tmp_path / "out", num_shards=1, pipeline_args=IN_PROCESS
    )
    failures = beam.read_failures(str(tmp_path / "out"))
    assert {row["path"] for row in failures} == {str(p) for p in bad}
    for row in failures:
        assert row["reason"].strip(), row
        assert row["split"] == "train"
    lines = (tmp_path / "out" / beam.FAILURES_FILE).read_text().splitlines()
    assert len(lines) == len(bad)
    written = _read_split(tmp_path / "out", "train")
    assert sorted(written) == sorted(it.id for it in good)
    assert manifest["splits"]["train"]["num_failed"] == len(bad)
    assert manifest["splits"]["train"]["num_examples"] == len(good)


@pytest.mark.parametrize("gzip", [False, True])
def test_shard_count_is_honoured(videos: Path, tmp_path: Path, gzip: bool) -> None:
    items = sources.folder_items(videos, split="train")
    cfg = records.RecordConfig(size=16, max_frames=4)
    compression = "gzip" if gzip else None
    out = tmp_path / "out"
    beam.run_pipeline(  # a first run in the other compression: its shards must not linger
        items, {"Orbit": 0, "Spin": 1}, cfg, out, num_shards=2,
        compression=None if gzip else "gzip", pipeline_args=IN_PROCESS,
    )  # fmt: skip
    manifest = beam.run_pipeline(
        items,
        {"Orbit": 0, "Spin": 1},
        cfg,
        out,
        num_shards=3,
        compression=compression,
        pipeline_args=IN_PROCESS,
    )
    suffix = ".tfrecord.gz" if gzip else ".tfrecord"
    want = [f"clips-{i:05d}-of-00003{suffix}" for i in range(3)]
    indexes = [] if gzip else [name + ".index" for name in want]  # plain shards get an index
    assert sorted(p.name for p in (out / "train").iterdir()) == sorted(want + indexes)
    assert [s["file"] for s in manifest["splits"]["train"]["shards"]] == [
        f"train/{w}" for w in want
    ]
    assert len(_read_split(out, "train", gzip=gzip)) == len(items)


def test_a_job_killed_while_writing_its_manifest_leaves_none(
    videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = sources.folder_items(videos, split="train")
    cfg, out = records.RecordConfig(size=16, max_frames=4), tmp_path / "out"
    args = dict(num_shards=1, pipeline_args=IN_PROCESS)
    beam.run_pipeline(items, {"Orbit": 0, "Spin": 1}, cfg, out, **args)  # an old, good run

    def killed(sources_, destinations):
        raise OSError("killed before the rename")

    monkeypatch.setattr(beam_manifest.FileSystems, "rename", killed)
    with pytest.raises(OSError, match="killed"):
        beam.run_pipeline(items, {"Orbit": 0, "Spin": 1}, cfg, out, **args)
    assert not (out / "manifest.json").exists()  # not the old one, not a cut one: unfinished
    monkeypatch.undo()
    manifest = beam.run_pipeline(items, {"Orbit": 0, "Spin": 1}, cfg, out, **args)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["failures.jsonl",
                                                                      "manifest.json"]


class _FakeRemote:
    """Stands in for Beam's FileSystems: ``fake://<local path>`` is a "remote" file."""

    @staticmethod
    def get_scheme(path: str) -> str | None:
        return "fake" if path.startswith("fake://") else None

    @staticmethod
    def open(path: str):
        return open(path.removeprefix("fake://"), "rb")


def test_remote_videos_are_copied_and_keep_their_path(
    videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beam_dofns, "FileSystems", _FakeRemote)
    local = sources.folder_items(videos, split="train")
    remote = [
        sources.VideoItem(it.id, "fake://" + it.path, it.label, split="train") for it in local
    ]
    cfg = records.RecordConfig(size=16, max_frames=4)
    label_map = sources.build_label_map(local)
    beam.run_pipeline(
        remote, label_map, cfg, tmp_path / "out", num_shards=1, pipeline_args=IN_PROCESS
    )
    got = _read_split(tmp_path / "out", "train")
    want, _ = _local(local, label_map, cfg, "train", tmp_path / "local")
    assert sorted(got) == sorted(want)
    for item in local:
        example = tf.train.SequenceExample.FromString(got[item.id])
        path = example.context.feature[records.CLIP_DATA_PATH_KEY].bytes_list.value[0].decode()
        assert path == "fake://" + item.path
        example.context.feature[records.CLIP_DATA_PATH_KEY].bytes_list.value[:] = [
            item.path.encode()
        ]
        assert example.SerializeToString(deterministic=True) == want[item.id]


def test_bad_inputs_fail_before_any_work(videos: Path, tmp_path: Path) -> None:
    items = sources.folder_items(videos, split="train")
    cfg = records.RecordConfig()
    with pytest.raises(ValueError, match="duplicate example ids"):
        beam.run_pipeline(
            items + items[:1], {"Orbit": 0, "Spin": 1}, cfg, tmp_path, pipeline_args=IN_PROCESS
        )
    with pytest.raises(sources.UnknownLabelError, match="Spin"):
        beam.run_pipeline(items, {"Orbit": 0}, cfg, tmp_path, pipeline_args=IN_PROCESS)
    assert not list(tmp_path.rglob("*.tfrecord"))


def test_runner_flags_pass_through() -> None:
    flink = ["--runner=FlinkRunner", "--flink_master=localhost:8081", "--parallelism=4"]
    assert beam_options.with_defaults(flink, workers=2) == flink
    assert beam_options.with_defaults(["--runner", "SparkRunner"], workers=2) == [
        "--runner",
        "SparkRunner",
    ]
    local = beam_options.with_defaults(["--experiments=foo"], workers=3)
    assert local == [
        "--runner=DirectRunner",
        "--direct_running_mode=multi_processing",
        "--direct_num_workers=3",
        "--experiments=foo",
    ]


def test_cli_writes_shards_manifest_and_failures(videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    code = beam_cli.main(
        [
            "--source",
            "folder",
            "--video_root",
            str(videos),
            "--splits",
            "train",
            "test",
            "--out_dir",
            str(out),
            "--num_shards",
            "2",
            "--size",
            "16",
            "--max_frames",
            "3",
            *IN_PROCESS,
        ]
    )
    assert code == 0
    manifest = json.loads((out / records.MANIFEST_FILE).read_text())
    assert manifest["pipeline_args"] == IN_PROCESS
    assert manifest["config"]["size"] == 16
    assert {s: v["num_examples"] for s, v in manifest["splits"].items()} == {"test": 4, "train": 4}
    assert len(list(out.glob("test/clips-*-of-00002.tfrecord"))) == 2
    assert (out / beam.FAILURES_FILE).read_text() == ""


def test_cli_remote_video_root_keeps_the_url(tmp_path: Path) -> None:
    csv = tmp_path / "k.csv"
    csv.write_text("label,youtube_id,time_start,time_end,split\nskiing,abcdefghijk,1,3,train\n")
    args, passthrough = beam_cli.build_parser().parse_known_args(
        ["--source", "kinetics", "--csv", str(csv), "--video_root", "gs://bucket/videos/",
         "--out_dir", "gs://bucket/out", "--runner", "DataflowRunner", "--region", "europe-west4"]
    )  # fmt: skip
    items, label_map = beam_cli._items_from_args(args)
    assert [it.path for it in items] == ["gs://bucket/videos/abcdefghijk_000001_000003.mp4"]
    assert label_map == {"skiing": 0}
    assert passthrough == ["--runner", "DataflowRunner", "--region", "europe-west4"]


def test_help_runs_and_lists_the_options(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        beam_cli.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--source", "--split_dir", "--csv", "--out_dir", "--num_shards", "--gzip"):
        assert option in text, option
    assert "{ucf101,kinetics,folder}" in text


def test_cli_names_a_malformed_csv_line_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,youtube_id,time_start,time_end,split\nc,d,x,3,train\n")
    status = beam_cli.main(["--source", "kinetics", "--csv", str(bad), "--video_root",
                            str(tmp_path), "--out_dir", str(tmp_path / "out")])  # fmt: skip
    assert status == 2
    assert capsys.readouterr().err.strip() == f"error: {bad}:2: time_start is not a number: " \
        "'c,d,x,3,train'"


def test_dask_runner_gets_one_shard_per_partition_unless_told() -> None:
    dask = ["--runner", beam.DASK_RUNNER, "--dask_client_address", "tcp://127.0.0.1:8786"]
    assert beam_options.with_defaults(dask, workers=2) == [*dask, "--dask_partition_size=1"]
    told = [f"--runner={beam.DASK_RUNNER}", "--dask_npartitions=8"]
    assert beam_options.with_defaults(told, workers=2) == told


def test_each_runner_gets_threads_per_video_that_fit_its_machine(monkeypatch) -> None:
    monkeypatch.setattr(beam_dofns.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(beam_options.os, "cpu_count", lambda: 8)
    local = beam_options.with_defaults(None, workers=4)
    assert beam_options.local_workers(local) == 4  # the multi-process DirectRunner
    assert beam_options.local_workers(["--runner", "DirectRunner"]) == 1  # in memory
    assert beam_options.local_workers(["--runner=DirectRunner", "--direct_num_workers=0"]) == 8
    for remote in ("DataflowRunner", "FlinkRunner", beam.DASK_RUNNER):
        assert beam_options.local_workers([f"--runner={remote}", "--direct_num_workers=4"]) is None
    threads = beam.video_threads
    assert threads(workers=4) == 2 and threads(workers=1) == 8 and threads(workers=16) == 1
    assert threads(3, workers=4) == 3  # --threads_per_video wins
    assert threads(environ={"OMP_NUM_THREADS": "1"}) == 1  # what a Dask nanny gives its workers
    assert threads(environ={"OMP_NUM_THREADS": "4"}) == 4
    for unset in ({}, {"OMP_NUM_THREADS": ""}, {"OMP_NUM_THREADS": "0"}, {"OMP_NUM_THREADS": "x"}):
        assert threads(environ=unset) == 1  # a cluster task, no hint: one core's worth


def test_the_conversion_uses_the_chosen_threads_and_writes_the_same_bytes(
    videos: Path, tmp_path: Path, monkeypatch
) -> None:
    from helpers.records import encode

    seen: list[int | None] = []
    convert = encode.item_to_examples_with_stats

    def spy(*args, **kwargs):
        seen.append(kwargs.get("threads"))
        return convert(*args, **kwargs)

    monkeypatch.setattr(records, "item_to_examples_with_stats", spy)
    items = sources.folder_items(videos, split="train")
    label_map = sources.build_label_map(items)
    cfg = records.RecordConfig(size=16)
    shards = {}
    for threads in (None, 1, 3):
        out = tmp_path / f"t{threads}"
        seen.clear()
        beam.run_pipeline(items, label_map, cfg, out, num_shards=1, pipeline_args=IN_PROCESS,
                          threads_per_video=threads)  # fmt: skip
        assert set(seen) == {threads or os.cpu_count() or 1} and len(seen) == len(items)
        shards[threads] = [p.read_bytes() for p in sorted((out / "train").glob("*.tfrecord"))]
    assert shards[None] and shards[None] == shards[1] == shards[3]
    with pytest.raises(ValueError, match="threads_per_video must be at least 1, got 0"):
        beam.run_pipeline(items, label_map, cfg, tmp_path / "zero", pipeline_args=IN_PROCESS,
                          threads_per_video=0)  # fmt: skip


@pytest.mark.parametrize("flag", ["--threads_per_video", "--workers"])
def test_cli_refuses_a_thread_or_worker_count_below_one(flag, videos, tmp_path, capsys) -> None:
    args = ["--source", "folder", "--video_root", str(videos / "train"),
            "--out_dir", str(tmp_path / "out"), flag, "0"]  # fmt: skip
    assert beam_cli.main(args) == 2
    assert capsys.readouterr().err.strip() == f"error: {flag}: must be at least 1, got 0"
    assert not (tmp_path / "out").exists()


def test_shards_are_planned_deterministically_and_honoured(videos: Path) -> None:
    items = _items(videos)
    jobs = beam.plan_shards(items, num_shards=3, seed=7)
    assert [(j.split, j.index, j.num_shards) for j in jobs] == [
        (s, k, 3) for s in ("test", "train") for k in range(3)]  # fmt: skip
    dealt = sorted(it.id for j in jobs if j.split == "train" for it in j.items)
    assert dealt == sorted(it.id for it in items if it.split == "train")  # each clip once
    assert jobs == beam.plan_shards(list(reversed(items)), num_shards=3, seed=7)  # input order
    assert jobs != beam.plan_shards(items, num_shards=3, seed=8)
    many = [dataclasses.replace(items[0], id=f"c{k}") for k in range(2 * beam.CLIPS_PER_SHARD + 1)]
    assert len(beam.plan_shards(many, num_shards=0)) == 3  # one shard per CLIPS_PER_SHARD clips


def test_a_rerun_after_a_killed_run_writes_the_same_bytes(videos: Path, tmp_path: Path) -> None:
    items = sources.folder_items(videos, split="train")
    cfg, out = records.RecordConfig(size=16, max_frames=4), tmp_path / "out"
    args = dict(num_shards=2, pipeline_args=IN_PROCESS)
    first = beam.run_pipeline(items, {"Orbit": 0, "Spin": 1}, cfg, out, **args)
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # What kill -9 leaves: a cut shard under its temporary name, worker summaries, no manifest.
    (out / "manifest.json").unlink()
    (out / "train" / "clips-00000-of-00002.tfrecord.incomplete").write_bytes(b"cut")
    (out / "_beam" / "shards").mkdir(parents=True)
    (out / "_beam" / "shards" / "train-stale.json").write_text("{}")
    again = beam.run_pipeline(items, {"Orbit": 0, "Spin": 1}, cfg, out, **args)
    assert again == first
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files


def test_partial_decodes_are_flagged_as_the_local_writer_flags_them(tmp_path: Path) -> None:
    from helpers.sample.data import write_index_video

    videos = tmp_path / "videos" / "train"
    for label in ("cat", "dog"):
        write_index_video(videos / label / "a.avi", 12, 25.0, size=(32, 32))
    whole = write_index_video(tmp_path / "long.avi", 60, 25.0, size=(32, 32)).read_bytes()
    (videos / "dog" / "cut.avi").write_bytes(whole[: len(whole) * 2 // 5])  # 40 % of the bytes
    items = sources.folder_items(videos.parent, split="train")
    label_map = sources.build_label_map(items)
    cfg = records.RecordConfig()
    manifest = beam.run_pipeline(items, label_map, cfg, tmp_path / "beam", num_shards=1,
                                 pipeline_args=IN_PROCESS)  # fmt: skip
    local = writer.write_split(items, tmp_path / "local", "train", label_map, cfg)
    ours = manifest["splits"]["train"]
    assert ours["num_partial"] == local["num_partial"] == 1 and ours["num_failed"] == 0
    assert ours["partial"] == local["partial"] and ours["partial"][0]["id"] == "dog/cut"
    assert "of the 60 frames the header claims" in ours["partial"][0]["reason"]
    strict = beam.run_pipeline(items, label_map, cfg, tmp_path / "strict", num_shards=1,
                               pipeline_args=IN_PROCESS, min_decoded_fraction=0.9)  # fmt: skip
    split = strict["splits"]["train"]
    assert (split["num_clips"], split["num_failed"], split["num_partial"]) == (2, 1, 0)
    assert "below min_decoded_fraction=0.9" in split["failures"][0]["reason"]
    rows = beam.read_failures(str(tmp_path / "strict"))
    assert [row["id"] for row in rows] == ["dog/cut"]


def test_raw_streams_are_listed_as_the_local_writer_lists_them(
    raw_h264: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.frames import UNKNOWN_RATE_NOTE

    root = tmp_path / "videos"
    (root / "train" / "cat").mkdir(parents=True)
    (root / "train" / "cat" / "raw.h264").symlink_to(raw_h264)  # raw_h264: tests/conftest.py
    _write_avi(root / "train" / "dog" / "a.avi", 9, seed=1)
    out = tmp_path / "beam"
    status = beam_cli.main(["--source", "folder", "--video_root", str(root), "--splits", "train",
                            "--out_dir", str(out), "--num_shards", "1", "--size", "16",
                            *IN_PROCESS])  # fmt: skip
    assert status == 0  # converted, with the warning
    printed = capsys.readouterr()
    assert "partial decode(s), unknown_rate=1, 1 shards" in printed.out
    assert "1 raw stream(s) with no frame rate" in printed.err
    ours = json.loads((out / records.MANIFEST_FILE).read_text())["splits"]["train"]
    assert ours["num_unknown_rate"] == 1 and ours["num_failed"] == 0
    assert ours["unknown_rate"] == [{"id": "cat/raw", "path": str(root / "train/cat/raw.h264"),
                                     "reason": UNKNOWN_RATE_NOTE}]  # fmt: skip
    items = sources.folder_items(root, split="train")
    cfg = records.RecordConfig(size=16)
    want, local = _local(items, sources.build_label_map(items), cfg, "train", tmp_path / "local")
    assert ours["unknown_rate"] == local["unknown_rate"]
    got = _read_split(out, "train")
    assert sorted(got) == sorted(want) == ["cat/raw", "dog/a"]
    assert all(got[k] == want[k] for k in want)  # byte-identical examples, frame_rate 0.0 too
