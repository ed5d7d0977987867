"""The "gptq" mode on Dense and EinsumDense: weights calibrated by GPTQ
(`lamina.quantizers.gptq`), stored as Keras stores them.

Variables (Keras's names; `state_dict` keys in brackets):
- `quantized_kernel` ["kernel"]: uint8 `[columns, rows]`, the transposed
  2D kernel's levels, two 4-bit levels per byte along the first axis when
  `weight_bits` is 4;
- `kernel_scale` float32 and `kernel_zero` uint8 ["kernel_zero" on Dense,
  "zero_point" on EinsumDense]: `[columns, n_groups]`;
- `g_idx` float32 `[rows]`: the group of each input row (`int(g_idx)`).

`rows, columns` are the kernel's `(in, out)` (3D attention kernels
flattened, see `gptq_core.kernel_rows_columns`). The float weight is
`((q - zero[:, g]) · scale[:, g])ᵀ` reshaped to the kernel's shape.

Between `quantize()` and calibration (done by `Model.quantize`) a layer
runs on its float kernel, held outside its weights. Files hold the
variables in Keras's order (`bias`, `quantized_kernel`, `kernel_scale`,
`kernel_zero`, `g_idx`); Keras 3.15.1 writes its files without
`kernel_zero` (and then cannot read them back), so such a file is read with
the zero points it implies (symmetric quantization) or with a warning.
"""

import math
import warnings

import numpy as np
import torch

from lamina.layers.quantized import common
from lamina.layers.quantized.model_quantize import should_quantize_layer
from lamina.layers.quantized.modes import LayerHandler
from lamina.layers.quantized.modes import get_handler
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode
from lamina.quantizers.gptq import gptq_quantize
from lamina.quantizers.gptq_config import GPTQConfig
from lamina.quantizers.gptq_core import kernel_rows_columns
from lamina.quantizers.int4_packing import pack_int4
from lamina.quantizers.int4_packing import unpack_int4
from lamina.quantizers.zero_point import dequantize_with_sz_map

# Held in the layer's __dict__ (not a weight) until calibration.
_FLOAT_KERNEL = "_calibration_kernel"


def settings(layer, config, config_class, mode):
    """`(weight_bits, group_size)` from the config when quantizing, else
    from the layer's quantized dtype policy (loading)."""
    if isinstance(config, config_class):
        return config.weight_bits, config.group_size
    policy = layer.dtype_policy
    if getattr(policy, "quantization_mode", None) == mode and \
            hasattr(policy, "group_size"):
        return policy.weight_bits, policy.group_size
    raise ValueError(
        f"Layer '{layer.name}': for {mode.upper()} quantization the "
        "weight_bits and group_size must come from a "
        f"`{config_class.__name__}` or a `{mode.upper()}DTypePolicy`. "
        f"Received: config={config!r}, dtype_policy={policy!r}")


