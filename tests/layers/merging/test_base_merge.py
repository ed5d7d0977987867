"""The elementwise merges: Add, Subtract, Multiply, Average, Maximum,
Minimum (and their functional forms)."""

import numpy as np
import pytest
import torch

import lamina
from harness import random_input
from harness import run_layer_test
from lamina.layers import merging
from lamina.layers.core.masking import Masking

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum",
               "Minimum"]
MULTI = [n for n in ELEMENTWISE if n != "Subtract"]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("input_shape,expected", [
    ([(2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    ([(2, 3, 4), (2, 4)], (2, 3, 4)),
    ([(2, 4), (2, 3, 4)], (2, 3, 4)),
    ([(2, 3, 4), (2, 1, 4)], (2, 3, 4)),
    ([(2, 5), (2, 5)], (2, 5)),
])
def test_elementwise_harness_and_parity(keras_ref, name, input_shape,
                                        expected):
    run_layer_test(
        getattr(merging, name), {}, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("name", MULTI)
def test_three_inputs_parity(keras_ref, name):
    run_layer_test(
        getattr(merging, name), {}, input_shape=[(2, 3, 4)] * 3,
        expected_output_shape=(2, 3, 4), keras_reference=keras_ref,
    )


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_functional_form_matches_layer(name):
    xs = [torch.as_tensor(random_input((2, 3, 4), seed=i)) for i in range(2)]
    fn = getattr(merging, name.lower())
    expected = getattr(merging, name)()(xs)
    torch.testing.assert_close(fn(xs), expected)
    out = fn([lamina.Input((3, 4)), lamina.Input((3, 4))], name="merged")
    assert out.shape == (None, 3, 4)
    assert out._keras_history[0].name == "merged"


def test_symbolic_shapes_with_unknown_dims():
    out = merging.Add()([lamina.Input((None, 4)), lamina.Input((3, 4))])
    assert out.shape == (None, None, 4)
    out = merging.Maximum()([lamina.Input(batch_shape=(5, 3, 1)),
                             lamina.Input((3, 6))])
    assert out.shape == (5, 3, 6)


def test_values():
    a = torch.tensor([[1.0, -2.0, 3.0]])
    b = torch.tensor([[4.0, 5.0, -6.0]])
    assert merging.Add()([a, b]).tolist() == [[5.0, 3.0, -3.0]]
    assert merging.Subtract()([a, b]).tolist() == [[-3.0, -7.0, 9.0]]
    assert merging.Multiply()([a, b]).tolist() == [[4.0, -10.0, -18.0]]
    assert merging.Average()([a, b]).tolist() == [[2.5, 1.5, -1.5]]
    assert merging.Maximum()([a, b]).tolist() == [[4.0, 5.0, 3.0]]
    assert merging.Minimum()([a, b]).tolist() == [[1.0, -2.0, -6.0]]


def _masked(array, mask):
    tensor = torch.as_tensor(array).clone()
    if mask is not None:
        tensor._keras_mask = torch.as_tensor(mask)
    return tensor


MASK_A = np.array([[1, 1, 0, 0], [1, 0, 1, 0]], bool)
MASK_B = np.array([[1, 0, 1, 0], [0, 0, 1, 1]], bool)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("masks", [(MASK_A, MASK_B), (MASK_A, None),
                                   (None, MASK_B)])
def test_masked_merge_parity(keras_ref, name, masks):
    arrays = [random_input((2, 4, 3), seed=i) for i in range(2)]
    ours = getattr(merging, name)()(
        [_masked(a, m) for a, m in zip(arrays, masks)])
    theirs = getattr(keras_ref.layers, name)()(
        [_masked(a, m) for a, m in zip(arrays, masks)])
    np.testing.assert_allclose(ours.cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(theirs),
                               atol=1e-6)
    their_mask = getattr(theirs, "_keras_mask", None)
    our_mask = getattr(ours, "_keras_mask", None)
    if their_mask is None:
        assert our_mask is None
    else:
        # Keras ORs the masks of elementwise merges.
        assert our_mask.tolist() == their_mask.tolist()
        assert our_mask.tolist() == (MASK_A | MASK_B).tolist()


def test_mask_flows_through_merge():
    x = np.zeros((2, 4, 3), "float32")
    x[0, :2] = 1.0
    x[1, 1] = 2.0
    y = np.zeros((2, 4, 3), "float32")
    y[:, 3] = 5.0
    out = merging.Add()([Masking()(x), Masking()(y)])
    assert out._keras_mask.tolist() == [[True, True, False, True],
                                        [False, True, False, True]]


# Bad input -----------------------------------------------------------------
def test_subtract_with_three_inputs():
    xs = [np.ones((2, 3), "float32")] * 3
    layer = merging.Subtract(name="sub")
    with pytest.raises(ValueError, match="Subtract") as info:
        layer(xs)
    assert "'sub'" in str(info.value)
    assert "[(2, 3), (2, 3), (2, 3)]" in str(info.value)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        merging.subtract([lamina.Input((3,))] * 3)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_merge_called_on_a_single_tensor(name):
    with pytest.raises(ValueError, match="list of inputs") as info:
        getattr(merging, name)()(np.ones((2, 3), "float32"))
    assert name in str(info.value)
    assert "input_shape=(2, 3)" in str(info.value)


def test_merge_called_on_an_empty_list():
    with pytest.raises(ValueError, match="Add"):
        merging.Add()([])


def test_incompatible_shapes():
    layer = merging.Add(name="adder")
    with pytest.raises(ValueError, match="incompatible shapes") as info:
        layer([np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")])
    assert "Add layer 'adder'" in str(info.value)
    assert "(3, 4) and (5, 4)" in str(info.value)


def test_different_batch_sizes():
    with pytest.raises(ValueError, match="different batch sizes") as info:
        merging.Multiply()([np.ones((2, 3), "float32"),
                            np.ones((3, 3), "float32")])
    assert "Multiply" in str(info.value)
    assert "[(2, 3), (3, 3)]" in str(info.value)
