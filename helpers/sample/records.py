"""The sample data's records, written once and shared by the notebooks, tests and benchmarks.

::

    from helpers import sample
    folder = sample.ensure_sample_records()                  # whole clips, as generated
    folder = sample.ensure_sample_records("fixed", frames_per_example=8, size=64)
    folder = sample.ensure_sample_records(dataset=sample.tutorial_dataset())  # notebook 01's choice

Each set of settings gets its own folder under ``config.DATA_DIR / "records"``; a folder whose
manifest matches the settings and the sample set is used as it is, and a lock makes concurrent
callers (notebooks run in parallel) wait for one writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import config, records, sources, writer
from helpers.records import RecordConfig
from helpers.records import index as record_index
from helpers.sample.data import ensure_sample_data
from helpers.sample.tutorial import TutorialDataset
from helpers.utils import locks

__all__ = ["ensure_sample_records"]


def ensure_sample_records(
    policy: str = "none",
    *,
    frames_per_example: int = 16,
    group_size: int = 8,
    short_policy: str = "loop",
    size: int | None = None,
    fps: float | None = None,
    quality: int = 90,
    shards: int = 2,
    workers: int = 1,
    seed: int = 0,
    out_dir: str | Path | None = None,
    dataset: TutorialDataset | None = None,
) -> Path:
    """Writes the sample data's train/test records once and returns their folder (idempotent).

    Later notebooks call this to get records without repeating notebook 02. The folder is
    ``config.DATA_DIR / "records" / "sample[_ci]_<policy>[_<length>][_s<size>][_fps<fps>]"``
    (``sample_ci`` in CI fast mode, whose sample set is smaller; ``ucf101-10`` for that dataset).

    Args:
        policy: Truncation policy (``"none"``, ``"fixed"``, ``"group_shortest"``, ``"chunks"``).
        frames_per_example: Frames per example for ``"fixed"`` and ``"chunks"``.
        group_size: Clips per group for ``"group_shortest"``.
        short_policy: For ``"fixed"``: ``"drop"``, ``"loop"`` or ``"repeat_last"``.
        size: Short side in pixels (None: keep the sample's size).
        fps: Resample to this rate (None: keep).
        quality: JPEG quality.
        shards: Train shards (test gets ``max(1, shards // 2)``).
        workers: Worker processes.
        seed: Shuffle seed.
        out_dir: Override the folder.
        dataset: Write this tutorial dataset's records instead (from
            :func:`helpers.sample.tutorial_dataset`); its name replaces ``sample`` in the folder.

    Returns:
        The dataset folder (with ``manifest.json``, ``train/`` and ``test/``).
    """
    kwargs: dict[str, Any] = {"policy": policy, "size": size, "fps": fps, "quality": quality}
    suffix = ""
    if policy in ("fixed", "chunks"):
        kwargs["frames_per_example"] = frames_per_example
        suffix += f"_{frames_per_example}"
    if policy == "fixed":
        kwargs["short_policy"] = short_policy
        suffix += f"_{short_policy}"
    if policy == "group_shortest":
        kwargs["group_size"] = group_size
        suffix += f"_g{group_size}"
    suffix += (f"_s{size}" if size else "") + (f"_fps{fps:g}" if fps else "")
    cfg = RecordConfig(**kwargs)
    prefix = "sample_ci" if config.FAST else "sample"  # the two sample sets differ
    if dataset is not None and dataset.name != "sample":
        prefix = dataset.name
        train, test = dataset.items("train"), dataset.items("test")
    else:
        data = ensure_sample_data()  # returns at once when present
        train = sources.ucf101_items(data.ucf_root, data.ucf_splits, "train")
        test = sources.ucf101_items(data.ucf_root, data.ucf_splits, "test")
    out = Path(out_dir) if out_dir else config.DATA_DIR / "records" / f"{prefix}_{policy}{suffix}"

    with locks.exclusive(out.parent / f".{out.name}.lock"):  # one process writes, others wait
        manifest = records.read_manifest(out)
        if not (
            manifest
            and manifest["config"] == cfg.to_dict()
            and {"train", "test"} <= set(manifest["splits"])
            and manifest["splits"]["train"]["num_clips_in"] == len(train)
            and manifest["splits"]["test"]["num_clips_in"] == len(test)
        ):
            manifest = writer.write_dataset(
                train, test, out, cfg, shards=shards, test_shards=max(1, shards // 2),
                workers=workers, seed=seed,
            )  # fmt: skip
        for split in ("train", "test"):  # folders written before the writer made indexes
            for shard in manifest["splits"][split]["shards"]:
                record_index.ensure_index(out / shard["file"])
    return out
