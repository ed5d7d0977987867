"""The seed programs' convolutional models: same summary text as Keras 3,
and they train."""

import warnings

import numpy as np
import pytest

import lamina


def _summary(model):
    lines = []
    model.summary(line_length=88, print_fn=lines.append)
    return "".join(lines)


def _mnist_512(lib, style):
    layers = lib.layers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if style == "functional":
            inputs = lib.Input((28, 28, 1))
            x = layers.Convolution2D(512, kernel_size=(3, 3),
                                     activation="relu",
                                     padding="same")(inputs)
            x = layers.MaxPooling2D((2, 2), strides=(2, 2))(x)
            x = layers.Flatten()(x)
            x = layers.Dense(10)(x)
            return lib.Model(inputs, layers.Dropout(0.5)(x))
        stack = [
            layers.Convolution2D(512, kernel_size=(3, 3), activation="relu",
                                 padding="same", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2), strides=(2, 2)),
            layers.Flatten(),
            layers.Dense(10),
            layers.Dropout(0.5),
        ]
        if style == "list":
            return lib.Sequential(stack)
        model = lib.Sequential()
        for layer in stack:
            model.add(layer)
        return model


def _small_rgb(lib, style):
    layers = lib.layers
    return lib.Sequential([
        lib.Input((28, 28, 3)), layers.Conv2D(8, 2), layers.Conv2D(4, 2),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dense(128),
        layers.Dense(10),
    ])


def _filters_32(lib, style):
    layers = lib.layers
    return lib.Sequential([
        lib.Input((28, 28, 1)), layers.Conv2D(filters=32, kernel_size=(3, 3)),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


CASES = [(_mnist_512, "list"), (_mnist_512, "add"),
         (_mnist_512, "functional"), (_small_rgb, "list"),
         (_filters_32, "list")]


@pytest.mark.parametrize("build,style", CASES,
                         ids=[f"{b.__name__}-{s}" for b, s in CASES])
def test_summary_matches_keras_and_model_trains(keras_ref, build, style):
    keras_ref.backend.clear_session()
    lamina.backend.clear_session()
    theirs = build(keras_ref, style)
    ours = build(lamina, style)
    assert _summary(ours) == _summary(theirs)
    assert ours.count_params() == theirs.count_params()

    channels = ours.input_shape[-1]
    x = np.random.default_rng(0).random((16, 28, 28, channels),
                                        dtype=np.float32)
    y = np.random.default_rng(1).integers(0, 10, 16)
    ours.compile("adam", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=build is not _filters_32))
    history = ours.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
