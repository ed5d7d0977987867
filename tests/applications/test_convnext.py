import numpy as np
import pytest
import torch

from lamina.applications import convnext
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           assert_same_predictions,
                                           slow)

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}


# ConvNeXtTiny is compared in full in the weight-file test below.
@slow("10-60 s each to build twice on a shared CPU")
@pytest.mark.parametrize("size", ["Small", "Base", "Large", "XLarge"])
def test_architecture_matches_keras(keras_ref, size):
    ours = getattr(convnext, f"ConvNeXt{size}")(weights=None, **SMALL)
    theirs = getattr(keras_ref.applications, f"ConvNeXt{size}")(
        weights=None, **SMALL)
    assert_same_architecture(ours, theirs)


def test_headless_tiny_matches_keras(keras_ref):
    kwargs = dict(SMALL, weights=None, pooling="avg")
    assert_same_architecture(convnext.ConvNeXtTiny(**kwargs),
                             keras_ref.applications.ConvNeXtTiny(**kwargs))


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "classifier_activation": None}
    theirs = keras_ref.applications.ConvNeXtTiny(**kwargs)
    rng = np.random.default_rng(0)
    for layer in theirs.layers:
        if type(layer).__name__ == "LayerScale":
            layer.set_weights([rng.uniform(0.5, 1.5, (layer.projection_dim,))
                               .astype("float32")])
    ours = convnext.ConvNeXtTiny(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "convnext_tiny.h5", (224, 224, 3))


def test_stochastic_depth_drops_whole_samples_in_training():
    layer = convnext.StochasticDepth(0.5)
    x = torch.ones(64, 2, 2, 3)
    out = layer(x, training=True)
    per_sample = out.reshape(64, -1)
    assert set(per_sample.unique().tolist()) <= {0.0, 2.0}
    assert (per_sample == per_sample[:, :1]).all()
    assert torch.equal(layer(x), x)
    with pytest.raises(ValueError, match="drop_path_rate"):
        convnext.StochasticDepth(1.5)


def test_layer_scale_multiplies_channels():
    layer = convnext.LayerScale(0.1, 3)
    out = layer(torch.ones(2, 3))
    assert torch.allclose(out, torch.full((2, 3), 0.1))
    assert layer.get_config()["projection_dim"] == 3


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(convnext, keras_ref.applications.convnext)


def test_keras_file_with_layer_scale_loads(keras_ref, tmp_path):
    # Keras writes its ConvNeXt layers under keras.src.applications.convnext;
    # Lamina reads them back as its own classes, and writes the same names.
    from keras.src.applications import convnext as keras_convnext

    import lamina

    inputs = keras_ref.Input((4, 4, 3))
    x = keras_convnext.LayerScale(0.5, 3)(inputs)
    x = keras_convnext.StochasticDepth(0.1)(x)
    theirs = keras_ref.Model(inputs, x)
    theirs.layers[1].set_weights([np.array([1.0, 2.0, 3.0], "float32")])
    theirs.save(tmp_path / "theirs.keras")
    ours = lamina.saving.load_model(tmp_path / "theirs.keras")
    assert isinstance(ours.layers[1], convnext.LayerScale)
    assert isinstance(ours.layers[2], convnext.StochasticDepth)
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    assert_same_predictions(ours, theirs, x)
    ours.save(tmp_path / "ours.keras")
    back = keras_ref.saving.load_model(tmp_path / "ours.keras")
    assert_same_predictions(ours, back, x)


def test_keras_3_weights_file_loads(keras_ref, tmp_path):
    # The `.weights.h5` layout nests the stem and downsampling Sequentials.
    kwargs = dict(SMALL, weights=None, pooling="avg")
    theirs = keras_ref.applications.ConvNeXtTiny(**kwargs)
    rng = np.random.default_rng(5)
    for weight in theirs.trainable_weights:
        weight.assign(rng.normal(0, 0.05, tuple(weight.shape))
                      .astype("float32"))
    theirs.save_weights(tmp_path / "convnext.weights.h5")
    ours = convnext.ConvNeXtTiny(**kwargs)
    ours.load_weights(tmp_path / "convnext.weights.h5")
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert np.isfinite(np.asarray(ours.predict(x, verbose=0))).all()
    assert_same_predictions(ours, theirs, x)
