import numpy as np
import pytest

from lamina.applications import mobilenet_v2
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           assert_same_predictions,
                                           randomize_batch_norms,
                                           write_legacy_h5)


@pytest.mark.parametrize("alpha,kwargs", [
    (1.0, {"include_top": False, "input_shape": (32, 32, 3)}),
    (1.4, {"include_top": False, "input_shape": (32, 32, 3),
           "pooling": "max"}),
    (0.5, {"include_top": True, "classes": 10, "input_shape": (96, 96, 3)}),
])
def test_architecture_matches_keras(keras_ref, alpha, kwargs):
    ours = mobilenet_v2.MobileNetV2(weights=None, alpha=alpha, **kwargs)
    theirs = keras_ref.applications.MobileNetV2(weights=None, alpha=alpha,
                                                **kwargs)
    assert_same_architecture(ours, theirs)
    assert ours.name == theirs.name


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"alpha": 0.35, "weights": None, "classifier_activation": None}
    theirs = keras_ref.applications.MobileNetV2(**kwargs)
    randomize_batch_norms(theirs)
    ours = mobilenet_v2.MobileNetV2(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "mobilenet_v2.h5", (224, 224, 3),
        mobilenet_v2.preprocess_input)


def test_feature_extractor_and_input_tensor():
    from lamina import layers

    inputs = layers.Input((64, 64, 3))
    model = mobilenet_v2.MobileNetV2(weights=None, include_top=False,
                                     input_tensor=inputs, pooling="avg")
    assert model.inputs[0] is inputs
    assert tuple(model.output.shape) == (None, 1280)


def test_bad_arguments():
    with pytest.raises(ValueError, match="weights"):
        mobilenet_v2.MobileNetV2(weights="nonexistent.h5")
    with pytest.raises(ValueError, match="alpha"):
        mobilenet_v2.MobileNetV2(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="classes"):
        mobilenet_v2.MobileNetV2(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="input_shape"):
        mobilenet_v2.MobileNetV2(weights="imagenet", include_top=True,
                                 input_shape=(100, 100, 3))
    with pytest.raises(ValueError, match="pooling"):
        mobilenet_v2.MobileNetV2(weights=None, include_top=False,
                                 pooling="mean", input_shape=(32, 32, 3))


def test_imagenet_weights_come_from_the_keras_cache(keras_ref, tmp_path,
                                                    monkeypatch):
    # Keras publishes MobileNetV2 files without a hash, so a file already in
    # the cache under Keras's name is used as it is (no download).
    kwargs = {"alpha": 0.35, "include_top": False,
              "input_shape": (96, 96, 3)}
    theirs = keras_ref.applications.MobileNetV2(weights=None, **kwargs)
    randomize_batch_norms(theirs)
    (tmp_path / "models").mkdir()
    write_legacy_h5(theirs, tmp_path / "models" / (
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    ours = mobilenet_v2.MobileNetV2(weights="imagenet", **kwargs)
    assert ours.name == "mobilenetv2_0.35_96"
    x = np.random.default_rng(2).uniform(-1, 1, (1, 96, 96, 3))
    assert_same_predictions(ours, theirs, x.astype("float32"))


def test_frozen_base_fine_tuning():
    # The transfer-learning guide: a frozen feature extractor, a new head.
    import lamina
    from lamina import layers

    base = mobilenet_v2.MobileNetV2(weights=None, alpha=0.35,
                                    include_top=False,
                                    input_shape=(32, 32, 3), pooling="avg")
    base.trainable = False
    inputs = layers.Input((32, 32, 3))
    outputs = layers.Dense(2)(base(inputs, training=False))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    frozen = [w.detach().cpu().numpy().copy() for w in base.weights]
    head = model.layers[-1].kernel.detach().cpu().numpy().copy()
    rng = np.random.default_rng(0)
    model.fit(rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32"),
              rng.normal(size=(8, 2)).astype("float32"), epochs=1,
              batch_size=4, verbose=0)
    assert len(model.trainable_weights) == 2
    for before, after in zip(frozen, base.weights):
        np.testing.assert_array_equal(before, after.detach().cpu().numpy())
    assert not np.array_equal(
        head, model.layers[-1].kernel.detach().cpu().numpy())


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(mobilenet_v2, keras_ref.applications.mobilenet_v2)


def test_channels_first_matches_keras(keras_ref, tmp_path):
    import lamina

    kwargs = {"weights": None, "alpha": 0.35, "include_top": False,
              "input_shape": (3, 32, 32), "pooling": "avg"}
    lamina.config.set_image_data_format("channels_first")
    keras_ref.config.set_image_data_format("channels_first")
    try:
        theirs = keras_ref.applications.MobileNetV2(**kwargs)
        randomize_batch_norms(theirs)
        path = write_legacy_h5(theirs, tmp_path / "channels_first.h5")
        ours = mobilenet_v2.MobileNetV2(**kwargs)
        assert_same_architecture(ours, theirs)
        ours.load_weights(path)
        x = np.random.default_rng(4).uniform(-1, 1, (2, 3, 32, 32))
        assert_same_predictions(ours, theirs, x.astype("float32"))
    finally:
        lamina.config.set_image_data_format("channels_last")
        keras_ref.config.set_image_data_format("channels_last")
