import pytest

from lamina.applications import mobilenet_v3
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms)

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}


@pytest.mark.parametrize("builder,kwargs", [
    ("MobileNetV3Small", {"include_top": True, "input_shape": (32, 32, 3),
                          "classes": 7, "dropout_rate": 0.0}),
    ("MobileNetV3Small", dict(SMALL, alpha=0.75, minimalistic=True,
                              include_preprocessing=False, pooling="avg")),
    ("MobileNetV3Large", dict(SMALL, alpha=1.25, include_top=True,
                              classes=5)),
    ("MobileNetV3Large", dict(SMALL, minimalistic=True, pooling="max")),
])
def test_architecture_matches_keras(keras_ref, builder, kwargs):
    ours = getattr(mobilenet_v3, builder)(weights=None, **kwargs)
    theirs = getattr(keras_ref.applications, builder)(weights=None, **kwargs)
    assert_same_architecture(ours, theirs)


@pytest.mark.parametrize("builder", ["MobileNetV3Small", "MobileNetV3Large"])
def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path,
                                                   builder):
    kwargs = {"weights": None, "input_shape": (64, 64, 3), "classes": 10}
    theirs = getattr(keras_ref.applications, builder)(**kwargs)
    randomize_batch_norms(theirs)
    ours = getattr(mobilenet_v3, builder)(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "mobilenet_v3.h5", (64, 64, 3),
        check_architecture=False)


def test_imagenet_alpha_is_checked():
    with pytest.raises(ValueError, match="alpha"):
        mobilenet_v3.MobileNetV3Small(weights="imagenet", alpha=0.75,
                                      minimalistic=True)
    with pytest.raises(ValueError, match="32x32"):
        mobilenet_v3.MobileNetV3Large(weights=None, input_shape=(16, 16, 3))


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(mobilenet_v3, keras_ref.applications.mobilenet_v3)
