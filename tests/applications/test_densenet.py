import numpy as np
import pytest

from lamina.applications import densenet
from applications.reference_models import (assert_same_architecture,
                                           assert_same_predictions,
                                           randomize_batch_norms, slow,
                                           write_legacy_h5)

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
    path = write_legacy_h5(theirs, tmp_path / "densenet121.h5")
    ours = densenet.DenseNet121(**kwargs)
    assert_same_architecture(ours, theirs)
    ours.load_weights(path)
    x = np.random.default_rng(1).uniform(0, 255, (2, 224, 224, 3))
    x = densenet.preprocess_input(x.astype("float32"))
    assert_same_predictions(ours, theirs, x)


def test_unknown_blocks_have_no_imagenet_weights():
    with pytest.raises(ValueError, match="DenseNet121, 169 and 201"):
        densenet.DenseNet([1, 1, 1, 1], weights="imagenet",
                          include_top=False, input_shape=(32, 32, 3))


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(densenet, keras_ref.applications.densenet)
