"""Tests for helpers.augment: one transform per clip, shared draws, stateless seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from helpers import augment


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


def smooth_frames(frames: int = 3, size: int = 40) -> tf.Tensor:
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack([np.sin(3 * x + t) * 0.5 + 0.5 for t in range(frames)])
    rgb = np.stack([base, base * y, np.broadcast_to(x, base.shape)], axis=-1)
    return tf.constant(np.round(rgb * 255).astype(np.uint8))


def test_resize_rotate_clip_matches_resize_then_rotate():
    frames = smooth_frames()
    plain = tf.image.resize(frames, (64, 64)) / 255.0
    fused0 = augment.resize_rotate_clip(frames, (64, 64), 0.0)
    assert fused0.dtype == tf.float32 and fused0.shape == (3, 64, 64, 3)
    # Inside the 1-pixel border (where the constant fill blends in) it is the same resize.
    np.testing.assert_allclose(fused0[:, 1:-1, 1:-1], plain[:, 1:-1, 1:-1], atol=1.01 / 255)
    fused = augment.resize_rotate_clip(frames, (64, 64), 0.3).numpy()
    two_step = augment.rotate_clip(plain, 0.3).numpy()
    assert np.abs(fused - two_step).mean() < 0.01
    other = augment.rotate_clip(plain, 0.35).numpy()
    assert np.abs(fused - other).mean() > np.abs(fused - two_step).mean() * 2
    for t in range(3):  # one transform for all frames
        alone = augment.resize_rotate_clip(frames[t : t + 1], (64, 64), 0.3).numpy()[0]
        np.testing.assert_allclose(fused[t], alone, atol=1e-6)


def test_warp_clip_matches_the_projective_transform_op():
    frames = tf.image.resize(smooth_frames(4, 42), (30, 42))
    frames = tf.cast(tf.round(frames), tf.uint8)
    transform = augment.rotation_transform(0.5, 40, 56)[0] * [
        0.75,
        0.75,
        0.75,
        0.75,
        0.75,
        0.75,
        1,
        1,
    ]
    ours = augment.warp_clip(frames, transform, (40, 56), fill_value=0.25).numpy()
    reference = tf.raw_ops.ImageProjectiveTransformV3(
        images=frames, transforms=transform[None], output_shape=[40, 56],
        fill_value=0.25 * 255, interpolation="BILINEAR", fill_mode="CONSTANT",
    )  # fmt: skip
    reference = reference.numpy() / 255.0  # the op truncates to uint8; warp_clip stays float
    assert ours.shape == (4, 40, 56, 3)
    np.testing.assert_allclose(ours, reference, atol=2.01 / 255)
    assert np.abs(ours - reference).mean() < 1.0 / 255
    assert np.abs(ours - 0.25).max() > 0.1  # not all fill
    # Other fill modes take the projective op path and still turn every frame together.
    reflect = augment.resize_rotate_clip(frames, (40, 56), 0.5, fill_mode="reflect").numpy()
    alone = augment.resize_rotate_clip(frames[1:2], (40, 56), 0.5, fill_mode="reflect").numpy()
    np.testing.assert_allclose(reflect[1], alone[0], atol=1e-6)
