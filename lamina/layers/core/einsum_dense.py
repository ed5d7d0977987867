"""EinsumDense: a dense layer whose contraction is an einsum equation.

The kernel and bias shapes are derived from the equation, the input shape
and the partial `output_shape`, as in Keras 3.
"""

import re

import torch

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.initializers import VarianceScaling
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.lora import LoRAMixin
from lamina.layers.lora import lora_weight
from lamina.layers.quantized.quantizable import Quantizable
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object

_PLAIN = re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)")
_LEFT_ELLIPSIS = re.compile(
    r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)")
_RIGHT_ELLIPSIS = re.compile(
    r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.")


@register()
class EinsumDense(Quantizable, LoRAMixin, Layer):
    """A dense layer computing `einsum(equation, inputs, kernel) + bias`.

    Args:
        equation: einsum string `"<input>,<kernel>-><output>"`, optionally with
            `...` leading the input and output (`"...b,bc->...c"`) or trailing
            them (`"ab...,bc->ac..."`).
        output_shape: the output shape without the batch dimension and the
            dimensions covered by `...`; an int or a tuple whose entries may be
            `None` for dimensions taken from the input.
        activation: activation name or callable; None means linear.
        bias_axes: string of output letters that get a bias, e.g. `"c"`;
            None means no bias.
        kernel_initializer, bias_initializer: initializers. A
            `VarianceScaling` kernel initializer computes its fans from the
            equation's input and output axes of the kernel.
        kernel_regularizer, bias_regularizer, activity_regularizer:
            regularizers.
        kernel_constraint, bias_constraint: constraints.
        lora_rank: optional int; if set, `kernel` is frozen and a trainable
            low-rank update `lora_kernel_a @ lora_kernel_b` (factorized on the
            kernel's last axis) is added, scaled by `lora_alpha / lora_rank`.
        lora_alpha: the LoRA scale numerator; defaults to `lora_rank`.
        gptq_unpacked_column_size: the unpacked column count of a GPTQ
            4-bit kernel (set by GPTQ; None otherwise).
        quantization_config: optional `keras.quantizers.QuantizationConfig`
            used when the layer is quantized.

    Example:
        >>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 64),
        ...                     bias_axes="d")
        >>> layer(torch.ones(2, 32, 128)).shape
        torch.Size([2, 32, 64])
    """

    kernel = lora_weight("kernel")
    quantization_kind = "einsum_dense"

    def __init__(self, equation, output_shape, activation=None,
                 bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(
                f"Layer '{self.name}': invalid value for argument `equation`. "
                f"Expected a string. Received: equation={equation!r}"
            )
        self._init_quantization(quantization_config)
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.get("linear")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self._init_lora(lora_rank, lora_alpha)
        # Fail on a malformed equation now rather than at build time.
        _split_equation(equation, self.name)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = \
            analyze_einsum(self.equation, self.bias_axes, input_shape,
                           self.partial_output_shape, self.name)
        self.input_spec = InputSpec(ndim=len(input_shape))
        self._matmul_plan = _matmul_plan(self.equation, kernel_shape)
        if self.quantization_mode:
            self.quantized_build(tuple(kernel_shape), self.quantization_mode,
                                 self.quantization_config)
        if self._builds_float_weight():
            self.kernel = self.add_weight(
                name="kernel", shape=tuple(kernel_shape),
                initializer=self._kernel_initializer_for(input_axes,
                                                         output_axes),
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias", shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def _kernel_initializer_for(self, input_axes, output_axes):
        init = self.kernel_initializer
        if not isinstance(init, VarianceScaling) or (
            init.input_axes is not None and init.output_axes is not None
        ):
            return init
        # Fans of an einsum kernel come from its input/output axes, not from
        # the conv-style "last two axes" rule. Reuse the drawn seed so the
        # values are those the user's initializer would give.
        config = init.get_config()
        config.update(seed=init.seed, input_axes=input_axes,
                      output_axes=output_axes)
        return type(init).from_config(config)

    def call(self, inputs, training=None):
        if self._is_quantized:
            return self.quantized_call(inputs, training=training)
        kernel = self.kernel
        if self._matmul_plan is not None:
            # A plain contraction of trailing axes: one matmul, no einsum
            # planning (several times faster on small tensors).
            contracted, new_shape = self._matmul_plan
            x = inputs.flatten(-contracted) if contracted > 1 else inputs
            outputs = torch.matmul(
                x, kernel.reshape(x.shape[-1], -1))
            if len(new_shape) != 1:
                outputs = outputs.unflatten(-1, new_shape)
        else:
            outputs = torch.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return outputs if self._linear else self.activation(outputs)

    def compute_output_shape(self, input_shape):
        _, _, output_shape, _, _ = analyze_einsum(
            self.equation, self.bias_axes, input_shape,
            self.partial_output_shape, self.name)
        return tuple(output_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_keras_object(
                self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(
                self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(
                self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(
                self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "quantization_config": serialize_keras_object(
                self.quantization_config),
        })
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        if self.gptq_unpacked_column_size:
            config["gptq_unpacked_column_size"] = \
                self.gptq_unpacked_column_size
        return config


def _matmul_plan(equation, kernel_shape):
    """`(num_contracted, new_shape)` when `equation` contracts the input's
    trailing axes with the kernel's leading ones and appends the kernel's
    remaining axes (`"abc,cde->abde"`, `"...b,bc->...c"`), else None."""
    in_spec, kernel_spec, out_spec, ellipsis = _split_equation(equation)
    if ellipsis == "right":
        return None
    contracted = [c for c in kernel_spec if c in in_spec]
    count = len(contracted)
    if count == 0 or "".join(contracted) != in_spec[-count:] \
            or kernel_spec[:count] != in_spec[-count:]:
        return None
    new = kernel_spec[count:]
    if out_spec != in_spec[:-count] + new or len(set(kernel_spec)) != len(
            kernel_spec) or len(set(in_spec)) != len(in_spec):
        return None
    return count, tuple(kernel_shape[count:])


def _split_equation(equation, layer_name=None):
    """Returns `(input, kernel, output, ellipsis)` letters of `equation`;
    `ellipsis` is None, "left" or "right"."""
    for pattern, ellipsis in ((_PLAIN, None), (_LEFT_ELLIPSIS, "left"),
                              (_RIGHT_ELLIPSIS, "right")):
        match = pattern.fullmatch(equation)
        if match:
            return match.group(1), match.group(2), match.group(3), ellipsis
    where = f"Layer '{layer_name}': i" if layer_name else "I"
    raise ValueError(
        f"{where}nvalid einsum equation '{equation}'. Equations must be in "
        "the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def analyze_einsum(equation, bias_axes, input_shape, output_shape,
                   layer_name=None):
    """Derives the weight shapes of an EinsumDense.

    Args:
        equation: the einsum equation.
        bias_axes: output letters with a bias, or None.
        input_shape: the full input shape (batch first).
        output_shape: the partial output shape given to the layer.
        layer_name: used in error messages.

    Returns:
        `(kernel_shape, bias_shape, full_output_shape, input_axes,
        output_axes)`; `bias_shape` is None without `bias_axes`, and the axes
        are the kernel axes contracted with the input / kept in the output.
    """
    in_spec, kernel_spec, out_spec, ellipsis = _split_equation(
        equation, layer_name)
    prefix = f"Layer '{layer_name}': " if layer_name else ""
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    partial = [output_shape] if isinstance(output_shape, int) \
        else list(output_shape)
    if ellipsis == "left":
        # The `...` dimensions (batch included) lead the output.
        full_output = list(input_shape[:max(elided, 1)]) + partial
        in_index = {c: i + elided for i, c in enumerate(in_spec)}
        out_index = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        # The first output letter is the batch; trailing `...` dims follow.
        full_output = [input_shape[0]] + partial
        if elided > 0:
            full_output += list(input_shape[len(input_shape) - elided:])
        in_index = {c: i for i, c in enumerate(in_spec)}
        out_index = {c: i for i, c in enumerate(out_spec)}

    for char in in_spec:
        if char in out_index:
            got, want = input_shape[in_index[char]], full_output[
                out_index[char]]
            if want is not None and got is not None and want != got:
                raise ValueError(
                    f"{prefix}input shape and output shape do not match at "
                    f"shared dimension '{char}'. Input shape is {got}, and "
                    f"output shape is {want}."
                )
    for char in out_spec:
        if char not in in_spec and char not in kernel_spec:
            raise ValueError(
                f"{prefix}dimension '{char}' was specified in the output "
                f"'{out_spec}' but has no corresponding dim in the input spec "
                f"'{in_spec}' or weight spec '{kernel_spec}'."
            )

    kernel_shape, input_axes, output_axes = [], [], []
    for axis, char in enumerate(kernel_spec):
        if char in out_index:
            kernel_shape.append(full_output[out_index[char]])
            output_axes.append(axis)
        elif char in in_index:
            kernel_shape.append(input_shape[in_index[char]])
            input_axes.append(axis)
        else:
            raise ValueError(
                f"{prefix}weight dimension '{char}' did not have a match in "
                f"either the input spec '{in_spec}' or the output spec "
                f"'{out_spec}'. For this layer, the weight must be fully "
                "specified."
            )

    bias_shape = None
    if bias_axes is not None:
        for char in bias_axes:
            if char not in out_spec:
                raise ValueError(
                    f"{prefix}bias dimension '{char}' was requested, but is "
                    f"not part of the output spec '{out_spec}'."
                )
        # The bias spans from the first biased output letter to the end,
        # broadcasting (size 1) over unbiased letters and trailing `...`.
        first = min(out_spec.find(char) for char in bias_axes)
        bias_shape = [full_output[out_index[char]] if char in bias_axes else 1
                      for char in out_spec[first:]]
        if ellipsis != "left" and elided > 0:
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, full_output, input_axes, output_axes
