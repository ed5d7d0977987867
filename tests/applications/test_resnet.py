"""ResNet50/101/152 and ResNet50V2/101V2/152V2 against Keras 3: parameter
counts, layer names and weight shapes, a Keras-written legacy .h5 loading
with equal predictions, feature extraction, fine-tuning with a frozen
base, and Keras's argument errors."""

import numpy as np
import pytest

import lamina as keras
from lamina.applications import resnet
from lamina.applications import resnet_v2
from applications.reference_models import (assert_same_architecture,
                                            assert_same_predictions,
                                            randomize_batch_norms,
                                            write_legacy_h5)

BUILDERS = ["ResNet50", "ResNet101", "ResNet152",
            "ResNet50V2", "ResNet101V2", "ResNet152V2"]


@pytest.mark.parametrize("builder", BUILDERS)
def test_architecture_equals_keras(builder, keras_ref):
    ours = getattr(keras.applications, builder)(weights=None)
    theirs = getattr(keras_ref.applications, builder)(weights=None)
    assert_same_architecture(ours, theirs)
    assert ours.name == theirs.name
    assert ours.output_shape == theirs.output_shape


@pytest.mark.parametrize("builder", ["ResNet50", "ResNet50V2"])
@pytest.mark.parametrize("pooling", [None, "avg", "max"])
def test_feature_extractor_equals_keras(builder, pooling, keras_ref):
    kwargs = dict(weights=None, include_top=False, input_shape=(64, 48, 3),
                  pooling=pooling)
    ours = getattr(keras.applications, builder)(**kwargs)
    theirs = getattr(keras_ref.applications, builder)(**kwargs)
    assert_same_architecture(ours, theirs)
    assert ours.output_shape == theirs.output_shape


def test_resnet50_loads_keras_legacy_h5_with_equal_predictions(
        tmp_path, keras_ref):
    theirs = keras_ref.applications.ResNet50(weights=None)
    randomize_batch_norms(theirs)
    path = write_legacy_h5(theirs, tmp_path / "resnet50.h5")
    rng = np.random.default_rng(0)
    x = resnet.preprocess_input(
        rng.uniform(0, 255, (1, 224, 224, 3)).astype("float32"))
    ours = keras.applications.ResNet50(weights=path)
    assert_same_predictions(ours, theirs, x, atol=1e-4)


def test_resnet50v2_notop_loads_keras_legacy_h5(tmp_path, keras_ref):
    kwargs = dict(include_top=False, input_shape=(64, 64, 3), pooling="avg")
    theirs = keras_ref.applications.ResNet50V2(weights=None, **kwargs)
    randomize_batch_norms(theirs)
    path = write_legacy_h5(theirs, tmp_path / "resnet50v2_notop.h5")
    x = resnet_v2.preprocess_input(np.random.default_rng(1).uniform(
        0, 255, (2, 64, 64, 3)).astype("float32"))
    ours = keras.applications.ResNet50V2(weights=path, **kwargs)
    assert_same_predictions(ours, theirs, x, atol=1e-4)


def test_fine_tuning_with_frozen_base_trains_only_the_head():
    base = keras.applications.ResNet50V2(
        weights=None, include_top=False, input_shape=(32, 32, 3),
        pooling="avg")
    base.trainable = False
    inputs = keras.Input((32, 32, 3))
    features = base(inputs, training=False)
    outputs = keras.layers.Dense(3, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    assert len(model.trainable_weights) == 2
    frozen = [w.detach().cpu().numpy().copy() for w in base.weights]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 3, 8)
    head = model.layers[-1].kernel.detach().cpu().numpy().copy()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    trained = model.layers[-1].kernel.detach().cpu().numpy()
    assert not np.allclose(trained, head)
    for before, after in zip(frozen, base.weights):
        np.testing.assert_array_equal(before, after.detach().cpu().numpy())


