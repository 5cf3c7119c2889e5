"""The CI switch and paths are read in one place and behave as documented."""

from __future__ import annotations

import importlib
import subprocess
import sys

from helpers import config


def _mode_in_subprocess(env_ci: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin"}
    if env_ci is not None:
        env["CI"] = env_ci
    code = "from helpers import config; print(config.FAST, config.OFFLINE, config.pick(1, 2))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=config.ROOT,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_ci_variable_turns_on_fast_and_offline():
    assert _mode_in_subprocess("true") == "True True 2"
    assert _mode_in_subprocess("1") == "True True 2"


def test_unset_or_false_ci_is_full_mode():
    assert _mode_in_subprocess(None) == "False False 1"
    assert _mode_in_subprocess("false") == "False False 1"
    assert _mode_in_subprocess("0") == "False False 1"


def test_shared_media_is_none_when_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("TFVIDEO_SHARED_MEDIA", str(tmp_path / "missing"))
    assert config.shared_media() is None
    monkeypatch.setenv("TFVIDEO_SHARED_MEDIA", str(tmp_path))
    assert config.shared_media() == tmp_path.resolve()


def test_data_dir_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.setenv("TFVIDEO_DATA", str(tmp_path))
    try:
        reloaded = importlib.reload(config)
        assert reloaded.DATA_DIR == tmp_path.resolve()
    finally:
        monkeypatch.delenv("TFVIDEO_DATA")
        importlib.reload(config)


def _allocator_in_subprocess(preset: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin"}
    if preset is not None:
        env["TF_CPU_ALLOCATOR_USE_BFC"] = preset
    code = ("import os, helpers; from helpers import config; "
            "print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'], config.CPU_ALLOCATOR)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=config.ROOT,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def test_importing_helpers_turns_on_the_bfc_allocator_unless_told_otherwise():
    assert _allocator_in_subprocess(None) == "true BFC"
    assert _allocator_in_subprocess("false") == "false default"
    assert "cpu allocator=" in config.describe()