class CalibratedHandler(LayerHandler):
    """What the GPTQ and AWQ handlers share: variables sized from the
    kernel's `(rows, columns)`, the float kernel kept until calibration,
    dequantization in the forward pass, Keras's file order."""

    config_class = None
    extra_names = ()

    def policy_mode(self, layer, config):
        return config.dtype_policy_string()

    def bits(self, layer, config):
        return settings(layer, config, self.config_class, self.mode)[0]

    def build(self, layer, kernel_shape, config):
        bits, group_size = settings(layer, config, self.config_class,
                                    self.mode)
        rows, columns = kernel_rows_columns(kernel_shape)
        groups = 1 if group_size == -1 else math.ceil(rows / group_size)
        packed = (columns + 1) // 2 if bits == 4 else columns
        layer.original_kernel_shape = tuple(kernel_shape)
        setattr(layer, f"is_{self.mode}_calibrated", False)
        if self.kind == "einsum_dense":
            setattr(layer, f"{self.mode}_unpacked_column_size", columns)
        zero_name = "zero_point" if self.kind == "einsum_dense" \
            else "kernel_zero"
        self._add(layer, "quantized_kernel", "kernel", (packed, rows),
                  "uint8", "zeros")
        self._add(layer, "kernel_scale", "kernel_scale", (columns, groups),
                  None, "ones")
        self._add(layer, "kernel_zero", zero_name, (columns, groups),
                  "uint8", "zeros")
        self.build_extra(layer, rows)
        self._add(layer, "g_idx", "g_idx", (rows,), "float32", "zeros")

    def build_extra(self, layer, rows):
        """Variables a mode adds between `kernel_zero` and `g_idx`."""

    @staticmethod
    def _add(layer, attribute, name, shape, dtype, initializer):
        # Under its Keras name (and path) in `state_dict`; the attribute is
        # an alias.
        weight = common.add_weight(layer, name, shape=shape, dtype=dtype,
                                   initializer=initializer, trainable=False)
        setattr(layer, attribute, weight)

    def quantize(self, layer, config):
        if getattr(layer, "lora_enabled", False):
            raise ValueError(
                f"Layer '{layer.name}': {self.mode.upper()} quantization of "
                "a layer with LoRA enabled is not supported. Merge or drop "
                "the LoRA weights first.")
        kernel = common.drop_weight(layer, "kernel")
        layer.__dict__[_FLOAT_KERNEL] = kernel.detach()
        self.build(layer, tuple(kernel.shape), config)

    def float_kernel(self, layer):
        """The float kernel calibration starts from."""
        kernel = layer.__dict__.get(_FLOAT_KERNEL)
        if kernel is None:
            raise ValueError(
                f"Layer '{layer.name}' is already calibrated: its float "
                "kernel is gone.")
        return kernel

    def store_calibration(self, layer, *, quantized, **values):
        """Writes the calibrated levels (uint8 `[columns, rows]`) and
        parameters into the layer's variables; the float kernel goes."""
        if self.bits(layer, layer.quantization_config) == 4:
            quantized = pack_int4(quantized, axis=0, dtype="uint8")[0]
        with torch.no_grad():
            layer.quantized_kernel.copy_(quantized)
            for name, value in values.items():
                getattr(layer, name).copy_(value)
        layer.__dict__.pop(_FLOAT_KERNEL, None)
        setattr(layer, f"is_{self.mode}_calibrated", True)

    def kernel_value(self, layer, dtype):
        """The kernel the forward pass multiplies by, in `dtype`."""
        if not getattr(layer, f"is_{self.mode}_calibrated", False):
            return self.float_kernel(layer).to(dtype)
        rows, columns = kernel_rows_columns(layer.original_kernel_shape)
        levels = layer.quantized_kernel
        if self.bits(layer, None) == 4:
            levels = unpack_int4(levels, orig_len=columns, axis=0,
                                 dtype="uint8")
        weight = dequantize_with_sz_map(levels, layer.kernel_scale,
                                        layer.kernel_zero, layer.g_idx).T
        weight = self.rescale(layer, weight)
        return weight.reshape(layer.original_kernel_shape).to(dtype)

    def rescale(self, layer, weight):
        """The dequantized `[rows, columns]` weight, as the mode reads it."""
        return weight

    def call(self, layer, inputs, training=None):
        dtype = common.compute_dtype(layer)
        kernel = self.kernel_value(layer, dtype)
        if not inputs.is_floating_point():
            inputs = inputs.to(dtype)
        if self.kind == "einsum_dense":
            outputs = torch.einsum(layer.equation, inputs, kernel)
        else:
            outputs = torch.matmul(inputs, kernel)
        return common.finish_dense(layer, outputs)

    def saved_names(self, layer):
        names = ["bias", "quantized_kernel", "kernel_scale", "kernel_zero",
                 *self.extra_names, "g_idx"]
        return [n for n in names if n != "bias" or layer.bias is not None]

    def stored_for_loading(self, layer, store):
        """The store to load from: marks the layer calibrated, and fills
        in `kernel_zero` when the file is Keras 3.15.1's (which lacks
        it)."""
        setattr(layer, f"is_{self.mode}_calibrated", True)
        layer.__dict__.pop(_FLOAT_KERNEL, None)
        names = self.saved_names(layer)
        if len(list(store.keys())) != len(names) - 1:
            return store
        values = {}
        position = 0
        for i, name in enumerate(names):
            if name == "kernel_zero":
                values[str(i)] = self.missing_zero(layer)
                continue
            values[str(i)] = np.asarray(store[str(position)])
            position += 1
        return values

    def missing_zero(self, layer):
        """Zero points for a file that has none: exact for symmetric
        quantization, else the initial zeros with a warning."""
        zero = layer.kernel_zero
        config = layer.quantization_config
        if getattr(config, "symmetric", False):
            levels = 2 ** self.bits(layer, None)
            return np.full(tuple(zero.shape), levels // 2, dtype=np.uint8)
        warnings.warn(
            f"Layer '{layer.name}': the file holds no `kernel_zero` (Keras "
            f"3.15.1 does not save it for {self.mode.upper()} layers), and "
            "the zero points of asymmetric quantization cannot be derived "
            "from the other variables: they are left at 0 and the layer's "
            "outputs will differ from the model that was saved.",
            stacklevel=2)
        return np.zeros(tuple(zero.shape), dtype=np.uint8)


def calibrated_handler(mode):
    """`handler_for(layer)`: the mode's handler for the layer's kind."""
    def handler_for(layer):
        return get_handler(mode, layer.quantization_kind)
    return handler_for


def calibration_targets(mode, filters):
    """`select(layer)`: the leaves `Model.quantize` put in `mode` (those
    the `filters` selected) are the ones calibrated."""
    def select(layer):
        return layer.quantization_mode == mode and \
            should_quantize_layer(layer, filters)
    return select


def _quantize_model(model, config, filters):
    gptq_quantize(model, config, calibrated_handler("gptq"),
                  select=calibration_targets("gptq", filters))


register_mode("gptq", GPTQConfig, default_config=None,
              quantize_model=_quantize_model)


class GPTQHandler(CalibratedHandler):
    config_class = GPTQConfig


@register_handler("gptq", "dense")
class GPTQDense(GPTQHandler):
    pass


@register_handler("gptq", "einsum_dense")
class GPTQEinsumDense(GPTQHandler):
    pass
