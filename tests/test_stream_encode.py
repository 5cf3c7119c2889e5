"""The writers' streamed conversion: frames JPEG-encoded as decoded give the old path's bytes.

The oracle is the conversion as it was before streaming, rebuilt from public pieces: decode the
whole clip into one RGB array, cut it with the policy, ``clip_to_example`` each window.
"""

from __future__ import annotations

import dataclasses
import gc
import weakref
from pathlib import Path

import numpy as np
import pytest

from helpers import config, frames, records, sources
from helpers.records import truncation
from helpers.sample.data import write_index_video

FPS = 10.0


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("stream") / "v_Spin_g01_c01.avi"
    return str(write_index_video(path, 12, FPS, size=(48, 64)))


def _oracle(item, label_map, cfg, truncate_to=None) -> list[bytes]:
    clip = frames.decode(item.path, fps=cfg.fps, start=item.start, end=item.end, size=cfg.size,
                         resize_mode=cfg.resize_mode, max_frames=cfg.max_frames)  # fmt: skip
    windows = truncation.policy_indices(
        len(clip.frames), cfg.policy, frames_per_example=cfg.frames_per_example,
        short_policy=cfg.short_policy, chunk_length=cfg.chunk_length, truncate_to=truncate_to,
    )  # fmt: skip
    out = []
    for k, idx in enumerate(windows):
        part = dataclasses.replace(clip, frames=clip.frames[idx], timestamps=clip.timestamps[idx])
        eid = f"{item.id}_c{k:03d}" if cfg.policy == "chunks" else item.id
        example = records.clip_to_example(part, item, label_map.get(item.label), example_id=eid,
                                          quality=cfg.quality)  # fmt: skip
        out.append(example.SerializeToString(deterministic=True))
    return out


CONFIGS = [
    (records.RecordConfig(), None),
    (records.RecordConfig(fps=5, size=32, quality=75), None),
    (records.RecordConfig(policy="fixed", frames_per_example=4), None),
    (records.RecordConfig(policy="fixed", frames_per_example=16, short_policy="loop"), None),
    (records.RecordConfig(policy="chunks", chunk_length=5, size=40,
                          resize_mode="center_crop"), None),  # fmt: skip
    (records.RecordConfig(policy="group_shortest"), 7),
]


@pytest.mark.parametrize(("cfg", "truncate_to"), CONFIGS)
@pytest.mark.parametrize("threads", [1, 3])
def test_streamed_examples_are_the_array_paths_bytes(video, cfg, truncate_to, threads):
    item = sources.VideoItem("v_Spin_g01_c01", video, "Spin")
    label_map = {"Spin": 2}
    got, stats = records.item_to_examples_with_stats(item, label_map, cfg,
                                                     truncate_to=truncate_to, threads=threads)
    assert got and got == _oracle(item, label_map, cfg, truncate_to)
    assert stats["num_decoded"] == 12 and stats["partial"] is None


def test_a_trimmed_item_and_an_empty_window(video):
    item = sources.VideoItem("v_Spin_g01_c01", video, "Spin", start=0.3, end=0.8)
    cfg = records.RecordConfig()
    assert records.item_to_examples(item, {"Spin": 0}, cfg) == _oracle(item, {"Spin": 0}, cfg)
    empty = dataclasses.replace(item, start=5.0, end=6.0)
    with pytest.raises(frames.VideoDecodeError, match="no decodable frames"):
        records.item_to_examples(empty, {"Spin": 0}, cfg)
    assert records.count_frames(item, cfg) == 5


def test_used_prefix_bounds_every_policys_indices():
    for length in range(0, 13):
        cases = [{"policy": "none"}, {"policy": "chunks", "chunk_length": 3}]
        cases += [{"policy": "fixed", "frames_per_example": n, "short_policy": s}
                  for n in (1, 4, 9) for s in truncation.SHORT_POLICIES]  # fmt: skip
        cases += [{"policy": "group_shortest", "truncate_to": t} for t in range(1, length + 1)]
        cases += [{"policy": "fixed", "frames_per_example": 9, "truncate_to": t}
                  for t in range(1, length + 1)]  # fmt: skip
        for kw in cases:
            bound = truncation.used_prefix(kw["policy"], frames_per_example=kw.get(
                "frames_per_example"), truncate_to=kw.get("truncate_to"))  # fmt: skip
            top = max((int(w.max()) for w in truncation.policy_indices(length, **kw)), default=-1)
            assert top < (length if bound is None else min(bound, length)), (length, kw)


def test_encode_stream_keeps_a_prefix_and_every_time():
    rng = np.random.default_rng(0)
    pairs = [(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8), k / 10) for k in range(9)]
    one = frames.encode_jpeg_stream(pairs, 80, threads=1)
    assert one.jpegs == [frames.encode_jpeg(f, 80) for f, _ in pairs]
    assert (one.height, one.width) == (24, 32) and one.timestamps.tolist() == [k / 10
                                                                              for k in range(9)]
    bgr = [(np.ascontiguousarray(f[..., ::-1]), t) for f, t in pairs]
    assert frames.encode_jpeg_stream(bgr, 80, bgr=True, threads=3).jpegs == one.jpegs
    kept = frames.encode_jpeg_stream(pairs, 80, keep=4, threads=2)
    assert kept.jpegs == one.jpegs[:4] and len(kept.timestamps) == 9
    empty = frames.encode_jpeg_stream([], threads=2)
    assert empty.jpegs == [] and empty.height == 0 and len(empty.timestamps) == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_encode_stream_holds_few_frames(threads):
    """Memory stays flat: only the frames waiting for an encoder are alive, never the clip."""
    alive, most = set(), [0]

    def stream():
        for k in range(60):
            frame = np.full((32, 32, 3), k, np.uint8)
            alive.add(k)
            weakref.finalize(frame, alive.discard, k)
            most[0] = max(most[0], len(alive))
            yield frame, k / 10.0
            del frame

    encoded = frames.encode_jpeg_stream(stream(), threads=threads)
    gc.collect()
    assert len(encoded.jpegs) == 60 and not alive
    assert most[0] <= 2 + 4 * (threads - 1)  # the in-flight window, not 60


def test_real_clip_streamed_bytes():
    media = config.shared_media()
    if media is None:
        pytest.skip("the shared media folder is not here")
    path = media / config.REAL_CLIPS[2]  # an H.264 mp4 (the UCF clips are MPEG-4 part 2)
    item = sources.VideoItem(Path(path).stem, str(path), "k")
    cfg = records.RecordConfig()
    assert records.item_to_examples_with_stats(item, {"k": 0}, cfg, threads=2)[0] == _oracle(
        item, {"k": 0}, cfg)
