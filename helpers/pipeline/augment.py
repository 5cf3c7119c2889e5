"""Clip-consistent, stateless video augmentations: one random draw per clip, shared by every frame.

Each function takes a clip ``float32 [T, H, W, C]`` in ``[0, 1]`` and returns a clip of the same
shape. Randomness comes only from an explicit stateless seed (a ``[2]`` int tensor), so the same
seed always gives the same output, inside or outside ``tf.data``::

    from helpers.pipeline import augment
    cfg = augment.AugmentConfig(max_degrees=20.0)
    out = augment.augment_clip(clip, seed=tf.constant([1, 2]), cfg=cfg)

Why not ``tf.keras.layers.RandomRotation``? Called on a ``[T, H, W, C]`` clip it treats ``T`` as the
batch and turns every frame by a *different* angle. :func:`rotate_clip` builds ONE projective
transform and applies it to all frames.

Every function here is small on purpose: copy the one you need into your own pipeline.

``helpers.pipeline`` draws the same random choices but applies them the fast way:
:func:`clip_transform` folds the crop, flip and rotation into one affine warp of the decoded
``uint8`` frames (``pipeline.warp``), and :func:`color_gain_offset` does the colour jitter in the
same pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf

from helpers.pipeline import warp

__all__ = [
    "AugmentConfig",
    "adjust_brightness_contrast",
    "augment_clip",
    "check_resampling",
    "clip_transform",
    "color_gain_offset",
    "random_angle",
    "random_brightness_contrast",
    "random_crop_clip",
    "random_flip_clip",
    "random_rotate_clip",
    "rotate_clip",
    "rotation_seed",
    "rotation_transform",
]

FILL_MODES = ("constant", "reflect", "wrap", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def check_resampling(fill_mode: str, interpolation: str, fill_value: float = 0.0) -> None:
    """Raises ValueError for a fill mode, interpolation or fill value the warps do not support.

    (``ImageProjectiveTransformV3`` only logs an unknown interpolation and returns garbage.)
    """
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if not 0.0 <= fill_value <= 1.0:
        raise ValueError(f"fill_value must be in [0, 1], got {fill_value}")


@dataclass(frozen=True)
class AugmentConfig:
    """What :func:`augment_clip` does; each field 0 / False / 1.0 turns that step off.

    Attributes:
        max_degrees: Rotation angle drawn uniformly from ``[-max_degrees, max_degrees]``.
        fill_mode: How rotated-in corners are filled: constant, reflect, wrap or nearest.
        fill_value: The value in ``[0, 1]`` used when ``fill_mode`` is constant.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        min_crop_scale: Crop side fraction drawn from ``[min_crop_scale, 1]``, then resized back.
        flip: Flip left-right with probability 0.5. Off by default: a flip turns a clockwise
            spin into a counter-clockwise one, which changes the label of such classes.
        max_brightness: Brightness delta drawn from ``[-max_brightness, max_brightness]``.
        max_contrast: Contrast factor drawn from ``[1 - max_contrast, 1 + max_contrast]``.
    """

    max_degrees: float = 15.0
    fill_mode: str = "constant"
    fill_value: float = 0.0
    interpolation: str = "bilinear"
    min_crop_scale: float = 0.85
    flip: bool = False
    max_brightness: float = 0.1
    max_contrast: float = 0.2

    def __post_init__(self) -> None:
        check_resampling(self.fill_mode, self.interpolation, self.fill_value)
        if not 0.0 < self.min_crop_scale <= 1.0:
            raise ValueError(f"min_crop_scale must be in (0, 1], got {self.min_crop_scale}")


def rotation_transform(angle: tf.Tensor, height: tf.Tensor, width: tf.Tensor) -> tf.Tensor:
    """Returns the ``[1, 8]`` projective transform that rotates an image about its centre.

    The transform maps each OUTPUT pixel ``(x, y)`` to the INPUT pixel it samples:
    ``in = R(angle) @ (out - centre) + centre``. Positive angles turn the picture
    counter-clockwise on screen.

    Args:
        angle: Scalar angle in radians.
        height: Image height in pixels.
        width: Image width in pixels.

    Returns:
        A float32 tensor ``[[a0, a1, a2, b0, b1, b2, 0, 0]]``.
    """
    angle = tf.cast(angle, tf.float32)
    cx = (tf.cast(width, tf.float32) - 1.0) / 2.0
    cy = (tf.cast(height, tf.float32) - 1.0) / 2.0
    cos, sin = tf.cos(angle), tf.sin(angle)
    row = [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0.0, 0.0]
    return tf.reshape(tf.stack(row), [1, 8])


def rotate_clip(
    clip: tf.Tensor,
    angle: float | tf.Tensor,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> tf.Tensor:
    """Rotates every frame of a clip by the same angle (one transform for all frames).

    Args:
        clip: ``[T, H, W, C]`` float tensor.
        angle: Angle in radians; positive turns counter-clockwise.
        fill_mode: constant, reflect, wrap or nearest.
        fill_value: Fill for ``fill_mode="constant"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.

    Returns:
        The rotated clip, same shape and dtype.
    """
    check_resampling(fill_mode, interpolation)
    clip = tf.convert_to_tensor(clip)
    shape = tf.shape(clip)
    transform = rotation_transform(angle, shape[1], shape[2])
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(clip, tf.float32),
        transforms=transform,  # a single row is broadcast to every frame
        output_shape=shape[1:3],
        fill_value=tf.cast(fill_value, tf.float32),
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    )
    return tf.cast(out, clip.dtype)


def random_angle(seed: tf.Tensor, max_degrees: float) -> tf.Tensor:
    """Draws one angle in radians, uniform in ``[-max_degrees, max_degrees]``, from a seed."""
    limit = abs(max_degrees) * math.pi / 180.0
    return tf.random.stateless_uniform([], seed, minval=-limit, maxval=limit)


def random_rotate_clip(clip: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    """Rotates the whole clip by one random angle drawn from ``seed`` (see :func:`random_angle`)."""
    angle = random_angle(seed, cfg.max_degrees)
    return rotate_clip(clip, angle, cfg.fill_mode, cfg.fill_value, cfg.interpolation)


def random_crop_clip(clip: tf.Tensor, seed: tf.Tensor, min_scale: float) -> tf.Tensor:
    """Crops the same random window from every frame, then resizes it back to ``H x W``.

    Args:
        clip: ``[T, H, W, C]`` float tensor.
        seed: ``[2]`` int stateless seed.
        min_scale: Smallest crop side as a fraction of the frame side.

    Returns:
        A clip with the input's shape.
    """
    shape = tf.shape(clip)
    height, width = shape[1], shape[2]
    seeds = tf.random.experimental.stateless_split(seed, 3)
    scale = tf.random.stateless_uniform([], seeds[0], minval=min_scale, maxval=1.0)
    crop_h = tf.maximum(1, tf.cast(tf.round(scale * tf.cast(height, tf.float32)), tf.int32))
    crop_w = tf.maximum(1, tf.cast(tf.round(scale * tf.cast(width, tf.float32)), tf.int32))
    top = tf.random.stateless_uniform([], seeds[1], maxval=height - crop_h + 1, dtype=tf.int32)
    left = tf.random.stateless_uniform([], seeds[2], maxval=width - crop_w + 1, dtype=tf.int32)
    window = clip[:, top : top + crop_h, left : left + crop_w, :]
    return tf.cast(tf.image.resize(window, [height, width]), clip.dtype)


def random_flip_clip(clip: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Flips every frame left-right, or none of them, with probability 0.5."""
    coin = tf.random.stateless_uniform([], seed) < 0.5
    return tf.cond(coin, lambda: tf.reverse(clip, axis=[2]), lambda: clip)


