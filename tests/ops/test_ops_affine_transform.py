"""`ops.image.affine_transform` against Keras 3 on random images and
transforms: every interpolation, fill_mode and data_format.

Projective terms (`c0`, `c1` != 0): Lamina follows the formula Keras
documents (and its TensorFlow backend computes), input point
`((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)` with
`k = c0 x + c1 y + 1`. Keras 3.15's torch and JAX backends instead add
`(c0, c1) * channel_index` to the sampled point, so for those transforms
the reference is that formula sampled with Keras's own
`ops.image.map_coordinates`."""

import numpy as np
import pytest

from lamina import ops

rng = np.random.default_rng(5)
IMAGES = rng.uniform(0, 1, (3, 7, 9, 2)).astype("float32")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _transforms(projective):
    rows = []
    for _ in range(len(IMAGES)):
        m = np.eye(3) + rng.normal(0, 0.2, (3, 3))
        m[:2, 2] = rng.normal(0, 2, 2)
        m[2, :2] = rng.normal(0, 0.04, 2) if projective else 0.0
        m[2, 2] = 1.0
        rows.append(m.reshape(-1)[:8])
    return np.asarray(rows, "float32")


AFFINE, PROJECTIVE = _transforms(False), _transforms(True)


def _ours(images, transform, interpolation, fill_mode, data_format):
    x = images if data_format == "channels_last" else \
        images.transpose(0, 3, 1, 2)
    out = ops.convert_to_numpy(ops.image.affine_transform(
        x, transform, interpolation, fill_mode, 0.25, data_format))
    return out if data_format == "channels_last" else \
        out.transpose(0, 2, 3, 1)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_transforms_match_keras(keras_ref, interpolation):
    for fill_mode in FILL_MODES:
        for data_format in ("channels_last", "channels_first"):
            x = IMAGES if data_format == "channels_last" else \
                IMAGES.transpose(0, 3, 1, 2)
            theirs = keras_ref.ops.convert_to_numpy(
                keras_ref.ops.image.affine_transform(
                    x, AFFINE, interpolation, fill_mode, 0.25, data_format))
            if data_format == "channels_first":
                theirs = theirs.transpose(0, 2, 3, 1)
            np.testing.assert_allclose(
                _ours(IMAGES, AFFINE, interpolation, fill_mode, data_format),
                theirs, atol=1e-5, err_msg=f"{fill_mode} {data_format}")


def _documented_reference(keras, transform, interpolation, fill_mode):
    """Keras's sampler at the documented projective input points."""
    height, width = IMAGES.shape[1:3]
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    order = {"nearest": 0, "bilinear": 1}[interpolation]
    out = np.empty_like(IMAGES)
    for b, (a0, a1, a2, b0, b1, b2, c0, c1) in enumerate(
            transform.astype("float64")):
        k = c0 * xs + c1 * ys + 1.0
        coords = np.stack([(b0 * xs + b1 * ys + b2) / k,
                           (a0 * xs + a1 * ys + a2) / k]).astype("float32")
        for c in range(IMAGES.shape[-1]):
            out[b, :, :, c] = keras.ops.convert_to_numpy(
                keras.ops.image.map_coordinates(
                    IMAGES[b, :, :, c], coords, order, fill_mode, 0.25))
    return out


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_projective_transforms_follow_the_documented_formula(
        keras_ref, interpolation):
    for fill_mode in FILL_MODES:
        expected = _documented_reference(keras_ref, PROJECTIVE, interpolation,
                                         fill_mode)
        for data_format in ("channels_last", "channels_first"):
            got = _ours(IMAGES, PROJECTIVE, interpolation, fill_mode,
                        data_format)
            np.testing.assert_allclose(got, expected, atol=1e-5,
                                       err_msg=f"{fill_mode} {data_format}")


def test_keras_torch_backend_offsets_channels_instead(keras_ref):
    """Pins the reason for the reference above: if Keras starts dividing
    by `k`, this fails and the comparison can go back to Keras itself."""
    transform = np.array([[1, 0, 0, 0, 1, 0, 0.6, -1.3]], "float32")
    theirs = keras_ref.ops.convert_to_numpy(
        keras_ref.ops.image.affine_transform(IMAGES[:1], transform,
                                             "nearest", "constant", 0.0))
    np.testing.assert_array_equal(theirs[..., 0], IMAGES[:1, ..., 0])
    # Channel 1 is read at (y + 0.6, x - 1.3): rounded, (y + 1, x - 1).
    np.testing.assert_array_equal(theirs[0, :-1, 1:, 1],
                                  IMAGES[0, 1:, :-1, 1])
    ours = _ours(IMAGES[:1], transform, "nearest", "constant",
                 "channels_last")
    assert not np.allclose(ours, theirs)


def test_projective_transform_is_differentiable_in_the_image():
    import torch

    x = torch.tensor(IMAGES, requires_grad=True)
    out = ops.image.affine_transform(x, PROJECTIVE, "bilinear", "reflect")
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert x.grad.abs().sum() > 0


def test_transform_of_the_wrong_shape_is_refused_by_name():
    with pytest.raises(ValueError, match="transform.shape=\\(2, 8\\)"):
        ops.image.affine_transform(IMAGES, AFFINE[:2])
    with pytest.raises(ValueError, match="transform.shape=\\(3, 6\\)"):
        ops.image.affine_transform(IMAGES, AFFINE[:, :6])
