"""The parity harness itself: a missing output is a failure, not a pass."""

import types

import numpy as np
import pytest

import lamina
from harness import assert_keras_parity
from harness import run_layer_test


class Pair(lamina.layers.Layer):
    def call(self, x):
        return [x, x * 2]


class FirstOnly(lamina.layers.Layer):
    """Gives the first of Pair's outputs and drops the second."""

    def call(self, x):
        return [x]


def _as_numpy(x):
    return x.detach().cpu().numpy()


def test_parity_fails_when_one_side_drops_an_output():
    reference = types.SimpleNamespace(
        layers=types.SimpleNamespace(Pair=Pair),
        ops=types.SimpleNamespace(convert_to_numpy=_as_numpy),
    )
    x = np.ones((2, 3), "float32")
    with pytest.raises(AssertionError, match="Keras gave 2 outputs, Lamina 1"):
        assert_keras_parity(reference, "Pair", {}, x, lamina_cls=FirstOnly)
    # Same outputs on both sides: passes.
    assert_keras_parity(reference, "Pair", {}, x, lamina_cls=Pair)


def test_mismatched_input_shapes_and_dtypes_are_refused():
    with pytest.raises(AssertionError, match="2 input shapes but 1 input"):
        run_layer_test(lamina.layers.Add, input_shape=[(2, 3), (2, 3)],
                       input_dtype=["float32"])
