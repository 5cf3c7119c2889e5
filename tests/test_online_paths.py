"""Every online path, run for real against a loopback mirror laid out like the real hosts.

The artefacts are built once per session by our own code, in the real layouts: TF Hub compressed
SavedModels (base and stream, with the hub signatures, from ``helpers.train.export``), a Model
Garden-style checkpoint tarball (``movinet_a0_stream/`` + checkpoint files), the Kinetics-600
labels file and the example GIF. ``TFVIDEO_MIRROR`` points every real URL at the local server.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from test_downloads import Mirror

from helpers import config, movinet, sample, train
from helpers.movinet import load as movinet_load
from helpers.movinet.models import build_movinet_classifier
from helpers.train import model as train_model
from helpers.utils import downloads, reachability

RES = 32  # small exports: the session's builds take seconds, not minutes
HUB = movinet.hub_handle("a0", "base")
HUB_STREAM = movinet.hub_handle("a0", "stream")
CHECKPOINT = train.PRETRAINED_URL.format(model_id="a0")
LABELS = [f"kinetics class {i}" for i in range(600)]


def _tar_gz(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory):
    """Builds the mirror's files once: hub archives, a checkpoint tarball, labels, a GIF."""
    work = tmp_path_factory.mktemp("artefacts")
    base = build_movinet_classifier("a0", 600, resolution=RES)
    stream = train.stream_from_base(base, "a0", resolution=RES)
    shape = (None, None, RES, RES, 3)
    train.export_base(base, work / "base", input_shape=shape)
    train.export_stream(stream, work / "stream", input_shape=shape)
    folder = work / "ckpt" / "movinet_a0_stream"  # the Model Garden tarball's layout
    tf.train.Checkpoint(model=base).save(str(folder / "ckpt"))  # ckpt-1.*, as theirs
    (folder / "checkpoint").write_text('model_checkpoint_path: "ckpt-1"\n')  # a relative path
    gif = io.BytesIO()
    frames = [Image.fromarray(np.full((RES, RES, 3), 40 * i, np.uint8)) for i in range(1, 5)]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    video = tf.random.stateless_uniform((6, RES, RES, 3), seed=(1, 2))
    return {
        "hub_base": _tar_gz(_folder_files(work / "base")),
        "hub_stream": _tar_gz(_folder_files(work / "stream")),
        "checkpoint": _tar_gz(_folder_files(work / "ckpt")),
        "labels": "".join(f"{name}\n" for name in LABELS).encode(),
        "gif": gif.getvalue(),
        "video": video,
        "base_logits": base({"image": video[None]}, training=False).numpy(),
        "backbone": {w.name: w.numpy() for w in base.backbone.weights},
    }


@pytest.fixture
def online(tmp_path, monkeypatch, artefacts):
    """A mirror serving every artefact at its real URL; the run decided online through it."""
    server = Mirror(tmp_path / "mirror")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(downloads.MIRROR_ENV, server.url)
    monkeypatch.delenv(reachability.NETWORK_ENV, raising=False)
    monkeypatch.setattr(config, "OFFLINE", False)
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(reachability, "_decision", None)
    monkeypatch.setattr(config, "shared_media", lambda: None)  # no local fallbacks to hide behind
    server.put(HUB, artefacts["hub_base"])
    server.put(HUB_STREAM, artefacts["hub_stream"])
    server.put(movinet.kaggle_handle("a0", "base"), artefacts["hub_base"])
    server.put(CHECKPOINT, artefacts["checkpoint"])
    server.put(movinet.KINETICS_600_LABELS_URL, artefacts["labels"])
    server.put(sample.JUMPING_JACK_URL, artefacts["gif"])
    yield server
    server.close()


def test_hub_models_download_cache_classify_and_stream(online, artefacts, capsys):
    base = movinet.load_movinet("a0", "base")
    assert capsys.readouterr().out.startswith("network: online: mirror 127.0.0.1:")
    assert not base.untrained and base.source == HUB and base.resolution == RES
    assert online.requests[0][0] == HUB.removeprefix("https://")  # the real URL's layout
    video = artefacts["video"]
    np.testing.assert_allclose(base(video[None]).numpy(), artefacts["base_logits"], atol=1e-5)
    labels = movinet.labels_for(base)
    assert labels == LABELS  # downloaded through the mirror, cached
    top = movinet.get_top_k(movinet.classify(base, video), labels, k=3)
    assert [name for name, _ in top][0] == LABELS[int(np.argmax(artefacts["base_logits"]))]

    stream = movinet.load_movinet("a0", "stream")
    assert not stream.untrained and stream.mode == "stream"
    states = stream.init_states(video[None].shape)
    for n in range(len(video)):  # the state carries every earlier frame
        logits, states = stream({**states, "image": video[None, n : n + 1]})
    np.testing.assert_allclose(logits.numpy(), artefacts["base_logits"], atol=1e-4)

    served = len(online.requests)
    again = movinet.load_movinet("a0", "base")  # cached: no request at all
    assert len(online.requests) == served and not again.untrained
    assert movinet.load_labels() == LABELS and len(online.requests) == served

    kaggle = movinet.load_movinet("a0", "base", source="kaggle")
    assert kaggle.source.startswith("https://www.kaggle.com/models/google/movinet/")
    np.testing.assert_allclose(kaggle(video[None]).numpy(), artefacts["base_logits"], atol=1e-5)


