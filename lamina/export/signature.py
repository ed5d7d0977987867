"""Input signatures for export: what the exported program takes.

A signature is a structure (one entry per positional argument of the
exported function) of `keras.InputSpec`s, `KerasTensor`s or concrete
tensors/arrays, each giving a shape (`None` for a dynamic dimension) and a
dtype. From it come the sample tensors `torch.export` traces with and the
`dynamic_shapes` that keep the `None` dimensions symbolic.
"""

import numpy as np
import torch

from lamina import config
from lamina.layers import InputSpec
from lamina.utils import tree

# Sample sizes for dynamic dimensions while tracing: 2 for the batch (torch
# specializes sizes 0 and 1 into constants), something a convolution stack
# accepts for the others.
_SAMPLE_BATCH = 2
_SAMPLE_OTHER = 32


def _is_shape(value):
    return isinstance(value, (list, tuple)) and all(
        d is None or isinstance(d, int) for d in value)


def model_signature(model):
    """The signature of `model(inputs)`: one positional argument holding the
    model's input structure, from its `Input`s or its first call."""
    if not getattr(model, "built", False):
        raise ValueError(
            f"The model '{model.name}' has not been built yet, so its inputs "
            "are unknown. It must be built before export: call it on a batch "
            "of data, call `model.build(input_shape)`, or pass "
            "`input_signature`."
        )
    structure = None
    try:
        structure = model.input
    except (AttributeError, ValueError):
        structure = None
    if structure is None:
        shapes = (model.get_build_config() or {}).get("input_shape")
        if shapes is None:
            raise ValueError(
                f"The input shape of model '{model.name}' is unknown: it was "
                "built without input shapes. Pass `input_signature` (a list "
                "of `keras.InputSpec`), or call the model once on data."
            )
        # The batch size of the first call is not part of the signature.
        structure = _map_shapes(
            lambda s: InputSpec(shape=(None,) + s[1:], dtype=config.floatx()),
            shapes)
    return [structure]


def _map_shapes(fn, shapes):
    if _is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    return [_map_shapes(fn, v) for v in shapes]


def normalize(signature):
    """A signature as a tuple of positional arguments; a single spec (not
    in a list) is one argument."""
    if isinstance(signature, (list, tuple)):
        return tuple(signature)
    return (signature,)


def spec_shape_and_dtype(spec):
    """`(shape, torch dtype)` of one leaf of a signature."""
    if isinstance(spec, (torch.Tensor, np.ndarray)):
        shape, dtype = tuple(spec.shape), spec.dtype
    else:
        shape = getattr(spec, "shape", None)
        dtype = getattr(spec, "dtype", None)
        if shape is None:
            raise ValueError(
                "Each entry of `input_signature` must have a shape: a "
                "`keras.InputSpec(shape=...)`, a `KerasTensor` or a tensor. "
                f"Received: {spec!r}"
            )
    shape = tuple(None if d is None else int(d) for d in shape)
    return shape, _torch_dtype(dtype)


def _torch_dtype(dtype):
    if dtype is None:
        return getattr(torch, config.floatx())
    if isinstance(dtype, torch.dtype):
        return dtype
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    return getattr(torch, name.replace("torch.", ""))


def spec_name(spec, index):
    """The name of an input in the exported file (ONNX input names)."""
    name = getattr(spec, "name", None)
    return name if isinstance(name, str) and name else f"input_{index}"


def sample_inputs(signature, device):
    """Tensors matching `signature` to trace with (zeros; dynamic
    dimensions at their sample sizes)."""
    def sample(spec):
        shape, dtype = spec_shape_and_dtype(spec)
        sizes = [d if d is not None
                 else (_SAMPLE_BATCH if i == 0 else _SAMPLE_OTHER)
                 for i, d in enumerate(shape)]
        return torch.zeros(sizes, dtype=dtype, device=device)
    return tree.map_structure(sample, signature)


def dynamic_shapes(signature):
    """`torch.export` dynamic shapes: every `None` dimension symbolic; the
    leading (batch) dimensions of all inputs share one `Dim`, so that
    inputs of one batch stay consistent."""
    batch = torch.export.Dim("batch", min=1)

    def dims(spec):
        shape, _ = spec_shape_and_dtype(spec)
        dynamic = {i: (batch if i == 0 else torch.export.Dim.AUTO)
                   for i, d in enumerate(shape) if d is None}
        return dynamic or None
    return tree.map_structure(dims, signature)
