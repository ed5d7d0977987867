"""`.keras` files written by Keras 2.13-2.15 (tf.keras / tf_keras): a Keras 2
config (translated on loading) and weights under
`_layer_checkpoint_dependencies`. No such fixture exists, so each file is
assembled from the tf_keras 2.21 fixtures' JSON and weights."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import lamina

KERAS2 = "/work/shared/fixtures/keras2"
pytestmark = pytest.mark.skipif(not os.path.isdir(KERAS2),
                                reason="shared fixtures not present")


def keras2_file(name, tmp_path):
    """A Keras 2-style `.keras` holding the fixture's trained weights."""
    config_json = open(os.path.join(KERAS2, f"{name}.json")).read()
    model = lamina.models.model_from_json(config_json)
    model.load_weights(os.path.join(KERAS2, f"{name}.weights-only.h5"))
    lamina_path = str(tmp_path / "lamina.keras")
    model.save(lamina_path)
    with zipfile.ZipFile(lamina_path) as archive:
        weights = archive.read("model.weights.h5")
    buffer = io.BytesIO(weights)
    with h5py.File(buffer, "r+") as f:
        # Keras 2 named every model's layer list this way, nested included.
        lists = []
        f.visit(lambda n: lists.append(n) if n.split("/")[-1] == "layers"
                else None)
        for name in sorted(lists, key=len, reverse=True):
            head, _, _ = name.rpartition("/")
            f.move(name, (head + "/" if head else "") +
                   "_layer_checkpoint_dependencies")
    config = json.loads(config_json)
    config["compile_config"] = {
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                      "config": {"name": "Adam", "learning_rate": 0.01,
                                 "is_legacy_optimizer": False,
                                 "jit_compile": False, "decay": 0.0},
                      "registered_name": None},
        "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
        "loss_weights": None, "weighted_metrics": None,
        "run_eagerly": None, "steps_per_execution": None,
        "jit_compile": None, "pss_evaluation_shards": 0}
    path = str(tmp_path / f"{name}_keras2.keras")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(
            {"keras_version": "2.15.0", "date_saved": "2024-01-01@00:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())
    return path


@pytest.mark.parametrize("name", ["mlp", "cnn", "rnn", "nested"])
def test_keras_2_keras_file_loads(name, tmp_path):
    model = lamina.saving.load_model(keras2_file(name, tmp_path))
    data = np.load(os.path.join(KERAS2, f"{name}.io.npz"))
    np.testing.assert_allclose(model.predict(data["x"], verbose=0),
                               data["y"], atol=1e-5)
    assert model.compiled
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.name == "adam"
