"""The one manifest schema: shard lists, class names, and a reader that takes its defaults."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import pipeline, records, sources, writer
from helpers.records import manifest as manifest_lib
from helpers.sample.data import write_index_video


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A fixed-length dataset (6-frame examples) of 4 + 2 tiny videos written by the writer."""
    root = tmp_path_factory.mktemp("ds")
    items = []
    for i, (label, split) in enumerate([("Alpha", "train"), ("Beta", "train"), ("Alpha", "train"),
                                        ("Beta", "train"), ("Alpha", "test"), ("Beta", "test")]):
        path = write_index_video(root / "videos" / f"v{i}.avi", 12, 25.0, (32, 24))
        items.append(sources.VideoItem(id=f"v{i}", path=str(path), label=label, split=split))
    cfg = records.RecordConfig(policy="fixed", frames_per_example=6)
    train = [it for it in items if it.split == "train"]
    test = [it for it in items if it.split == "test"]
    writer.write_dataset(train, test, root / "rec", cfg, shards=2, test_shards=1)
    return root / "rec"


def test_shard_files_are_the_manifests_in_order(dataset):
    manifest = records.load_manifest(dataset)
    files = records.shard_files(dataset, "train")
    assert files == [str(dataset / s["file"]) for s in manifest["splits"]["train"]["shards"]]
    assert len(files) == 2 and all(f.endswith(".tfrecord") for f in files)
    assert records.class_names(manifest) == ["Alpha", "Beta"]
    with pytest.raises(KeyError, match="no split 'val'.*'test', 'train'"):
        records.shard_files(dataset, "val")


def test_a_folder_without_a_manifest_is_named(tmp_path):
    assert records.read_manifest(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="manifest.json: no manifest"):
        records.load_manifest(tmp_path)


def test_the_schema_has_exactly_its_keys(dataset):
    manifest = json.loads((dataset / records.MANIFEST_FILE).read_text())
    assert list(manifest) == list(manifest_lib.TOP_KEYS)
    for entry in manifest["splits"].values():
        assert list(entry) == list(manifest_lib.SPLIT_KEYS)
        assert all(list(s) == list(manifest_lib.SHARD_KEYS) for s in entry["shards"])
    assert manifest["truncation"]["frames_per_example"] == 6
    assert manifest["written_by"] == "helpers.writer" and manifest["compression"] is None


def test_build_dataset_takes_the_split_and_length_from_the_manifest(dataset):
    ds = pipeline.build_dataset(dataset, split="test", image_size=16, batch_size=2)
    batch = next(iter(ds))
    assert batch["image"].shape == (2, 6, 16, 16, 3)  # 6: the manifest's frames_per_example
    assert sorted(np.char.decode(batch["id"].numpy().astype(bytes))) == ["v4", "v5"]
    explicit = pipeline.build_dataset(records.shard_files(dataset, "test"), num_frames=6,
                                      image_size=16, batch_size=2)  # fmt: skip
    assert np.array_equal(next(iter(explicit))["image"].numpy(), batch["image"].numpy())
    shorter = next(iter(pipeline.build_dataset(dataset, split="test", num_frames=4,
                                               image_size=16, batch_size=2)))  # fmt: skip
    assert shorter["image"].shape[1] == 4  # an explicit value wins
    with pytest.raises(ValueError, match="dataset folder"):
        pipeline.build_dataset([str(dataset)], split="test")
