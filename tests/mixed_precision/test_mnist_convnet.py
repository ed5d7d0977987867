"""A small MNIST convnet trains to float32's accuracy under mixed
precision (3,000 training images, 1,000 test images, fixed seeds)."""

import os

import numpy as np
import pytest
import torch

import lamina as keras


@pytest.fixture(scope="module")
def mnist_subset():
    path = os.path.join(keras.config.keras_home(), "datasets", "mnist.npz")
    if not os.path.exists(path):
        pytest.skip(f"MNIST is not cached at {path} (tests never download)")
    (x, y), (x_test, y_test) = keras.datasets.mnist.load_data()
    x = x[:3000, ..., None].astype("float32") / 255
    x_test = x_test[:1000, ..., None].astype("float32") / 255
    return x, y[:3000], x_test, y_test[:1000]


def _accuracy(policy, data):
    x, y, x_test, y_test = data
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10),
            # The usual recipe: the output layer in float32.
            keras.layers.Activation("softmax", dtype="float32"),
        ])
    finally:
        keras.mixed_precision.set_global_policy(None)
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    conv = model.layers[0]
    assert conv.kernel.dtype == torch.float32
    expected = {"float32": torch.float32, "mixed_float16": torch.float16,
                "mixed_bfloat16": torch.bfloat16}[policy]
    assert conv(x_test[:2]).dtype == expected
    return model.evaluate(x_test, y_test, verbose=0)[1], model


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_convnet_reaches_float32_accuracy(mnist_subset,
                                                          policy):
    reference, _ = _accuracy("float32", mnist_subset)
    accuracy, model = _accuracy(policy, mnist_subset)
    assert reference > 0.85
    assert abs(accuracy - reference) <= 0.005
    if policy == "mixed_float16":
        assert isinstance(model.optimizer,
                          keras.mixed_precision.LossScaleOptimizer)
        assert np.isfinite(float(model.optimizer.dynamic_scale))
