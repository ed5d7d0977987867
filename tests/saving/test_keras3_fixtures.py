"""Every Keras 3.15.1 `.keras` and `.weights.h5` fixture loads in Lamina and
predicts what Keras predicted (the `.io.npz` next to it) within 1e-5."""

import json
import os
import zipfile

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.saving import load_model

FIXTURES = "/work/shared/fixtures/keras3"
MODELS = ["mlp", "cnn", "multi_io", "rnn", "bidir_timedist", "nested",
          "custom_layer"]

pytestmark = pytest.mark.skipif(not os.path.isdir(FIXTURES),
                                reason="shared fixtures not present")


class ScaledDense(lamina.layers.Layer):
    """The fixtures' custom layer: y = scale * (x @ kernel + bias)."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(int(input_shape[-1]), self.units))
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer="zeros")

    def call(self, inputs):
        return self.scale * (ops.matmul(inputs, self.kernel) + self.bias)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "scale": self.scale}


CUSTOM = {"ScaledDense": ScaledDense}


def reference(name):
    data = np.load(os.path.join(FIXTURES, f"{name}.io.npz"))
    xs = [data[k] for k in sorted(data.files) if k.startswith("x")]
    ys = [data[k] for k in sorted(data.files) if k.startswith("y")]
    return (xs[0] if len(xs) == 1 else xs), ys


def assert_predicts(model, name):
    x, ys = reference(name)
    predictions = model.predict(x, batch_size=4, verbose=0)
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
    assert len(predictions) == len(ys)
    for ours, theirs in zip(predictions, ys):
        np.testing.assert_allclose(np.asarray(ours), theirs, atol=1e-5,
                                   rtol=0)


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_loads_compiled_with_optimizer_state(name):
    model = load_model(os.path.join(FIXTURES, f"{name}.keras"),
                       custom_objects=CUSTOM)
    assert_predicts(model, name)
    assert model.compiled
    assert int(model.optimizer.iterations) == 8
    manifest = json.load(open(os.path.join(FIXTURES, "manifest.json")))
    assert model.count_params() == manifest["models"][name]["params"]


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_loads_without_compiling(name):
    model = load_model(os.path.join(FIXTURES, f"{name}.keras"),
                       custom_objects=CUSTOM, compile=False)
    assert not model.compiled
    assert_predicts(model, name)


@pytest.mark.parametrize("name", MODELS)
def test_weights_file_loads_into_the_model_of_its_config(name):
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{name}.keras")) as archive:
        config = archive.read("config.json").decode()
    with lamina.saving.custom_object_scope(CUSTOM):
        model = lamina.models.model_from_json(config)
    model.load_weights(os.path.join(FIXTURES, f"{name}.weights.h5"))
    assert_predicts(model, name)
    # The optimizer state loads too, since the config compiled the model.
    assert int(model.optimizer.iterations) == 8


def test_keras_file_loads_weights_into_a_model():
    config = json.loads(zipfile.ZipFile(
        os.path.join(FIXTURES, "cnn.keras")).read("config.json"))
    model = lamina.saving.deserialize_keras_object(
        {**config, "compile_config": None})
    model.load_weights(os.path.join(FIXTURES, "cnn.keras"))
    assert_predicts(model, "cnn")


def test_custom_layer_needs_its_class():
    with pytest.raises(TypeError, match="ScaledDense"):
        load_model(os.path.join(FIXTURES, "custom_layer.keras"))


def test_custom_layer_found_through_the_global_custom_objects():
    registry = lamina.saving.get_custom_objects()
    registry["ScaledDense"] = ScaledDense
    try:
        model = load_model(os.path.join(FIXTURES, "custom_layer.keras"))
    finally:
        del registry["ScaledDense"]
    assert_predicts(model, "custom_layer")
    with lamina.saving.custom_object_scope(CUSTOM):
        assert_predicts(load_model(
            os.path.join(FIXTURES, "custom_layer.keras")), "custom_layer")
