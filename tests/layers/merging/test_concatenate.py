import numpy as np
import pytest
import torch

import lamina
from harness import random_input
from harness import run_layer_test
from lamina.layers.merging import Concatenate
from lamina.layers.merging import concatenate


@pytest.mark.parametrize("kwargs,input_shape,expected", [
    ({}, [(2, 3, 4), (2, 3, 4)], (2, 3, 8)),
    ({}, [(2, 3, 4), (2, 3, 2), (2, 3, 1)], (2, 3, 7)),
    ({"axis": 1}, [(2, 3, 4), (2, 5, 4)], (2, 8, 4)),
    ({"axis": -2}, [(2, 3, 4), (2, 1, 4)], (2, 4, 4)),
    ({"axis": 2}, [(2, 3, 4, 5), (2, 3, 2, 5)], (2, 3, 6, 5)),
    ({"axis": 0}, [(2, 3), (2, 3)], (4, 3)),
    ({}, [(2, 3, 4)], (2, 3, 4)),
])
def test_concatenate_harness_and_parity(keras_ref, kwargs, input_shape,
                                        expected):
    run_layer_test(
        Concatenate, kwargs, input_shape=input_shape,
        expected_output_shape=expected, expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


def test_concatenate_functional_and_symbolic():
    out = concatenate([lamina.Input((None, 4)), lamina.Input((None, 2))],
                      name="cat")
    assert out.shape == (None, None, 6)
    out = concatenate([lamina.Input((None, 4)), lamina.Input((3, 4))],
                      axis=1)
    assert out.shape == (None, None, 4)
    xs = [torch.as_tensor(random_input((2, 3), seed=i)) for i in range(2)]
    torch.testing.assert_close(concatenate(xs, axis=0), torch.cat(xs, 0))


def test_concatenate_config_matches_keras(keras_ref):
    assert Concatenate(axis=1, name="c").get_config() == \
        keras_ref.layers.Concatenate(axis=1, name="c").get_config()


def _masked(array, mask):
    tensor = torch.as_tensor(array).clone()
    if mask is not None:
        tensor._keras_mask = torch.as_tensor(mask)
    return tensor


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("with_masks", [(True, True), (True, False),
                                        (False, True)])
def test_concatenate_masks_match_keras(keras_ref, axis, with_masks):
    arrays = [random_input((2, 3, 4), seed=i) for i in range(2)]
    rng = np.random.default_rng(1)
    masks = [rng.random((2, 3)) > 0.4 if m else None for m in with_masks]
    ours = Concatenate(axis=axis)(
        [_masked(a, m) for a, m in zip(arrays, masks)])
    theirs = keras_ref.layers.Concatenate(axis=axis)(
        [_masked(a, m) for a, m in zip(arrays, masks)])
    assert ours._keras_mask.tolist() == theirs._keras_mask.tolist()
    if axis == 1:
        # Along time the masks are joined, a missing one counting as kept.
        filled = [m if m is not None else np.ones((2, 3), bool)
                  for m in masks]
        assert ours._keras_mask.tolist() == np.concatenate(
            filled, axis=1).tolist()


def test_concatenate_without_masks_has_no_mask():
    out = Concatenate()([torch.ones(2, 3), torch.ones(2, 3)])
    assert getattr(out, "_keras_mask", None) is None


# Bad input -----------------------------------------------------------------
def test_mismatched_non_axis_dims():
    layer = Concatenate(axis=1, name="joiner")
    with pytest.raises(ValueError, match="Concatenate") as info:
        layer([np.ones((2, 3, 4), "float32"), np.ones((2, 3, 5), "float32")])
    message = str(info.value)
    assert "'joiner'" in message
    assert "[(2, 3, 4), (2, 3, 5)]" in message
    with pytest.raises(ValueError, match="matching shapes"):
        concatenate([lamina.Input((3, 4)), lamina.Input((2, 5))])


def test_mismatched_ranks():
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate()([np.ones((2, 3, 4), "float32"),
                       np.ones((2, 4), "float32")])


def test_axis_out_of_range():
    with pytest.raises(ValueError, match="axis=3"):
        Concatenate(axis=3)([np.ones((2, 3, 4), "float32")] * 2)


def test_concatenate_single_tensor():
    with pytest.raises(ValueError, match="Concatenate"):
        Concatenate()(np.ones((2, 3), "float32"))