def test_input_tensor_becomes_the_model_input():
    inputs = keras.Input((40, 40, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    model = keras.applications.ResNet50(weights=None, include_top=False,
                                        input_tensor=x)
    assert model.inputs[0] is inputs
    assert model.output_shape == (None, 2, 2, 2048)


def test_unknown_weights_value_is_refused():
    with pytest.raises(ValueError, match="`weights` argument should be"):
        keras.applications.ResNet50(weights="imagenet21k")


def test_imagenet_weights_need_1000_classes():
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        keras.applications.ResNet101(weights="imagenet", classes=10)


def test_top_with_imagenet_weights_needs_default_input_shape():
    with pytest.raises(ValueError, match=r"should be \(224, 224, 3\)"):
        keras.applications.ResNet50(weights="imagenet",
                                    input_shape=(128, 128, 3))


def test_top_needs_a_static_input_shape_and_min_size():
    with pytest.raises(ValueError, match="static `input_shape`"):
        keras.applications.ResNet50(weights=None,
                                    input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="at least 32x32"):
        keras.applications.ResNet50(weights=None, include_top=False,
                                    input_shape=(16, 16, 3))


def test_pretrained_classifier_activation_must_be_softmax_or_none(tmp_path):
    path = tmp_path / "w.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="Only `None` and `softmax`"):
        keras.applications.ResNet50(weights=str(path),
                                    classifier_activation="relu")


def test_imagenet_weights_come_from_keras_url_with_hash_check(
        tmp_path, monkeypatch):
    # A corrupt "download" (served from a local file) fails the md5 check
    # against Keras's published digest: the file is removed, with a clear
    # error.
    bogus = tmp_path / "served"
    bogus.mkdir()
    name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    (bogus / name).write_bytes(b"not the weights")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", bogus.as_uri() + "/")
    with pytest.raises(Exception, match="4d473c1dd8becc155b73f8504c6f6626"):
        keras.applications.ResNet50(include_top=False)
    assert not (tmp_path / "home" / "models" / name).exists()


def _write_keras2_layout(keras_model, path):
    """A weights file in the layout of Keras's published ImageNet files
    (written by Keras 2: `layer_names`, and `<layer>/<weight>:0` datasets
    listed in each layer group's `weight_names`)."""
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["layer_names"] = [layer.name.encode()
                                  for layer in keras_model.layers]
        for layer in keras_model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0".encode()
                     for w in layer.weights]
            group.attrs["weight_names"] = names
            for name, weight in zip(names, layer.get_weights()):
                group.create_dataset(name.decode(), data=weight)
    return str(path)


def test_resnet50_notop_loads_the_published_file_layout(tmp_path, keras_ref):
    kwargs = dict(include_top=False, input_shape=(64, 64, 3))
    theirs = keras_ref.applications.ResNet50(weights=None, **kwargs)
    randomize_batch_norms(theirs)
    name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path = _write_keras2_layout(theirs, tmp_path / name)
    x = resnet.preprocess_input(np.random.default_rng(2).uniform(
        0, 255, (2, 64, 64, 3)).astype("float32"))
    ours = keras.applications.ResNet50(weights=path, **kwargs)
    assert_same_predictions(ours, theirs, x, atol=1e-4)


def test_imagenet_weights_download_into_the_keras_cache(tmp_path, keras_ref,
                                                        monkeypatch):
    # Keras's published file, served from a local folder (no network) with
    # its md5 standing in for the published one.
    import hashlib

    kwargs = dict(include_top=False, input_shape=(64, 64, 3))
    theirs = keras_ref.applications.ResNet50(weights=None, **kwargs)
    randomize_batch_norms(theirs, seed=3)
    served = tmp_path / "served"
    served.mkdir()
    name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path = _write_keras2_layout(theirs, served / name)
    digest = hashlib.md5(open(path, "rb").read()).hexdigest()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", served.as_uri() + "/")
    monkeypatch.setitem(resnet.WEIGHTS_HASHES, "resnet50", ("0" * 32, digest))
    ours = keras.applications.ResNet50(weights="imagenet", **kwargs)
    assert (tmp_path / "home" / "models" / name).exists()
    x = resnet.preprocess_input(np.random.default_rng(4).uniform(
        0, 255, (1, 64, 64, 3)).astype("float32"))
    assert_same_predictions(ours, theirs, x, atol=1e-4)
