"""Muon, ScheduleFreeAdamW and the legacy aliases against Keras 3."""

import numpy as np
import pytest
import torch

import lamina.optimizers as lamina_optimizers
from lamina.layers.variable import Variable

SHAPES = {"dense/kernel": (3, 5), "dense/bias": (5,), "tall": (6, 2),
          "embedding/embeddings": (4, 3), "conv": (2, 3, 2)}
STEPS = 4


def _data(seed=0):
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(s).astype("float32")
               for s in SHAPES.values()]
    grads = [[rng.standard_normal(s).astype("float32")
              for s in SHAPES.values()] for _ in range(STEPS)]
    return initial, grads


def _run(make, module, variables, grads):
    optimizer = make(module)
    for step in grads:
        optimizer.apply([torch.tensor(g) for g in step], variables)
    return optimizer


def _compare(keras, make, rtol=1e-5, atol=1e-6):
    initial, grads = _data()
    keras_vars = []
    for path, value in zip(SHAPES, initial):
        if "/" in path:
            scope, name = path.split("/")
            with keras.name_scope(scope):
                keras_vars.append(keras.Variable(value, name=name))
        else:
            keras_vars.append(keras.Variable(value, name=path))
    assert [v.path for v in keras_vars] == list(SHAPES)
    keras_opt = _run(make, keras.optimizers, keras_vars, grads)
    ours = [Variable(torch.tensor(value), name=path.split("/")[-1],
                     path=path) for path, value in zip(SHAPES, initial)]
    lamina_opt = _run(make, lamina_optimizers, ours, grads)
    for a, e in zip(ours, keras_vars):
        np.testing.assert_allclose(a.detach().cpu().numpy(),
                                   keras.ops.convert_to_numpy(e),
                                   rtol=rtol, atol=atol)
    assert [tuple(v.shape) for v in lamina_opt.variables] == \
        [tuple(v.shape) for v in keras_opt.variables]
    assert lamina_opt.get_config() == keras_opt.get_config()
    return lamina_opt


@pytest.mark.parametrize("make", [
    lambda O: O.Muon(0.05),
    lambda O: O.Muon(0.05, nesterov=False, rms_rate=None,
                     exclude_layers=["tall"], adam_lr_ratio=0.5),
    lambda O: O.Muon(0.05, weight_decay=0.1, adam_weight_decay=0.2,
                     exclude_embeddings=False),
], ids=["defaults", "options", "decays"])
def test_muon_matches_keras(keras_ref, make):
    _compare(keras_ref, make, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda O: O.ScheduleFreeAdamW(0.05),
    lambda O: O.ScheduleFreeAdamW(0.05, warmup_steps=3, beta_1=0.8,
                                  weight_decay=0.01),
], ids=["defaults", "warmup"])
def test_schedule_free_adamw_matches_keras(keras_ref, make):
    _compare(keras_ref, make)


@pytest.mark.parametrize("name", ["Muon", "ScheduleFreeAdamW"])
def test_defaults_and_serialization_match_keras(keras_ref, name):
    keras_opt = getattr(keras_ref.optimizers, name)()
    ours = getattr(lamina_optimizers, name)()
    assert ours.get_config() == keras_opt.get_config()
    assert lamina_optimizers.serialize(ours) == \
        keras_ref.optimizers.serialize(keras_opt)
    restored = lamina_optimizers.deserialize(
        keras_ref.optimizers.serialize(keras_opt))
    assert type(restored) is type(ours)
    assert type(lamina_optimizers.get(name.lower())) is type(ours)


def test_muon_orthogonalizes_matrices():
    optimizer = lamina_optimizers.Muon()
    x = torch.randn(8, 5)
    o = optimizer.zeropower_via_newtonschulz5(x, 5)
    singular = torch.linalg.svdvals(o)
    assert singular.min() > 0.5 and singular.max() < 1.5
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        optimizer.zeropower_via_newtonschulz5(torch.ones(3), 5)


def test_schedule_free_trains_a_model():
    import lamina
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 4)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(1)])
    model.compile(lamina_optimizers.ScheduleFreeAdamW(0.05), "mse")
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_legacy_names_are_the_current_optimizers():
    legacy = lamina_optimizers.legacy
    assert legacy.Adam is lamina_optimizers.Adam
    assert legacy.SGD is lamina_optimizers.SGD
    optimizer = legacy.Adam(lr=0.01)
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
