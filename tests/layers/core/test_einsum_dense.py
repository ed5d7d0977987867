import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina import initializers
from lamina.layers.core.einsum_dense import EinsumDense

# (init kwargs, input shape, expected symbolic output shape, #weights)
CASES = [
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"},
     (2, 3), (2, 4), 2),
    ({"equation": "ab,bc->ac", "output_shape": 4}, (2, 3), (2, 4), 1),
    ({"equation": "abc,cd->abd", "output_shape": (None, 4), "bias_axes": "d"},
     (2, 3, 5), (2, None, 4), 2),
    ({"equation": "abc,cde->abde", "output_shape": (None, 3, 4),
      "bias_axes": "de"}, (2, 5, 6), (2, None, 3, 4), 2),
    ({"equation": "abc,cde->abde", "output_shape": (None, 3, 4),
      "bias_axes": "e"}, (2, 5, 6), (2, None, 3, 4), 2),
    ({"equation": "abcd,cde->abe", "output_shape": (None, 7),
      "bias_axes": "e"}, (2, 5, 3, 4), (2, None, 7), 2),
    ({"equation": "ab,bcd->acd", "output_shape": (3, 4), "bias_axes": "c"},
     (2, 3), (2, 3, 4), 2),
    ({"equation": "...b,bc->...c", "output_shape": 5, "bias_axes": "c"},
     (2, 3, 6), (2, 3, 5), 2),
    ({"equation": "...b,bc->...c", "output_shape": 5}, (2, 3, 4, 6),
     (2, 3, 4, 5), 1),
    ({"equation": "ab...,bc->ac...", "output_shape": (5,), "bias_axes": "c"},
     (2, 3, 4, 6), (2, 5, 4, 6), 2),
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c",
      "activation": "relu", "kernel_regularizer": "l2",
      "bias_regularizer": "l1", "activity_regularizer": "l2",
      "kernel_constraint": "non_neg", "bias_constraint": "max_norm"},
     (2, 3), (2, 4), 2),
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c",
      "kernel_initializer": "he_normal", "bias_initializer": "ones"},
     (2, 3), (2, 4), 2),
]


@pytest.mark.parametrize("kwargs,input_shape,expected,num_weights", CASES)
def test_einsum_dense_harness_and_parity(keras_ref, kwargs, input_shape,
                                         expected, num_weights):
    layer = run_layer_test(
        EinsumDense, kwargs, input_shape=input_shape,
        expected_output_shape=expected,
        expected_num_trainable_weights=num_weights,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )
    reference = keras_ref.layers.EinsumDense(**kwargs)
    reference.build(input_shape)
    assert [tuple(w.shape) for w in layer.weights] == \
        [tuple(w.shape) for w in reference.weights]
    assert [w.path.split("/")[-1] for w in layer.weights] == \
        [w.path.split("/")[-1] for w in reference.weights]
    # Same symbolic output shape as Keras (unknown dims stay unknown).
    # Keras reverses the order of 2+ leading `...` dims (a bug: its eager
    # output disagrees); ours follows the eager output there.
    if not (kwargs["equation"].startswith("...") and len(input_shape) > 3):
        assert layer.compute_output_shape(input_shape) == tuple(
            reference.compute_output_shape(input_shape))


@pytest.mark.parametrize("kwargs", [
    {"equation": "abc,cde->abde", "output_shape": (None, 3, 4),
     "bias_axes": "de"},
    {"equation": "ab,bc->ac", "output_shape": 4, "activation": "tanh",
     "kernel_regularizer": "l1", "kernel_constraint": "unit_norm",
     "lora_rank": None},
    {"equation": "ab,bc->ac", "output_shape": 4, "lora_rank": 2},
    {"equation": "ab,bc->ac", "output_shape": 4, "lora_rank": 2,
     "lora_alpha": 8},
])
def test_einsum_dense_config_matches_keras(keras_ref, kwargs):
    ours = EinsumDense(**kwargs, name="e")
    theirs = keras_ref.layers.EinsumDense(**kwargs, name="e")
    assert ours.get_config() == theirs.get_config()
    ours.build((2, 3) if kwargs["equation"] == "ab,bc->ac" else (2, 5, 6))
    assert EinsumDense.from_config(ours.get_config()).get_config() == \
        ours.get_config()


