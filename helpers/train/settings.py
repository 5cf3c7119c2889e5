"""What to fine-tune and how: :class:`TrainConfig` (model size, window, batch, schedule)."""

from __future__ import annotations

from dataclasses import dataclass

import tf_keras

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """What to build and how to feed it.

    Attributes:
        model_id: MoViNet size (``"a0"`` fits a CPU).
        num_classes: Classes of your dataset.
        num_frames: Frames per training window.
        frame_stride: Take every ``frame_stride``-th frame of a clip. 2 covers the same time span
            as twice the frames at half the compute (stream the model at that rate, too).
        resolution: Square frame size. 172 with pretrained weights; 64 is enough from scratch.
        batch_size: Clips per step.
        learning_rate: Adam learning rate (the peak, when ``decay_epochs`` is set). 2e-3 from
            scratch; use about 1e-3 or less for a pretrained backbone.
        decay_epochs: Cosine-decay the learning rate to 5 % of its peak over this many epochs
            (see :meth:`TrainConfig.schedule`); None keeps it constant.
        norm_momentum: Batch-norm momentum. 0.9 converges much faster from scratch than the
            default 0.99 (eval accuracy lags training for ~10 epochs with 0.99).
        pretrained: Start from the Kinetics-600 checkpoint (needs the network).
        freeze_backbone: Train only the new head (pretrained only).
        seed: Seeds the weights and the input pipeline.
    """

    model_id: str = "a0"
    num_classes: int = 6
    num_frames: int = 8
    frame_stride: int = 2
    resolution: int = 64
    batch_size: int = 16
    learning_rate: float = 2e-3
    decay_epochs: int | None = None
    norm_momentum: float = 0.9
    pretrained: bool = False
    freeze_backbone: bool = False
    seed: int = 0

    def schedule(self, steps_per_epoch: int) -> float | tf_keras.optimizers.schedules.CosineDecay:
        """Returns the learning rate for :class:`Trainer`: constant, or a cosine decay.

        The decay follows the optimizer's step counter, which the checkpoint keeps, so a resumed
        run continues on the same curve.

        Args:
            steps_per_epoch: Training steps per epoch.
        """
        if not self.decay_epochs:
            return self.learning_rate
        return tf_keras.optimizers.schedules.CosineDecay(
            self.learning_rate, decay_steps=self.decay_epochs * steps_per_epoch, alpha=0.05
        )
