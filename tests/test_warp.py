"""Tests for helpers.pipeline.warp: one affine warp per clip (crop, flip, rotation, resize)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from helpers.pipeline import warp


def smooth_frames(frames: int = 3, size: int = 40, width: int | None = None) -> tf.Tensor:
    """Smooth, distinct uint8 frames (bilinear interpolation is well defined on them)."""
    width = width or size
    y, x = np.mgrid[0:size, 0:width] / max(size, width)
    base = np.stack([np.sin(3 * x + t) * 0.5 + 0.5 for t in range(frames)])
    rgb = np.stack([base, base * y, np.broadcast_to(x, base.shape)], axis=-1)
    return tf.constant(np.round(rgb * 255).astype(np.uint8))


def projective_reference(frames, transform, size) -> tuple[np.ndarray, np.ndarray]:
    """TF's own bilinear warp of float frames, and where its sample points fall inside the frame."""
    reference = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(frames, tf.float32), transforms=transform[None], output_shape=list(size),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST",
    ).numpy()  # fmt: skip
    a0, a1, a2, b0, b1, b2 = transform.numpy()[:6]
    y, x = np.mgrid[0 : size[0], 0 : size[1]]
    xi, yi = a0 * x + a1 * y + a2, b0 * x + b1 * y + b2
    height, width = frames.shape[1:3]
    inside = (xi >= -0.5) & (xi <= width - 0.5) & (yi >= -0.5) & (yi <= height - 0.5)
    return reference, inside


def warp_full(frames, size, angle=0.0, flip=False, **kw) -> np.ndarray:
    box = warp.full_box(tf.shape(frames)[1:3])
    return warp.warp_frames(frames, warp.box_transform(box, size, angle, flip), size, **kw).numpy()


def test_identity_flip_and_integer_crop_are_exact():
    frames = smooth_frames(3, 40, 48)
    out = warp_full(frames, (40, 48))
    assert out.dtype == np.uint8 and out.shape == (3, 40, 48, 3)
    np.testing.assert_array_equal(out, frames)
    np.testing.assert_array_equal(warp_full(frames, (40, 48), flip=True), frames[:, :, ::-1])
    box = tf.constant([4.0, 6.0, 20.0, 24.0])  # top, left, height, width
    crop = warp.warp_frames(frames, warp.box_transform(box, (20, 24)), (20, 24)).numpy()
    np.testing.assert_array_equal(crop, frames[:, 4:24, 6:30])


@pytest.mark.parametrize("size", [(64, 64), (24, 30)])
def test_resize_is_tf_image_resize_including_the_border(size):
    frames = smooth_frames(2, 40, 50)
    expected = tf.image.resize(tf.cast(frames, tf.float32), size).numpy()
    got = warp_full(frames, size).astype(np.float32)
    # Integer weights in 1/256 pixel and two roundings: never more than one level off.
    np.testing.assert_allclose(got, expected, atol=1.0)
    assert np.abs(got - expected).mean() < 0.35


def test_rotation_matches_the_projective_transform_op_and_fills_outside():
    frames = smooth_frames(4, 42)
    box = warp.full_box([42, 42])
    transform = warp.box_transform(box, (42, 42), 0.5)
    ours = warp.warp_frames(frames, transform, (42, 42), fill_value=0.25).numpy().astype(float)
    reference, inside = projective_reference(frames, transform, (42, 42))
    assert 0.5 < inside.mean() < 0.95  # the corners are outside
    np.testing.assert_allclose(ours[:, inside], reference[:, inside], atol=1.0)
    np.testing.assert_array_equal(ours[:, ~inside], round(0.25 * 255))
    other = warp.box_transform(box, (42, 42), 0.55)
    shifted = warp.warp_frames(frames, other, (42, 42)).numpy().astype(float)
    assert np.abs(shifted - ours)[:, inside].mean() > 2  # a 0.05 rad error is visible


def test_every_frame_gets_the_same_transform():
    frames = smooth_frames(5, 36)
    transform = warp.box_transform(tf.constant([3.0, 2.0, 30.0, 30.0]), (48, 48), -0.3, True)
    together = warp.warp_frames(frames, transform, (48, 48)).numpy()
    for t in range(5):
        alone = warp.warp_frames(frames[t : t + 1], transform, (48, 48)).numpy()[0]
        np.testing.assert_array_equal(together[t], alone)