def adjust_brightness_contrast(clip: tf.Tensor, delta: tf.Tensor, factor: tf.Tensor) -> tf.Tensor:
    """Adds ``delta`` and scales contrast about the CLIP's mean colour, then clips to ``[0, 1]``.

    The mean is taken over all frames, so every frame changes in the same way (``tf.image``'s
    ``adjust_contrast`` uses one mean per frame).
    """
    mean = tf.reduce_mean(clip, axis=[0, 1, 2], keepdims=True)
    return tf.clip_by_value((clip - mean) * factor + mean + delta, 0.0, 1.0)


def random_brightness_contrast(
    clip: tf.Tensor, seed: tf.Tensor, max_brightness: float, max_contrast: float
) -> tf.Tensor:
    """Applies one random brightness delta and one contrast factor to the whole clip."""
    return adjust_brightness_contrast(clip, *_color_draws(seed, max_brightness, max_contrast))


def _color_draws(seed: tf.Tensor, max_brightness: float, max_contrast: float):
    """One brightness delta and one contrast factor from a seed."""
    seeds = tf.random.experimental.stateless_split(seed, 2)
    delta = tf.random.stateless_uniform([], seeds[0], -max_brightness, max_brightness + 1e-9)
    factor = tf.random.stateless_uniform([], seeds[1], 1 - max_contrast, 1 + max_contrast + 1e-9)
    return delta, factor


