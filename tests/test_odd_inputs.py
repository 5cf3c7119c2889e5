"""Odd videos made on the fly with the bundled ffmpeg: exact frame counts and container times.

Variable frame rate, 1000 fps, 0.5 fps, a header rate the timestamps contradict (whole and cut),
a raw ``.h264`` with no rate, non-square pixels, rotation, a stream cut mid-way and broken
links: each asserts the frames and timestamps a user should get, not just "no crash". Then the
reports: a full disk during extract, and an unknown UCF101 test class without ``classInd.txt``.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from helpers import frames, sources
from helpers.frames import FrameReader, VideoDecodeError, decode, probe

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")


def ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-v", "error", "-y", *args], check=True, capture_output=True)


def synth(
    out: Path, rate: float, seconds: float, *extra: str, size: str = "64x48", codec: str = "libx264"
) -> Path:
    src = f"testsrc=size={size}:rate={rate}:duration={seconds}"
    ffmpeg("-f", "lavfi", "-i", src, *extra, "-c:v", codec, "-pix_fmt", "yuv420p", str(out))
    return out


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("odd")
    vfr = ("-vf", "select='gte(t,2)+not(mod(n,6))'", "-fps_mode", "vfr")  # 2 s at 10, 1 s at 60
    gap = ("-vf", "select='lt(t,0.95)+gte(t,1.5)'", "-fps_mode", "vfr")  # a frozen frame
    videos = {
        "vfr": synth(d / "vfr.mp4", 60, 3, *vfr),
        "gap": synth(d / "gap.mp4", 60, 2, *gap),
        "1000": synth(d / "f1000.mp4", 1000, 2, size="32x32"),
        "half": synth(d / "half.mp4", 0.5, 6),
        "sar": synth(d / "sar.mp4", 10, 1, "-vf", "setsar=4/3"),
        "long": synth(d / "long.mp4", 30, 10, "-movflags", "+faststart"),
    }
    for name in ("sar", "long"):
        rotated = d / f"rot_{name}.mp4"
        ffmpeg("-display_rotation", "90", "-i", str(videos[name]), "-c", "copy", str(rotated))
        videos[f"rot_{name}"] = rotated
    data = videos["long"].read_bytes()
    videos["cut"] = d / "cut.mp4"
    videos["cut"].write_bytes(data[: int(len(data) * 0.4)])
    return videos


def ms(clip) -> list[float]:
    return [round(t * 1000, 1) for t in clip.timestamps]


def test_vfr_all_frames_carry_container_times(odd):
    clip = decode(odd["vfr"])
    expected = [100.0 * i for i in range(20)] + [round(2000 + i * 1000 / 60, 1) for i in range(60)]
    assert ms(clip) == expected
    assert clip.vfr and clip.header_frame_count == clip.num_decoded == 80
    assert clip.average_fps == pytest.approx(79 / 2.98333, rel=1e-3)


def test_vfr_resampled_on_its_own_clock(odd):
    clip = decode(odd["vfr"], fps=10)
    # 20 frames from the 2 s at 10 fps and 10 from the second at 60 fps (not 8 + 24).
    assert ms(clip) == [100.0 * i for i in range(20)] + [2000.0 + 100 * i for i in range(10)]
    assert clip.fps == 10 and clip.vfr


def test_vfr_trim_inside_the_fast_part(odd):
    clip = decode(odd["vfr"], fps=10, start=1.95, end=2.5)
    # The first frame at/after 1.95 s serves 1.95; then the 60 fps frames on screen at each time.
    assert ms(clip) == [2000.0, 2050.0, 2150.0, 2250.0, 2350.0, 2450.0]


def test_a_slow_down_the_fast_path_guessed_wrong_gives_the_right_pixels(odd):
    every = decode(odd["gap"])
    times = np.round(every.timestamps * 1000, 1)
    clip = decode(odd["gap"], fps=10)
    # Each output is the last frame shown at or before its sample time, pixel for pixel.
    for k, (frame, t) in enumerate(zip(clip.frames, clip.timestamps, strict=True)):
        i = int(np.searchsorted(times, k * 100 + 1e-3, side="right")) - 1
        assert t == every.timestamps[i]
        np.testing.assert_array_equal(frame, every.frames[i])
    assert ms(clip)[9:15] == [900.0, 933.3, 933.3, 933.3, 933.3, 933.3]  # frozen 0.93-1.5 s
    assert len(clip.frames) == 20


def test_1000_fps_keeps_its_rate(odd):
    info = probe(odd["1000"])
    assert info.fps == 1000 and info.frame_count == 2000 and info.duration == 2.0
    clip = decode(odd["1000"], fps=10)
    assert ms(clip) == [100.0 * i for i in range(20)]
    trim = decode(odd["1000"], fps=10, start=0.5, end=1.5)  # a Kinetics-style trim
    assert ms(trim) == [500.0 + 100 * i for i in range(10)]
    assert trim.num_decoded < 1100  # it seeked instead of decoding from the start


def test_half_fps_frames_are_held_until_the_next(odd):
    clip = decode(odd["half"], fps=1)
    assert ms(clip) == [0.0, 0.0, 2000.0, 2000.0, 4000.0, 4000.0]
    assert clip.source_fps == 0.5 and not clip.vfr


def test_non_square_pixels_come_out_at_display_aspect(odd):
    info = probe(odd["sar"])
    assert info.sample_aspect == pytest.approx(4 / 3) and (info.width, info.height) == (85, 48)
    assert decode(odd["sar"]).frames.shape[1:3] == (48, 85)  # 64 * 4/3 wide
    assert decode(odd["sar"], size=24).frames.shape[1:3] == (24, 43)
    assert decode(odd["sar"], size=24, resize_mode="center_crop").frames.shape[1:3] == (24, 24)


def test_rotation_still_applied_and_with_non_square_pixels(odd):
    assert decode(odd["rot_long"], max_frames=2).frames.shape[1:3] == (64, 48)
    assert decode(odd["rot_sar"]).frames.shape[1:3] == (85, 48)  # the stored width is now tall


def test_cut_stream_reports_what_it_decoded(odd):
    reader = FrameReader(odd["cut"])
    got = list(reader)
    assert reader.header_frame_count == 300 and 0 < reader.num_decoded == len(got) < 300
    assert [round(t * 30) for _, t in got] == list(range(len(got)))


def test_broken_and_looping_links_are_listed_and_fail_with_a_reason(tmp_path, odd):
    root = tmp_path / "videos"
    (root / "cat").mkdir(parents=True)
    os.symlink(odd["sar"], root / "cat" / "good.mp4")
    os.symlink(tmp_path / "gone.mp4", root / "cat" / "dangling.mp4")
    os.symlink(root / "cat" / "loop_b.mp4", root / "cat" / "loop_a.mp4")
    os.symlink(root / "cat" / "loop_a.mp4", root / "cat" / "loop_b.mp4")
    items = sources.folder_items(root)
    assert [i.id for i in items] == ["cat/dangling", "cat/good", "cat/loop_a", "cat/loop_b"]
    reasons = {}
    for item in items:
        try:
            frames.probe(item.path)
        except VideoDecodeError as err:
            reasons[item.id] = err.reason
    assert set(reasons) == {"cat/dangling", "cat/loop_a", "cat/loop_b"}
    assert reasons["cat/dangling"].startswith("broken symbolic link")
    assert reasons["cat/loop_a"] == "symbolic link loop"


def test_a_vfr_source_is_counted_in_both_writers_summaries(tmp_path, odd, capsys):
    from helpers.beam import cli as beam_cli
    from helpers.writer import cli as writer_cli

    videos = tmp_path / "videos"
    (videos / "cat").mkdir(parents=True)
    os.symlink(odd["vfr"], videos / "cat" / "vfr.mp4")
    os.symlink(odd["sar"], videos / "cat" / "steady.mp4")
    common = ["--fps", "10", "--size", "32"]
    local = ["folder", "--videos", str(videos), "--out", str(tmp_path / "w"), "--workers", "1"]
    assert writer_cli.main([*local, *common]) == 0
    assert "1 variable-frame-rate source(s), sampled on their own timestamps" in (
        capsys.readouterr().out
    )
    beam = ["--source", "folder", "--video_root", str(videos), "--out_dir", str(tmp_path / "b"),
            "--runner=DirectRunner", *common]  # fmt: skip
    assert beam_cli.main(beam) == 0
    assert "1 variable-frame-rate (sampled on their own timestamps)" in capsys.readouterr().out


@pytest.fixture(scope="module")
def wrong_rate(tmp_path_factory) -> Path:
    """An mkv whose header says 10 fps while its frames are stamped 0.2 s apart (5 fps).

    The frames are re-timed without re-encoding (``setts``); the stream keeps its 10 fps, which
    the muxer writes as the track's default duration.
    """
    d = tmp_path_factory.mktemp("rate")
    ten = synth(d / "ten.mp4", 10, 2, "-bf", "0")
    slow = d / "slow.mkv"
    ffmpeg("-i", str(ten), "-c", "copy", "-bsf:v", "setts=ts=TS*2", str(slow))
    return slow


def test_a_wrong_header_rate_gives_the_container_times(wrong_rate):
    assert probe(wrong_rate).fps == 10  # the header's claim
    clip = decode(wrong_rate)
    assert ms(clip) == [200.0 * i for i in range(20)]  # not i * 100 (index / header fps)
    assert clip.source_fps == 10 and clip.average_fps == pytest.approx(5.0)
    assert not clip.vfr  # one steady rate, just not the stated one
    resampled = decode(wrong_rate, fps=10)  # every frame held until the next: 0, 0, 200, 200...
    assert ms(resampled) == [200.0 * (i // 2) for i in range(40)]


def test_a_wrong_header_rate_is_not_reported_as_a_partial_decode(wrong_rate):
    # OpenCV's count for an mkv is duration x header fps (39 here): no count, but the duration
    # holds, and the 20 frames reach its end.
    clip = decode(wrong_rate)
    assert (clip.num_decoded, clip.header_frame_count) == (20, 39)
    assert clip.decoded_until == pytest.approx(4.0)
    timing = {"header_fps": clip.source_fps, "average_fps": clip.average_fps,
              "decoded_until": clip.decoded_until}  # fmt: skip
    assert frames.partial_decode(clip.num_decoded, clip.header_frame_count, **timing) is None
    assert frames.decoded_fraction(clip.num_decoded, clip.header_frame_count, **timing) == 1.0
    assert frames.partial_decode(20, 39) is not None  # by count alone it would be flagged


@pytest.mark.parametrize("keep", [0.8, 0.97])
def test_a_cut_file_with_a_wrong_header_rate_is_still_partial(wrong_rate, tmp_path, keep):
    data = wrong_rate.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * keep)])
    clip = decode(cut)
    assert clip.num_decoded < 20
    timing = {"header_fps": clip.source_fps, "average_fps": clip.average_fps,
              "decoded_until": clip.decoded_until}  # fmt: skip
    reason = frames.partial_decode(clip.num_decoded, clip.header_frame_count, **timing)
    assert reason and reason.startswith("partial decode: frames up to ") and "3.9 s" in reason
    share = frames.decoded_fraction(clip.num_decoded, clip.header_frame_count, **timing)
    assert share == pytest.approx(clip.decoded_until / 3.9)  # by time: a share of the real frames
    assert abs(share - clip.num_decoded / 20) < 0.1


def test_a_cut_webm_with_a_true_rate_is_judged_by_count(tmp_path):
    whole = synth(tmp_path / "v.webm", 30, 4, codec="libvpx")
    cut = tmp_path / "cut.webm"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.5)])
    for path, partial in ((whole, False), (cut, True)):
        clip = decode(path, size=16)
        timing = {"header_fps": clip.source_fps, "average_fps": clip.average_fps,
                  "decoded_until": clip.decoded_until}  # fmt: skip
        reason = frames.partial_decode(clip.num_decoded, clip.header_frame_count, **timing)
        assert bool(reason) == partial, reason
        assert clip.header_frame_count == 120 and (not partial or "of the 120 frames" in reason)


def test_a_raw_stream_claims_no_rate(raw_h264):  # raw_h264: tests/conftest.py
    info = probe(raw_h264)
    assert (info.fps, info.rate_known, info.frame_count) == (0.0, False, 0)  # not FFmpeg's 25
    clip = decode(raw_h264)
    assert len(clip.frames) == clip.num_decoded == 30  # every frame, in order
    assert (clip.source_fps, clip.average_fps, clip.fps, clip.rate_known) == (0.0, 0.0, 0.0, False)
    assert decode(muxed_mp4(raw_h264)).rate_known  # a container: a known rate


def muxed_mp4(raw: Path) -> Path:
    """The same stream muxed with its rate: what the error message tells the user to do."""
    out = raw.with_suffix(".mp4")
    if not out.exists():
        ffmpeg("-r", "10", "-i", str(raw), "-c", "copy", str(out))
    return out


@pytest.mark.parametrize("opts", [{"fps": 5}, {"start": 1.0}, {"end": 2.0}])
def test_a_raw_stream_refuses_times_it_does_not_know(raw_h264, opts):
    with pytest.raises(VideoDecodeError, match="raw stream with no frame rate") as err:
        decode(raw_h264, **opts)
    assert err.value.path == str(raw_h264)
    muxed = decode(muxed_mp4(raw_h264), **opts)
    assert muxed.source_fps == 10  # muxed with its rate, the same request works


def test_a_raw_stream_through_extract_and_the_writer(raw_h264, tmp_path, capsys):
    from helpers.extract import cli as extract_cli
    from helpers.records import RecordConfig, item_to_examples_with_stats

    src = tmp_path / "src" / "cat"
    src.mkdir(parents=True)
    os.symlink(raw_h264, src / "raw.h264")
    os.symlink(muxed_mp4(raw_h264), src / "muxed.mp4")
    out = tmp_path / "out"
    args = ["--folder", str(tmp_path / "src"), "--out", str(out), "--no-progress"]
    assert extract_cli.main(args) == 0
    assert "unknown_rate=1" in capsys.readouterr().out
    report = json.loads((out / "extract_report.json").read_text())
    assert [r["id"] for r in report["unknown_rate"]] == ["cat/raw"]
    index = json.loads((out / "cat" / "raw" / "index.json").read_text())
    assert (index["rate_known"], index["source_fps"], index["num_frames"]) == (False, 0.0, 30)
    # Asked for a rate, the raw stream fails with its path and reason; the batch carries on.
    assert extract_cli.main([*args, "--out", str(tmp_path / "out5"), "--fps", "5"]) == 1
    captured = capsys.readouterr()
    assert "raw stream with no frame rate" in captured.out + captured.err
    assert (tmp_path / "out5" / "cat" / "muxed" / "index.json").exists()

    item = sources.VideoItem(id="cat/raw", path=str(raw_h264), label="cat")
    _, stats = item_to_examples_with_stats(item, {"cat": 0}, RecordConfig(size=16))
    assert (stats["rate_known"], stats["source_fps"], stats["num_decoded"]) == (False, 0.0, 30)
    assert stats["partial"] is None
    with pytest.raises(VideoDecodeError, match="raw stream"):
        item_to_examples_with_stats(item, {"cat": 0}, RecordConfig(size=16, fps=5))


def test_a_raw_stream_through_the_writer_cli_and_the_reader(raw_h264, tmp_path, capsys):
    from helpers import pipeline, records
    from helpers.sample.data import write_index_video
    from helpers.writer import cli as writer_cli

    videos = tmp_path / "my_videos"
    (videos / "cat").mkdir(parents=True)
    os.symlink(raw_h264, videos / "cat" / "raw.h264")
    write_index_video(videos / "dog" / "a.avi", 12, 25.0, size=(32, 32))
    out = tmp_path / "out"
    args = ["folder", "--videos", str(videos), "--out", str(out), "--workers", "1", "--shards", "1"]
    assert writer_cli.main(args) == 0  # converted, with the warning: as for a vfr source
    printed = capsys.readouterr().out
    assert "unknown_rate=1: raw stream(s) with no frame rate" in printed
    split = records.load_manifest(out)["splits"]["train"]
    assert (split["num_clips"], split["num_failed"], split["num_unknown_rate"]) == (2, 0, 1)
    assert split["unknown_rate"] == [{"id": "cat/raw", "path": str(videos / "cat" / "raw.h264"),
                                      "reason": frames.UNKNOWN_RATE_NOTE}]  # fmt: skip
    assert split["num_partial"] == split["num_vfr"] == 0  # no count to miss, no times to judge
    parsed = {}
    for serialized in records.iter_records(records.shard_files(out, "train")[0]):
        example = {k: v.numpy() for k, v in records.parse_example(serialized).items()}
        parsed[example["id"].decode()] = example
    raw, avi = parsed["cat/raw"], parsed["dog/a"]
    assert (raw["frame_rate"], raw["num_frames"], avi["frame_rate"]) == (0.0, 30, 25.0)
    assert raw["timestamps"].tolist() == [40_000 * i for i in range(30)]  # order only
    assert raw["end_timestamp"] == raw["timestamps"][-1]  # no period added: no rate to add
    # The reader never divides by the rate: each sampling mode gives finite frames of both.
    for sampling, n in (("random", 8), ("middle", 4), ("all", None)):
        train = sampling == "random"
        ds = pipeline.build_dataset(out, split="train", num_frames=n, sampling=sampling,
                                    training=train, image_size=16, batch_size=2)  # fmt: skip
        batch = next(iter(ds))
        image = batch["image"].numpy()
        assert sorted(batch["id"].numpy().astype(str)) == ["cat/raw", "dog/a"]
        assert image.shape[1:] == (n or 30, 16, 16, 3) and np.isfinite(image).all()
        assert image.std() > 0


def test_extract_on_a_full_disk_is_one_error_line_and_leaves_no_temporaries(
    tmp_path, odd, monkeypatch, capsys
):
    from helpers.extract import cli as extract_cli
    from helpers.frames import jpeg

    src = tmp_path / "src" / "cat"
    src.mkdir(parents=True)
    for name in ("sar", "half", "1000"):
        os.symlink(odd[name], src / f"{name}.mp4")
    writes = []

    def full(path: str, data: bytes) -> None:  # the disk fills up in the middle of a video
        if len(writes) == 12:
            raise OSError(errno.ENOSPC, "No space left on device", path)
        writes.append(path)
        Path(path).write_bytes(data)

    monkeypatch.setattr(jpeg, "_write_new", full)
    out = tmp_path / "out"
    status = extract_cli.main(["--folder", str(tmp_path / "src"), "--out", str(out),
                               "--fps", "5", "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 2 and len(writes) == 12
    assert err.count("\n") == 1 and err.startswith("error: ") and "No space left" in err, err
    left = [p.name for p in out.rglob("*") if p.name.startswith(".tmp") or ".incomplete" in p.name]
    assert left == [], left
    for index in out.rglob("index.json"):  # whatever finished before the disk filled is whole
        assert len(list(index.parent.glob("*.jpg"))) == len(json.loads(index.read_text())["frames"])


def ucf_lists_without_class_index(tmp_path: Path) -> Path:
    """UCF101 split lists with no ``classInd.txt``; line 3 of the test list has a new class."""
    splits = tmp_path / "lists"
    splits.mkdir()
    train = ["Alpha/v_Alpha_g01_c01.avi", "Beta/v_Beta_g01_c01.avi"]
    test = ["Alpha/v_Alpha_g02_c01.avi", "Beta/v_Beta_g02_c01.avi", "Gamma/v_Gamma_g02_c01.avi"]
    (splits / "trainlist01.txt").write_text("\r\n".join(train) + "\r\n")
    (splits / "testlist01.txt").write_text("\r\n".join(test) + "\r\n")
    return splits


def test_ucf101_without_class_index_names_the_line_of_an_unknown_test_class(tmp_path):
    splits = ucf_lists_without_class_index(tmp_path)
    train = sources.ucf101_items(tmp_path, splits, "train")
    known = sources.build_label_map(train)
    with pytest.raises(sources.SourceFormatError) as err:
        sources.ucf101_items(tmp_path, splits, "test", label_map=known)
    assert (err.value.file, err.value.line_no) == (str(splits / "testlist01.txt"), 3)
    assert err.value.what == "class 'Gamma' is not among the 2 training classes"
    assert len(sources.ucf101_items(tmp_path, splits, "test")) == 3  # no label map: no check