@pytest.mark.parametrize("mode", ["reflect", "wrap", "nearest"])
def test_other_fill_modes_take_the_projective_op(mode):
    frames = smooth_frames(3, 30)
    transform = warp.box_transform(warp.full_box([30, 30]), (30, 30), 0.6)
    out = warp.warp_frames(frames, transform, (30, 30), fill_mode=mode)
    reference = tf.raw_ops.ImageProjectiveTransformV3(
        images=frames, transforms=transform[None], output_shape=[30, 30], fill_value=0.0,
        interpolation="BILINEAR", fill_mode=mode.upper(),
    )  # fmt: skip
    np.testing.assert_array_equal(out, reference)
    assert out.numpy()[:, 0, 0].sum(-1).min() > 0  # corners filled from the picture, not black


@pytest.mark.parametrize("outer", [[0.0, 0.0, 60.0, 80.0], [10.0, 20.0, 30.0, 40.0]])
def test_random_box_is_inside_keeps_aspect_and_is_seeded(outer):
    top0, left0, height0, width0 = outer
    boxes = [warp.random_box(tf.constant([s, 1]), outer, 0.5).numpy() for s in range(30)]
    for top, left, height, width in boxes:
        assert top >= top0 and left >= left0
        assert top + height <= top0 + height0 + 1e-4 and left + width <= left0 + width0 + 1e-4
        assert height0 / 2 - 1e-4 <= height <= height0
        assert abs(width / height - width0 / height0) < 1e-4
    assert len({round(float(b[2]), 3) for b in boxes}) > 20
    again = warp.random_box(tf.constant([3, 1]), outer, 0.5).numpy()
    np.testing.assert_array_equal(again, boxes[3])
    np.testing.assert_array_equal(warp.full_box([60, 80]), [0, 0, 60, 80])


def test_to_float_scales_any_rank():
    images = tf.constant(np.arange(256, dtype=np.uint8).reshape(2, 2, 4, 4, 2, 2))
    out = warp.to_float(images).numpy()
    assert out.dtype == np.float32 and out.shape == (2, 2, 4, 4, 2, 2)
    np.testing.assert_allclose(out.reshape(-1), np.arange(256) / 255.0, atol=1e-7)


def test_packed_layout_and_unpack_with_colour_per_clip():
    frames = smooth_frames(3, 20, 24)
    transform = warp.box_transform(warp.full_box([20, 24]), (10, 12), 0.2, True)
    packed = warp.warp_packed(frames, transform, (10, 12), fill_value=0.5).numpy()
    assert packed.dtype == np.uint32 and packed.shape == (10 * 12, 3)  # [H*W, T]
    direct = warp.warp_frames(frames, transform, (10, 12), fill_value=0.5).numpy()
    red, green, blue = packed & 0xFF, (packed >> 8) & 0xFF, packed >> 16
    assert blue.max() <= 255  # the top byte stays empty
    for t in range(3):
        np.testing.assert_array_equal(red[:, t].reshape(10, 12), direct[t, ..., 0])
        np.testing.assert_array_equal(green[:, t].reshape(10, 12), direct[t, ..., 1])
        np.testing.assert_array_equal(blue[:, t].reshape(10, 12), direct[t, ..., 2])
    batch = tf.stack([packed, packed])
    gain, offset = tf.constant([1.0, 0.5]), tf.constant([[0.0, 0.0, 0.0], [0.1, 0.2, 0.9]])
    images = warp.unpack(batch, (10, 12), gain, offset).numpy()
    assert images.dtype == np.float32 and images.shape == (2, 3, 10, 12, 3)
    np.testing.assert_allclose(images[0], direct / 255.0, atol=1e-6)
    expected = np.clip(direct / 255.0 * 0.5 + np.array([0.1, 0.2, 0.9]), 0.0, 1.0)
    np.testing.assert_allclose(images[1], expected, atol=1e-6)
    assert images[1, ..., 2].max() == 1.0  # clipped
    np.testing.assert_allclose(warp.unpack(packed, (10, 12)).numpy(), direct / 255.0, atol=1e-6)


def test_random_noise_stays_within_one_and_a_half_levels_of_float_bilinear():
    rng = np.random.default_rng(0)
    frames = tf.constant(rng.integers(0, 256, (2, 17, 23, 3), dtype=np.uint8))  # worst case
    for angle in (0.0, 0.37):
        transform = warp.box_transform(tf.constant([1.5, 2.25, 13.0, 13.0]), (31, 31), angle)
        ours = warp.warp_frames(frames, transform, (31, 31)).numpy().astype(float)
        reference, inside = projective_reference(frames, transform, (31, 31))
        error = np.abs(ours - reference)[:, inside]
        assert error.max() <= 1.5 and (error > 1.0).mean() < 0.01  # position in 1/256 pixel
