"""Tests for helpers.pipeline.augment: one transform per clip, shared draws, stateless seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from helpers.pipeline import augment, warp


def make_clip(frames: int = 4, size: int = 32, seed: int = 0) -> tf.Tensor:
    """Distinct, asymmetric frames in [0, 1]."""
    rng = np.random.default_rng(seed)
    clip = np.zeros((frames, size, size, 3), np.float32)
    for t in range(frames):
        clip[t, 4 + t : 12 + t, 3:20, 0] = 1.0  # a bar that moves down
        clip[t, :, :, 1] = rng.uniform(0, 1, (size, size))
    return tf.constant(clip)


def test_rotate_clip_applies_one_transform_to_every_frame():
    clip = make_clip()
    out = augment.rotate_clip(clip, 0.4)
    for t in range(clip.shape[0]):
        alone = augment.rotate_clip(clip[t : t + 1], 0.4)
        np.testing.assert_allclose(out[t].numpy(), alone[0].numpy(), atol=1e-6)
    assert not np.allclose(out.numpy(), clip.numpy())


def test_keras_random_rotation_would_turn_frames_differently():
    # The trap this module exists for (shared/FACTS.md): one angle per FRAME, not per clip.
    clip = tf.repeat(make_clip(1), 4, axis=0)  # 4 identical frames
    layer = tf.keras.layers.RandomRotation(0.2, seed=1)
    turned = layer(clip, training=True).numpy()
    assert not np.allclose(turned[0], turned[1])
    ours = augment.random_rotate_clip(clip, tf.constant([1, 2]), augment.AugmentConfig()).numpy()
    np.testing.assert_allclose(ours[0], ours[1], atol=1e-6)


def test_rotation_direction_and_quarter_turn():
    frame = np.zeros((1, 9, 9, 1), np.float32)
    frame[0, 0, 8, 0] = 1.0  # top-right corner
    out = augment.rotate_clip(tf.constant(frame), math.pi / 2, interpolation="nearest").numpy()
    # Counter-clockwise on screen: top-right goes to top-left.
    np.testing.assert_allclose(out[0, :, :, 0], np.rot90(frame[0, :, :, 0], k=1), atol=1e-5)
    assert out[0, 0, 0, 0] == 1.0


@pytest.mark.parametrize("mode", augment.FILL_MODES)
def test_fill_modes(mode):
    clip = tf.ones((2, 16, 16, 3))
    out = augment.rotate_clip(clip, math.pi / 4, fill_mode=mode, fill_value=0.25).numpy()
    corner = out[:, 0, 0, 0]
    if mode == "constant":
        np.testing.assert_allclose(corner, 0.25, atol=1e-6)
    else:
        np.testing.assert_allclose(corner, 1.0, atol=1e-6)


def test_random_angle_range_and_seed():
    angles = [float(augment.random_angle(tf.constant([s, 0]), 10.0)) for s in range(50)]
    assert max(abs(a) for a in angles) <= math.radians(10.0) + 1e-6
    assert len(set(angles)) == 50
    assert float(augment.random_angle(tf.constant([3, 0]), 10.0)) == angles[3]


def test_crop_flip_color_are_shared_across_frames():
    clip = tf.repeat(make_clip(1), 3, axis=0)  # identical frames stay identical
    seed = tf.constant([4, 5])
    for out in (
        augment.random_crop_clip(clip, seed, 0.5),
        augment.random_flip_clip(clip, seed),
        augment.random_brightness_contrast(clip, seed, 0.3, 0.5),
        augment.augment_clip(clip, seed, augment.AugmentConfig(flip=True, max_degrees=30)),
    ):
        assert out.shape == clip.shape
        np.testing.assert_allclose(out[0].numpy(), out[1].numpy(), atol=1e-6)
        np.testing.assert_allclose(out[0].numpy(), out[2].numpy(), atol=1e-6)


def test_flip_happens_for_some_seeds_only():
    clip = make_clip(2)
    flipped = [
        bool(np.allclose(augment.random_flip_clip(clip, tf.constant([s, 1])), clip[:, :, ::-1]))
        for s in range(20)
    ]
    assert any(flipped) and not all(flipped)


def test_augment_clip_is_deterministic_per_seed_and_in_range():
    clip = make_clip()
    cfg = augment.AugmentConfig(flip=True)
    a = augment.augment_clip(clip, tf.constant([1, 2]), cfg).numpy()
    b = augment.augment_clip(clip, tf.constant([1, 2]), cfg).numpy()
    c = augment.augment_clip(clip, tf.constant([1, 3]), cfg).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_augment_clip_works_inside_tf_function_and_off_switch():
    clip = make_clip()
    off = augment.AugmentConfig(max_degrees=0, min_crop_scale=1, max_brightness=0, max_contrast=0)
    np.testing.assert_array_equal(augment.augment_clip(clip, tf.constant([0, 0]), off), clip)
    fn = tf.function(lambda x, s: augment.augment_clip(x, s, augment.AugmentConfig()))
    eager = augment.augment_clip(clip, tf.constant([9, 9]), augment.AugmentConfig())
    np.testing.assert_allclose(fn(clip, tf.constant([9, 9])), eager, atol=1e-6)


def test_config_validation():
    with pytest.raises(ValueError, match="fill_mode"):
        augment.AugmentConfig(fill_mode="mirror")
    with pytest.raises(ValueError, match="min_crop_scale"):
        augment.AugmentConfig(min_crop_scale=0)


def test_clip_transform_draws_the_same_angle_as_augment_clip():
    cfg = augment.AugmentConfig(max_degrees=30, min_crop_scale=1.0)
    seed = tf.constant([4, 5])
    got = augment.clip_transform(seed, cfg, warp.full_box([40, 40]), (40, 40)).numpy()
    angle = augment.random_angle(augment.rotation_seed(seed), 30)
    expected = warp.box_transform(warp.full_box([40, 40]), (40, 40), angle).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    off = augment.AugmentConfig(max_degrees=0, min_crop_scale=1.0)
    plain = augment.clip_transform(seed, off, warp.full_box([40, 40]), (40, 40)).numpy()
    np.testing.assert_allclose(plain, [1, 0, 0, 0, 1, 0, 0, 0], atol=1e-6)
    flips = {
        float(augment.clip_transform(tf.constant([s, 0]), augment.AugmentConfig(
            max_degrees=0, min_crop_scale=1.0, flip=True), warp.full_box([40, 40]), (40, 40))[0])
        for s in range(12)
    }  # fmt: skip
    assert flips == {1.0, -1.0}


def test_clip_transform_is_augment_clips_geometry_with_flip_and_rotation():
    cfg = augment.AugmentConfig(max_degrees=30, min_crop_scale=1.0, flip=True, max_brightness=0,
                                max_contrast=0)  # fmt: skip
    yy, xx = np.mgrid[0:40, 0:40].astype(np.float32)
    ramps = np.stack([4 * xx + 2 * yy, 6 * yy, 255 - 3 * xx - 2 * yy], axis=-1) * (200 / 255)
    frames = np.round(np.stack([ramps, ramps[::-1]])).astype(np.uint8)  # asymmetric, smooth
    inside = (yy - 19.5) ** 2 + (xx - 19.5) ** 2 < 17.0**2  # inside the frame at any angle
    mirrored = set()
    for s in range(10):
        seed = tf.constant([s, 1])
        expected = augment.augment_clip(tf.constant(frames / 255.0, tf.float32), seed, cfg)
        transform = augment.clip_transform(seed, cfg, warp.full_box([40, 40]), (40, 40))
        got = warp.warp_frames(tf.constant(frames), transform, (40, 40)).numpy()
        diff = np.abs(got.astype(float) - expected.numpy() * 255.0)[:, inside]
        assert diff.max() <= 2.0, (s, diff.max())
        mirrored.add(bool(transform[0] < 0))
    assert mirrored == {True, False}  # both with and without the flip


def test_color_gain_offset_is_random_brightness_contrast_in_one_warp():
    clip = make_clip()
    clip_u8 = tf.cast(tf.round(clip * 255), tf.uint8)
    cfg = augment.AugmentConfig(max_brightness=0.2, max_contrast=0.4)
    seed = tf.constant([3, 8])
    mean = tf.reduce_mean(tf.cast(clip_u8, tf.float32), axis=[0, 1, 2]) / 255.0
    gain, offset = augment.color_gain_offset(seed, cfg, mean)
    transform = warp.box_transform(warp.full_box([32, 32]), (32, 32))  # identity
    got = warp.warp_frames(clip_u8, transform, (32, 32), gain=gain, offset=offset).numpy()
    color_seed = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 4)[3]
    expected = augment.random_brightness_contrast(
        tf.cast(clip_u8, tf.float32) / 255.0, color_seed, 0.2, 0.4
    ).numpy()
    np.testing.assert_allclose(got / 255.0, expected, atol=0.51 / 255)
    assert np.abs(got / 255.0 - clip_u8.numpy() / 255.0).mean() > 0.01  # it did change the clip
    slow = warp.warp_frames(clip_u8, transform, (32, 32), fill_mode="reflect", gain=gain,
                            offset=offset).numpy()  # fmt: skip
    np.testing.assert_allclose(slow / 255.0, expected, atol=1.01 / 255)  # the other path too
