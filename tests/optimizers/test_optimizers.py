"""Every optimizer and option against Keras 3 (torch backend).

Both libraries start from the same weights and see the same gradient
sequence; the weights after each run, the optimizer variables (order,
paths, shapes, dtypes) and the configs must match.
"""

import numpy as np
import pytest
import torch

import lamina.optimizers as lamina_optimizers
from lamina.layers.variable import Variable

SHAPES = {"kernel": (3, 4), "bias": (4,), "conv": (2, 3, 2)}
STEPS = 5


def _data(seed=0):
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(s).astype("float32") for s in SHAPES.values()]
    grads = [
        [rng.standard_normal(s).astype("float32") for s in SHAPES.values()]
        for _ in range(STEPS)
    ]
    return initial, grads


def run_lamina(make, initial, grad_sequence):
    variables = [
        Variable(torch.tensor(value), name=name, path=name)
        for name, value in zip(SHAPES, initial)
    ]
    optimizer = make(lamina_optimizers)
    for grads in grad_sequence:
        optimizer.apply([torch.tensor(g) for g in grads], variables)
    return [v.detach().cpu().numpy() for v in variables], optimizer


def run_keras(keras, make, initial, grad_sequence):
    variables = [
        keras.Variable(value, name=name) for name, value in zip(SHAPES, initial)
    ]
    optimizer = make(keras.optimizers)
    for grads in grad_sequence:
        optimizer.apply([torch.tensor(g) for g in grads], variables)
    return [keras.ops.convert_to_numpy(v) for v in variables], optimizer


def variable_signature(optimizer):
    return [
        (v.path, tuple(v.shape), str(v.dtype).replace("torch.", ""))
        for v in optimizer.variables
    ]


