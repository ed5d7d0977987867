"""How an EinsumDense equation lays out per-channel quantization scales.

The axes of the input and kernel that the equation contracts are the ones
a quantizer reduces; the resulting scales (reduced axes kept as size 1)
are moved into the output's axis order so that they broadcast against the
einsum's result. `EinsumAxes` holds Keras's bookkeeping for that (the
same transposes, expansions and squeezes, so the `kernel_scale` stored in
files has Keras's shape).
"""

import string

import torch


def _specs(equation, ndim):
    """Input, kernel and output letters with any `...` spelled out."""
    inputs, rest = equation.split(",")
    kernel, output = rest.split("->")
    if "..." not in equation:
        return inputs, kernel, output
    free = sorted(set(string.ascii_letters) - set(equation))
    elided = ndim - len(inputs.replace("...", ""))
    extra = "".join(free[:elided])
    if inputs.startswith("..."):
        return extra + inputs[3:], kernel, extra + output[3:]
    return inputs[:-3] + extra, kernel, output[:-3] + extra


class EinsumAxes:
    """Keras's quantization layout of an einsum equation for inputs of
    rank `ndim`."""

    def __init__(self, equation, ndim):
        inputs, kernel, output = _specs(equation, ndim)
        self.input_reduced = [i for i, c in enumerate(inputs)
                              if c not in output]
        self.kernel_reduced = [i for i, c in enumerate(kernel)
                               if c not in output]
        self.input_transpose, self.input_expand, self.input_squeeze = \
            _layout(inputs, output, self.input_reduced)
        self.kernel_transpose, self.kernel_expand, self.kernel_squeeze = \
            _layout(kernel, output, self.kernel_reduced)
        self.gradient_equation = f"{output},{kernel}->{inputs}"

    def scale_for_output(self, scale, which="kernel"):
        """A scale with reduced axes of size 1 (in its tensor's axis order)
        moved into the output's axis order."""
        transpose, expand, squeeze = (
            (self.kernel_transpose, self.kernel_expand, self.kernel_squeeze)
            if which == "kernel" else
            (self.input_transpose, self.input_expand, self.input_squeeze))
        if transpose:
            scale = scale.permute(transpose)
        for axis in sorted(expand):
            scale = scale.unsqueeze(axis)
        if squeeze:
            scale = scale.squeeze(tuple(squeeze))
        return scale

    def scale_for_kernel(self, scale):
        """The reverse of `scale_for_output` for the kernel's scale."""
        for axis in sorted(self.kernel_squeeze):
            scale = scale.unsqueeze(axis)
        if self.kernel_expand:
            scale = scale.squeeze(tuple(self.kernel_expand))
        if self.kernel_transpose:
            reverse = sorted(range(len(self.kernel_transpose)),
                             key=self.kernel_transpose.__getitem__)
            scale = scale.permute(reverse)
        return scale

    def kernel_scale_shape(self, kernel_shape):
        """The per-channel `kernel_scale` shape Keras stores."""
        shape = list(kernel_shape)
        for axis in self.kernel_reduced:
            shape[axis] = 1
        shape = [shape[axis] for axis in self.kernel_transpose]
        for axis in sorted(self.kernel_expand):
            shape.insert(axis, 1)
        for axis in sorted(self.kernel_squeeze, reverse=True):
            shape.pop(axis)
        return tuple(shape)

    def rows_columns(self, kernel_shape):
        """The 2D `(rows, columns)` view of the kernel int4 uses: reduced
        sizes multiplied into rows, the others into columns."""
        rows = columns = 1
        for axis, size in enumerate(kernel_shape):
            if axis in self.kernel_reduced:
                rows *= size
            else:
                columns *= size
        return rows, columns


def _layout(spec, output, reduced):
    """(transpose, expand, squeeze) for one operand, following Keras: the
    output's letters that the operand has, in output order, with each
    reduced axis put at the next position the operand lacks (or squeezed
    when none is left)."""
    expand = [i for i, c in enumerate(output) if c not in spec]
    transpose = [spec.index(c) for c in output if c in spec]
    squeeze = []
    index = None
    for axis in reduced:
        if expand:
            index = expand.pop(0)
        else:
            squeeze.append(axis)
            if index is None:
                raise ValueError(
                    f"Cannot quantize the einsum operand '{spec}' -> "
                    f"'{output}': no output axis to carry its scale.")
        transpose.insert(index, axis)
    return transpose, expand, squeeze


def int_einsum(equation, x, kernel):
    """`einsum` of two int8 tensors, accumulated exactly (int32 on CPU;
    float32, exact up to 2**24, elsewhere)."""
    work = torch.int32 if x.device.type == "cpu" else torch.float32
    return torch.einsum(equation, x.to(work), kernel.to(work))
