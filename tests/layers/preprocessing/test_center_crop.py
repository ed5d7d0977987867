import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.preprocessing import CenterCrop


@pytest.mark.parametrize("size", [(5, 7), (9, 12), (4, 3)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_crop_matches_keras(keras_compare, images, size, data_format):
    x = images if data_format == "channels_last" else \
        np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    keras_compare("CenterCrop", {"height": size[0], "width": size[1],
                                 "data_format": data_format}, x)


@pytest.mark.parametrize("size", [(15, 7), (6, 20), (18, 24)])
def test_target_larger_than_image_resizes_like_keras(keras_compare, images,
                                                     size):
    # Keras does not fail on a crop larger than the image: it resizes the
    # largest window with the target aspect ratio (smart_resize).
    out = keras_compare("CenterCrop", {"height": size[0], "width": size[1]},
                        images)
    assert out.shape == (2,) + size + (3,)
    keras_compare("CenterCrop", {"height": size[0], "width": size[1]},
                  images[0])


def test_integer_input_is_cast_like_keras(keras_compare, images):
    keras_compare("CenterCrop", {"height": 5, "width": 5},
                  images.astype("uint8"))


def test_harness(keras_ref):
    run_layer_test(CenterCrop, {"height": 4, "width": 5},
                   input_shape=(2, 7, 9, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   keras_reference=keras_ref)


def test_bad_size():
    with pytest.raises(ValueError, match="`width`"):
        CenterCrop(4, -1)
    with pytest.raises(ValueError, match="`height`"):
        CenterCrop(2.5, 4)
