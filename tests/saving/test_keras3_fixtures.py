"""Every Keras 3.15.1 `.keras` and `.weights.h5` fixture loads in Lamina and
predicts what Keras predicted (the `.io.npz` next to it) within 1e-5."""

import json
import os
import zipfile

import pytest

import lamina
from lamina.saving import load_model
from saving import fixture_helpers
from saving.fixture_helpers import CUSTOM, MODELS, ROOT, ScaledDense

FIXTURES = os.path.join(ROOT, "keras3")

pytestmark = pytest.mark.skipif(not os.path.isdir(FIXTURES),
                                reason="shared fixtures not present")


def assert_predicts(model, name):
    fixture_helpers.assert_predicts(model, "keras3", name)


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
