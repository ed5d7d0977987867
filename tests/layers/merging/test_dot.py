import numpy as np
import pytest
import torch

import lamina
from harness import random_input
from harness import run_layer_test
from lamina.layers.merging import Dot
from lamina.layers.merging import dot


@pytest.mark.parametrize("kwargs,input_shape,expected", [
    ({"axes": 1}, [(2, 3), (2, 3)], (2, 1)),
    ({"axes": -1}, [(2, 3, 4), (2, 5, 4)], (2, 3, 5)),
    ({"axes": (1, 2)}, [(2, 3, 5), (2, 4, 3)], (2, 5, 4)),
    ({"axes": [2, 1]}, [(2, 3, 4), (2, 4, 5)], (2, 3, 5)),
    ({"axes": (1, 1)}, [(2, 4), (2, 4, 3)], (2, 3)),
    ({"axes": (2, 1)}, [(2, 3, 4), (2, 4)], (2, 3)),
    ({"axes": (-1, 1)}, [(2, 3, 2, 4), (2, 4, 5)], (2, 3, 2, 5)),
    ({"axes": (1, 3)}, [(2, 4, 3), (2, 2, 5, 4)], (2, 3, 2, 5)),
    ({"axes": 1, "normalize": True}, [(2, 3), (2, 3)], (2, 1)),
    ({"axes": (1, 2), "normalize": True}, [(2, 3, 5), (2, 4, 3)], (2, 5, 4)),
])
def test_dot_harness_and_parity(keras_ref, kwargs, input_shape, expected):
    run_layer_test(
        Dot, kwargs, input_shape=input_shape, expected_output_shape=expected,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_dot_normalize_gives_cosine_similarity():
    x = torch.as_tensor(random_input((4, 6), seed=0))
    y = torch.as_tensor(random_input((4, 6), seed=1))
    out = dot([x, y], axes=1, normalize=True)
    torch.testing.assert_close(
        out[:, 0], torch.nn.functional.cosine_similarity(x, y))


def test_dot_functional_symbolic_and_config(keras_ref):
    out = dot([lamina.Input((None, 4)), lamina.Input((5, 4))], axes=-1)
    assert out.shape == (None, None, 5)
    assert Dot((1, 2), normalize=True, name="d").get_config() == \
        keras_ref.layers.Dot((1, 2), normalize=True, name="d").get_config()


def test_dot_output_is_not_masked():
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.ones(2, 3, dtype=torch.bool)
    out = Dot(axes=-1)([x, torch.ones(2, 5, 4)])
    assert getattr(out, "_keras_mask", None) is None


# Bad input -----------------------------------------------------------------
def test_dot_incompatible_axes():
    layer = Dot(axes=(1, 2), name="dotty")
    with pytest.raises(ValueError, match="incompatible input shapes") as info:
        layer([np.ones((2, 3, 4), "float32"), np.ones((2, 3, 5), "float32")])
    message = str(info.value)
    assert "Dot layer 'dotty'" in message
    assert "(2, 3, 4), (2, 3, 5)" in message
    with pytest.raises(ValueError, match="axis values 4"):
        dot([lamina.Input((3, 4)), lamina.Input((5, 3))], axes=-1)


@pytest.mark.parametrize("axes", [0, (0, 1), (1, 3)])
def test_dot_batch_or_out_of_range_axes(axes):
    with pytest.raises(ValueError, match="`axes` of Dot") as info:
        Dot(axes=axes)([np.ones((2, 3), "float32")] * 2)
    assert f"axes={axes}" in str(info.value)


@pytest.mark.parametrize("axes,error", [
    ("1", TypeError), ((1, 2, 3), ValueError), ((1.0, 2), ValueError),
])
def test_dot_invalid_axes_argument(axes, error):
    with pytest.raises(error, match="axes"):
        Dot(axes=axes)


def test_dot_needs_two_inputs():
    with pytest.raises(ValueError, match="list of 2 inputs") as info:
        Dot(axes=1)([np.ones((2, 3), "float32")] * 3)
    assert "Dot" in str(info.value)