def augment_clip(clip: tf.Tensor, seed: tf.Tensor, cfg: AugmentConfig | None = None) -> tf.Tensor:
    """Crop, flip, rotate and colour-jitter a clip; each draw is shared by all its frames.

    Args:
        clip: ``float32 [T, H, W, C]`` in ``[0, 1]``.
        seed: ``[2]`` int stateless seed; the same seed gives the same output.
        cfg: What to do; ``AugmentConfig()`` when None.

    Returns:
        The augmented clip, same shape, values in ``[0, 1]``.
    """
    cfg = cfg or AugmentConfig()
    crop_seed, flip_seed, rot_seed, color_seed = _draw_seeds(seed)
    if cfg.min_crop_scale < 1.0:
        clip = random_crop_clip(clip, crop_seed, cfg.min_crop_scale)
    if cfg.flip:
        clip = random_flip_clip(clip, flip_seed)
    if cfg.max_degrees:
        clip = random_rotate_clip(clip, rot_seed, cfg)
    if cfg.max_brightness or cfg.max_contrast:
        clip = random_brightness_contrast(clip, color_seed, cfg.max_brightness, cfg.max_contrast)
    return clip


def rotation_seed(seed: tf.Tensor) -> tf.Tensor:
    """Returns the sub-seed :func:`augment_clip` uses for its rotation (for tests and plots)."""
    return _draw_seeds(seed)[2]


def _draw_seeds(seed: tf.Tensor) -> list[tf.Tensor]:
    """The four sub-seeds (crop, flip, rotation, colour) every augmentation here draws from."""
    return tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4))


def clip_transform(
    seed: tf.Tensor, cfg: AugmentConfig, box: tf.Tensor, size: tuple[int, int]
) -> tf.Tensor:
    """The random crop, flip and rotation of :func:`augment_clip` as ONE affine transform.

    This is what ``helpers.pipeline`` applies to the decoded ``uint8`` frames with
    :func:`~.warp.warp_frames`: the crop box (inside ``box``), the flip and the angle are
    drawn from the same sub-seeds as :func:`augment_clip`, then composed with the resize to
    ``size``, so each output pixel is interpolated once. The geometry is :func:`augment_clip`'s
    (flip, then rotate), with two differences: the crop box is continuous (:func:`warp.random_box`)
    rather than whole pixels, and a rotated corner shows the frame's real content where the crop
    box has some beyond its edge (the fill only starts outside the decoded frame).

    Args:
        seed: ``[2]`` int stateless seed of the clip.
        cfg: What to draw.
        box: ``[top, left, height, width]`` the clip is taken from (``warp.full_box`` for whole
            frames).
        size: Output ``(height, width)``.

    Returns:
        Float32 ``[8]`` output-to-input transform.
    """
    crop_seed, flip_seed, rot_seed, _ = _draw_seeds(seed)
    if cfg.min_crop_scale < 1.0:
        box = warp.random_box(crop_seed, box, cfg.min_crop_scale)
    flip = tf.random.stateless_uniform([], flip_seed) < 0.5 if cfg.flip else False
    angle = random_angle(rot_seed, cfg.max_degrees) if cfg.max_degrees else 0.0
    # box_transform mirrors after turning; mirror(turn(-a)) == turn(a)(mirror), augment_clip order
    angle = tf.where(tf.cast(flip, tf.bool), -1.0, 1.0) * angle
    return warp.box_transform(box, size, angle, flip)


def color_gain_offset(
    seed: tf.Tensor, cfg: AugmentConfig, mean: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor]:
    """:func:`random_brightness_contrast`'s draws as ``out = gain * in + offset`` (same seed).

    ``(in - mean) * factor + mean + delta`` is linear in ``in``, so ``pipeline.warp`` applies it
    inside the warp for free. ``mean`` is the clip's mean colour ``[C]`` in ``[0, 1]``.
    """
    delta, factor = _color_draws(_draw_seeds(seed)[3], cfg.max_brightness, cfg.max_contrast)
    return factor, (1.0 - factor) * tf.cast(mean, tf.float32) + delta
