import io
import sys

import numpy as np
import pytest
import torch

from lamina.utils import image_utils


def _rgb(shape=(9, 14, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(
        "float32")


@pytest.mark.parametrize("color_mode,channels", [("rgb", 3), ("rgba", 4),
                                                 ("grayscale", 1)])
def test_png_round_trip(tmp_path, color_mode, channels):
    x = _rgb((9, 14, channels))
    path = tmp_path / "image.png"
    image_utils.save_img(path, x, scale=False)
    img = image_utils.load_img(path, color_mode=color_mode)
    assert img.size == (14, 9)
    np.testing.assert_array_equal(image_utils.img_to_array(img), x)


def test_load_img_matches_keras(keras_ref, tmp_path):
    path = str(tmp_path / "image.png")
    image_utils.save_img(path, _rgb((20, 30, 3)))
    for kwargs in [{}, {"color_mode": "grayscale"}, {"color_mode": "rgba"},
                   {"target_size": (8, 10)},
                   {"target_size": (8, 10), "interpolation": "bicubic"},
                   {"target_size": (12, 7), "keep_aspect_ratio": True,
                    "interpolation": "bilinear"}]:
        ours = image_utils.img_to_array(image_utils.load_img(path, **kwargs))
        theirs = keras_ref.utils.img_to_array(
            keras_ref.utils.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, theirs)
    with open(path, "rb") as f:
        data = io.BytesIO(f.read())
    assert image_utils.load_img(data).size == (30, 20)


def test_array_conversions_match_keras(keras_ref):
    x = np.random.default_rng(0).uniform(-3, 5, (6, 7, 3)).astype("float32")
    for data_format in ("channels_last", "channels_first"):
        arr = x if data_format == "channels_last" else x.transpose(2, 0, 1)
        for scale in (True, False):
            ours = image_utils.array_to_img(np.abs(arr), data_format, scale)
            theirs = keras_ref.utils.array_to_img(np.abs(arr), data_format,
                                                  scale)
            assert ours.mode == theirs.mode
            np.testing.assert_array_equal(np.asarray(ours),
                                          np.asarray(theirs))
            np.testing.assert_array_equal(
                image_utils.img_to_array(ours, data_format),
                keras_ref.utils.img_to_array(theirs, data_format))
    wide = image_utils.array_to_img(np.full((2, 2, 1), 1000.0), scale=False)
    assert wide.mode == "I"


@pytest.mark.parametrize("size", [(5, 7), (12, 12), (20, 9)])
def test_smart_resize_matches_keras(keras_ref, size):
    x = _rgb((2, 9, 14, 3))
    expected = keras_ref.preprocessing.image.smart_resize(x, size)
    ours = image_utils.smart_resize(x, size)
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, expected, atol=1e-4)
    single = image_utils.smart_resize(torch.tensor(x[0]), size)
    assert isinstance(single, torch.Tensor)
    np.testing.assert_allclose(single.cpu().numpy(), expected[0], atol=1e-4)
    first = image_utils.smart_resize(x.transpose(0, 3, 1, 2), size,
                                     interpolation="nearest",
                                     data_format="channels_first")
    expected = keras_ref.preprocessing.image.smart_resize(
        x.transpose(0, 3, 1, 2), size, interpolation="nearest",
        data_format="channels_first")
    np.testing.assert_allclose(first, expected, atol=1e-4)


def test_jpeg_rgba_is_saved_as_rgb(tmp_path):
    path = tmp_path / "image.jpg"
    with pytest.warns(UserWarning, match="RGBA"):
        image_utils.save_img(path, _rgb((8, 8, 4)))
    assert image_utils.load_img(path).mode == "RGB"


def test_bad_inputs(tmp_path, monkeypatch):
    path = tmp_path / "image.png"
    image_utils.save_img(path, _rgb())
    with pytest.raises(ValueError, match="color_mode"):
        image_utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image_utils.load_img(path, target_size=(4, 4), interpolation="cubic")
    with pytest.raises(TypeError, match="path"):
        image_utils.load_img(123)
    with pytest.raises(ValueError, match="rank 3"):
        image_utils.array_to_img(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="channels"):
        image_utils.array_to_img(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="rank|shape"):
        image_utils.smart_resize(np.zeros((4, 4)), (2, 2))
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        image_utils.load_img(path)
