"""One resampling pass per clip: crop, flip, rotation and resize composed into one affine map.

The pipeline's geometric work, done once per output pixel on the decoded ``uint8`` frames::

    from helpers.pipeline import warp
    box = warp.full_box(tf.shape(frames)[1:3])              # or warp.random_box(seed, box, 0.8)
    transform = warp.box_transform(box, (172, 172), angle=0.2, flip=True)
    clip = warp.warp_frames(frames, transform, (172, 172))  # uint8 [T, 172, 172, 3]

    packed = warp.warp_packed(frames, transform, (172, 172))  # what helpers.pipeline keeps...
    images = warp.unpack(batch_of_packed, (172, 172))         # ...until the batch: float32

Why it is fast on a CPU:

* **One pass.** Cropping, flipping, rotating and resizing are all affine, so their product is one
  affine map and every output pixel is interpolated once (a crop-then-resize-then-rotate chain
  interpolates three times, and is blurrier).
* **One transform per clip.** All ``T`` frames share the map, so the taps (which four source
  pixels, and their weights) are computed once per clip, and the clip is laid out as rows of
  ``[h * w, T]`` pixels: each output pixel gathers four rows of ``T`` pixels and blends them.
* **Four bytes per pixel, two channels per multiply.** A pixel is packed into one ``uint32``
  (``r | g << 8 | b << 16``), and the blend multiplies red and blue together in the two 16-bit
  halves of a word (integer weights in 1/256 pixel: within one level of float bilinear on smooth
  pictures, 1.5 at worst on random noise).
* **Packed until the batch.** ``tf.data`` batches the packed clips; :func:`unpack` then writes the
  ``float32 [B, T, H, W, 3]`` batch in one pass, with the colour jitter (``gain``, ``offset``)
  folded in.

The warp runs as three small XLA programs (taps, pack, gather + blend); XLA compiles each once per
input shape, so the first clips of each new frame size are slower.
"""

from __future__ import annotations

import tensorflow as tf

from helpers import quiet

__all__ = [
    "box_transform",
    "full_box",
    "random_box",
    "to_float",
    "unpack",
    "warp_frames",
    "warp_packed",
]

Size = tuple[int, int]

# The warps are XLA-compiled: spend XLA's one-time "Compiled cluster" line here, where it is muted,
# instead of in the first batch a notebook reads.
quiet.quiet_xla_notice(tf)


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
    :func:`~.augment.rotate_clip`), and mirrored left-right when ``flip``. Pixels that
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


_ONE = 256  # weights are in 1/256 pixel
_LANES = 0x00FF00FF  # the red and blue bytes of a packed pixel (green: shift by 8 first)
_shl, _shr = tf.bitwise.left_shift, tf.bitwise.right_shift


@tf.function(jit_compile=True, reduce_retracing=True)
def _taps(transform: tf.Tensor, height: tf.Tensor, width: tf.Tensor, size: Size):
    """Per output pixel: the four source rows ``[4, H*W]``, ``fx``, ``fy`` (0..256), ``outside``.

    A sample point inside the frame's area (pixel centres +- 0.5) clamps its taps to the edge, as
    ``tf.image.resize`` does; a point outside it takes the fill colour.
    """
    a0, a1, a2, b0, b1, b2 = tf.unstack(transform[:6])
    ys, xs = tf.meshgrid(tf.range(size[0], dtype=tf.float32),
                         tf.range(size[1], dtype=tf.float32), indexing="ij")  # fmt: skip
    x_in = tf.reshape(a0 * xs + a1 * ys + a2, [-1])
    y_in = tf.reshape(b0 * xs + b1 * ys + b2, [-1])
    h, w = tf.cast(height, tf.float32), tf.cast(width, tf.float32)
    outside = ~((x_in >= -0.5) & (x_in <= w - 0.5) & (y_in >= -0.5) & (y_in <= h - 0.5))
    x0, y0 = tf.floor(x_in), tf.floor(y_in)
    fx = tf.cast(tf.round((x_in - x0) * _ONE), tf.uint32)
    fy = tf.cast(tf.round((y_in - y0) * _ONE), tf.uint32)
    x0, y0 = tf.cast(x0, tf.int32), tf.cast(y0, tf.int32)
    cols = [tf.clip_by_value(x0 + d, 0, width - 1) for d in (0, 1)]
    rows = [tf.clip_by_value(y0 + d, 0, height - 1) * width for d in (0, 1)]
    index = tf.stack([rows[0] + cols[0], rows[0] + cols[1], rows[1] + cols[0], rows[1] + cols[1]])
    return index, fx, fy, outside


