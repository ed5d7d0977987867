"""VGG16 and VGG19 against Keras 3: parameter counts, layer names and
weight shapes, predictions from a Keras-written legacy .h5, and the
argument errors."""

import numpy as np
import pytest

import lamina as keras
from lamina.applications import vgg16
from lamina.applications import vgg19
from applications.reference_models import (assert_same_architecture,
                                            assert_same_predictions,
                                            write_legacy_h5)


@pytest.mark.parametrize("builder", ["VGG16", "VGG19"])
def test_architecture_equals_keras(builder, keras_ref):
    ours = getattr(keras.applications, builder)(weights=None)
    theirs = getattr(keras_ref.applications, builder)(weights=None)
    assert_same_architecture(ours, theirs)
    assert ours.name == theirs.name


@pytest.mark.parametrize("builder", ["VGG16", "VGG19"])
@pytest.mark.parametrize("pooling", [None, "avg", "max"])
def test_feature_extractor_equals_keras(builder, pooling, keras_ref):
    kwargs = dict(weights=None, include_top=False, input_shape=(32, 64, 3),
                  pooling=pooling)
    ours = getattr(keras.applications, builder)(**kwargs)
    theirs = getattr(keras_ref.applications, builder)(**kwargs)
    assert_same_architecture(ours, theirs)
    assert ours.output_shape == theirs.output_shape


@pytest.mark.parametrize("module,builder", [(vgg16, "VGG16"),
                                            (vgg19, "VGG19")])
def test_small_classifier_loads_keras_legacy_h5(tmp_path, keras_ref, module,
                                                builder):
    kwargs = dict(include_top=True, input_shape=(32, 32, 3), classes=7,
                  classifier_activation=None)
    theirs = getattr(keras_ref.applications, builder)(weights=None, **kwargs)
    path = write_legacy_h5(theirs, tmp_path / f"{builder}.h5")
    x = module.preprocess_input(np.random.default_rng(0).uniform(
        0, 255, (3, 32, 32, 3)).astype("float32"))
    ours = getattr(module, builder)(weights=path, **kwargs)
    assert_same_predictions(ours, theirs, x, atol=1e-4)


def test_unknown_weights_and_classes_errors():
    with pytest.raises(ValueError, match="`weights` argument should be"):
        vgg16.VGG16(weights="places365")
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        vgg19.VGG19(weights="imagenet", classes=2)
    with pytest.raises(ValueError, match=r"should be \(224, 224, 3\)"):
        vgg16.VGG16(weights="imagenet", input_shape=(32, 32, 3))


def test_weight_files_are_keras_urls():
    assert vgg16.WEIGHTS_PATH.endswith(
        "keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    assert vgg19.WEIGHTS_PATH_NO_TOP.endswith(
        "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
