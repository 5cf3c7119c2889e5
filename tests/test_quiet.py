"""helpers.quiet: the CPU-only cuInit line and Beam's missing-extras warnings go; nothing else."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from helpers import config, quiet

PROGRAM = """
import sys
if sys.argv[1] == "tf_first":
    import tensorflow as tf
    import helpers
else:
    import helpers
    import tensorflow as tf
print(float(tf.constant(1.0) + 1), tf.config.list_physical_devices("GPU"))
"""


@pytest.mark.skipif(quiet.gpu_driver_present(), reason="a machine with an NVIDIA driver")
@pytest.mark.parametrize("order", ["tf_first", "helpers_first"])
def test_no_cuinit_error_on_a_cpu_only_machine(order):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}  # every other C++ line still shows
    done = subprocess.run([sys.executable, "-c", PROGRAM, order], capture_output=True, text=True,
                          cwd=config.ROOT, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "2.0 []"
    assert "cuInit" not in done.stderr
    assert "Could not find cuda drivers" in done.stderr  # other logging still shows


def test_only_the_known_beam_messages_are_dropped(caplog):
    caplog.set_level(logging.WARNING)
    for name, starts in quiet.BEAM_NOISE.items():
        logger = logging.getLogger(None if name == "root" else name)
        logger.warning(starts[0] + "; details")
        logger.warning("a real warning from %s", name)
    said = [record.getMessage() for record in caplog.records]
    assert said == [f"a real warning from {name}" for name in quiet.BEAM_NOISE]


def test_muted_stderr_mutes_descriptor_2_only_inside(capfd):
    with quiet.muted_stderr():
        os.write(2, b"hidden\n")
    os.write(2, b"shown\n")
    assert capfd.readouterr().err == "shown\n"


XLA_PROGRAM = """
import sys
import tensorflow as tf
if sys.argv[1] == "pipeline":
    import helpers.pipeline
print(float(tf.function(lambda x: x * 2, jit_compile=True)(tf.ones([2]))[0]))
"""


@pytest.mark.parametrize("imports", ["pipeline", "nothing"])
def test_xla_first_compilation_notice_is_spent_quietly(imports):
    done = subprocess.run([sys.executable, "-c", XLA_PROGRAM, imports], capture_output=True,
                          text=True, cwd=config.ROOT, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "2.0"
    # Without helpers.pipeline the line shows: this test can tell the difference.
    assert ("Compiled cluster using XLA" in done.stderr) == (imports == "nothing")


FFMPEG_PROGRAM = """
import sys
if sys.argv[1] == "helpers":
    import helpers
import cv2
capture = cv2.VideoCapture(sys.argv[2], cv2.CAP_FFMPEG)
print(capture.isOpened())
"""


@pytest.mark.parametrize("first", ["helpers", "cv2"])
def test_ffmpeg_decoder_lines_stay_out_unless_asked_for(first, tmp_path):
    clip = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for t in range(20):
        writer.write(np.full((48, 64, 3), 12 * t, np.uint8))
    writer.release()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])  # its index (moov) is gone
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_FFMPEG_LOGLEVEL"}
    done = subprocess.run([sys.executable, "-c", FFMPEG_PROGRAM, first, str(cut)], env=env,
                          capture_output=True, text=True, cwd=config.ROOT, timeout=300)  # fmt: skip
    assert done.stdout.strip() == "False"
    # Without helpers, FFmpeg says it: this test can tell the difference.
    assert ("moov atom not found" in done.stderr) == (first == "cv2"), done.stderr[-500:]