CASES = {
    "sgd": lambda O: O.SGD(0.1),
    "sgd_momentum": lambda O: O.SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda O: O.SGD(0.1, momentum=0.9, nesterov=True),
    "rmsprop": lambda O: O.RMSprop(0.1),
    "rmsprop_momentum": lambda O: O.RMSprop(0.1, momentum=0.5),
    "rmsprop_centered": lambda O: O.RMSprop(0.1, centered=True),
    "rmsprop_momentum_centered": lambda O: O.RMSprop(
        0.1, momentum=0.5, centered=True),
    "adam": lambda O: O.Adam(0.1),
    "adam_amsgrad": lambda O: O.Adam(0.1, amsgrad=True),
    "adam_weight_decay": lambda O: O.Adam(0.1, weight_decay=0.05),
    "adam_clipnorm": lambda O: O.Adam(0.1, clipnorm=1.0),
    "adam_clipvalue": lambda O: O.Adam(0.1, clipvalue=0.5),
    "adam_global_clipnorm": lambda O: O.Adam(0.1, global_clipnorm=1.0),
    "adam_ema": lambda O: O.Adam(0.1, use_ema=True, ema_momentum=0.9),
    "adam_ema_overwrite": lambda O: O.Adam(
        0.1, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=2),
    "adam_accumulation": lambda O: O.Adam(0.1, gradient_accumulation_steps=2),
    "adam_accumulation_ema": lambda O: O.Adam(
        0.1, gradient_accumulation_steps=2, use_ema=True,
        ema_overwrite_frequency=2),
    "adam_loss_scale_factor": lambda O: O.Adam(0.1, loss_scale_factor=8.0),
    "adam_negative_lr": lambda O: O.Adam(-0.1),
    "adam_schedule": lambda O: O.Adam(
        O.schedules.CosineDecayRestarts(0.1, 2)),
    "adamw": lambda O: O.AdamW(0.1, weight_decay=0.1),
    "adamw_amsgrad": lambda O: O.AdamW(0.1, amsgrad=True),
    "adagrad": lambda O: O.Adagrad(0.1),
    "adadelta": lambda O: O.Adadelta(1.0),
    "adamax": lambda O: O.Adamax(0.1),
    "nadam": lambda O: O.Nadam(0.1),
    "ftrl": lambda O: O.Ftrl(0.1),
    "ftrl_regularized": lambda O: O.Ftrl(
        0.1, l1_regularization_strength=0.01, l2_regularization_strength=0.1,
        l2_shrinkage_regularization_strength=0.05, beta=0.3),
    "lion": lambda O: O.Lion(0.1),
    "lion_weight_decay": lambda O: O.Lion(0.1, weight_decay=0.1),
    "adafactor": lambda O: O.Adafactor(0.1),
    "lamb": lambda O: O.Lamb(0.1),
    "sgd_momentum_clipnorm_ema": lambda O: O.SGD(
        0.1, momentum=0.9, clipnorm=0.5, use_ema=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(keras_ref, case):
    initial, grads = _data()
    expected, keras_opt = run_keras(keras_ref, CASES[case], initial, grads)
    keras_ref.backend.clear_session()
    actual, lamina_opt = run_lamina(CASES[case], initial, grads)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
    assert variable_signature(lamina_opt) == variable_signature(keras_opt)
    assert lamina_opt.get_config() == keras_opt.get_config()
    assert int(lamina_opt.iterations) == int(keras_opt.iterations)
    np.testing.assert_allclose(
        float(lamina_opt.learning_rate), float(keras_opt.learning_rate),
        rtol=1e-6,
    )


def test_slot_values_match_keras(keras_ref):
    initial, grads = _data(1)
    make = CASES["adam_amsgrad"]
    _, keras_opt = run_keras(keras_ref, make, initial, grads)
    _, lamina_opt = run_lamina(make, initial, grads)
    for lv, kv in zip(lamina_opt.variables, keras_opt.variables):
        np.testing.assert_allclose(
            lv.detach().cpu().numpy(), keras_ref.ops.convert_to_numpy(kv),
            rtol=1e-5,
            atol=1e-7)


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_skipped_gradients_match_keras(keras_ref):
    initial, grads = _data(2)
    # The bias gets no gradient on odd steps: it and its slots stay put.
    grads = [[g[0], None, g[2]] if i % 2 else g for i, g in enumerate(grads)]

    def run(optimizer, variables):
        for step in grads:
            optimizer.apply(
                [None if g is None else torch.tensor(g) for g in step],
                variables)
        return variables

    expected = run(keras_ref.optimizers.Adam(0.1), [
        keras_ref.Variable(v, name=n) for n, v in zip(SHAPES, initial)])
    actual = run(lamina_optimizers.Adam(0.1), [
        Variable(torch.tensor(v), name=n, path=n)
        for n, v in zip(SHAPES, initial)])
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(
            a.detach().cpu().numpy(), keras_ref.ops.convert_to_numpy(e),
            rtol=1e-5,
            atol=1e-6)


def test_exclude_from_weight_decay_matches_keras(keras_ref):
    initial, grads = _data(3)

    def make(O):
        optimizer = O.AdamW(0.1, weight_decay=0.2)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    expected, _ = run_keras(keras_ref, make, initial, grads)
    actual, _ = run_lamina(make, initial, grads)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", [
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
    "Nadam", "Ftrl", "Lion", "Adafactor", "Lamb",
])
def test_defaults_names_and_serialization_match_keras(keras_ref, name):
    keras_opt = getattr(keras_ref.optimizers, name)()
    lamina_opt = getattr(lamina_optimizers, name)()
    assert lamina_opt.name == keras_opt.name
    assert lamina_opt.get_config() == keras_opt.get_config()
    keras_config = keras_ref.optimizers.serialize(keras_opt)
    lamina_config = lamina_optimizers.serialize(lamina_opt)
    assert lamina_config == keras_config
    # A config written by Keras loads into the same optimizer.
    restored = lamina_optimizers.deserialize(keras_config)
    assert type(restored) is type(lamina_opt)
    assert restored.get_config() == keras_opt.get_config()


def test_schedule_config_matches_keras(keras_ref):
    def make(O):
        return O.SGD(O.schedules.ExponentialDecay(0.1, 10, 0.5), momentum=0.5,
                     name="sgd")

    keras_config = keras_ref.optimizers.serialize(make(keras_ref.optimizers))
    lamina_config = lamina_optimizers.serialize(make(lamina_optimizers))
    assert lamina_config["config"] == keras_config["config"]
    restored = lamina_optimizers.deserialize(keras_config)
    assert restored.get_config() == keras_config["config"]
    np.testing.assert_allclose(float(restored.learning_rate), 0.1)


@pytest.mark.parametrize("accumulation", [None, 2])
def test_overwrite_with_gradient_matches_keras(keras_ref, accumulation):
    initial, grads = _data(4)

    def run(optimizer, variables):
        variables[1].overwrite_with_gradient = True
        for step in grads:
            optimizer.apply([torch.tensor(g) for g in step], variables)
        return optimizer, variables

    keras_opt, expected = run(
        keras_ref.optimizers.Adam(0.1, gradient_accumulation_steps=accumulation),
        [keras_ref.Variable(v, name=n) for n, v in zip(SHAPES, initial)])
    lamina_opt, actual = run(
        lamina_optimizers.Adam(0.1, gradient_accumulation_steps=accumulation),
        [Variable(torch.tensor(v), name=n, path=n)
         for n, v in zip(SHAPES, initial)])
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(
            a.detach().cpu().numpy(), keras_ref.ops.convert_to_numpy(e),
            rtol=1e-5,
            atol=1e-6)
    assert variable_signature(lamina_opt) == variable_signature(keras_opt)
