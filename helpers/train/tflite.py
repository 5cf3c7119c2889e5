"""Running an exported streaming TFLite MoViNet frame by frame (:mod:`helpers.export` writes it).

    from helpers.train.tflite import TFLiteStream  # also helpers.export.TFLiteStream
    lite = TFLiteStream("exports/stream.tflite")
    logits = lite.stream_logits(video)                  # [T, H, W, 3] in [0, 1] -> [T, classes]

The states (the causal convolutions' buffers, the running pools) are extra inputs and outputs of
the ``serving_default`` signature; the class carries them from one call to the next.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from helpers import quiet

try:  # LiteRT, TFLite's own successor: tf.lite.Interpreter is deprecated (it warns on every use)
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # (requirements.txt installs it; a bare TensorFlow still has the old one)
    Interpreter = tf.lite.Interpreter

__all__ = [
    "TFLiteStream",
]


class TFLiteStream:
    """Runs a streaming TFLite MoViNet frame by frame, carrying the states between calls.

    Args:
        path: A file from :func:`helpers.export.export_tflite`.
        num_threads: Interpreter threads.
    """

    def __init__(self, path: str | os.PathLike, num_threads: int | None = None) -> None:
        self.path = Path(path)
        with quiet.quiet_tflite():  # LiteRT announces its XNNPACK delegate on the first call
            self.interpreter = Interpreter(str(self.path), num_threads=num_threads)
            self.runner = self.interpreter.get_signature_runner("serving_default")
            details = self.runner.get_input_details()
            self.image_shape = tuple(int(s) for s in details["image"]["shape"])
            self._state_details = {k: v for k, v in details.items() if k != "image"}
            self(self.init_states(), np.zeros(self.image_shape, np.float32))

    def init_states(self) -> dict[str, np.ndarray]:
        """Returns the zero states for the first frame."""
        return {k: np.zeros(v["shape"], v["dtype"]) for k, v in self._state_details.items()}

    def __call__(
        self, states: dict[str, np.ndarray], frame: np.ndarray
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Feeds one frame ``[1, 1, H, W, 3]``; returns ``(logits [1, C], new states)``."""
        out = self.runner(**states, image=np.asarray(frame, np.float32).reshape(self.image_shape))
        logits = out.pop("logits")
        return logits, out

    def stream_logits(self, video: np.ndarray) -> np.ndarray:
        """Streams a clip ``[T, H, W, 3]`` in [0, 1]; returns per-frame logits ``[T, C]``."""
        states = self.init_states()
        rows = []
        for frame in np.asarray(video, np.float32):
            logits, states = self(states, frame)
            rows.append(logits[0])
        return np.stack(rows)
