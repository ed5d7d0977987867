import numpy as np
import pytest

from lamina.applications import efficientnet
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms,
                                           slow)

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}


SLOW = slow("B1-B7 take 10-50 s each to build twice on a shared CPU")


# B0 is compared in full in the weight-file test below.
@SLOW
@pytest.mark.parametrize("variant", ["B1", "B2", "B3", "B4", "B5", "B6",
                                     "B7"])
def test_architecture_matches_keras(keras_ref, variant):
    # The largest variants are built headless on 32x32 inputs only: the
    # top adds one Dense layer, checked on B0.
    ours = getattr(efficientnet, f"EfficientNet{variant}")(weights=None,
                                                           **SMALL)
    theirs = getattr(keras_ref.applications, f"EfficientNet{variant}")(
        weights=None, **SMALL)
    assert_same_architecture(ours, theirs)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "classifier_activation": None}
    theirs = keras_ref.applications.EfficientNetB0(**kwargs)
    randomize_batch_norms(theirs)
    norm = theirs.layers[2]
    norm.set_weights([np.array([120.0, 110.0, 100.0], "float32"),
                      np.array([3000.0, 2500.0, 2000.0], "float32"),
                      norm.get_weights()[2]])
    ours = efficientnet.EfficientNetB0(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "efficientnetb0.h5", (224, 224, 3),
        efficientnet.preprocess_input)


def test_model_starts_with_rescaling_and_normalization():
    model = efficientnet.EfficientNetB0(weights=None, include_top=False,
                                        input_shape=(32, 32, 3))
    assert [type(l).__name__ for l in model.layers[1:3]] == [
        "Rescaling", "Normalization"]
    assert efficientnet.preprocess_input("unchanged") == "unchanged"


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(efficientnet, keras_ref.applications.efficientnet)
