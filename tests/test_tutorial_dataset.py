"""Tests for helpers.sample.tutorial: notebook 01's dataset choice, its record and its fallbacks.

The UCF101 download is served by the ``server`` fixture (conftest) on 127.0.0.1 with the
stand-ins of test_datasets (a zip of small MJPG videos and a split-list zip), here with ten classes.
"""

from __future__ import annotations

import json
import os

import pytest
from test_datasets import _noise_video, _split_lists, _split_zip, _zip

from helpers import config, movinet, records, sample, train
from helpers.datasets import ucf101
from helpers.sample import tutorial
from helpers.utils import reachability

TEN = ("ApplyEyeMakeup", "ApplyLipstick", "Archery", "BabyCrawling", "BalanceBeam",
       "BandMarching", "BaseballPitch", "Basketball", "BasketballDunk", "BenchPress")  # fmt: skip
ELEVEN = (*TEN, "BikingOutdoors")  # one class more than the subset: its videos are never read


@pytest.fixture
def mode(tmp_path, monkeypatch):
    """A full-size, online run whose DATA_DIR is a temporary folder (the sample stays shared)."""
    data = sample.ensure_sample_data()  # before DATA_DIR moves: reuse the generated set
    monkeypatch.setattr(tutorial, "ensure_sample_data", lambda: data)
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(config, "FAST", False)
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setattr(config, "DATASET", "")
    monkeypatch.delenv(reachability.NETWORK_ENV, raising=False)
    monkeypatch.setattr(reachability, "_decision", None)  # each test decides afresh
    return config


@pytest.fixture(scope="module")
def ucf_members() -> dict[str, bytes]:
    return {
        f"UCF101/v_{label}_g{group:02d}_c01.avi": _noise_video(10 * i + group)
        for i, label in enumerate(ELEVEN) for group in (1, 2, 3)
    }  # fmt: skip


@pytest.fixture(scope="module")
def ucf_zip(ucf_members) -> bytes:
    return _zip(ucf_members)


def _recorded() -> dict:
    return json.loads((config.DATA_DIR / tutorial.CHOICE_FILE).read_text())


def test_the_sample_is_the_default_and_is_recorded(mode):
    assert tutorial.tutorial_dataset().name == "sample"  # nothing recorded yet
    ds = sample.choose_dataset("sample")
    assert (ds.name, ds.fallback) == ("sample", None)
    assert "SAMPLE" in ds.what and ds.items("train")
    assert _recorded() == {"dataset": "sample", "asked": "sample", "fallback": None}


def test_ucf101_10_is_fetched_recorded_and_followed_without_the_network(mode, server, ucf_zip):
    server.put(ucf101.UCF101_ZIP_URL, ucf_zip)
    server.put(ucf101.SPLITS_ZIP_URL, _split_zip(_split_lists(ELEVEN)))
    ds = sample.choose_dataset("ucf101-10", progress=False)
    assert (ds.name, ds.fallback) == ("ucf101-10", None)
    assert ds.videos == config.DATA_DIR / "ucf101-10"
    assert "10 classes, 20 train / 10 test clips" in ds.what
    assert {i.label for i in ds.items("train")} == set(TEN)
    assert all(os.path.exists(i.path) for i in ds.items("test"))
    assert _recorded()["dataset"] == "ucf101-10"

    server.close()  # later notebooks must not need the network
    config.OFFLINE = True
    again = sample.tutorial_dataset()
    assert (again.name, again.videos, again.fallback) == ("ucf101-10", ds.videos, None)

    folder = sample.ensure_sample_records("fixed", frames_per_example=4, dataset=again)
    assert folder.name.startswith("ucf101-10_fixed_4")
    manifest = records.load_manifest(folder)
    assert manifest["splits"]["train"]["num_clips_in"] == 20
    assert len(manifest["label_map"]) == 10


def test_offline_falls_back_loudly_and_records_the_sample(mode, capsys):
    config.OFFLINE = True
    ds = sample.choose_dataset("ucf101-10")
    out = capsys.readouterr().out
    assert ds.name == "sample" and ds.asked == "ucf101-10"
    assert "offline" in ds.fallback and "instead of 'ucf101-10'" in ds.what
    assert "!!! DATASET='ucf101-10' is not used" in out and "SAMPLE" in out
    assert _recorded() == {"dataset": "sample", "asked": "ucf101-10", "fallback": ds.fallback}
    assert not (config.DATA_DIR / "ucf101-10").exists()  # nothing was attempted


