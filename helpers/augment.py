"""Clip-consistent, stateless video augmentations: one random draw per clip, shared by every frame.

Each function takes a clip ``float32 [T, H, W, C]`` in ``[0, 1]`` and returns a clip of the same
shape. Randomness comes only from an explicit stateless seed (a ``[2]`` int tensor), so the same
seed always gives the same output, inside or outside ``tf.data``::

    from helpers import augment
    cfg = augment.AugmentConfig(max_degrees=20.0)
    out = augment.augment_clip(clip, seed=tf.constant([1, 2]), cfg=cfg)

Why not ``tf.keras.layers.RandomRotation``? Called on a ``[T, H, W, C]`` clip it treats ``T`` as the
batch and turns every frame by a *different* angle. :func:`rotate_clip` builds ONE projective
transform and applies it to all frames.

Every function here is small on purpose: copy the one you need into your own pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf

__all__ = [
    "AugmentConfig",
    "adjust_brightness_contrast",
    "augment_clip",
    "random_angle",
    "random_brightness_contrast",
    "random_crop_clip",
    "random_flip_clip",
    "random_rotate_clip",
    "resize_rotate_clip",
    "rotate_clip",
    "rotation_seed",
    "rotation_transform",
    "warp_clip",
]

FILL_MODES = ("constant", "reflect", "wrap", "nearest")


@dataclass(frozen=True)
class AugmentConfig:
    """What :func:`augment_clip` does; each field 0 / False / 1.0 turns that step off.

    Attributes:
        max_degrees: Rotation angle drawn uniformly from ``[-max_degrees, max_degrees]``.
        fill_mode: How rotated-in corners are filled: constant, reflect, wrap or nearest.
        fill_value: The value used when ``fill_mode`` is constant.
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
        if self.fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {self.fill_mode!r}")
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


def warp_clip(
    frames: tf.Tensor, transform: tf.Tensor, size: tuple[int, int], fill_value: float = 0.0
) -> tf.Tensor:
    """Bilinear warp of every frame by one affine transform, with gathers; float32 in ``[0, 1]``.

    Same result as ``ImageProjectiveTransformV3`` (bilinear, constant fill) but several times
    faster on CPU: the four source pixels and weights of each output pixel are computed once per
    clip and shared by all ``T`` frames, and the whole warp (gathers, weights, cast, scale) is
    compiled by XLA into one loop (``_warp_xla``), so no full-size float temporaries are made.

    Args:
        frames: ``uint8 [T, h, w, C]``.
        transform: ``[8]`` (or ``[1, 8]``) row mapping OUTPUT ``(x, y)`` to INPUT ``(x, y)``.
        size: Output ``(height, width)``.
        fill_value: Value in ``[0, 1]`` for output pixels that sample outside the frame.

    Returns:
        ``float32 [T, size[0], size[1], C]``.
    """
    fill = tf.cast(tf.round(tf.cast(fill_value, tf.float32) * 255.0), tf.float32)
    transform = tf.cast(tf.reshape(transform, [8]), tf.float32)
    return _warp_xla(frames, transform, fill, size=tuple(int(s) for s in size))


