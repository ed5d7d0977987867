"""Encoding integer indices as one-hot, multi-hot or count vectors, shared
by CategoryEncoding, Hashing, Discretization and the lookup layers."""

import torch

from lamina.utils.dtypes import to_torch_dtype

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def encode_categorical_inputs(inputs, output_mode, depth, dtype,
                              sparse=False, count_weights=None):
    """Encodes integer `inputs` in `[0, depth)` as Keras does.

    `"one_hot"` adds an axis of size `depth` (replacing a trailing axis of
    size 1); `"multi_hot"` and `"count"` reduce axis 1 of a batch (axis 0
    of a rank-1 input, which is one sample) into `depth` bins. Negative
    indices encode to zeros.
    """
    torch_dtype = to_torch_dtype(dtype)
    if output_mode == "int":
        return inputs.to(torch_dtype)
    if inputs.ndim == 0:
        inputs = inputs.unsqueeze(-1)
    inputs = inputs.to(torch.int64)
    if output_mode == "one_hot":
        if inputs.ndim > 1 and inputs.shape[-1] == 1:
            inputs = inputs.squeeze(-1)
        bins = torch.arange(depth, device=inputs.device)
        outputs = (inputs.unsqueeze(-1) == bins).to(torch_dtype)
        return outputs.to_sparse() if sparse else outputs
    # Move the reduced axis last, then scatter into `depth` bins.
    reduce_axis = 1 if inputs.ndim > 1 else 0
    indices = inputs.movedim(reduce_axis, -1)
    valid = indices >= 0
    indices = indices.clamp_min(0)
    shape = indices.shape[:-1] + (depth,)
    if output_mode == "multi_hot":
        outputs = torch.zeros(shape, dtype=torch_dtype, device=inputs.device)
        outputs.scatter_reduce_(-1, indices, valid.to(torch_dtype),
                                reduce="amax")
    else:
        if count_weights is not None:
            weights = torch.as_tensor(count_weights, device=inputs.device)
            weights = weights.movedim(reduce_axis, -1)
            torch_dtype = weights.dtype
            source = torch.where(valid, weights, 0)
        else:
            source = valid.to(torch_dtype)
        outputs = torch.zeros(shape, dtype=torch_dtype, device=inputs.device)
        outputs.scatter_add_(-1, indices, source)
    return outputs.to_sparse() if sparse else outputs


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical_inputs`."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


def check_output_mode(owner, output_mode, allowed=OUTPUT_MODES):
    if output_mode not in allowed:
        raise ValueError(
            f"Invalid value for argument `output_mode` of {owner}. Expected "
            f"one of {list(allowed)}. Received: output_mode={output_mode!r}"
        )
    return output_mode

