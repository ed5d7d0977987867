"""AWQ over a model, block by block, as Keras 3.15 runs it.

The walk is GPTQ's (`gptq.calibrate_model`): calibration windows through
the pre-block layers, then each block with forward pre-hooks on its
Dense/EinsumDense leaves; here the hooks keep the per-channel maximum of
`|inputs|`, from which each leaf's AWQ scales and 4-bit weights are found.
"""

import torch

from lamina.quantizers import awq_core
from lamina.quantizers.gptq import calibrate_model
from lamina.quantizers.gptq import kernel_matrix


class AWQ:
    """AWQ statistics and quantization of one layer: the running maximum
    of its input magnitudes, then the quantized variables from it."""

    def __init__(self, layer, config, handler):
        self.layer, self.config, self.handler = layer, config, handler
        self.kernel = kernel_matrix(handler.float_kernel(layer).detach())
        self.rows = self.kernel.shape[0]
        self.activation_magnitudes = torch.zeros(
            self.rows, dtype=torch.float32, device=self.kernel.device)

    def update(self, inputs):
        self.activation_magnitudes = awq_core.update_activation_magnitudes(
            self.activation_magnitudes,
            inputs.reshape(-1, self.rows).to(self.kernel.device))

    def quantize(self):
        quantized, scale, zero, awq_scales, g_idx = \
            awq_core.awq_quantize_weights(
                self.kernel, self.activation_magnitudes,
                group_size=self.config.group_size,
                num_grid_points=self.config.num_grid_points)
        self.handler.store_calibration(
            self.layer, quantized=quantized, kernel_scale=scale,
            kernel_zero=zero, awq_scales=awq_scales, g_idx=g_idx)


def awq_quantize(model, config, handler_for, select=None):
    """AWQ-calibrates `model` (its layers already in "awq" mode)."""
    calibrate_model(model, config,
                    lambda layer: AWQ(layer, config, handler_for(layer)),
                    select)
