"""Checks shared by the application tests: the same architecture as Keras 3
(parameter count, layer names, weight shapes in order) and the same
predictions from a weight file Keras wrote."""

import h5py
import numpy as np


def assert_same_architecture(ours, theirs):
    assert ours.count_params() == theirs.count_params()
    assert [layer.name for layer in ours.layers] == [
        layer.name for layer in theirs.layers]
    assert [tuple(w.shape) for w in ours.weights] == [
        tuple(w.shape) for w in theirs.weights]


def randomize_batch_norms(keras_model, seed=0):
    """Non-trivial statistics, so that a misplaced BatchNormalization weight
    changes the predictions."""
    rng = np.random.default_rng(seed)
    for layer in keras_model.layers:
        if type(layer).__name__ == "BatchNormalization":
            values = []
            for weight in layer.weights:
                shape = tuple(weight.shape)
                if weight.name in ("gamma", "moving_variance"):
                    values.append(rng.uniform(0.5, 1.5, shape))
                else:
                    values.append(rng.normal(0, 0.1, shape))
            layer.set_weights([v.astype("float32") for v in values])


def write_legacy_h5(keras_model, path):
    """A weights file in the layout of Keras's published ImageNet files
    (legacy HDF5, one group per layer at the root)."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, keras_model)
    return str(path)


def assert_same_predictions(ours, theirs, x, atol=1e-4):
    expected = np.asarray(theirs.predict(x, verbose=0))
    got = np.asarray(ours.predict(x, verbose=0))
    assert np.isfinite(expected).all() and np.std(expected) > 0
    np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-4)


def slow(reason):
    """Skips a test unless LAMINA_SLOW_TESTS is set (run by hand)."""
    import os

    import pytest

    return pytest.mark.skipif(
        not os.environ.get("LAMINA_SLOW_TESTS"),
        reason=f"{reason}; run with LAMINA_SLOW_TESTS=1")


def assert_same_preprocessing(ours, keras_module):
    """The module's `preprocess_input` equals Keras's on an RGB batch."""
    x = np.random.default_rng(3).uniform(0, 255, (2, 8, 8, 3))
    x = x.astype("float32")
    expected = np.asarray(keras_module.preprocess_input(x.copy()))
    got = np.asarray(ours.preprocess_input(x.copy()))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)


def assert_loads_keras_weights(
        ours, theirs, h5_path, input_shape, preprocess=None,
        check_architecture=True):
    """`ours` (with Keras's architecture, unless `check_architecture` is
    False) loads the legacy HDF5 weights file written from `theirs` and
    predicts what `theirs` predicts on two random RGB images of
    `input_shape`, passed through `preprocess` when given."""
    path = write_legacy_h5(theirs, h5_path)
    if check_architecture:
        assert_same_architecture(ours, theirs)
    ours.load_weights(path)
    x = np.random.default_rng(1).uniform(0, 255, (2,) + tuple(input_shape))
    x = x.astype("float32")
    if preprocess is not None:
        x = preprocess(x)
    assert_same_predictions(ours, theirs, x)