def test_einsum_dense_lora_matches_keras(keras_ref):
    kwargs = {"equation": "abc,cde->abde", "output_shape": (None, 3, 4),
              "bias_axes": "de", "lora_rank": 2, "lora_alpha": 4}
    x = np.random.default_rng(1).standard_normal((2, 5, 6)).astype("float32")
    theirs = keras_ref.layers.EinsumDense(**kwargs)
    theirs.build(x.shape)
    # Non-zero LoRA factors so the update really contributes.
    rng = np.random.default_rng(2)
    for weight in theirs.weights:
        weight.assign(rng.standard_normal(weight.shape).astype("float32"))
    ours = EinsumDense(**kwargs)
    ours(x)
    assert [w.path.split("/")[-1] for w in ours.weights] == \
        [w.path.split("/")[-1] for w in theirs.weights] == \
        ["kernel", "bias", "lora_kernel_a", "lora_kernel_b"]
    assert [w.path.split("/")[-1] for w in ours.trainable_weights] == \
        ["bias", "lora_kernel_a", "lora_kernel_b"]
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    np.testing.assert_allclose(
        ours(x).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    assert ours.lora_kernel_a.shape == (6, 3, 2)
    assert ours.lora_kernel_b.shape == (2, 4)


def test_einsum_dense_enable_lora_after_build():
    layer = EinsumDense("ab,bc->ac", 4, bias_axes="c")
    layer.build((2, 3))
    before = layer(torch.ones(2, 3)).detach()
    layer.enable_lora(2)
    # B starts at zero, so the output is unchanged.
    torch.testing.assert_close(layer(torch.ones(2, 3)), before)
    assert layer.get_config()["lora_rank"] == 2
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)


def test_einsum_dense_variance_scaling_uses_einsum_fans():
    # Kernel (4, 8, 8): fan_in is 4 from the equation (the conv-style rule
    # would give 32, i.e. a limit of 0.31 instead of 0.87).
    init = initializers.VarianceScaling(1.0, "fan_in", "uniform", seed=3)
    layer = EinsumDense("ab,bcd->acd", (8, 8), kernel_initializer=init)
    layer.build((2, 4))
    values = layer.kernel.detach().abs()
    assert 0.5 < float(values.max()) <= np.sqrt(3.0 / 4.0)
    # The user's initializer keeps its own config.
    assert layer.get_config()["kernel_initializer"]["config"][
        "input_axes"] is None


def test_einsum_dense_symbolic_in_model():
    import lamina

    inputs = lamina.Input((5, 6))
    outputs = EinsumDense("abc,cde->abde", (5, 2, 3), bias_axes="de")(inputs)
    assert outputs.shape == (None, 5, 2, 3)
    model = lamina.Model(inputs, outputs)
    assert tuple(model(np.ones((3, 5, 6), "float32")).shape) == (3, 5, 2, 3)


@pytest.mark.parametrize("kwargs,input_shape,message", [
    ({"equation": "ab,bc", "output_shape": 4}, None,
     "Invalid einsum equation"),
    ({"equation": "a.b,bc->ac", "output_shape": 4}, None,
     "Invalid einsum equation"),
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "x"}, (2, 3),
     "Bias dimension 'x'"),
    ({"equation": "ab,bcx->ac", "output_shape": 4}, (2, 3),
     "Weight dimension 'x'"),
    ({"equation": "ab,bc->acz", "output_shape": (4, 2)}, (2, 3),
     "Dimension 'z'"),
    ({"equation": "abc,cd->abd", "output_shape": (7, 4)}, (2, 3, 5),
     "do not match at shared dimension 'b'"),
    ({"equation": "ab,bc->ac", "output_shape": 4,
      "quantization_config": {"mode": "int8"}}, None,
     "invalid value for argument `quantization_config`"),
])
def test_einsum_dense_bad_input(kwargs, input_shape, message):
    with pytest.raises(ValueError, match=f"(?i)layer 'bad'.*{message}"):
        layer = EinsumDense(**kwargs, name="bad")
        layer.build(input_shape)


def test_einsum_dense_wrong_rank_after_build():
    layer = EinsumDense("abc,cd->abd", (None, 4), name="bad")
    layer(np.ones((2, 3, 5), "float32"))
    with pytest.raises(ValueError, match="bad"):
        layer(np.ones((2, 5), "float32"))


def test_einsum_dense_lora_with_constraint_fails():
    layer = EinsumDense("ab,bc->ac", 4, kernel_constraint="non_neg",
                        name="bad")
    layer.build((2, 3))
    with pytest.raises(ValueError, match="layer 'bad'.*kernel constraints"):
        layer.enable_lora(2)
