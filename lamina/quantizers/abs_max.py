"""`Quantizer`, `AbsMaxQuantizer` and absolute-max quantization.

`abs_max_quantize(x, axis)` scales `x` so that the largest magnitude along
`axis` maps to `value_range[1]`: `q = clip(round(x * s), *value_range)`
with `s = value_range[1] / (max|x| + epsilon)`; `x ≈ q / s`.
"""

import torch

from lamina import config
from lamina.quantizers._tensors import as_tensor
from lamina.quantizers._tensors import dtype_name
from lamina.quantizers.zero_point import compute_quantization_parameters
from lamina.utils.dtypes import to_torch_dtype


class Quantizer:
    """Base class of quantizers: `quantizer(x)` returns quantized values.

    Args:
        output_dtype: dtype of the quantized values (default "int8").
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise TypeError(
            f"{type(self).__name__} must define `get_config()` to be "
            "serialized.")


def _axes(axis, ndim):
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axis)


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8",
                     epsilon=None, to_numpy=False):
    """Quantizes `inputs` by its absolute maximum along `axis`.

    Args:
        inputs: tensor or array to quantize.
        axis: int or tuple, the axes reduced to find the maximum.
        value_range: `(min, max)` of the quantized values.
        dtype: dtype of the quantized values.
        epsilon: added to the maximum (default `keras.config.epsilon()`).
        to_numpy: compute on the host CPU (saves device memory); the
            results are the same.

    Returns:
        `(quantized, scale)`; `scale` keeps the reduced axes (size 1) and
        the input's dtype, and `inputs ≈ quantized / scale`.
    """
    if epsilon is None:
        epsilon = config.epsilon()
    x = as_tensor(inputs)
    device = x.device
    if to_numpy:
        x = x.detach().cpu()
    source = x.dtype
    axes = _axes(axis, x.dim())
    amax = torch.amax(torch.abs(x), dim=axes, keepdim=True)
    # A true division (`scalar / tensor` would round a reciprocal first).
    top = torch.full_like(amax, value_range[1])
    scale = torch.div(top, amax + epsilon).to(source)
    outputs = torch.clamp(torch.round(x * scale), value_range[0],
                          value_range[1]).to(to_torch_dtype(dtype))
    return outputs.to(device), scale.to(device)


def abs_max_quantize_grouped_with_zero_point(
        inputs, block_size, value_range=(-8, 7), dtype="int8", epsilon=None,
        to_numpy=False):
    """Asymmetric quantization of a 2D `(input_dim, output_dim)` tensor in
    groups of `block_size` rows, each group with its own scale and zero
    point per column: `q = clip(round(x / scale) + zero, *value_range)`.

    Returns:
        `(quantized, scale, zero_point)`: `quantized` has the input's
        shape; `scale` (input dtype) and `zero_point` (int8) have shape
        `(ceil(input_dim / block_size), output_dim)`.
    """
    if epsilon is None:
        epsilon = config.epsilon()
    x = as_tensor(inputs)
    device = x.device
    if to_numpy:
        x = x.detach().cpu()
    qmin, qmax = value_range
    input_dim, output_dim = x.shape
    groups = -(-input_dim // block_size)
    padded = torch.nn.functional.pad(
        x, (0, 0, 0, groups * block_size - input_dim))
    blocks = padded.reshape(groups, block_size, output_dim)
    if to_numpy:
        # Keras's host path: the group's (min, max) as they are.
        low = blocks.amin(dim=1)
        scale = (blocks.amax(dim=1) - low + epsilon) / (qmax - qmin)
        zero = torch.clamp(torch.round(-low / scale) + qmin, qmin, qmax)
        zero = zero.to(torch.int8)
    else:
        bits = (qmax - qmin + 1).bit_length() - 1
        scale, zero, _ = compute_quantization_parameters(
            x.T, bits=bits, symmetric=False, per_channel=True,
            group_size=block_size, compute_dtype=dtype_name(x),
            epsilon=epsilon, signed=True)
        scale, zero = scale.T, zero.T
    outputs = torch.round(blocks / scale[:, None]) + zero[:, None].to(
        scale.dtype)
    outputs = torch.clamp(outputs, qmin, qmax).to(to_torch_dtype(dtype))
    outputs = outputs.reshape(groups * block_size, output_dim)[:input_dim]
    return outputs.to(device), scale.to(device), zero.to(device)


class AbsMaxQuantizer(Quantizer):
    """Quantizes by the absolute maximum (`abs_max_quantize`).

    Args:
        axis: deprecated, pass `axis` when calling instead.
        value_range: `(min, max)` of the quantized values.
        epsilon: added to the maximum.
        output_dtype: dtype of the quantized values.

    Call arguments:
        x: the tensor to quantize.
        axis: reduced axes (default: the constructor's, else -1).
        to_numpy: compute on the host CPU.
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=None,
                 output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        if epsilon is None:
            epsilon = config.epsilon()
        self.axis = None if axis is None else (
            (axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or
                                       value_range[1] > 127):
            raise ValueError(
                "Quantizer with output_dtype='int8' requires value_range to "
                "be within the interval [-128, 127]. Received: "
                f"value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype,
                                self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config
