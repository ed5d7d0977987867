"""The "awq" mode on Dense and EinsumDense: 4-bit weights calibrated by
AWQ (`lamina.quantizers.awq`), stored as Keras stores them.

The variables are GPTQ's (see `gptq.py`: `quantized_kernel`, always
4-bit packed, `kernel_scale`, `kernel_zero`, `g_idx`) plus `awq_scales`
float32 `[rows]`, the per-input-channel stretch applied before rounding:
the float weight is the dequantized one divided by `awq_scales` along its
rows. Files hold `bias`, `quantized_kernel`, `kernel_scale`, `kernel_zero`,
`awq_scales`, `g_idx`.
"""

from lamina.layers.quantized.gptq import CalibratedHandler
from lamina.layers.quantized.gptq import calibrated_handler
from lamina.layers.quantized.gptq import calibration_targets
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode
from lamina.quantizers.awq import awq_quantize
from lamina.quantizers.awq_config import AWQConfig


def _quantize_model(model, config, filters):
    awq_quantize(model, config, calibrated_handler("awq"),
                 select=calibration_targets("awq", filters))


register_mode("awq", AWQConfig, default_config=None,
              quantize_model=_quantize_model)


class AWQHandler(CalibratedHandler):
    config_class = AWQConfig
    extra_names = ("awq_scales",)

    def build_extra(self, layer, rows):
        self._add(layer, "awq_scales", "awq_scales", (rows,), None, "ones")

    def rescale(self, layer, weight):
        return weight / layer.awq_scales[:, None]


@register_handler("awq", "dense")
class AWQDense(AWQHandler):
    pass


@register_handler("awq", "einsum_dense")
class AWQEinsumDense(AWQHandler):
    pass
