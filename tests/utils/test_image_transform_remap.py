"""image_transform.remap (the sampler behind affine warps and elastic
transforms) against Keras 3's map_coordinates, image by image and channel
by channel, for every fill mode: bilinear sampling runs on
`F.grid_sample` after folding positions into the image, nearest sampling
and "wrap" on gathers. Gathers agree exactly; grid_sample's normalized
coordinates cost float32 rounding (about 1e-5 pixel: at most ~1.2e-4 on
these 0-255 values), hence the 5e-4 tolerance."""

import numpy as np
import pytest
import torch

from lamina.utils import image_transform


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect",
                                       "mirror", "wrap"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_matches_keras_map_coordinates(keras_ref, fill_mode, interpolation):
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (2, 7, 9, 2)).astype("float32")
    y = rng.uniform(-12, 20, (2, 7, 9)).astype("float32")
    x = rng.uniform(-12, 20, (2, 7, 9)).astype("float32")
    # Integer and half-integer positions too.
    y[0, 0] = np.arange(9) - 4.0
    x[0, 1] = np.arange(9) / 2 - 2.0
    got = image_transform.remap(
        torch.from_numpy(images), torch.from_numpy(y), torch.from_numpy(x),
        interpolation=interpolation, fill_mode=fill_mode, fill_value=7.0)
    order = {"bilinear": 1, "nearest": 0}[interpolation]
    for b in range(2):
        for c in range(2):
            expected = keras_ref.ops.image.map_coordinates(
                images[b, ..., c], [y[b], x[b]], order=order,
                fill_mode=fill_mode, fill_value=7.0)
            np.testing.assert_allclose(
                got[b, ..., c].cpu().numpy(),
                keras_ref.ops.convert_to_numpy(expected), atol=5e-4)


def test_channels_first_and_float64():
    rng = np.random.default_rng(1)
    images = torch.from_numpy(rng.uniform(0, 1, (2, 5, 6, 3)))
    y = torch.from_numpy(rng.uniform(-3, 8, (2, 5, 6)))
    x = torch.from_numpy(rng.uniform(-3, 8, (2, 5, 6)))
    last = image_transform.remap(images, y, x, fill_mode="reflect")
    first = image_transform.remap(images.permute(0, 3, 1, 2), y, x,
                                  fill_mode="reflect",
                                  data_format="channels_first")
    assert last.dtype == torch.float64
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)
    # Whole-pixel positions read the pixels themselves.
    rows = torch.arange(5.0, dtype=torch.float64).view(1, -1, 1).expand(
        2, 5, 6)
    cols = torch.arange(6.0, dtype=torch.float64).view(1, 1, -1).expand(
        2, 5, 6)
    torch.testing.assert_close(
        image_transform.remap(images, rows, cols), images)
