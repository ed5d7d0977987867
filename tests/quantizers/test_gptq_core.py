"""GPTQ's tensor functions against Keras 3.15's own GPTQ (torch backend),
on random kernels and activations: the Hessian, the quantized levels, the
scales, zero points and group indices come out bitwise equal."""

import numpy as np
import pytest
import torch

from lamina.quantizers import gptq_core

# (in_features, out_features, group_size, activation_order, weight_bits,
#  symmetric): per-channel, grouped with activation order, and 3-bit
# symmetric over more than one 128-column block (8-bit symmetric is in
# test_gptq_awq_model).
CASES = [(16, 8, -1, False, 4, False), (24, 6, 8, True, 4, False),
         (160, 7, 32, True, 3, True)]


def _keras_gptq(keras, kernel, batches, **settings):
    from keras.src.quantizers.gptq import GPTQ

    layer = keras.layers.Dense(kernel.shape[1])
    layer.build((None, kernel.shape[0]))
    layer.kernel.assign(kernel)
    config = keras.quantizers.GPTQConfig(dataset=None, tokenizer=None,
                                         **settings)
    layer.quantize("gptq", config=config)
    gptq = GPTQ(layer, config)
    for batch in batches:
        gptq.update_hessian_with_batch(
            torch.as_tensor(batch).reshape(-1, kernel.shape[0]))
    hessian = torch.as_tensor(gptq.hessian).detach().cpu().clone()
    gptq.quantize_and_correct_layer()
    levels = layer.quantized_kernel.value
    if settings["weight_bits"] == 4:
        levels = keras.quantizers.unpack_int4(
            levels, orig_len=kernel.shape[1], axis=0, dtype="uint8")
    return hessian, [keras.ops.convert_to_numpy(v) for v in (
        levels, layer.kernel_scale, layer.kernel_zero, layer.g_idx)]


@pytest.mark.parametrize("rows,columns,group_size,order,bits,symmetric",
                         CASES)
def test_gptq_matches_keras(keras_quantizing, rows, columns, group_size,
                            order, bits, symmetric):
    rng = np.random.default_rng(rows)
    kernel = rng.standard_normal((rows, columns)).astype("float32") * 0.2
    batches = [rng.standard_normal((1, 5, rows)).astype("float32")
               for _ in range(3)]
    hessian_k, expected = _keras_gptq(
        keras_quantizing, kernel, batches, weight_bits=bits,
        group_size=group_size, activation_order=order, symmetric=symmetric)

    hessian, seen = torch.zeros(rows, rows), 0
    for batch in batches:
        hessian, seen = gptq_core.update_hessian(hessian, seen,
                                                 torch.as_tensor(batch))
    assert seen == 15
    torch.testing.assert_close(hessian, hessian_k, rtol=0, atol=0)
    got = gptq_core.gptq_quantize_weights(
        torch.as_tensor(kernel), hessian, weight_bits=bits,
        group_size=group_size, symmetric=symmetric, activation_order=order)
    levels, scale, zero, g_idx = [t.cpu().numpy() for t in got]
    assert levels.dtype == np.uint8 and levels.shape == (columns, rows)
    np.testing.assert_array_equal(levels, expected[0])
    np.testing.assert_array_equal(scale, expected[1])
    np.testing.assert_array_equal(zero, expected[2])
    np.testing.assert_array_equal(g_idx, expected[3])


def test_error_feedback_with_cholesky_factor_beats_plain_rounding():
    # The column loop is the reference GPTQ's when handed the upper
    # Cholesky factor of the inverse Hessian: with correlated inputs its
    # output error is well below rounding each column on its own (identity
    # "inverse Hessian": no feedback). Keras 3.15 hands it the inverse
    # itself (matched above), which on these inputs does no better than
    # plain rounding.
    from lamina.quantizers.zero_point import compute_quantization_parameters

    rng = np.random.default_rng(1)
    mix = rng.standard_normal((12, 12)).astype("float32")
    x = torch.as_tensor(rng.standard_normal((256, 12)).astype("float32")
                        @ mix)
    kernel = torch.as_tensor(rng.standard_normal((12, 6)).astype("float32"))
    hessian, _ = gptq_core.update_hessian(torch.zeros(12, 12), 0, x)
    inverse = torch.linalg.inv(gptq_core.dampen_hessian(hessian, 0.01))

    def output_error(inv_hessian):
        levels, scale, zero, _ = gptq_core.gptq_quantize_matrix(
            kernel.T, inv_hessian,
            compute_scale_zero=lambda w: compute_quantization_parameters(
                w, bits=3, per_channel=True))
        dequantized = ((levels.float() - zero.float()) * scale).T
        return (x @ dequantized - x @ kernel).square().mean()

    cholesky = torch.linalg.cholesky(inverse, upper=True)
    assert output_error(cholesky) < 0.8 * output_error(torch.eye(12))


def test_a_group_across_a_block_boundary_keeps_one_scale():
    # 96-column groups over 128-column blocks: the group at column 96 spans
    # two blocks and keeps the parameters it started with (Keras 3.15
    # computes them again in the second block and then fails to assign
    # four groups of scales to three).
    kernel = torch.randn(200, 4)
    levels, scale, zero, g_idx = gptq_core.gptq_quantize_weights(
        kernel, torch.eye(200), group_size=96)
    assert scale.shape == zero.shape == (4, 3)
    assert g_idx.long().bincount().tolist() == [96, 96, 8]
    rebuilt = (levels.float() - zero.float()[:, g_idx.long()]) * \
        scale[:, g_idx.long()]
    assert (rebuilt - kernel.T).abs().max() <= scale.max()


def test_dampen_hessian_revives_dead_features():
    hessian = torch.tensor([[2.0, 0.5, 0.0], [0.5, 4.0, 0.0],
                            [0.0, 0.0, 0.0]])
    damped = gptq_core.dampen_hessian(hessian, 0.1)
    # The dead diagonal entry becomes 1, then all get 0.1 * mean(2, 4, 1).
    torch.testing.assert_close(torch.diagonal(damped),
                               torch.tensor([2.0, 4.0, 1.0]) + 0.7 / 3)
    assert damped[0, 1] == 0.5 and hessian[2, 2] == 0.0


def test_activation_order_is_a_stable_descending_sort():
    metric = torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0])
    assert gptq_core.stable_descending_order(metric).tolist() == \
        [1, 2, 4, 3, 0]


@pytest.mark.parametrize("shape,expected", [
    ((16, 8), (16, 8)), ((16, 2, 4), (16, 8)), ((2, 4, 16), (8, 16))])
def test_kernel_rows_columns(shape, expected):
    assert gptq_core.kernel_rows_columns(shape) == expected


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="rank >= 2"):
        gptq_core.update_hessian(torch.zeros(3, 3), 0, torch.ones(3))
    with pytest.raises(ValueError, match="4 features but the Hessian is 3x3"):
        gptq_core.update_hessian(torch.zeros(3, 3), 0, torch.ones(2, 4))
    with pytest.raises(ValueError, match="2D and 3D kernels"):
        gptq_core.kernel_rows_columns((2, 2, 2, 2))