@tf.function(jit_compile=True, reduce_retracing=True)
def _pack(frames: tf.Tensor) -> tf.Tensor:
    """``uint8 [T, h, w, 3]`` -> ``uint32 [h*w, T]``, one pixel a word."""
    px = tf.cast(frames, tf.uint32)
    words = px[..., 0] | _shl(px[..., 1], 8) | _shl(px[..., 2], 16)
    return tf.transpose(tf.reshape(words, [tf.shape(frames)[0], -1]))


def _lerp(a: tf.Tensor, b: tf.Tensor, f: tf.Tensor) -> tf.Tensor:
    """``a + (b - a) * f / 256`` in both 16-bit halves of every word at once (rounded)."""
    return _shr(a * (_ONE - f) + b * f + 0x00800080, 8) & _LANES


@tf.function(jit_compile=True, reduce_retracing=True)
def _blend(rows: tf.Tensor, index, fx, fy, outside, fill: tf.Tensor) -> tf.Tensor:
    """Bilinear blend of four gathered rows per output pixel: ``uint32 [H*W, T]``."""
    fx, fy = fx[:, None], fy[:, None]
    taps = [tf.gather(rows, index[k]) for k in range(4)]
    out = []
    for shift in (0, 8):  # red + blue, then green
        lanes = [_shr(t, shift) & _LANES for t in taps]
        top, bottom = _lerp(lanes[0], lanes[1], fx), _lerp(lanes[2], lanes[3], fx)
        out.append(_shl(_lerp(top, bottom, fy), shift))
    return tf.where(outside[:, None], fill, out[0] | out[1])


def warp_packed(
    frames: tf.Tensor | list[tf.Tensor], transform: tf.Tensor, size: Size, fill_value: float = 0.0
) -> tf.Tensor:
    """Warps every frame of an RGB ``uint8`` clip by ONE transform, bilinear, constant fill.

    Args:
        frames: ``uint8 [T, h, w, 3]``, or a list of ``T`` frames ``[h, w, 3]``, all one size.
        transform: ``[8]`` (or ``[1, 8]``) output-to-input map, e.g. from :func:`box_transform`.
        size: Output ``(height, width)``.
        fill_value: Value in ``[0, 1]`` for pixels that sample outside the frame.

    Returns:
        ``uint32 [size[0] * size[1], T]``: output pixel ``p`` of frame ``t`` packed as
        ``r | g << 8 | b << 16``. :func:`unpack` turns it (or a batch of them) into frames.
    """
    transform = tf.cast(tf.reshape(transform, [8]), tf.float32)
    # TensorFlow's own stack copies at memory speed; XLA's concatenate of T inputs is slower.
    frames = tf.stack(frames) if isinstance(frames, (list, tuple)) else frames
    shape = tf.shape(frames)[1:]
    size = (int(size[0]), int(size[1]))
    index, fx, fy, outside = _taps(transform, shape[0], shape[1], size)
    level = tf.round(tf.clip_by_value(tf.cast(fill_value, tf.float32), 0.0, 1.0) * 255.0)
    level = tf.cast(level, tf.uint32)  # (unclamped, it would spill into the next channel)
    fill = level | _shl(level, 8) | _shl(level, 16)
    return _blend(_pack(frames), index, fx, fy, outside, fill)


