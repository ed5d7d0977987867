"""Fixtures of the recurrent-layer tests: Keras parity for any layer built
by the same recipe from `keras.layers` and from Lamina."""

import types

import numpy as np
import pytest
import torch

import lamina
from lamina.layers import rnn
from lamina.utils import tree


def _lamina_layers():
    names = {name: getattr(rnn, name) for name in rnn.__all__}
    names["Dense"] = lamina.layers.Dense
    return types.SimpleNamespace(**names)


LAYERS = _lamina_layers()


def as_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


@pytest.fixture
def lamina_layers():
    """Lamina's layers under Keras's names (`L.LSTM`, `L.Dense`, ...)."""
    return LAYERS


@pytest.fixture
def check_parity(keras_ref):
    """`check(make, inputs, call_kwargs)`: builds `make(keras.layers)` and
    `make(L)`, gives both the same random weights (Keras's order) and
    compares every output. Returns (lamina_layer, keras_layer)."""

    def check(make, inputs, call_kwargs=None, atol=1e-5, seed=0,
              training=False):
        call_kwargs = dict(call_kwargs or {})
        keras_layer, ours = make(keras_ref.layers), make(LAYERS)
        keras_layer(inputs, **call_kwargs)
        ours(inputs, **call_kwargs)
        assert [tuple(w.shape) for w in keras_layer.weights] == \
            [tuple(w.shape) for w in ours.weights], "weight layouts differ"
        rng = np.random.default_rng(seed)
        weights = [rng.uniform(-0.6, 0.6, tuple(w.shape)).astype("float32")
                   for w in keras_layer.weights]
        keras_layer.set_weights(weights)
        ours.set_weights(weights)
        expected = keras_layer(inputs, training=training, **call_kwargs)
        got = ours(inputs, training=training, **call_kwargs)
        expected = [keras_ref.ops.convert_to_numpy(e)
                    for e in tree.flatten(expected)]
        got = [as_numpy(g) for g in tree.flatten(got)]
        assert len(expected) == len(got)
        for e, g in zip(expected, got):
            assert e.shape == g.shape
            np.testing.assert_allclose(g, e, atol=atol, rtol=1e-5)
        return ours, keras_layer

    return check


@pytest.fixture
def sequences():
    return np.random.default_rng(0).standard_normal((3, 6, 4)).astype(
        "float32")


@pytest.fixture
def padded_mask():
    """Right-padded: sequences of lengths 6, 4 and 2."""
    mask = np.ones((3, 6), bool)
    mask[1, 4:] = False
    mask[2, 2:] = False
    return mask


@pytest.fixture
def holey_mask(padded_mask):
    """Masked steps in the middle (not right-padded)."""
    mask = padded_mask.copy()
    mask[0, 1] = False
    mask[1, 0] = False
    return mask