def test_a_failed_download_falls_back_loudly(mode, server, capsys):
    ds = sample.choose_dataset("ucf101-10", progress=False)  # the mirror serves nothing: 404
    assert ds.name == "sample" and "download failed" in ds.fallback
    assert "404" in ds.fallback or "Not Found" in ds.fallback
    assert "!!! DATASET='ucf101-10' is not used: the download failed" in capsys.readouterr().out
    assert _recorded()["dataset"] == "sample"


def test_ci_fast_mode_uses_the_sample_and_leaves_the_choice_alone(mode, capsys):
    (config.DATA_DIR).mkdir(parents=True)
    (config.DATA_DIR / tutorial.CHOICE_FILE).write_text('{"dataset": "ucf101-10"}')
    config.FAST = config.OFFLINE = True
    assert sample.tutorial_dataset().name == "sample"  # the recorded choice is ignored quietly
    assert capsys.readouterr().out == ""
    assert sample.choose_dataset("ucf101-10").name == "sample"
    assert "CI fast mode" in capsys.readouterr().out
    assert _recorded() == {"dataset": "ucf101-10"}  # untouched


def test_the_environment_overrides_the_record_and_bad_names_fail(mode, capsys):
    (config.DATA_DIR).mkdir(parents=True)
    (config.DATA_DIR / tutorial.CHOICE_FILE).write_text('{"dataset": "ucf101-10"}')
    config.OFFLINE = True
    assert sample.recorded_choice() == "ucf101-10"
    config.DATASET = "sample"
    assert sample.tutorial_dataset().name == "sample"
    config.DATASET = "kinetics-700"
    with pytest.raises(ValueError, match="unknown tutorial dataset 'kinetics-700'"):
        sample.tutorial_dataset()
    with pytest.raises(ValueError, match="choose one of sample, ucf101-10"):
        sample.choose_dataset("UCF101")
    config.DATASET = ""
    (config.DATA_DIR / tutorial.CHOICE_FILE).write_text("{not json")
    assert sample.recorded_choice() == "sample"
    assert "unreadable" in capsys.readouterr().out


def test_videos_the_zip_lacks_are_left_out_and_said(mode, server, ucf_members):
    lacking = {k: v for k, v in ucf_members.items() if "Archery_g02" not in k}
    server.put(ucf101.UCF101_ZIP_URL, _zip(lacking))
    server.put(ucf101.SPLITS_ZIP_URL, _split_zip(_split_lists(ELEVEN)))
    ds = sample.choose_dataset("ucf101-10", progress=False)
    assert ds.name == "ucf101-10" and ds.missing == 1
    assert "LEFT OUT: 1 listed videos" in ds.what
    kept = ds.items("train") + ds.items("test")
    assert len(kept) == 29 and all(os.path.isfile(i.path) for i in kept)


def test_notebooks_04_05_online_path_gets_ten_ucf101_classes(mode, server, ucf_zip, monkeypatch):
    """Notebook 05's data steps (and 04's clip) under TFVIDEO_DATASET=ucf101-10, via the mirror."""
    server.put(ucf101.UCF101_ZIP_URL, ucf_zip)
    server.put(ucf101.SPLITS_ZIP_URL, _split_zip(_split_lists(ELEVEN)))
    monkeypatch.setenv("TFVIDEO_DATASET", "ucf101-10")
    monkeypatch.setattr(config, "DATASET", "ucf101-10")  # what config reads from it at import
    ds = sample.tutorial_dataset(progress=False)
    assert (ds.name, ds.fallback) == ("ucf101-10", None)
    names = ds.class_names()
    assert names == list(TEN)  # classInd order: the model's outputs

    folder = sample.ensure_sample_records(size=32, dataset=ds)
    cfg = train.TrainConfig(
        num_classes=len(names), num_frames=2, frame_stride=2, resolution=32, batch_size=2
    )
    data = train.record_datasets(folder, cfg, validation_fraction=0.2)
    assert data.labels == names
    assert (data.num_train + data.num_validation, data.num_test) == (20, 10)
    videos, labels = next(iter(data.train))
    assert videos.shape == (2, 2, 32, 32, 3)
    assert set(labels.numpy()) <= set(range(10))

    item = ds.items("test")[0]  # notebook 04's clip of the chosen dataset
    clip = movinet.load_video(item.path, 172, fps=8.0, max_frames=40)
    assert item.label in TEN and clip.shape[1:] == (172, 172, 3) and 1 <= len(clip) <= 40