def test_example_gif_comes_through_the_mirror(online, artefacts):
    path, about = sample.example_clip()
    assert path.read_bytes() == artefacts["gif"] and "jumping jacks" in about
    assert movinet.load_video(path, RES).shape[0] == 4


def test_checkpoint_download_restores_every_variable(online, artefacts, capsys):
    path = train.fetch_pretrained("a0")
    assert path is not None and Path(path).name == "ckpt-1"
    assert not list(Path(path).parent.parent.glob("*.tar.gz"))  # the archive is not kept
    cfg = train.TrainConfig(num_classes=3, resolution=RES, pretrained=True, freeze_backbone=True)
    model = train.build_model(cfg)  # restore() asserts that every variable matched
    assert model.pretrained and "Kinetics-600 weights from" in model.description
    restored = {w.name: w.numpy() for w in model.backbone.weights}
    assert restored.keys() == artefacts["backbone"].keys()
    assert all(np.array_equal(restored[k], v) for k, v in artefacts["backbone"].items())
    served = len(online.requests)
    assert train.fetch_pretrained("a0") == path and len(online.requests) == served  # cached


# --- failures: one line, then the documented fallback ---------------------------------------


@pytest.fixture
def cheap_standin(monkeypatch):
    monkeypatch.setattr(movinet_load, "_standin", lambda *args: object())  # no build: fast


def _one_warning(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith("WARNING")]
    assert len(lines) == 1, out
    return lines[0]


def test_a_404_falls_back_to_the_untrained_stand_in(online, cheap_standin, capsys):
    (online.root / online.rel(HUB)).unlink()
    model = movinet.load_movinet("a0", "base")
    line = _one_warning(capsys.readouterr().out)
    assert model.untrained and "HTTP 404 Not Found" in line and "tfhub.dev" in line
    with pytest.raises(RuntimeError, match="HTTP 404"):
        movinet.load_movinet("a0", "base", source="hub")


def test_a_truncated_archive_is_reported_deleted_and_falls_back(online, cheap_standin, capsys):
    whole = (online.root / online.rel(HUB)).read_bytes()
    online.put(HUB, whole[: len(whole) // 2])
    model = movinet.load_movinet("a0", "base")
    line = _one_warning(capsys.readouterr().out)
    assert model.untrained and "damaged archive, deleted" in line
    assert not list((config.DATA_DIR / "hub").glob("*.tar.gz"))  # the next run fetches again
    online.put(HUB, whole)
    assert not movinet.load_movinet("a0", "base").untrained


def test_a_stalled_server_times_out_and_training_starts_from_scratch(
    online, monkeypatch, capsys
):
    monkeypatch.setattr(train_model, "CHECKPOINT_TIMEOUT", 0.5)
    online.fault(CHECKPOINT, stall=10)
    assert train.fetch_pretrained("a0") is None
    out = capsys.readouterr().out
    assert "server stalled (no data for 0.5 s)" in _one_warning(out) and "FROM SCRATCH" in out
    cfg = train.TrainConfig(num_classes=3, resolution=RES, pretrained=True, freeze_backbone=True)
    monkeypatch.setattr(train_model, "fetch_pretrained", lambda *a: None)
    model = train.build_model(cfg)
    assert not model.pretrained and "FROM SCRATCH" in model.description
    assert model.backbone.trainable  # a random backbone must learn: never frozen


def test_offline_paths_say_so_and_download_nothing(online, monkeypatch, cheap_standin, capsys):
    monkeypatch.setenv(reachability.NETWORK_ENV, "offline: DNS lookup for x failed")
    assert movinet.load_movinet("a0", "base").untrained
    assert movinet.load_labels()[0] == "class_000 (untrained)"
    assert train.fetch_pretrained("a0") is None
    out = capsys.readouterr().out
    assert out.count("DNS lookup for x failed") >= 3 and online.requests == []