def _warp(frames: tf.Tensor, transform: tf.Tensor, fill: tf.Tensor, size: tuple[int, int]):
    """The body of :func:`warp_clip`; ``fill`` is in ``[0, 255]``."""
    shape = tf.shape(frames)
    num, height, width, chans = shape[0], shape[1], shape[2], shape[3]
    a0, a1, a2, b0, b1, b2 = tf.unstack(transform[:6])
    ys, xs = tf.meshgrid(tf.range(size[0], dtype=tf.float32),
                         tf.range(size[1], dtype=tf.float32), indexing="ij")  # fmt: skip
    x_in = tf.reshape(a0 * xs + a1 * ys + a2, [-1])
    y_in = tf.reshape(b0 * xs + b1 * ys + b2, [-1])
    x0, y0 = tf.floor(x_in), tf.floor(y_in)
    fx, fy = x_in - x0, y_in - y0
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    pixels = tf.reshape(frames, [num, height * width, chans])
    fill_row = tf.fill([num, 1, chans], tf.cast(fill, frames.dtype))
    pixels = tf.concat([pixels, fill_row], axis=1)  # pixel h * w is the fill colour
    out = tf.zeros([num, size[0] * size[1], chans], tf.float32)
    for dy, dx, weight in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                           (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):  # fmt: skip
        xx, yy = x0 + dx, y0 + dy
        inside = (xx >= 0) & (xx < width) & (yy >= 0) & (yy < height)
        index = tf.where(inside, yy * width + xx, height * width)
        out += tf.cast(tf.gather(pixels, index, axis=1), tf.float32) * weight[None, :, None]
    return tf.reshape(out, [num, size[0], size[1], chans]) * (1.0 / 255.0)


# One XLA program per (input shape, output size): a clip's frames share one size.
_warp_xla = tf.function(_warp, jit_compile=True, reduce_retracing=True)


def resize_rotate_clip(
    frames: tf.Tensor,
    size: tuple[int, int],
    angle: float | tf.Tensor,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    interpolation: str = "bilinear",
) -> tf.Tensor:
    """Resizes and rotates a clip in ONE resampling pass; returns float32 in ``[0, 1]``.

    Equivalent to ``rotate_clip(tf.image.resize(frames, size) / 255, angle)``, but the two
    geometric steps are composed into one affine transform and applied to the uint8 frames, so
    each output pixel is interpolated once (faster, and a little sharper). The common case
    (bilinear, constant fill) runs on :func:`warp_clip`; other modes use
    ``ImageProjectiveTransformV3``.

    Args:
        frames: ``uint8 [T, h, w, C]`` decoded frames (already cropped to the output's aspect).
        size: Output ``(height, width)``.
        angle: Angle in radians; positive turns counter-clockwise.
        fill_mode: constant, reflect, wrap or nearest.
        fill_value: Fill in ``[0, 1]`` for ``fill_mode="constant"``.
        interpolation: ``"bilinear"`` or ``"nearest"``.

    Returns:
        ``float32 [T, size[0], size[1], C]``.
    """
    shape = tf.shape(frames)
    # tf.image.resize's pixel-centre mapping: in = (out + 0.5) * scale - 0.5.
    sy = tf.cast(shape[1], tf.float32) / size[0]
    sx = tf.cast(shape[2], tf.float32) / size[1]
    a0, a1, a2, b0, b1, b2, _, _ = tf.unstack(rotation_transform(angle, size[0], size[1])[0])
    transform = tf.stack(
        [sx * a0, sx * a1, sx * a2 + 0.5 * sx - 0.5, sy * b0, sy * b1, sy * b2 + 0.5 * sy - 0.5]
        + [0.0, 0.0]
    )
    if fill_mode == "constant" and interpolation == "bilinear":
        return warp_clip(frames, transform, size, fill_value)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=frames,
        transforms=transform[None],
        output_shape=tf.constant(size, tf.int32),
        fill_value=tf.cast(fill_value * 255.0, tf.float32),
        interpolation=interpolation.upper(),
        fill_mode=fill_mode.upper(),
    )
    return tf.cast(out, tf.float32) / 255.0


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
    seeds = tf.random.experimental.stateless_split(seed, 2)
    delta = tf.random.stateless_uniform([], seeds[0], -max_brightness, max_brightness + 1e-9)
    factor = tf.random.stateless_uniform([], seeds[1], 1 - max_contrast, 1 + max_contrast + 1e-9)
    return adjust_brightness_contrast(clip, delta, factor)


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
    seed = tf.cast(seed, tf.int64)
    crop_seed, flip_seed, rot_seed, color_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 4)
    )
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
    return tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4)[2]
