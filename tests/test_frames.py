"""Tests for helpers.frames: exact frames for fps/start/end, resizing, RGB, bad files, JPEG."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from helpers.frames import (
    FrameReader,
    VideoDecodeError,
    decode,
    decode_jpeg,
    encode_jpeg,
    probe,
    resize_frames,
    save_jpeg_folder,
)
from helpers.sample.data import read_frame_index, write_index_video


def indices(clip) -> list[int]:
    return [read_frame_index(f) for f in clip.frames]


@pytest.fixture(scope="module")
def vid30(tmp_path_factory) -> Path:
    return write_index_video(tmp_path_factory.mktemp("v") / "i30.avi", 90, 30.0)


@pytest.fixture(scope="module")
def vid2997(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("v") / "i2997.mp4"
    return write_index_video(path, 120, 29.97, size=(48, 64), fourcc="mp4v")


def test_all_frames_in_order(vid30):
    clip = decode(vid30)
    assert indices(clip) == list(range(90))
    assert clip.frames.dtype == np.uint8 and clip.frames.shape == (90, 64, 64, 3)
    assert clip.num_decoded == clip.header_frame_count == 90
    np.testing.assert_allclose(clip.timestamps, np.arange(90) / 30)
    assert clip.fps == clip.source_fps == 30


def test_30_to_10_fps_keeps_every_third(vid30):
    clip = decode(vid30, fps=10)
    assert indices(clip) == list(range(0, 90, 3))
    assert clip.fps == 10 and clip.source_fps == 30


def test_2997_to_25_fps_drops_the_right_frames(vid2997):
    clip = decode(vid2997, fps=25)
    # Output time k/25 shows the source frame on screen then: floor(k * 29.97 / 25).
    expected = [math.floor(k * 29.97 / 25 + 1e-6) for k in range(200)]
    expected = [i for i in expected if i < 120]
    assert indices(clip) == expected
    assert 6 not in expected and len(expected) == 101  # about one in six is dropped
    assert clip.source_fps == pytest.approx(29.97, abs=1e-3)


def test_start_end_seek_not_decode_from_start(vid30):
    clip = decode(vid30, start=1.0, end=2.0)
    assert indices(clip) == list(range(30, 60))
    np.testing.assert_allclose(clip.timestamps, np.arange(30, 60) / 30)  # file time
    # It seeked: frames 0..29 were never read; frame 60 is decoded to learn where 59 ends.
    assert clip.num_decoded == 31


def test_start_end_with_fps_and_29_97(vid2997):
    clip = decode(vid2997, start=0.5, end=1.5, fps=10)
    first = math.ceil(0.5 * 29.97)  # 15: first frame shown at or after 0.5 s
    assert indices(clip)[0] == first
    expected = [math.floor((0.5 + k / 10) * 29.97 + 1e-6) for k in range(10)]
    assert indices(clip) == [max(i, first) for i in expected]
    assert clip.timestamps[-1] < 1.5


def test_max_frames_and_start_beyond_end(vid30):
    assert indices(decode(vid30, fps=15, max_frames=4)) == [0, 2, 4, 6]
    with pytest.raises(VideoDecodeError, match="no decodable frames in"):
        decode(vid30, start=10.0)


def test_resize_modes_and_rgb(tmp_path):
    path = tmp_path / "red.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (96, 48))
    for _ in range(3):
        w.write(np.full((48, 96, 3), (0, 0, 255), np.uint8))  # OpenCV writes BGR: pure red
    w.release()
    assert decode(path, size=24).frames.shape == (3, 24, 48, 3)
    assert decode(path, size=(30, 20), resize_mode="exact").frames.shape == (3, 30, 20, 3)
    clip = decode(path, size=32, resize_mode="center_crop")
    assert clip.frames.shape == (3, 32, 32, 3)
    r, g, b = clip.frames[0, 16, 16]
    assert r > 200 and g < 50 and b < 50  # RGB order, not BGR
    with pytest.raises(ValueError, match="resize_mode"):
        decode(path, resize_mode="stretch")
    with pytest.raises(ValueError, match="positive int"):  # on opening, before any frame
        FrameReader(path, size=0)
    assert resize_frames(np.zeros((10, 20, 3), np.uint8), 5).shape == (5, 10, 3)
    with pytest.raises(ValueError, match="needs an int size"):
        resize_frames(np.zeros((2, 10, 20, 3), np.uint8), (5, 5), "short_side")


def test_probe(vid2997):
    info = probe(vid2997)
    assert (info.width, info.height, info.frame_count) == (64, 48, 120)
    assert info.duration == pytest.approx(120 / 29.97, rel=1e-3)


def test_bad_inputs_give_clear_errors(tmp_path, vid30):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "text.mp4"
    text.write_text("this is not a video at all, just some text\n")
    cases = {
        tmp_path / "missing.mp4": "file not found",
        empty: "empty file",
        text: "cannot open",
        tmp_path: "is a folder",
    }
    for path, reason in cases.items():
        with pytest.raises(VideoDecodeError) as e:
            decode(path)
        assert str(e.value).startswith(str(path)) and reason in e.value.reason
    with pytest.raises(VideoDecodeError):
        probe(tmp_path / "missing.mp4")


def test_truncated_file_decodes_what_is_there(tmp_path, vid30):
    data = vid30.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    clip = decode(cut)  # an AVI keeps its header at the front: the first half decodes
    assert 0 < len(clip.frames) < 90 and clip.header_frame_count == 90
    assert indices(clip) == list(range(len(clip.frames)))


def test_decode_error_pickles():
    e = pickle.loads(pickle.dumps(VideoDecodeError("/a.mp4", "boom")))
    assert (e.path, e.reason, str(e)) == ("/a.mp4", "boom", "/a.mp4: boom")


def test_jpeg_roundtrip_is_deterministic():
    rng = np.random.default_rng(0)
    frame = cv2.GaussianBlur(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8), (7, 7), 0)
    frame[:, :20] = (255, 0, 0)
    data = encode_jpeg(frame, quality=95)
    assert data[:2] == b"\xff\xd8" and data == encode_jpeg(frame, quality=95)
    back = decode_jpeg(data)
    assert back.shape == frame.shape and np.abs(back.astype(int) - frame).mean() < 4
    assert back[20, 5, 0] > 200 and back[20, 5, 2] < 50  # red stays red (RGB in, RGB out)
    with pytest.raises(ValueError):
        decode_jpeg(b"nope")


def test_save_jpeg_folder_atomic_with_index(tmp_path, vid30):
    clip = decode(vid30, fps=10, max_frames=5)
    out = save_jpeg_folder(clip, tmp_path / "out" / "clip")
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame_{i:05d}.jpg" for i in range(5)] + ["index.json"]
    index = json.loads((out / "index.json").read_text())
    assert index["num_frames"] == 5 and index["fps"] == 10 and index["source_fps"] == 30
    assert index["timestamps"] == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert read_frame_index(decode_jpeg((out / "frame_00004.jpg").read_bytes())) == 12
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["clip"]  # no temp folder left
    save_jpeg_folder(decode(vid30, max_frames=2), out)  # replacing works
    assert len(list(out.glob("*.jpg"))) == 2


@pytest.mark.parametrize("opts", [{}, {"fps": 10, "start": 0.5, "end": 2.0}, {"max_frames": 7}])
def test_frame_reader_streams_what_decode_returns(vid30, opts):
    clip = decode(vid30, **opts)
    reader = FrameReader(vid30, rgb=False, threads=1, **opts)
    pairs = list(reader)
    assert [read_frame_index(f[..., ::-1]) for f, _ in pairs] == indices(clip)
    np.testing.assert_array_equal(np.stack([f[..., ::-1] for f, _ in pairs]), clip.frames)
    assert [t for _, t in pairs] == list(clip.timestamps)
    assert (reader.num_frames, reader.num_decoded) == (len(clip.frames), clip.num_decoded)
    assert reader.fps == clip.fps and reader.header_frame_count == clip.header_frame_count


def test_save_jpeg_folder_from_reader_equals_from_clip(tmp_path, vid30):
    a = save_jpeg_folder(decode(vid30, fps=15), tmp_path / "a")
    b = save_jpeg_folder(FrameReader(vid30, fps=15, rgb=False), tmp_path / "b", bgr=True)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir()) and len(files) == 46
    for name in files:
        if name != "index.json":
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert json.loads((a / "index.json").read_text()) == json.loads((b / "index.json").read_text())
    with pytest.raises(VideoDecodeError, match=r"no decodable frames in \[9.0, None\]"):
        save_jpeg_folder(FrameReader(vid30, start=9.0), tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temp folder left


def test_a_jpeg_folder_only_appears_under_its_name_when_complete(tmp_path, vid30, monkeypatch):
    from helpers.frames import jpeg

    clip = decode(vid30, max_frames=3)
    save_jpeg_folder(clip, tmp_path / "old")  # an earlier, complete folder to be replaced

    def power_cut(src, dst):
        assert len(list(Path(src).glob("*.jpg"))) == 3 and (Path(src) / "index.json").exists()
        raise OSError("power cut")

    monkeypatch.setattr(jpeg.os, "replace", power_cut)
    with pytest.raises(OSError, match="power cut"):
        save_jpeg_folder(clip, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]  # no half folder, no temp
