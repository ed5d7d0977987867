"""MaxNumBoundingBoxes against Keras 3."""

import numpy as np
import pytest
import torch

from lamina.layers import preprocessing


@pytest.mark.parametrize("count,max_number", [(3, 5), (6, 4), (4, 4)])
def test_matches_keras(keras_ref, count, max_number):
    rng = np.random.default_rng(0)
    data = {"images": rng.random((2, 8, 8, 3)).astype("float32"),
            "bounding_boxes": {
                "boxes": rng.random((2, count, 4)).astype("float32"),
                "labels": rng.integers(0, 5, (2, count)).astype("float32")}}
    ours = preprocessing.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy")(data)
    theirs = keras_ref.layers.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy")(data)
    for key in ("boxes", "labels"):
        np.testing.assert_allclose(
            ours["bounding_boxes"][key].cpu().numpy(),
            keras_ref.ops.convert_to_numpy(theirs["bounding_boxes"][key]))
    np.testing.assert_array_equal(np.asarray(ours["images"]), data["images"])
    config = preprocessing.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy").get_config()
    keras_config = keras_ref.layers.MaxNumBoundingBoxes(
        max_number, bounding_box_format="xyxy").get_config()
    config.pop("name"), keras_config.pop("name")
    assert config == keras_config


def test_shapes_and_errors():
    with pytest.raises(ValueError, match="bounding_box_format"):
        preprocessing.MaxNumBoundingBoxes(3)({
            "images": torch.zeros(1, 2, 2, 3), "bounding_boxes": {
                "boxes": torch.ones(1, 1, 4), "labels": torch.ones(1, 1)}})
    layer = preprocessing.MaxNumBoundingBoxes(3, fill_value=-7,
                                              bounding_box_format="xyxy")
    out = layer({"images": torch.zeros(1, 2, 2, 3), "bounding_boxes": {
        "boxes": torch.ones(1, 1, 4), "labels": torch.ones(1, 1)}})
    assert out["bounding_boxes"]["boxes"][0, 1:].eq(-7).all()
    shape = layer.compute_output_shape({"images": (1, 2, 2, 3),
                                        "bounding_boxes": {
                                            "boxes": (1, 9, 4),
                                            "labels": (1, 9)}})
    assert shape["bounding_boxes"]["boxes"] == (1, 3, 4)
    with pytest.raises(KeyError, match="unsupported keys"):
        layer({"images": torch.zeros(1, 2, 2, 3), "bounding_boxes": {
            "boxes": torch.ones(1, 1, 4), "labels": torch.ones(1, 1),
            "scores": torch.ones(1, 1)}})
    with pytest.raises(ValueError, match="max_number"):
        preprocessing.MaxNumBoundingBoxes(0)


def test_harness_on_images(keras_ref):
    from harness import run_layer_test
    run_layer_test(preprocessing.MaxNumBoundingBoxes,
                   {"max_number": 3, "bounding_box_format": "xyxy"},
                   input_shape=(2, 4, 4, 3),
                   expected_output_shape=(2, 4, 4, 3),
                   keras_reference=keras_ref)
