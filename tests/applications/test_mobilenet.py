import pytest

from lamina.applications import mobilenet
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms)


@pytest.mark.parametrize("kwargs", [
    {"alpha": 1.0, "include_top": True},
    {"alpha": 0.5, "depth_multiplier": 2, "include_top": False,
     "input_shape": (32, 32, 3), "pooling": "max"},
])
def test_architecture_matches_keras(keras_ref, kwargs):
    ours = mobilenet.MobileNet(weights=None, **kwargs)
    theirs = keras_ref.applications.MobileNet(weights=None, **kwargs)
    assert_same_architecture(ours, theirs)
    assert ours.name == theirs.name


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"alpha": 0.25, "weights": None, "input_shape": (128, 128, 3)}
    theirs = keras_ref.applications.MobileNet(**kwargs)
    randomize_batch_norms(theirs)
    ours = mobilenet.MobileNet(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "mobilenet.h5", (128, 128, 3),
        mobilenet.preprocess_input, check_architecture=False)


def test_imagenet_arguments_are_checked():
    with pytest.raises(ValueError, match="depth_multiplier"):
        mobilenet.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="alpha"):
        mobilenet.MobileNet(weights="imagenet", alpha=0.3)


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(mobilenet, keras_ref.applications.mobilenet)
