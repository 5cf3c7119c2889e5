"""Tests for helpers.pipeline.decode: aspect-window and DCT-domain decoding, mean colour."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers.pipeline.decode import decode_scaled, decode_to_aspect, mean_colour, resize_to_float


def jpegs(count: int, height: int, width: int) -> tf.Tensor:
    """Smooth frames (JPEG keeps them nearly exact), encoded."""
    y, x = np.mgrid[0:height, 0:width]
    out = []
    for k in range(count):
        rgb = np.stack([x / width, y / height, np.full_like(x, k / count, float)], axis=-1)
        out.append(tf.io.encode_jpeg(np.round(rgb * 255).astype(np.uint8), quality=95))
    return tf.stack(out)


def test_decodes_the_centred_window_of_the_output_aspect():
    encoded = jpegs(3, 48, 64)
    frames = decode_to_aspect(encoded, (32, 32))
    assert frames.shape == (3, 48, 48, 3)
    full = tf.io.decode_jpeg(encoded[1]).numpy()
    np.testing.assert_allclose(frames[1].numpy(), full[:, 8:56], atol=2)
    assert decode_to_aspect(encoded).shape == (3, 48, 64, 3)
    listed, box = decode_scaled(encoded, (32, 32))  # whole frames and the window
    assert isinstance(listed, list) and len(listed) == 3 and listed[0].shape == (48, 64, 3)
    np.testing.assert_array_equal(box, [0, 8, 48, 48])


@pytest.mark.parametrize(("size", "side"), [(172, 300), (140, 150), (64, 75), (30, 38)])
def test_large_windows_decode_at_a_dct_scale_that_still_covers_the_output(size, side):
    encoded = jpegs(2, 300, 400)  # window 300 x 300: ratio 1, 2, 4 or 8
    frames = decode_to_aspect(encoded, (size, size)).numpy()
    assert frames.shape == (2, side, side, 3) and side >= size
    whole, box = decode_scaled(encoded, (size, size))
    ratio = 300 / box.numpy()[2]
    assert ratio in (1, 2, 4, 8) and whole[0].shape[1] == -(-400 // ratio)
    full = tf.io.decode_jpeg(encoded[0])[:, 50:350][None]
    reference = tf.image.resize(full, (side, side), method="area").numpy()[0]
    assert np.abs(frames[0] - reference).mean() < 3.0  # the same picture, downscaled


def test_unknown_frame_count_uses_map_fn():
    encoded = jpegs(3, 40, 40)
    fn = tf.function(lambda e: decode_to_aspect(e, (20, 20)),
                     input_signature=[tf.TensorSpec([None], tf.string)])  # fmt: skip
    out = fn(encoded).numpy()
    assert out.shape == (3, 20, 20, 3)  # 40 // 2 = 20 still covers 20: decoded at 1/2
    np.testing.assert_array_equal(out, decode_to_aspect(encoded, (20, 20)).numpy())  # unrolled path


@pytest.mark.parametrize("known", [True, False])
def test_frames_of_different_sizes_are_an_error_naming_where(known):
    encoded = tf.concat([jpegs(2, 40, 48), jpegs(1, 48, 48)], 0)
    decode = lambda e: decode_to_aspect(e, (32, 32), where=("in", "clip7"))  # noqa: E731
    if not known:  # the map_fn path (a frame count only known when it runs)
        decode = tf.function(decode, input_signature=[tf.TensorSpec([None], tf.string)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="frames of different sizes") as err:
        decode(encoded)
    assert "clip7" in str(err.value) and "48" in str(err.value)
    assert decode(encoded[:2]).shape == (2, 40, 40, 3)  # one size: no error
    with pytest.raises(tf.errors.InvalidArgumentError, match="different sizes"):
        decode_to_aspect(encoded)  # whole frames too


def test_mean_colour_and_resize_frames():
    frames = np.zeros((2, 8, 8, 3), np.uint8)
    frames[..., 0], frames[..., 2] = 255, 51
    np.testing.assert_allclose(mean_colour(tf.constant(frames)).numpy(), [1.0, 0.0, 0.2], atol=1e-6)
    listed = [tf.constant(f) for f in frames]
    np.testing.assert_allclose(mean_colour(listed).numpy(), [1.0, 0.0, 0.2], atol=1e-6)
    out = resize_to_float(tf.constant(frames), (4, 4)).numpy()
    assert out.dtype == np.float32 and out.shape == (2, 4, 4, 3)
    np.testing.assert_allclose(out[0, 0, 0], [1.0, 0.0, 0.2], atol=1e-6)
