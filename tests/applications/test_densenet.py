import pytest

from lamina.applications import densenet
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms,
                                           slow)

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}


# DenseNet121 is compared in full in the weight-file test below.
@slow("10-20 s to build twice on a shared CPU")
@pytest.mark.parametrize("depth", [169, 201])
def test_architecture_matches_keras(keras_ref, depth):
    ours = getattr(densenet, f"DenseNet{depth}")(weights=None, **SMALL)
    theirs = getattr(keras_ref.applications, f"DenseNet{depth}")(
        weights=None, **SMALL)
    assert_same_architecture(ours, theirs)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "classifier_activation": None}
    theirs = keras_ref.applications.DenseNet121(**kwargs)
    randomize_batch_norms(theirs)
    ours = densenet.DenseNet121(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "densenet121.h5", (224, 224, 3),
        densenet.preprocess_input)


def test_unknown_blocks_have_no_imagenet_weights():
    with pytest.raises(ValueError, match="DenseNet121, 169 and 201"):
        densenet.DenseNet([1, 1, 1, 1], weights="imagenet",
                          include_top=False, input_shape=(32, 32, 3))


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(densenet, keras_ref.applications.densenet)
