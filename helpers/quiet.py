"""Keep library start-up noise that means only "an optional part is missing" out of the way.

Importing ``helpers`` imports this module, which mutes two kinds of noise and nothing else:

* **TensorFlow's GPU probe on a machine without an NVIDIA driver.** TensorFlow's first device
  listing (or first op) calls ``cuInit`` and, on a CPU-only Linux machine, logs a red
  ``E ... failed call to cuInit: ... UNKNOWN ERROR (303)``. Right after ``import tensorflow``
  (whether it came before or after ``import helpers``), that one probe runs with the error
  stream muted. A machine with a driver is left alone: its GPU is used, and a real CUDA error
  still shows.
* **Apache Beam's warnings about extras this stack does not install** (the GCP filesystem and
  BigQuery client, interactive visualisation) and its complaint about a notebook kernel's own
  command-line arguments. Only those messages are dropped; every other Beam warning still shows.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "BEAM_NOISE", "gpu_driver_present", "muted_stderr", "quiet_gpu_probe", "quiet_tflite",
    "quiet_xla_notice",
]


def gpu_driver_present() -> bool:
    """True unless this is Linux with no NVIDIA driver loaded (no GPU TensorFlow could use)."""
    if not sys.platform.startswith("linux"):
        return True  # only Linux TensorFlow builds probe CUDA: nothing to mute elsewhere
    return Path("/proc/driver/nvidia").exists() or any(Path("/dev").glob("nvidia*"))


@contextlib.contextmanager
def muted_stderr() -> Iterator[None]:
    """Sends file descriptor 2 (where C++ libraries log) to ``/dev/null`` inside the block.

    For one-time library messages that no setting filters, e.g. XLA's "Compiled cluster using
    XLA!": run the first such call inside this block. Python's ``sys.stderr`` in a notebook is
    not descriptor 2 and is unaffected.
    """
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


@contextlib.contextmanager
def quiet_tflite() -> Iterator[None]:
    """Runs SavedModel saves and TFLite conversions without their progress chatter.

    Inside the block a SavedModel save does not log "Assets written to ..." (INFO), the TFLite
    converter's C++ progress lines (``W0000 ... Ignored output_format``, ``fully_quantize: 0,
    ...``) and LiteRT's "Created TensorFlow Lite XNNPACK delegate" stay off descriptor 2, and the
    quantization debugger's ``tf.lite.Interpreter`` deprecation warning is dropped (it has no
    LiteRT version yet). None of them reports a problem: a failed save or conversion still raises
    with its message.
    """
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        with muted_stderr(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
            yield
    finally:
        logger.setLevel(level)


def quiet_gpu_probe(tf: ModuleType) -> None:
    """Runs TensorFlow's one GPU probe with the error stream muted (see :func:`muted_stderr`).

    TensorFlow probes CUDA once per process; after this call its later ops do not probe again.
    Call it only where :func:`gpu_driver_present` is False.

    Args:
        tf: The imported ``tensorflow`` module.
    """
    with muted_stderr(), contextlib.suppress(Exception):  # cosmetic: the first op would probe
        tf.config.list_physical_devices("GPU")


def quiet_xla_notice(tf: ModuleType) -> None:
    """Spends XLA's once-per-process "Compiled cluster using XLA!" line with the stream muted.

    XLA prints that line (an INFO line that ``TF_CPP_MIN_LOG_LEVEL`` does not filter) on its first
    compilation in a process. Compiling one tiny function here, muted, means the real first
    compilation (e.g. inside a ``tf.data`` map) prints nothing; later XLA errors still show.

    Args:
        tf: The imported ``tensorflow`` module.
    """
    with muted_stderr(), contextlib.suppress(Exception):  # cosmetic: never fail an import
        tf.function(lambda x: x + 1, jit_compile=True)(tf.zeros([1]))


class _ProbeAfterImport(importlib.abc.MetaPathFinder):
    """Runs :func:`quiet_gpu_probe` right after ``import tensorflow`` has executed, once."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once, and the search below must not find this finder again
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            run_module = spec.loader.exec_module

            def exec_then_probe(module: ModuleType) -> None:
                run_module(module)
                quiet_gpu_probe(module)

            spec.loader.exec_module = exec_then_probe  # type: ignore[method-assign]
        return spec


BEAM_NOISE: dict[str, tuple[str, ...]] = {
    "apache_beam.io.filesystems": ("Failed to import GCSFileSystem",),  # apache-beam[gcp]
    "root": ("apitools not found",),  # the BigQuery client of apache-beam[gcp]
    "apache_beam.runners.interactive.interactive_environment": (
        "Dependencies required for Interactive Beam",  # apache-beam[interactive]
    ),
    "apache_beam.options.pipeline_options": ("Discarding unparseable args",),  # kernel's -f
}
"""Logger name -> the starts of the messages dropped from it."""


class _DropMessages(logging.Filter):
    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.starts)


def _install() -> None:
    for name, starts in BEAM_NOISE.items():
        logger = logging.getLogger(None if name == "root" else name)
        if not any(isinstance(f, _DropMessages) for f in logger.filters):  # once per process
            logger.addFilter(_DropMessages(starts))
    if gpu_driver_present():
        return
    if "tensorflow" in sys.modules:
        quiet_gpu_probe(sys.modules["tensorflow"])
    elif not any(isinstance(finder, _ProbeAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ProbeAfterImport())


_install()