@tf.function(jit_compile=True, reduce_retracing=True)
def _unpack(packed: tf.Tensor, size: Size, gain: tf.Tensor, offset: tf.Tensor) -> tf.Tensor:
    words = tf.experimental.numpy.swapaxes(packed, -1, -2)  # [..., T, H*W]
    channels = tf.stack([words & 0xFF, _shr(words, 8) & 0xFF, _shr(words, 16)], axis=-1)
    out = tf.cast(channels, tf.float32) * (gain[..., None, None, None] / 255.0) + offset
    out = tf.clip_by_value(out, 0.0, 1.0)
    return tf.reshape(out, tf.concat([tf.shape(out)[:-2], size, [3]], 0))


def unpack(
    packed: tf.Tensor, size: Size, gain: float | tf.Tensor = 1.0, offset: float | tf.Tensor = 0.0
) -> tf.Tensor:
    """Packed clips ``uint32 [..., H*W, T]`` -> ``float32 [..., T, H, W, 3]`` in ``[0, 1]``.

    Run it once on a whole batch: it writes the float32 output in one pass. ``gain`` and
    ``offset`` apply a colour change in the same pass (``out = gain * in + offset``, clipped), one
    value per clip: shape ``[...]`` (or a scalar) for ``gain``, ``[..., 3]``, ``[...]`` or a scalar
    for ``offset`` (see :func:`helpers.pipeline.augment.color_gain_offset`).
    """
    gain = tf.cast(gain, tf.float32)
    offset = tf.cast(offset, tf.float32)
    if offset.shape.rank == gain.shape.rank + 1:  # one offset per channel
        offset = offset[..., None, None, :]
    else:
        offset = offset[..., None, None, None]
    return _unpack(packed, (int(size[0]), int(size[1])), gain, offset)

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

    ``gain`` and ``offset`` apply a colour change: ``out = gain * in + offset`` with values in
    ``[0, 1]`` units (``offset`` a scalar or one value per channel), clipped
    (see :func:`helpers.pipeline.augment.color_gain_offset`).

    Bilinear with a constant fill on RGB runs on :func:`warp_packed`: sample points inside the
    frame clamp to its edge (so an un-rotated warp is ``tf.image.resize``, within one level),
    points outside it take ``fill_value``. Other fill modes, nearest-neighbour and other channel
    counts use ``ImageProjectiveTransformV3`` (same geometry).

    Args:
        frames: ``uint8 [T, h, w, C]``, or a list of ``T`` frames ``[h, w, C]``, all one size.
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
    if interpolation not in ("bilinear", "nearest"):  # the projective op would return garbage
        raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    size = (int(size[0]), int(size[1]))
    stacked = tf.stack(frames) if isinstance(frames, (list, tuple)) else frames
    if fill_mode == "constant" and interpolation == "bilinear" and stacked.shape[-1] == 3:
        out = unpack(warp_packed(stacked, transform, size, fill_value), size, gain, offset)
        return tf.cast(tf.round(out * 255.0), tf.uint8)
    transform = tf.cast(tf.reshape(transform, [8]), tf.float32)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=stacked, transforms=transform[None], output_shape=tf.constant(size, tf.int32),
        fill_value=tf.round(tf.cast(fill_value, tf.float32) * 255.0),
        interpolation=interpolation.upper(), fill_mode=fill_mode.upper(),
    )  # fmt: skip
    out = tf.cast(out, tf.float32) * gain + tf.cast(offset, tf.float32) * 255.0
    return tf.cast(tf.clip_by_value(tf.round(out), 0.0, 255.0), tf.uint8)


@tf.function(jit_compile=True, reduce_retracing=True)
def to_float(images: tf.Tensor) -> tf.Tensor:
    """``uint8`` -> ``float32`` in ``[0, 1]`` in one pass (any rank; run it on whole batches)."""
    return tf.cast(images, tf.float32) * (1.0 / 255.0)
