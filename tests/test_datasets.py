"""Tests for helpers.datasets: UCF101 by class and Kinetics annotations, from a loopback mirror.

The mirror (test_downloads.Mirror) serves small stand-ins laid out like the real files: a zip of
``UCF101/v_<Class>_gNN_cNN.avi`` videos, the official split-list zip (``ucfTrainTestlist/``) and a
Kinetics annotation tarball (``kinetics400/train.csv`` ...). Most are generated; the tests that
compare with the official split lists and label maps use ../shared/media and skip without it.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_downloads import Mirror, refused_url

from helpers import config, sources
from helpers.datasets import cli, kinetics, ucf101
from helpers.utils import downloads, reachability

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("ApplyEyeMakeup", "ApplyLipstick", "Archery", "HandstandPushups", "YoYo")
CRLF = "\r\n"  # the official split lists use CRLF


def _noise_video(seed: int) -> bytes:
    """A small real MJPG .avi of noise (incompressible, so members have a realistic weight)."""
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (96, 96))
        for _ in range(8):
            writer.write(rng.integers(0, 256, (96, 96, 3), dtype=np.uint8))
        writer.release()
        return path.read_bytes()


def _list_name(label: str, group: int) -> str:
    """The split lists' spelling; like the official lists, one class differs from the zip's."""
    stem = "HandStandPushups" if label == "HandstandPushups" else label
    return f"{label}/v_{stem}_g{group:02d}_c01.avi"


def _split_lists(classes=CLASSES) -> dict[str, str]:
    """classInd + 3 folds over groups 1-3 (fold f tests group f), CRLF like the official files."""
    files = {"classInd.txt": "".join(f"{i + 1} {c}{CRLF}" for i, c in enumerate(classes))}
    for fold in (1, 2, 3):
        train, test = [], []
        for i, label in enumerate(classes):
            for group in (1, 2, 3):
                if group == fold:
                    test.append(f"{_list_name(label, group)}{CRLF}")
                else:
                    train.append(f"{_list_name(label, group)} {i + 1}{CRLF}")
        files[f"trainlist{fold:02d}.txt"] = "".join(train)
        files[f"testlist{fold:02d}.txt"] = "".join(test)
    return files


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _split_zip(files: dict[str, str | bytes]) -> bytes:
    return _zip(
        {
            f"ucfTrainTestlist/{n}": d if isinstance(d, bytes) else d.encode()
            for n, d in files.items()
        }
    )


@pytest.fixture(scope="module")
def ucf_videos() -> dict[str, bytes]:
    """``{zip member name: bytes}``: 3 videos per class, named as in the hosted zip."""
    return {
        f"UCF101/v_{label}_g{group:02d}_c01.avi": _noise_video(10 * i + group)
        for i, label in enumerate(CLASSES)
        for group in (1, 2, 3)
    }


@pytest.fixture
def ucf_mirror(server, ucf_videos):
    server.put(ucf101.UCF101_ZIP_URL, _zip(ucf_videos))
    server.put(ucf101.SPLITS_ZIP_URL, _split_zip(_split_lists()))
    return server


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _zip_bytes_served(mirror: Mirror) -> int:
    zip_rel = Mirror.rel(ucf101.UCF101_ZIP_URL)
    return sum(n for rel, _, n in mirror.log if rel == zip_rel)


# --- UCF101 ----------------------------------------------------------------------------------


def test_two_classes_fetch_only_their_bytes_into_the_writer_layout(
    ucf_mirror, ucf_videos, tmp_path
):
    out = tmp_path / "ucf"
    got = ucf101.fetch_ucf101(out, 2, cache=tmp_path / "cache", progress=False)
    chosen = ("ApplyEyeMakeup", "ApplyLipstick")
    assert got.classes == chosen and got.total_classes == 5 and got.trimmed
    assert (got.fetched, got.cached, got.missing) == (6, 0, ())
    tree = _tree(out)
    videos = {k for k in tree if k.endswith(".avi")}
    assert videos == {f"{c}/v_{c}_g{g:02d}_c01.avi" for c in chosen for g in (1, 2, 3)}
    assert set(tree) - videos == {f"ucfTrainTestlist/{n}" for n in ucf101.SPLIT_FILES}
    for rel in videos:
        assert tree[rel] == ucf_videos[f"UCF101/{Path(rel).name}"]
    member_bytes = sum(len(tree[rel]) for rel in videos)
    whole = len(_zip(ucf_videos))
    assert member_bytes < _zip_bytes_served(ucf_mirror) < member_bytes + 80_000 < whole / 2
    assert tree["ucfTrainTestlist/classInd.txt"] == b"1 ApplyEyeMakeup\r\n2 ApplyLipstick\r\n"
    labels = sources.read_class_index(got.splits / "classInd.txt")
    assert labels == {"ApplyEyeMakeup": 0, "ApplyLipstick": 1}
    for fold in (1, 2, 3):
        train = sources.ucf101_items(got.videos, got.splits, "train", fold)
        test = sources.ucf101_items(got.videos, got.splits, "test", fold)
        assert len(train) == 4 and len(test) == 2
        assert all(Path(i.path).is_file() and i.label in chosen for i in train + test)


def test_named_classes_are_renumbered_and_matched_to_the_lists_spelling(ucf_mirror, tmp_path):
    out = tmp_path / "ucf"
    got = ucf101.fetch_ucf101(
        out, ["YoYo", "HandstandPushups"], cache=tmp_path / "c", progress=False
    )
    assert got.classes == ("HandstandPushups", "YoYo")  # classInd order, whatever was asked
    assert (got.splits / "classInd.txt").read_bytes() == b"1 HandstandPushups\r\n2 YoYo\r\n"
    train = (got.splits / "trainlist01.txt").read_text().splitlines()
    assert train == [
        "HandstandPushups/v_HandStandPushups_g02_c01.avi 1",
        "HandstandPushups/v_HandStandPushups_g03_c01.avi 1",
        "YoYo/v_YoYo_g02_c01.avi 2",
        "YoYo/v_YoYo_g03_c01.avi 2",
    ]
    # the zip says v_HandstandPushups_..., the lists v_HandStandPushups_...: the lists win
    assert (out / "HandstandPushups" / "v_HandStandPushups_g01_c01.avi").is_file()
    items = sources.ucf101_items(out, got.splits, "train")
    assert [i.label for i in items] == ["HandstandPushups"] * 2 + ["YoYo"] * 2
    assert all(Path(i.path).is_file() for i in items)


def test_a_second_run_fetches_nothing(ucf_mirror, tmp_path):
    out, cache = tmp_path / "ucf", tmp_path / "cache"
    ucf101.fetch_ucf101(out, 1, cache=cache, progress=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    ucf_mirror.reset_counts()
    again = ucf101.fetch_ucf101(out, 1, cache=cache, progress=False)
    assert ucf_mirror.log == []  # not even the zip's directory
    assert (again.fetched, again.cached, again.bytes, again.zip_size) == (0, 3, 0, None)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_all_classes_keep_the_official_lists_unchanged(ucf_mirror, tmp_path):
    got = ucf101.fetch_ucf101(tmp_path / "ucf", None, cache=tmp_path / "c", progress=False)
    assert not got.trimmed and got.fetched == 15
    for name, text in _split_lists().items():
        assert (got.splits / name).read_bytes() == text.encode()


def test_a_run_killed_with_sigkill_resumes_to_the_same_tree(ucf_mirror, ucf_videos, tmp_path):
    out, cache = tmp_path / "ucf", tmp_path / "cache"
    ucf_mirror.fault(ucf101.UCF101_ZIP_URL, throttle=0.03)  # about 0.3 s a video
    args = ["ucf101", "--classes", "3", "--out", str(out), "--cache", str(cache), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), downloads.MIRROR_ENV: ucf_mirror.url}
    env["CI"] = ""  # CI forces offline; this child is a user's run, online through the mirror
    env.pop(reachability.NETWORK_ENV, None)
    proc = subprocess.Popen([sys.executable, "-m", "helpers.datasets", *args], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(out.rglob("*.avi"))) < 2:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(out.rglob("*.avi")))
    assert 2 <= done < 9
    ucf_mirror.fault(ucf101.UCF101_ZIP_URL)
    ucf_mirror.reset_counts()
    assert cli.main(args) == 0
    assert not list(out.rglob("*.incomplete")) and len(list(out.rglob("*.avi"))) == 9
    biggest = max(len(v) for k, v in _tree(out).items() if k.endswith(".avi"))
    assert _zip_bytes_served(ucf_mirror) < biggest * (9 - done) + 80_000  # done ones not refetched
    clean = tmp_path / "clean"
    ucf101.fetch_ucf101(clean, 3, cache=tmp_path / "cache2", progress=False)
    assert _tree(out) == _tree(clean)


def test_the_folder_feeds_the_writer_cli(ucf_mirror, tmp_path):
    out = tmp_path / "ucf"
    assert (
        cli.main(
            [
                "ucf101",
                "--classes",
                "2",
                "--out",
                str(out),
                "--cache",
                str(tmp_path / "c"),
                "--quiet",
            ]
        )
        == 0
    )
    records = tmp_path / "records"
    cmd = [
        sys.executable,
        "-m",
        "helpers.writer",
        "ucf101",
        "--videos",
        str(out),
        "--splits",
        str(out / "ucfTrainTestlist"),
        "--out",
        str(records),
        "--shards",
        "1",
        "--workers",
        "1",
        "--size",
        "32",
        "--max-frames",
        "4",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "1"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((records / "manifest.json").read_text())
    assert manifest["label_map"] == {"ApplyEyeMakeup": 0, "ApplyLipstick": 1}
    assert manifest["splits"]["train"]["num_examples"] == 4
    assert manifest["splits"]["test"]["num_examples"] == 2


def test_cli_prints_a_summary_and_help_covers_every_flag(ucf_mirror, tmp_path, capsys):
    out = tmp_path / "ucf"
    argv = ["ucf101", "--classes", "Archery", "--out", str(out), "--cache", str(tmp_path / "c")]
    assert cli.main([*argv, "--quiet"]) == 0
    said = capsys.readouterr().out
    assert "ucf101: 1 of 5 classes, 3 videos fetched" in said
    assert "(trimmed to the 1 classes, renumbered 1-1)" in said
    assert f"--videos {out} --splits {out / 'ucfTrainTestlist'}" in said
    parser = cli.build_parser()
    subs = next(a for a in parser._actions if a.dest == "dataset").choices
    for sub in subs.values():
        for action in sub._actions:
            assert action.help, f"{sub.prog} {action.option_strings} has no help"
    done = subprocess.run(
        [sys.executable, "-m", "helpers.datasets", "--help"],
        text=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0
    for url in (ucf101.UCF101_ZIP_URL, ucf101.SPLITS_ZIP_URL, kinetics.ANNOTATION_URLS["400"]):
        assert url in done.stdout


def _one_error_line(capsys, argv: list[str]) -> str:
    assert cli.main([*argv, "--quiet"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


def test_cli_errors_are_one_line_and_leave_nothing_half_written(
    ucf_mirror, ucf_videos, tmp_path, capsys, monkeypatch
):
    out, cache = tmp_path / "ucf", tmp_path / "cache"
    base = ["ucf101", "--out", str(out), "--cache", str(cache)]
    zip_url = downloads.mirror_url(ucf101.UCF101_ZIP_URL)

    line = _one_error_line(capsys, [*base, "--classes", "Nope"])
    assert line == (
        f"error: {cache}/ucfTrainTestlist/classInd.txt: unknown class 'Nope' "
        "(names are as in classInd.txt)"
    )
    line = _one_error_line(capsys, [*base, "--classes", "6"])
    assert line.endswith("classInd.txt: --classes 6: choose 1 to 5 classes")

    ucf_mirror.fault(ucf101.UCF101_ZIP_URL, stall=10)
    line = _one_error_line(capsys, [*base, "--classes", "1", "--timeout", "0.3"])
    assert line == f"error: {zip_url}: server stalled (no data for 0.3 s)"

    blob = bytearray(_zip(ucf_videos))
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as archive:
        info = archive.getinfo("UCF101/v_ApplyEyeMakeup_g02_c01.avi")
    blob[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5000] ^= 0xFF
    ucf_mirror.put(ucf101.UCF101_ZIP_URL, bytes(blob))
    ucf_mirror.fault(ucf101.UCF101_ZIP_URL)
    line = _one_error_line(capsys, [*base, "--classes", "1"])
    assert line.startswith(f"error: {zip_url}: UCF101/v_ApplyEyeMakeup_g02_c01.avi: corrupt member")
    assert "CRC-32" in line
    assert (out / "ApplyEyeMakeup" / "v_ApplyEyeMakeup_g01_c01.avi").is_file()  # verified before
    assert not (out / "ApplyEyeMakeup" / "v_ApplyEyeMakeup_g02_c01.avi").exists()
    assert not list(out.rglob("*.incomplete")) and not list(out.rglob("*.incomplete"))

    (ucf_mirror.root / Mirror.rel(ucf101.UCF101_ZIP_URL)).unlink()
    line = _one_error_line(capsys, [*base, "--classes", "2"])
    assert line == f"error: {zip_url}: HTTP 404 Not Found"

    monkeypatch.setenv(downloads.MIRROR_ENV, refused_url())
    line = _one_error_line(capsys, [*base, "--classes", "1", "--cache", str(tmp_path / "new")])
    assert line == f"error: {downloads.mirror_url(ucf101.SPLITS_ZIP_URL)}: connection refused"


def test_offline_fails_at_once_with_one_line_and_a_complete_folder_needs_no_network(
    ucf_mirror, tmp_path, capsys, monkeypatch
):
    out, cache = tmp_path / "ucf", tmp_path / "cache"
    argv = ["ucf101", "--classes", "2", "--out", str(out), "--cache", str(cache), "--quiet"]
    monkeypatch.setattr(config, "OFFLINE", True)  # as CI=true or TFVIDEO_OFFLINE=1 would
    monkeypatch.setattr(config, "OFFLINE_REASON", "TFVIDEO_OFFLINE is set")
    splits_url = downloads.mirror_url(ucf101.SPLITS_ZIP_URL)
    began = time.monotonic()
    line = _one_error_line(capsys, argv)
    assert line == f"error: {splits_url}: offline: TFVIDEO_OFFLINE is set"
    with pytest.raises(downloads.DownloadError, match=r": offline: TFVIDEO_OFFLINE is set$"):
        kinetics.fetch_kinetics_annotations("400", tmp_path / "k", cache=cache, progress=False)
    assert ucf_mirror.log == [] and not out.exists() and not cache.exists()

    # A probe that finds no mirror decides offline within its timeouts, not one timeout a file.
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setattr(reachability, "_decision", None)
    monkeypatch.setenv(downloads.MIRROR_ENV, refused_url())
    line = _one_error_line(capsys, argv)
    refused = downloads.mirror_url(ucf101.SPLITS_ZIP_URL)
    assert line.startswith(f"error: {refused}: offline: mirror ")
    assert "cannot connect" in line and time.monotonic() - began < 10

    monkeypatch.setenv(downloads.MIRROR_ENV, ucf_mirror.url)  # online: fetch once...
    monkeypatch.setattr(reachability, "_decision", None)
    assert cli.main(argv) == 0
    monkeypatch.setattr(reachability, "_decision", reachability.Network(False, "unplugged"))
    ucf_mirror.reset_counts()
    assert cli.main(argv) == 0  # ...then offline, the complete folder is used as it is
    assert ucf_mirror.log == [] and "2 of 5 classes, 0 videos fetched" in capsys.readouterr().out


def test_the_official_split_lists_are_trimmed_to_ten_classes(server, tmp_path):
    media = config.shared_media()
    if media is None:
        pytest.skip("../shared/media is absent")
    official_dir = media / "ucf101" / "ucfTrainTestlist"
    official = {n: (official_dir / n).read_bytes() for n in ucf101.SPLIT_FILES}
    real = {
        n: (media / "ucf101" / n).read_bytes()
        for n in ("v_ApplyEyeMakeup_g01_c01.avi", "v_BaseballPitch_g01_c01.avi")
    }
    filler = _noise_video(1)  # a class beyond the first ten: never read
    server.put(ucf101.SPLITS_ZIP_URL, _split_zip(official))
    server.put(
        ucf101.UCF101_ZIP_URL,
        _zip({**{f"UCF101/{n}": d for n, d in real.items()}, "UCF101/v_YoYo_g01_c01.avi": filler}),
    )
    got = ucf101.fetch_ucf101(tmp_path / "ucf", 10, cache=tmp_path / "c", progress=False)
    index = official["classInd.txt"].decode().splitlines()
    first_ten = [line.split()[1] for line in index[:10]]
    assert list(got.classes) == first_ten and got.total_classes == 101
    assert (got.splits / "classInd.txt").read_bytes().decode().splitlines() == index[:10]
    for name in ucf101.SPLIT_FILES[1:]:  # same lines, same CRLF, same numbers (the first ten)
        keep = [
            ln
            for ln in official[name].decode().splitlines(keepends=True)
            if ln.split("/")[0] in first_ten
        ]
        assert (got.splits / name).read_bytes().decode() == "".join(keep)
    for n, data in real.items():
        assert (got.videos / n.split("_")[1] / n).read_bytes() == data
    assert got.fetched == 2 and not (got.videos / "YoYo").exists()
    listed = sum(
        1
        for n in ("trainlist01.txt", "testlist01.txt")
        for _ in (got.splits / n).read_text().splitlines()
    )
    assert len(got.missing) == listed - 2  # named by the lists, absent from this small zip
    for fold in (1, 2, 3):
        items = sources.ucf101_items(got.videos, got.splits, "train", fold)
        assert {i.label for i in items} == set(first_ten)


# --- Kinetics ------------------------------------------------------------------------------

HEADER_400 = "label,youtube_id,time_start,time_end,split,is_cc\n"
ROWS = [
    ("zumba", "a1b2c3d4e5f", 10, 20),
    ("passing American football (in game)", "b1b2c3d4e5f", 0, 10),
    ("abseiling", "c1b2c3d4e5f", 5, 15),
    ("passing soccer ball", "d1b2c3d4e5f", 30, 40),
]


def _csv(rows, split: str) -> str:
    return HEADER_400 + "".join(f"{lb},{y},{s},{e},{split},0\n" for lb, y, s, e in rows)


def _tarball(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


K400 = {
    "kinetics400/train.csv": _csv(ROWS, "train"),
    "kinetics400/validate.csv": _csv(ROWS[:2], "val"),
    "kinetics400/test.csv": "youtube_id,time_start,time_end,split\nz1b2c3d4e5f,0,10,test\n",
    "kinetics400/train.json": "{}",
}


def test_kinetics_annotations_give_csvs_and_a_sorted_label_map(server, tmp_path):
    server.put(kinetics.ANNOTATION_URLS["400"], _tarball(K400))
    out = tmp_path / "k400"
    got = kinetics.fetch_kinetics_annotations("400", out, cache=tmp_path / "c", progress=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "kinetics-400_label_map.txt",
        "kinetics-400_test.csv",
        "kinetics-400_train.csv",
        "kinetics-400_val.csv",
    ]
    assert got.label_map.read_text().splitlines() == [
        "abseiling",
        "passing American football (in game)",
        "passing soccer ball",
        "zumba",
    ]
    assert got.rows == {"train": 4, "val": 2, "test": 1} and got.num_classes == 4
    assert got.csvs["train"].read_text() == K400["kinetics400/train.csv"]  # verbatim
    train = sources.kinetics_items(got.csvs["train"], tmp_path / "videos")
    assert train[1].label == "passing American football (in game)"
    assert train[1].path == str(tmp_path / "videos" / "b1b2c3d4e5f_000000_000010.mp4")
    test = sources.kinetics_items(got.csvs["test"], tmp_path / "videos")
    assert [(i.label, i.split) for i in test] == [(None, "test")]
    server.reset_counts()
    again = kinetics.fetch_kinetics_annotations("400", out, cache=tmp_path / "c", progress=False)
    assert again.bytes == 0 and server.log == []


def test_kinetics_cli_summary_points_to_the_videos(server, tmp_path, capsys):
    server.put(
        kinetics.ANNOTATION_URLS["700_2020"],
        _tarball({k.replace("400", "700_2020"): v for k, v in K400.items()}),
    )
    argv = [
        "kinetics-annotations",
        "--version",
        "700_2020",
        "--out",
        str(tmp_path / "k"),
        "--cache",
        str(tmp_path / "c"),
        "--quiet",
    ]
    assert cli.main(argv) == 0
    said = capsys.readouterr().out
    assert "kinetics-700_2020: 4 classes; rows: train 4, val 2, test 1" in said
    assert kinetics.CVDF_URL in said and "{youtube_id}_{time_start:06d}_{time_end:06d}.mp4" in said
    assert "python -m helpers.writer kinetics --csv" in said


def test_kinetics_errors_are_one_line(server, tmp_path, capsys):
    out, cache = tmp_path / "k", tmp_path / "c"
    argv = ["kinetics-annotations", "--version", "600", "--out", str(out), "--cache", str(cache)]
    url = downloads.mirror_url(kinetics.ANNOTATION_URLS["600"])
    assert _one_error_line(capsys, argv) == f"error: {url}: HTTP 404 Not Found"
    bad = _csv(ROWS, "train").replace("zumba,a1b2c3d4e5f,10,20", "zumba,a1b2c3d4e5f,20,10")
    server.put(
        kinetics.ANNOTATION_URLS["600"],
        _tarball({"kinetics600/train.csv": bad, "kinetics600/validate.csv": bad}),
    )
    line = _one_error_line(capsys, argv)
    assert line.startswith(
        f"error: {cache}/kinetics600.tar.gz/kinetics600/train.csv:2: need 0 <= time_start"
    )
    assert not out.exists() or not list(out.iterdir())  # nothing written
    (cache / "kinetics600.tar.gz").unlink()
    server.put(kinetics.ANNOTATION_URLS["600"], _tarball({"kinetics600/test.csv": "x\n"}))
    line = _one_error_line(capsys, argv)
    assert line == f"error: {cache}/kinetics600.tar.gz: no train CSV in the annotation tarball"


@pytest.mark.parametrize("version", ["400", "600"])
def test_the_label_map_matches_the_official_one(server, tmp_path, version):
    media = config.shared_media()
    if media is None:
        pytest.skip("../shared/media is absent")
    val = (media / "kinetics_annotations" / f"kinetics-{version}_val.csv").read_text()
    folder = f"kinetics{version}"
    server.put(
        kinetics.ANNOTATION_URLS[version],
        _tarball({f"{folder}/train.csv": val, f"{folder}/validate.csv": val}),
    )
    got = kinetics.fetch_kinetics_annotations(
        version, tmp_path, cache=tmp_path / "c", progress=False
    )
    official = (media / "labels" / f"kinetics{version}_label_map.txt").read_text().splitlines()
    assert got.label_map.read_text().splitlines() == official  # same names, same order
    items = sources.kinetics_items(got.csvs["val"], tmp_path / "videos", split="val")
    assert len(items) == got.rows["val"] > 1000
