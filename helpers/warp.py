"""One resampling pass per clip: crop, flip, rotation and resize composed into one affine map.

The pipeline's geometric work, done once per output pixel on the decoded ``uint8`` frames::

    from helpers import warp
    box = warp.full_box(tf.shape(frames)[1:3])              # or warp.random_box(seed, box, 0.8)
    transform = warp.box_transform(box, (172, 172), angle=0.2, flip=True)
    clip = warp.warp_frames(frames, transform, (172, 172))  # uint8 [T, 172, 172, 3]
    images = warp.to_float(clip)                            # float32 in [0, 1], after batching

Why it is fast on a CPU:

* **One pass.** Cropping, flipping, rotating and resizing are all affine, so their product is one
  affine map and every output pixel is interpolated once (a crop-then-resize-then-rotate chain
  interpolates three times, and is blurrier).
* **One transform per clip.** All ``T`` frames share the map, so the clip is laid out as rows of
  ``[h * w, T * C]`` bytes: each output pixel gathers four rows (``T * C`` bytes each) and blends
  them. The bilinear taps are computed once per clip, not once per frame.
* **uint8 until the end.** The warp writes bytes; :func:`to_float` runs once on the whole batch, so
  ``tf.data`` moves a quarter of the data between its stages.

The warp runs as four small XLA programs (taps, to rows, gather + blend, back to frames); XLA
compiles each once per input shape, so the first clips of each new frame size are slow.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = [
    "box_transform",
    "full_box",
    "random_box",
    "to_float",
    "warp_frames",
]

Size = tuple[int, int]


def full_box(frame_hw: tf.Tensor) -> tf.Tensor:
    """The box ``[top, left, height, width]`` (float32) covering a whole ``frame_hw`` frame."""
    hw = tf.cast(frame_hw, tf.float32)
    return tf.stack([0.0, 0.0, hw[0], hw[1]])


def random_box(seed: tf.Tensor, box: tf.Tensor, min_scale: float) -> tf.Tensor:
    """A random box inside ``box``, with its aspect ratio and ``[min_scale, 1]`` of its side.

    Args:
        seed: ``[2]`` int stateless seed.
        box: ``[top, left, height, width]`` to crop from (e.g. :func:`full_box`).
        min_scale: Smallest side as a fraction of ``box``'s side.

    Returns:
        Float32 ``[top, left, height, width]`` in input pixels (fractional positions are fine:
        the warp interpolates).
    """
    top, left, height, width = tf.unstack(tf.cast(box, tf.float32))
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    scale = tf.random.stateless_uniform([], seeds[0], minval=min_scale, maxval=1.0)
    top += tf.random.stateless_uniform([], seeds[1]) * height * (1.0 - scale)
    left += tf.random.stateless_uniform([], seeds[2]) * width * (1.0 - scale)
    return tf.stack([top, left, height * scale, width * scale])


def box_transform(
    box: tf.Tensor, size: Size, angle: float | tf.Tensor = 0.0, flip: bool | tf.Tensor = False
) -> tf.Tensor:
    """The affine map from OUTPUT pixels to INPUT pixels for one crop box, flip and rotation.

    The output is the box resized to ``size`` (``tf.image.resize``'s half-pixel convention), turned
    by ``angle`` about its centre (positive: counter-clockwise on screen, as
    :func:`helpers.augment.rotate_clip`), and mirrored left-right when ``flip``. Pixels that
    land outside the box but inside the frame keep their real content.

    Args:
        box: ``[top, left, height, width]`` in input pixels.
        size: Output ``(height, width)``.
        angle: Radians.
        flip: Mirror left-right.

    Returns:
        Float32 ``[8]`` in ``ImageProjectiveTransformV3``'s layout
        ``[a0, a1, a2, b0, b1, b2, 0, 0]``: input ``x = a0 * x + a1 * y + a2`` and input
        ``y = b0 * x + b1 * y + b2``, for output ``(x, y)``.
    """
    top, left, height, width = tf.unstack(tf.cast(box, tf.float32))
    sx, sy = width / size[1], height / size[0]
    cos, sin = tf.cos(tf.cast(angle, tf.float32)), tf.sin(tf.cast(angle, tf.float32))
    mirror = tf.where(tf.cast(flip, tf.bool), -1.0, 1.0)
    cx_out, cy_out = (size[1] - 1) / 2.0, (size[0] - 1) / 2.0
    cx_in, cy_in = left + width / 2.0 - 0.5, top + height / 2.0 - 0.5
    a0, a1, b0, b1 = sx * cos * mirror, -sx * sin, sy * sin * mirror, sy * cos
    a2 = cx_in - a0 * cx_out - a1 * cy_out
    b2 = cy_in - b0 * cx_out - b1 * cy_out
    return tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])


@tf.function(jit_compile=True, reduce_retracing=True)
def _taps(transform: tf.Tensor, height: tf.Tensor, width: tf.Tensor, size: Size):
    """Row indices ``[4, H*W]`` into ``[h*w + 1]`` rows (row ``h*w`` is the fill) and weights.

    A sample point inside the frame's area (pixel centres +- 0.5) clamps its taps to the edge, as
    ``tf.image.resize`` does; a point outside it takes the fill colour.
    """
    a0, a1, a2, b0, b1, b2 = tf.unstack(transform[:6])
    ys, xs = tf.meshgrid(tf.range(size[0], dtype=tf.float32),
                         tf.range(size[1], dtype=tf.float32), indexing="ij")  # fmt: skip
    x_in = tf.reshape(a0 * xs + a1 * ys + a2, [-1])
    y_in = tf.reshape(b0 * xs + b1 * ys + b2, [-1])
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    inside = (x_in >= -0.5) & (x_in <= w - 0.5) & (y_in >= -0.5) & (y_in <= h - 0.5)
    x0, y0 = tf.floor(x_in), tf.floor(y_in)
    fx, fy = x_in - x0, y_in - y0
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    index, weight = [], []
    for dy, dx, wt in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                       (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):  # fmt: skip
        xx = tf.clip_by_value(x0 + dx, 0, width - 1)
        yy = tf.clip_by_value(y0 + dy, 0, height - 1)
        index.append(tf.where(inside, yy * width + xx, height * width))
        weight.append(wt)
    return tf.stack(index), tf.stack(weight)


@tf.function(jit_compile=True, reduce_retracing=True)
def _to_rows(frames: tf.Tensor | list[tf.Tensor], fill: tf.Tensor) -> tf.Tensor:
    """``[T, h, w, C]`` -> ``[h*w + 1, T*C]``: a pixel's values in all frames are one row."""
    frames = tf.stack(frames) if isinstance(frames, (list, tuple)) else frames
    shape = tf.shape(frames)
    rows = tf.reshape(tf.transpose(frames, [1, 2, 0, 3]), [shape[1] * shape[2], -1])
    fill_row = tf.tile(tf.reshape(fill, [1, 1]), [1, shape[0] * shape[3]])
    return tf.concat([rows, tf.cast(fill_row, frames.dtype)], axis=0)


@tf.function(jit_compile=True, reduce_retracing=True)
def _blend(rows: tf.Tensor, index: tf.Tensor, weight: tf.Tensor, gain, bias) -> tf.Tensor:
    """Bilinear blend of four gathered rows per output pixel, ``* gain + bias``, to uint8."""
    out = tf.zeros([tf.shape(index)[1], tf.shape(rows)[1]], tf.float32)
    for k in range(4):
        out += tf.cast(tf.gather(rows, index[k]), tf.float32) * weight[k][:, None]
    return tf.cast(tf.clip_by_value(out * gain + bias + 0.5, 0.0, 255.0), tf.uint8)


@tf.function(jit_compile=True, reduce_retracing=True)
def _to_frames(rows: tf.Tensor, num: tf.Tensor, chans: tf.Tensor) -> tf.Tensor:
    """``[H*W, T*C]`` -> ``[T, H*W, C]``."""
    return tf.transpose(tf.reshape(rows, [tf.shape(rows)[0], num, chans]), [1, 0, 2])


def warp_frames(
    frames: tf.Tensor,
    transform: tf.Tensor,
    size: Size,
    fill_value: float = 0.0,
    fill_mode: str = "constant",
    interpolation: str = "bilinear",
    gain: float | tf.Tensor = 1.0,
    offset: float | tf.Tensor = 0.0,
) -> tf.Tensor:
    """Warps every frame of a ``uint8`` clip by ONE transform; returns ``uint8 [T, H, W, C]``.

    ``gain`` and ``offset`` apply a colour change in the same pass: ``out = gain * in + offset``
    with values in ``[0, 1]`` units (``offset`` a scalar or one value per channel), clipped
    (see :func:`helpers.augment.color_gain_offset`).

    Bilinear with a constant fill runs on the fast row gather described in the module docstring:
    sample points inside the frame clamp to its edge (so an un-rotated warp is exactly
    ``tf.image.resize``), points outside it take ``fill_value``. Other fill modes and
    nearest-neighbour use ``ImageProjectiveTransformV3`` (same geometry).

    Args:
        frames: ``uint8 [T, h, w, C]``, or a list of ``T`` frames ``[h, w, C]`` (saves a copy),
            all the same size.
        transform: ``[8]`` (or ``[1, 8]``) output-to-input map, e.g. from :func:`box_transform`.
        size: Output ``(height, width)``.
        fill_value: Value in ``[0, 1]`` for pixels that sample outside the frame.
        fill_mode: constant, reflect, wrap or nearest.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        gain: Colour gain (scalar).
        offset: Colour offset in ``[0, 1]`` units, scalar or ``[C]``.

    Returns:
        ``uint8 [T, size[0], size[1], C]``.
    """
    transform = tf.cast(tf.reshape(transform, [8]), tf.float32)
    fill = tf.round(tf.cast(fill_value, tf.float32) * 255.0)
    size = (int(size[0]), int(size[1]))
    if fill_mode != "constant" or interpolation != "bilinear":
        frames = tf.stack(frames) if isinstance(frames, (list, tuple)) else frames
        out = tf.raw_ops.ImageProjectiveTransformV3(
            images=frames, transforms=transform[None], output_shape=tf.constant(size, tf.int32),
            fill_value=fill, interpolation=interpolation.upper(), fill_mode=fill_mode.upper(),
        )  # fmt: skip
        out = tf.cast(out, tf.float32) * gain + tf.cast(offset, tf.float32) * 255.0
        return tf.cast(tf.clip_by_value(tf.round(out), 0.0, 255.0), tf.uint8)
    if isinstance(frames, (list, tuple)):  # stacked inside the XLA transpose: one copy less
        num, shape = len(frames), tf.shape(frames[0])
        height, width, chans = shape[0], shape[1], shape[2]
    else:
        shape = tf.shape(frames)
        num, height, width, chans = shape[0], shape[1], shape[2], shape[3]
    index, weight = _taps(transform, height, width, size)
    bias = tf.cast(offset, tf.float32) * 255.0 * tf.ones([chans])  # per channel
    bias = tf.tile(bias, [num])  # the row layout is frame-major, channel-minor
    rows = _blend(_to_rows(frames, fill), index, weight, tf.cast(gain, tf.float32), bias)
    out = _to_frames(rows, num, chans)
    return tf.reshape(out, [num, size[0], size[1], chans])


@tf.function(jit_compile=True, reduce_retracing=True)
def to_float(images: tf.Tensor) -> tf.Tensor:
    """``uint8`` -> ``float32`` in ``[0, 1]`` in one pass (any rank; run it on whole batches)."""
    return tf.cast(images, tf.float32) * (1.0 / 255.0)
