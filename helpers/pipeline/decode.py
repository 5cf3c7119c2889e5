"""Decoding the JPEG frames a clip needs, and no more: the output's aspect window, DCT scaling.

Used by :mod:`helpers.pipeline` after it has chosen which frames to read::

    frames, box = decode_scaled(encoded_jpegs, (172, 172))  # whole frames + the window to use
    frames = decode_to_aspect(encoded_jpegs, (172, 172))       # or: cropped, uint8 [K, h, w, 3]
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["RATIOS", "decode_to_aspect", "decode_scaled", "mean_colour", "resize_to_float"]


def _crop_window(shape: tf.Tensor, size: tuple[int, int]) -> tf.Tensor:
    """The centred ``[y, x, h, w]`` window of a source frame with the target's aspect ratio."""
    height, width = tf.cast(shape[0], tf.float32), tf.cast(shape[1], tf.float32)
    scale = tf.minimum(height / size[0], width / size[1])
    crop_h = tf.cast(tf.round(size[0] * scale), tf.int32)
    crop_w = tf.cast(tf.round(size[1] * scale), tf.int32)
    return tf.stack([(shape[0] - crop_h) // 2, (shape[1] - crop_w) // 2, crop_h, crop_w])


RATIOS = (1, 2, 4, 8)  # the DCT-domain scales libjpeg decodes at


_MIXED = "frames of different sizes (all frames of a record must have one size)"


def _decode_each(encoded: tf.Tensor, fn, where: tuple = ()) -> tf.Tensor | list[tf.Tensor]:
    """``fn`` on every JPEG: unrolled (a list, decoded in parallel) when ``K <= 64`` is static.

    Frames of different sizes are an error that adds ``where`` (e.g. the record and shard) to its
    message; TensorFlow's own stacking error names neither.
    """
    static = encoded.shape[0]
    if static is not None and static <= 64:
        frames = [fn(encoded[i]) for i in range(static)]
        if static > 1:
            shapes = tf.stack([tf.shape(frame) for frame in frames])
            ok = tf.reduce_all(shapes == shapes[0])
            message = [_MIXED, *where, "sizes:", shapes]
            check = tf.debugging.Assert(ok, message, summarize=3 * static)
            with tf.control_dependencies([check]):  # every use of the frames takes frame 0 too
                frames[0] = tf.identity(frames[0])
        return frames

    def checked(data: tf.Tensor) -> tf.Tensor:  # the header's size against the first frame's
        size, first = tf.image.extract_jpeg_shape(data), tf.image.extract_jpeg_shape(encoded[0])
        check = tf.debugging.Assert(tf.reduce_all(size == first),
                                    [_MIXED, *where, "sizes:", first, size])  # fmt: skip
        with tf.control_dependencies([check]):
            return fn(data)

    spec = tf.TensorSpec([None, None, 3], tf.uint8)
    return tf.map_fn(checked, encoded, fn_output_signature=spec, parallel_iterations=16)


def decode_scaled(
    encoded: tf.Tensor, size: tuple[int, int], where: tuple = ()
) -> tuple[tf.Tensor | list[tf.Tensor], tf.Tensor]:
    """Decodes whole frames at the smallest DCT scale that still covers ``size``, and the window.

    The window is the centred box of ``size``'s aspect ratio. When it is at least 2, 4 or 8 times
    ``size`` on both sides, the JPEGs are decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
    (``decode_jpeg(ratio=...)``): far less work (an HD frame for a 172-pixel clip decodes at 1/4),
    and a 2x2 / 4x4 / 8x8 average, so no aliasing. Nothing is cropped: ``pipeline.warp`` reads
    the window straight out of the whole frame, which saves a copy.

    Args:
        encoded: JPEG strings ``[K]``, all frames one size (the record writer's guarantee;
            frames of different sizes are an error).
        size: Output ``(height, width)``.
        where: Tensors or strings added to the error for frames of different sizes (the
            pipeline passes the record's id and shard).

    Returns:
        ``(frames, box)``: a list of ``K`` ``uint8 [h, w, 3]`` frames when ``K <= 64`` is static
        (else one ``[K, h, w, 3]`` tensor), and the float32 window ``[top, left, height, width]``
        in the decoded frames' pixels.
    """
    window = _crop_window(tf.image.extract_jpeg_shape(encoded[0]), size)
    fits = [tf.reduce_all(window[2:] // r >= size) for r in RATIOS[1:]]
    choice = tf.reduce_sum(tf.cast(tf.stack(fits), tf.int32))  # fits are nested: an index

    def branch(ratio: int):
        return lambda: _decode_each(encoded, lambda d: tf.io.decode_jpeg(d, 3, ratio=ratio), where)

    frames = tf.switch_case(choice, [branch(r) for r in RATIOS])
    ratio = tf.cast(tf.gather(RATIOS, choice), tf.float32)
    box = tf.cast(window, tf.float32) / ratio
    return (list(frames) if isinstance(frames, (list, tuple)) else frames), box


def decode_to_aspect(
    encoded: tf.Tensor, size: tuple[int, int] | None = None, where: tuple = ()
) -> tf.Tensor:
    """Decodes JPEG strings ``[K]`` into ``uint8 [K, h, w, 3]``, cropped to ``size``'s aspect.

    With ``size``, the frames come from :func:`decode_scaled` (so at 1/2, 1/4 or 1/8 scale when
    the window is that much larger than ``size``; never smaller than ``size``), then cropped to
    the window. Without it, whole frames at full size. Frames of different sizes are an error
    (with ``where`` in its message, as for :func:`decode_scaled`).
    """
    if size is None:
        frames = _decode_each(encoded, lambda data: tf.io.decode_jpeg(data, channels=3), where)
        return tf.stack(frames) if isinstance(frames, list) else frames
    return crop_to_box(*decode_scaled(encoded, size, where))


def crop_to_box(frames: tf.Tensor | list[tf.Tensor], box: tf.Tensor) -> tf.Tensor:
    """Crops ``uint8 [K, h, w, 3]`` frames (or a list of them) to ``[top, left, height, width]``."""
    top, left, height, width = tf.unstack(tf.cast(tf.round(box), tf.int32))
    if isinstance(frames, (list, tuple)):
        frames = tf.stack(frames)
    return frames[:, top : top + height, left : left + width]


def mean_colour(frames: tf.Tensor | list[tf.Tensor], box: tf.Tensor | None = None) -> tf.Tensor:
    """A clip's mean colour ``[3]`` in ``[0, 1]``, from every 4th pixel of each frame (cheap).

    With ``box`` (``[top, left, height, width]``), only the pixels inside it count.
    """
    rows, cols = slice(None, None, 4), slice(None, None, 4)
    if box is not None:
        top, left, height, width = tf.unstack(tf.cast(tf.round(box), tf.int32))
        rows, cols = slice(top, top + height, 4), slice(left, left + width, 4)
    if isinstance(frames, list):
        small = tf.stack([frame[rows, cols] for frame in frames])
    else:
        small = frames[:, rows, cols]
    return tf.reduce_mean(tf.cast(small, tf.float32), axis=[0, 1, 2]) / 255.0


def resize_to_float(frames: tf.Tensor, size: tuple[int, int]) -> tf.Tensor:
    """Resizes ``uint8 [..., h, w, 3]`` frames to ``float32 [..., H, W, 3]`` in ``[0, 1]``."""
    shape = tf.shape(frames)
    same = tf.logical_and(tf.equal(shape[-3], size[0]), tf.equal(shape[-2], size[1]))
    out = tf.cond(
        same,
        lambda: tf.cast(frames, tf.float32),
        lambda: tf.image.resize(frames, size, antialias=False),
    )
    return tf.clip_by_value(out / 255.0, 0.0, 1.0)
