"""Sharded weights (`.weights.json` index + `_NNNNN.weights.h5` shards)
move both ways between Keras 3 and Lamina."""

import json
import os

import numpy as np
import pytest

import lamina

SHARD_GB = 600 / 1024 ** 3  # about 600 bytes: several shards for a tiny model


def build(lib):
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(16),
                            lib.layers.BatchNormalization(),
                            lib.layers.Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    return model


def train(model):
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 6)).astype("float32"),
              rng.normal(size=(16, 4)).astype("float32"), verbose=0)


def x():
    return np.random.default_rng(1).normal(size=(3, 6)).astype("float32")


def test_keras_shards_load_in_lamina_and_back(keras_ref, tmp_path):
    theirs = build(keras_ref)
    train(theirs)
    path = str(tmp_path / "keras" / "model.weights.json")
    os.makedirs(os.path.dirname(path))
    theirs.save_weights(path, max_shard_size=SHARD_GB)
    assert len(os.listdir(os.path.dirname(path))) > 3
    ours = build(lamina)
    train(ours)  # builds the optimizer, so its state loads too
    ours.load_weights(path)
    np.testing.assert_allclose(
        np.asarray(ours.predict(x(), verbose=0)),
        keras_ref.ops.convert_to_numpy(theirs.predict(x(), verbose=0)),
        atol=1e-6)
    assert int(ours.optimizer.iterations) == 1

    ours.layers[0].kernel.data.mul_(2)
    path = str(tmp_path / "lamina" / "model.weights.json")
    lamina.saving.save_weights(ours, path, max_shard_size=SHARD_GB)
    shards = sorted(n for n in os.listdir(os.path.dirname(path))
                    if n.endswith(".weights.h5"))
    assert shards[0] == "model_00000.weights.h5" and len(shards) > 2
    index = json.load(open(path))
    assert index["weight_map"]["/layers/dense/vars"] == \
        "model_00000.weights.h5"
    theirs.load_weights(path)
    np.testing.assert_allclose(
        keras_ref.ops.convert_to_numpy(theirs.predict(x(), verbose=0)),
        np.asarray(ours.predict(x(), verbose=0)), atol=1e-6)


def test_sharded_errors(tmp_path):
    model = build(lamina)
    with pytest.raises(ValueError, match="exceeds the maximum shard size"):
        model.save_weights(str(tmp_path / "m.weights.json"),
                           max_shard_size=100 / 1024 ** 3)
    assert os.listdir(tmp_path) == []
    with pytest.warns(UserWarning, match="renamed to"):
        model.save_weights(str(tmp_path / "m.weights.h5"),
                           max_shard_size=SHARD_GB)
    assert os.path.exists(tmp_path / "m.weights.json")
    index = tmp_path / "bad.weights.json"
    index.write_text(json.dumps(
        {"weight_map": {"/layers/dense/vars": "../escape.weights.h5"}}))
    with pytest.raises(ValueError, match="beside the index"):
        model.load_weights(str(index))
    index.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a sharded-weights index"):
        model.load_weights(str(index))
    with pytest.raises(FileNotFoundError):
        model.load_weights(str(tmp_path / "absent.weights.json"))
