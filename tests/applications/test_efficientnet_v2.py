import pytest

from lamina.applications import efficientnet_v2
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms,
                                           slow)

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}


# B0 is compared in the weight-file test below.
@slow("8-60 s each to build twice on a shared CPU")
@pytest.mark.parametrize("variant", ["B1", "B2", "B3", "S", "M", "L"])
def test_architecture_matches_keras(keras_ref, variant):
    ours = getattr(efficientnet_v2, f"EfficientNetV2{variant}")(
        weights=None, **SMALL)
    theirs = getattr(keras_ref.applications, f"EfficientNetV2{variant}")(
        weights=None, **SMALL)
    assert_same_architecture(ours, theirs)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "input_shape": (64, 64, 3), "classes": 10,
              "include_top": True}
    theirs = keras_ref.applications.EfficientNetV2B0(**kwargs)
    randomize_batch_norms(theirs)
    ours = efficientnet_v2.EfficientNetV2B0(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "efficientnetv2-b0.h5", (64, 64, 3))


def test_unknown_name_with_default_blocks():
    with pytest.raises(ValueError, match="blocks_args='default'"):
        efficientnet_v2.EfficientNetV2(1.0, 1.0, 224, name="mine",
                                       weights=None)


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(efficientnet_v2, keras_ref.applications.efficientnet_v2)
