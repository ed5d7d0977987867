"""`Model.export`: a trained model as a `torch.export` program (`.pt2`) or
an ONNX file, with a dynamic batch dimension."""

import os

from lamina.export import onnx_format
from lamina.export import program as program_lib
from lamina.export import signature as signature_lib

FORMATS = ("torch", "onnx")
# Keras's formats that need TensorFlow or OpenVINO, which Lamina never uses.
_FOREIGN_FORMATS = ("tf_saved_model", "openvino", "litert")
_TORCH_EXPORT_KWARGS = ("strict", "dynamic_shapes",
                        "prefer_deferred_runtime_asserts_over_guards",
                        "preserve_module_call_signature")


def check_format(format):
    if format in _FOREIGN_FORMATS:
        raise ValueError(
            f"format='{format}' needs TensorFlow (or OpenVINO), which Lamina "
            f"does not use. Lamina exports to {list(FORMATS)}: "
            "format='torch' writes a torch.export program (.pt2), "
            "format='onnx' an ONNX model."
        )
    if format not in FORMATS:
        raise ValueError(
            f"Unrecognized format={format}. Supported formats are: "
            f"{list(FORMATS)}."
        )


def export_model(model, filepath, format="tf_saved_model", verbose=None,
                 input_signature=None, **kwargs):
    """Writes `model`'s inference function (`training=False`) to
    `filepath` as `format` ("torch": a `.pt2` file for
    `torch.export.load`; "onnx": an ONNX model for onnxruntime).

    Args:
        model: A built Lamina model.
        filepath: Where to write; ".pt2" for "torch".
        format: "torch" or "onnx".
        verbose: Print where the file went (default: True).
        input_signature: Positional arguments of the call, as a list of
            `keras.InputSpec`s / `KerasTensor`s / tensors; `None`
            dimensions stay dynamic. Defaults to the model's inputs.
        **kwargs: For "torch", `torch.export.export` options (`strict`,
            `dynamic_shapes`, ...); for "onnx", `opset_version`.
    """
    check_format(format)
    filepath = os.fspath(filepath)
    if format == "torch" and not filepath.endswith(".pt2"):
        raise ValueError(
            "The torch export writes a `.pt2` file: `filepath` must end "
            f"with '.pt2'. Received: filepath={filepath}"
        )
    opset_version = kwargs.pop("opset_version", None) \
        if format == "onnx" else None
    unknown = [k for k in kwargs if k not in _TORCH_EXPORT_KWARGS]
    if unknown:
        raise ValueError(
            f"Unrecognized keyword arguments for format='{format}': "
            f"{unknown}. Accepted: "
            f"{list(_TORCH_EXPORT_KWARGS) + ['opset_version (onnx)']}."
        )
    if format == "onnx":
        onnx_format.require_onnx()
    if input_signature is None:
        input_signature = signature_lib.model_signature(model)
    else:
        input_signature = _fit_to_model(model, input_signature)
    program = program_lib.trace(program_lib.model_function(model), [model],
                                input_signature, **kwargs)
    if format == "torch":
        program_lib.save(program, filepath)
    else:
        onnx_format.write_onnx(program, input_signature, filepath,
                               opset_version=opset_version)
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'. ({format} format)")
    return filepath


def _fit_to_model(model, input_signature):
    """A multi-input model takes its inputs as one list: a flat list of as
    many specs as the model has inputs is that one argument."""
    inputs = getattr(model, "inputs", None) or []
    if (isinstance(input_signature, (list, tuple)) and len(inputs) > 1
            and len(input_signature) == len(inputs)
            and not any(isinstance(s, (list, tuple, dict))
                        for s in input_signature)):
        return [list(input_signature)]
    return input_signature
