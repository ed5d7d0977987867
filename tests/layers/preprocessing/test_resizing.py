import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import Resizing


@pytest.mark.parametrize("kwargs", [
    {"height": 5, "width": 7},
    {"height": 14, "width": 7, "interpolation": "nearest"},
    {"height": 5, "width": 7, "interpolation": "bicubic"},
    {"height": 5, "width": 7, "crop_to_aspect_ratio": True},
    {"height": 14, "width": 7, "pad_to_aspect_ratio": True,
     "fill_value": 7.0},
    {"height": 4, "width": 5, "antialias": True},
    {"height": 4, "width": 5, "interpolation": "bicubic", "antialias": True},
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_keras(keras_compare, images, kwargs, data_format):
    x = images if data_format == "channels_last" else \
        np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    keras_compare("Resizing", {**kwargs, "data_format": data_format}, x)


def test_harness(keras_ref):
    run_layer_test(Resizing, {"height": 4, "width": 5},
                   input_shape=(2, 7, 9, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   expected_num_trainable_weights=0, keras_reference=keras_ref)
    run_layer_test(Resizing, {"height": 4, "width": 5,
                              "data_format": "channels_first"},
                   input_shape=(2, 3, 7, 9),
                   expected_output_shape=(2, 3, 4, 5),
                   keras_reference=keras_ref)


def test_integer_and_unbatched_inputs_match_keras(keras_compare, images):
    keras_compare("Resizing", {"height": 5, "width": 7},
                  images.astype("uint8"))
    keras_compare("Resizing", {"height": 5, "width": 7,
                               "interpolation": "bicubic"},
                  images.astype("uint8"))
    keras_compare("Resizing", {"height": 5, "width": 7}, images[0])


def test_segmentation_masks_use_nearest():
    layer = Resizing(4, 6)
    masks = torch.randint(0, 3, (2, 8, 12, 1))
    out = layer({"images": torch.rand(2, 8, 12, 3), "segmentation_masks":
                 masks, "labels": torch.tensor([0, 1])})
    assert out["images"].shape == (2, 4, 6, 3)
    assert out["segmentation_masks"].dtype == masks.dtype
    assert set(out["segmentation_masks"].unique().tolist()) <= {0, 1, 2}
    assert out["labels"].tolist() == [0, 1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="interpolation"):
        Resizing(4, 4, interpolation="cubic")
    with pytest.raises(ValueError, match="Only one of"):
        Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="fill_mode"):
        Resizing(4, 4, fill_mode="reflect")
    with pytest.raises(ValueError, match="height"):
        Resizing(0, 4)
    with pytest.raises(ValueError, match="rank 3"):
        Resizing(4, 4)(torch.zeros(2, 3, 4, 5, 6))
