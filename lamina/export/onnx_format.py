"""ONNX files from `torch.export` programs, through torch's dynamo-based
exporter (`torch.onnx.export(..., dynamo=True)`); onnxruntime runs them.

`onnx` and `onnxscript` are optional: without them the error names the
extra to install, `pip install lamina[onnx]`.
"""

import warnings

import torch

from lamina.export import signature as signature_lib
from lamina.utils import tree


def require_onnx():
    """Imports the exporter's dependencies, or says which extra to install."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"Exporting to ONNX needs the `onnx` and `onnxscript` packages "
            f"({error}). Install them with `pip install lamina[onnx]`."
        ) from error


def input_names(input_signature):
    """One unique name per flat input, from the specs' names."""
    names = []
    flat = tree.flatten(list(signature_lib.normalize(input_signature)))
    for index, spec in enumerate(flat):
        name = signature_lib.spec_name(spec, index)
        while name in names:
            name = f"{name}_{index}"
        names.append(name)
    return names


def write_onnx(program, input_signature, filepath, opset_version=None,
               verbose=False):
    """Writes the `torch.export` program `program` as an ONNX model (one
    file, weights inside) with its dynamic dimensions kept dynamic."""
    require_onnx()
    device = next((t.device for t in program.state_dict.values()), "cpu")
    args = tuple(signature_lib.sample_inputs(
        signature_lib.normalize(input_signature), device))
    with warnings.catch_warnings():
        # torch's exporter trips over its own pytree deprecation.
        warnings.filterwarnings("ignore", message=".*LeafSpec.*",
                                category=FutureWarning)
        onnx_program = torch.onnx.export(
            program, args, dynamo=True,
            input_names=input_names(input_signature),
            opset_version=opset_version, verbose=verbose,
            external_data=False,
        )
    onnx_program.save(str(filepath))
    _name_batch_dimension(str(filepath))
    return str(filepath)


def _name_batch_dimension(filepath):
    """Renames the symbol of the inputs' leading dynamic dimension (torch
    calls it `s0`, `s33`, ...) to "batch", as Keras's ONNX files have it."""
    import onnx

    model = onnx.load(filepath)
    symbols = {value.type.tensor_type.shape.dim[0].dim_param
               for value in model.graph.input
               if value.type.tensor_type.shape.dim}
    symbols.discard("")
    if len(symbols) != 1:
        return
    (symbol,) = symbols
    values = list(model.graph.input) + list(model.graph.output) + list(
        model.graph.value_info)
    for value in values:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param == symbol:
                dim.dim_param = "batch"
    onnx.save(model, filepath)
