"""AWQ's tensor functions against Keras 3.15's own AWQ (torch backend), on
random kernels and activations of uneven magnitudes: activation maxima,
AWQ scales, levels, scales, zero points and group indices are bitwise
equal."""

import numpy as np
import pytest
import torch

from lamina.quantizers import awq_core

# (in_features, out_features, group_size, num_grid_points): per-channel,
# and groups with a padded last one.
CASES = [(16, 8, -1, 20), (30, 5, 8, 10)]


def _keras_awq(keras, kernel, batches, **settings):
    from keras.src.quantizers.awq import AWQ

    layer = keras.layers.Dense(kernel.shape[1])
    layer.build((None, kernel.shape[0]))
    layer.kernel.assign(kernel)
    config = keras.quantizers.AWQConfig(dataset=None, tokenizer=None,
                                        **settings)
    layer.quantize("awq", config=config)
    awq = AWQ(layer, config)
    for batch in batches:
        awq.update_activation_magnitudes(
            torch.as_tensor(batch).reshape(-1, kernel.shape[0]))
    magnitudes = torch.as_tensor(awq.activation_magnitudes).cpu().clone()
    awq.quantize_layer()
    levels = keras.quantizers.unpack_int4(
        layer.quantized_kernel.value, orig_len=kernel.shape[1], axis=0,
        dtype="uint8")
    return magnitudes, [keras.ops.convert_to_numpy(v) for v in (
        levels, layer.kernel_scale, layer.kernel_zero, layer.awq_scales,
        layer.g_idx)]


@pytest.mark.parametrize("rows,columns,group_size,grid", CASES)
def test_awq_matches_keras(keras_quantizing, rows, columns, group_size, grid):
    rng = np.random.default_rng(rows)
    kernel = rng.standard_normal((rows, columns)).astype("float32") * 0.2
    channel_size = rng.uniform(0.1, 10.0, rows).astype("float32")
    batches = [rng.standard_normal((1, 5, rows)).astype("float32")
               * channel_size for _ in range(3)]
    magnitudes_k, expected = _keras_awq(
        keras_quantizing, kernel, batches, group_size=group_size,
        num_grid_points=grid)

    magnitudes = torch.zeros(rows)
    for batch in batches:
        magnitudes = awq_core.update_activation_magnitudes(
            magnitudes, torch.as_tensor(batch))
    torch.testing.assert_close(magnitudes, magnitudes_k, rtol=0, atol=0)
    got = awq_core.awq_quantize_weights(
        torch.as_tensor(kernel), magnitudes, group_size=group_size,
        num_grid_points=grid)
    assert got[0].dtype == torch.uint8 and got[0].shape == (columns, rows)
    for value, reference in zip(got, expected):
        np.testing.assert_array_equal(value.cpu().numpy(), reference)


def test_scales_protect_the_loud_channels():
    # One input channel 100x louder than the rest: AWQ stretches its
    # weights most, and the activation-weighted error is below that of
    # plain rounding (the same grid with all-ones magnitudes: no stretch).
    rng = np.random.default_rng(3)
    weights = torch.as_tensor(rng.standard_normal((8, 16)).astype("float32"))
    magnitudes = torch.ones(16)
    magnitudes[5] = 100.0

    def weighted_error(levels, scale, zero, awq_scales, g_idx):
        rebuilt = (levels - zero.float()) * scale / awq_scales
        return ((weights - rebuilt).square() * magnitudes.square()).mean()

    awq = awq_core.awq_quantize_matrix(weights, magnitudes, group_size=-1)
    assert awq[3][5] == awq[3].max() and awq[3][5] > awq[3][0]
    plain = awq_core.awq_quantize_matrix(weights, torch.ones(16),
                                         group_size=-1)
    assert (plain[3] == 1).all()
    assert weighted_error(*awq) < weighted_error(*plain)


def test_bad_activations_raise_clear_errors():
    with pytest.raises(ValueError, match="empty"):
        awq_core.update_activation_magnitudes(torch.zeros(3),
                                              torch.ones(0, 3))
    with pytest.raises(ValueError, match="4 channels but"):
        awq_core.update_activation_magnitudes(torch.zeros(3),
                                              torch.ones(2, 4))
