"""Tests for helpers.sources: UCF101 split files, Kinetics CSVs, folders, label maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import config
from helpers.sources import (
    SourceFormatError,
    UnknownLabelError,
    VideoItem,
    build_label_map,
    folder_items,
    kinetics_items,
    label_index,
    read_class_index,
    ucf101_items,
)


def _write(path: Path, lines: list[str], eol: str = "\r\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(eol.join(lines).encode() + eol.encode())
    return path


@pytest.fixture
def ucf(tmp_path: Path) -> tuple[Path, Path]:
    splits = tmp_path / "splits"
    _write(splits / "classInd.txt", ["1 Alpha", "2 Beta"])
    _write(
        splits / "trainlist01.txt",
        ["Alpha/v_Alpha_g08_c01.avi 1", "Beta/v_Beta_g09_c02.avi 2", ""],
    )
    _write(splits / "testlist01.txt", ["Alpha/v_Alpha_g01_c01.avi", "Beta/v_Beta_g01_c01.avi"])
    videos = tmp_path / "videos"
    (videos / "Alpha").mkdir(parents=True)
    (videos / "Alpha" / "v_Alpha_g08_c01.avi").write_bytes(b"x")
    (videos / "v_Beta_g09_c02.avi").write_bytes(b"x")  # flat layout also works
    return videos, splits


def test_class_index_crlf_is_zero_based(ucf):
    _, splits = ucf
    assert read_class_index(splits / "classInd.txt") == {"Alpha": 0, "Beta": 1}


def test_class_index_malformed_names_file_and_line(tmp_path):
    f = _write(tmp_path / "classInd.txt", ["1 Alpha", "two Beta"])
    with pytest.raises(SourceFormatError, match=r"classInd.txt:2: .*'two Beta'") as e:
        read_class_index(f)
    assert e.value.line_no == 2


def test_ucf_train_and_test(ucf):
    videos, splits = ucf
    train = ucf101_items(videos, splits, "train")
    assert [(i.id, i.label, i.split) for i in train] == [
        ("v_Alpha_g08_c01", "Alpha", "train"),
        ("v_Beta_g09_c02", "Beta", "train"),
    ]
    assert train[0].path == str(videos.resolve() / "Alpha" / "v_Alpha_g08_c01.avi")
    assert train[1].path == str(videos.resolve() / "v_Beta_g09_c02.avi")
    test = ucf101_items(videos, splits, "test")
    assert [i.label for i in test] == ["Alpha", "Beta"] and test[0].start is None


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("Alpha/v_Alpha_g08_c01.avi one", "not an integer"),
        ("Alpha/v_Alpha_g08_c01.avi 2", "disagrees with classInd"),
        ("v_Alpha_g08_c01.avi 1", "missing '<Class>/'"),
        ("Alpha/v_Alpha_g08_c01.avi 1 extra", "expected"),
    ],
)
def test_ucf_malformed_line(ucf, line, what):
    videos, splits = ucf
    _write(splits / "trainlist01.txt", ["Alpha/v_Alpha_g08_c01.avi 1", line])
    with pytest.raises(SourceFormatError, match=rf"trainlist01.txt:2: .*{what}"):
        ucf101_items(videos, splits, "train")


def test_ucf_bad_split_name(ucf):
    with pytest.raises(ValueError, match="split"):
        ucf101_items(*ucf, split="val")


def test_official_ucf_split_files():
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not present")
    splits = media / "ucf101" / "ucfTrainTestlist"
    assert b"\r\n" in (splits / "classInd.txt").read_bytes()
    classes = read_class_index(splits / "classInd.txt")
    assert len(classes) == 101 and classes["ApplyEyeMakeup"] == 0
    train = ucf101_items(media / "ucf101", splits, "train", fold=1)
    test = ucf101_items(media / "ucf101", splits, "test", fold=1)
    assert (len(train), len(test)) == (9537, 3783)
    # classInd is sorted case-insensitively ("Hammering" < "HammerThrow"); a plain sort is not.
    assert set(build_label_map(train)) == set(classes)
    assert sorted(classes, key=classes.get) == sorted(classes, key=str.lower)
    assert build_label_map(train)["HammerThrow"] != classes["HammerThrow"]
    found = [i for i in test if Path(i.path).exists()]
    assert [i.id for i in found] == ["v_ApplyEyeMakeup_g01_c01", "v_BaseballPitch_g01_c01"]
    groups = lambda items: {i.id.rsplit("_", 2)[0] + i.id.split("_")[-2] for i in items}  # noqa: E731
    assert not groups(train) & groups(test)


def test_kinetics_five_columns_and_path_format(tmp_path):
    rows = ["label,youtube_id,time_start,time_end,split", "abseiling,abc,38,48,val",
            '"passing, ball",xyz,1.5,3.5,train']  # fmt: skip
    csv = _write(tmp_path / "k.csv", rows, eol="\n")
    items = kinetics_items(csv, tmp_path / "v", "{youtube_id}.mp4")
    assert items[0] == VideoItem(
        "abc_000038_000048",
        str((tmp_path / "v" / "abc.mp4").resolve()),
        "abseiling",
        38.0,
        48.0,
        "val",
    )
    assert items[1].label == "passing, ball" and (items[1].start, items[1].end) == (1.5, 3.5)
    val = kinetics_items(csv, tmp_path, "{label}/{youtube_id}.mp4", split="val")
    assert [Path(i.path).relative_to(tmp_path).as_posix() for i in val] == ["abseiling/abc.mp4"]
    # The default (trimmed-file) format needs whole seconds; a fractional row names its line.
    with pytest.raises(SourceFormatError, match=r"k.csv:3: path_format"):
        kinetics_items(csv, tmp_path)
    (item,) = kinetics_items(_write(tmp_path / "i.csv", rows[:2]), tmp_path)
    assert Path(item.path).name == "abc_000038_000048.mp4"
    # That file is already the segment: read it whole (trimming 38-48 s would find nothing).
    assert (item.start, item.end) == (None, None) and item.id == "abc_000038_000048"
    (cut,) = kinetics_items(_write(tmp_path / "i.csv", rows[:2]), tmp_path, trim=True)
    assert (cut.start, cut.end) == (38.0, 48.0)


def test_kinetics_four_and_extra_columns(tmp_path):
    four = _write(tmp_path / "a.csv", ["youtube_id,time_start,time_end,split", "q,0,10,test"])
    (item,) = kinetics_items(four, tmp_path)
    assert item.label is None and item.split == "test"
    four_b = _write(tmp_path / "b.csv", ["label,youtube_id,time_start,time_end", "x,q,0,10"])
    assert kinetics_items(four_b, tmp_path)[0].split is None
    extra = _write(
        tmp_path / "c.csv", ["label,youtube_id,time_start,time_end,split,is_cc", "x,q,1,2,val,0"]
    )
    assert kinetics_items(extra, tmp_path)[0].label == "x"


@pytest.mark.parametrize(
    ("row", "what"),
    [
        ("x,q,1,2", "expected 5 columns, got 4"),
        ("x,q,one,2,val", "time_start is not a number"),
        ("x,q,5,2,val", "need 0 <= time_start < time_end"),
        ("x,q,nan,2,val", "time_start is not a finite number"),
        ("x,q,1,inf,val", "time_end is not a finite number"),
        ("x,,1,2,val", "empty youtube_id"),
    ],
)
def test_kinetics_malformed_row_names_file_and_line(tmp_path, row, what):
    csv = _write(
        tmp_path / "k.csv", ["label,youtube_id,time_start,time_end,split", "x,a,1,2,val", row]
    )
    with pytest.raises(SourceFormatError, match=rf"k.csv:3: {what}"):
        kinetics_items(csv, tmp_path)


def test_kinetics_line_numbers_count_quoted_line_breaks(tmp_path):
    rows = ["label,youtube_id,time_start,time_end,split", '"two\nlines",a,1,2,val', "x,b,5,2,val"]
    csv = _write(tmp_path / "k.csv", rows, eol="\n")
    with pytest.raises(SourceFormatError, match=r"k.csv:4: need 0 <= time_start < time_end") as e:
        kinetics_items(csv, tmp_path)
    assert e.value.line == "x,b,5,2,val"


def test_kinetics_header_required(tmp_path):
    csv = _write(tmp_path / "k.csv", ["abseiling,abc,38,48,val"])
    with pytest.raises(SourceFormatError, match=r"k.csv:1: header lacks"):
        kinetics_items(csv, tmp_path)


def test_official_kinetics_csvs():
    media = config.shared_media()
    if media is None:
        pytest.skip("shared media not present")
    k600 = kinetics_items(media / "kinetics_annotations" / "kinetics-600_val.csv", "/v")
    k400 = kinetics_items(media / "kinetics_annotations" / "kinetics-400_val.csv", "/v")
    assert (len(k600), len(k400)) == (30000, 19906)
    assert len(build_label_map(k600)) == 600 and len(build_label_map(k400)) == 400
    assert k600[0].id == "yq_M1PMw2hY_000038_000048"
    assert (k600[0].start, k600[0].end) == (None, None)  # the default files are the segments
    full = kinetics_items(media / "kinetics_annotations" / "kinetics-600_val.csv", "/v",
                          "{youtube_id}.mp4")  # fmt: skip
    assert full[0].id == k600[0].id and full[0].end - full[0].start == 10


def test_folder_items_and_label_maps(tmp_path):
    for rel in ["b/x.mp4", "a/y.AVI", "a/sub/z.mkv", "a/notes.txt", "loose.webm"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    items = folder_items(tmp_path)
    assert [(i.id, i.label) for i in items] == [
        ("a/sub/z", "a"),
        ("a/y", "a"),
        ("b/x", "b"),
        ("loose", None),
    ]
    label_map = build_label_map(items)
    assert label_map == {"a": 0, "b": 1}
    assert label_index(label_map, items[2]) == 1
    with pytest.raises(UnknownLabelError, match="'c' is not in the label map") as e:
        label_index(label_map, VideoItem("q", "/q.mp4", "c"))
    assert isinstance(e.value, KeyError)
    with pytest.raises(FileNotFoundError):
        folder_items(tmp_path / "missing")
