"""`MultiOptimizer` / `OptimizerMap` against Keras 3's (torch backend)."""

import json
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina.optimizers import MultiOptimizer  # noqa: E402
from lamina.optimizers import OptimizerMap  # noqa: E402


def _model(k):
    model = k.Sequential([k.Input((5,)),
                          k.layers.Dense(4, activation="tanh", name="a"),
                          k.layers.Dense(2, name="b")])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _fit(k, loss_scale_factor=None):
    model = _model(k)
    mapping = k.optimizers.OptimizerMap(
        k.optimizers.SGD(0.1, momentum=0.5),
        {"b/.*": k.optimizers.Adam(0.01)})
    optimizer = k.optimizers.MultiOptimizer(
        mapping, loss_scale_factor=loss_scale_factor)
    model.compile(optimizer=optimizer, loss="mse")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 5)).astype("float32")
    y = rng.normal(size=(24, 2)).astype("float32")
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False,
                        verbose=0)
    return history.history["loss"], model.get_weights(), optimizer


@pytest.mark.parametrize("loss_scale_factor", [None, 4.0])
def test_fit_matches_keras(loss_scale_factor):
    ours_loss, ours_w, ours_opt = _fit(lamina, loss_scale_factor)
    theirs_loss, theirs_w, theirs_opt = _fit(keras, loss_scale_factor)
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours_w, theirs_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(ours_opt.iterations) == int(theirs_opt.iterations) == 6
    assert [int(o.iterations) for o in ours_opt.optimizers] == \
        [int(o.iterations) for o in theirs_opt.optimizers]
    assert len(ours_opt.variables) == len(theirs_opt.variables)
    for a, b in zip(ours_opt.variables, theirs_opt.variables):
        np.testing.assert_allclose(np.asarray(a.detach().cpu()),
                                   keras.ops.convert_to_numpy(b),
                                   rtol=1e-5, atol=1e-6)


def test_optimizer_map_lookup():
    default = lamina.optimizers.SGD()
    adam = lamina.optimizers.Adam()
    exact = lamina.optimizers.RMSprop()
    mapping = OptimizerMap(default, {"dense/.*": adam, "dense/bias": exact})
    assert mapping["dense/bias"] is exact
    assert mapping["dense/kernel"] is adam
    assert mapping["other/kernel"] is default
    assert len(mapping) == 2 and set(mapping) == {"dense/.*", "dense/bias"}
    mapping["x/.*"] = lamina.optimizers.Lion()
    del mapping["x/.*"]
    assert len(mapping) == 2
    mapping["d.*"] = lamina.optimizers.Lion()
    with pytest.raises(ValueError, match="several keys"):
        mapping["dense/kernel"]


def test_errors():
    sgd = lamina.optimizers.SGD()
    with pytest.raises(TypeError, match="default_optimizer"):
        OptimizerMap("sgd")
    with pytest.raises(TypeError, match="optimizer_map"):
        OptimizerMap(sgd, [sgd])
    mapping = OptimizerMap(sgd, {"a": lamina.optimizers.Adam()})
    with pytest.raises(ValueError, match="already mapped"):
        mapping["a"] = sgd
    with pytest.raises(ValueError, match="strings"):
        mapping[3] = sgd
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        mapping["b"] = lamina.optimizers.LossScaleOptimizer(sgd)
    multi = MultiOptimizer(mapping)
    with pytest.raises(AttributeError, match="no learning rate"):
        multi.learning_rate
    with pytest.raises(ValueError, match="MultiOptimizer cannot"):
        mapping["c"] = multi


def test_config_matches_keras_and_round_trips():
    def make(k):
        return k.optimizers.MultiOptimizer(k.optimizers.OptimizerMap(
            k.optimizers.SGD(0.1, name="s"),
            {"b/.*": k.optimizers.Adam(0.01, name="ad")}),
            name="multi")

    ours = lamina.optimizers.serialize(make(lamina))
    theirs = keras.optimizers.serialize(make(keras))
    # Equal as written to a file (JSON).
    assert json.dumps(ours, sort_keys=True) == json.dumps(theirs,
                                                          sort_keys=True)
    for config in (ours, theirs):
        again = lamina.optimizers.deserialize(config)
        assert isinstance(again, MultiOptimizer) and again.name == "multi"
        assert [type(o).__name__ for o in again.optimizers] == \
            ["Adam", "SGD"]
        assert again._optimizer_map["b/kernel"] is again.optimizers[0]
        assert again._optimizer_map["a/kernel"] is again.optimizers[1]
