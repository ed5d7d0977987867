"""`keras.export.ExportArchive`: several endpoints (functions of tracked
layers and models, each with its input signature) written as
`torch.export` programs or ONNX models, one file per endpoint."""

import os

import numpy as np
import torch

from lamina.export import export_lib
from lamina.export import onnx_format
from lamina.export import program as program_lib


class ExportArchive:
    """Collects serving endpoints and writes them out.

    `track()` the layers or models whose weights the endpoints use, then
    `add_endpoint()` each function with its input signature, then
    `write_out()` a folder holding one file per endpoint:
    `<name>.pt2` (format "torch", read back with `torch.export.load`) or
    `<name>.onnx` (format "onnx", for onnxruntime), and one `<name>.npz`
    per `add_variable_collection()`.

    Args:
        format: "torch" (default) or "onnx".

    Example:

    ```python
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serve",
        fn=lambda x: model(x, training=False),
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
    )
    archive.write_out("path/to/folder")
    serve = torch.export.load("path/to/folder/serve.pt2").module()
    ```
    """

    def __init__(self, format="torch"):
        export_lib.check_format(format)
        if format == "onnx":
            onnx_format.require_onnx()
        self.format = format
        self._resources = []
        self._endpoints = {}
        self._collections = {}

    @property
    def endpoint_names(self):
        return list(self._endpoints)

    def track(self, resource):
        """Tracks a layer or model (any `torch.nn.Module`): its weights
        become the exported programs' weights."""
        if not isinstance(resource, torch.nn.Module):
            raise ValueError(
                "Invalid resource type. Expected a Lamina layer or model (a "
                f"torch.nn.Module). Received: {resource!r} of type "
                f"{type(resource).__name__}"
            )
        if getattr(resource, "built", True) is False:
            raise ValueError(
                f"The layer or model '{getattr(resource, 'name', resource)}' "
                "has not been built yet, so it has no weights to export. "
                "Call it on data (or `build(input_shape)`) first."
            )
        if not any(resource is r for r in self._resources):
            self._resources.append(resource)

    def add_endpoint(self, name, fn=None, input_signature=None, **kwargs):
        """Traces `fn(*input_signature)` into an endpoint called `name`.

        Args:
            name: The endpoint's name (its file name in `write_out`).
            fn: A function using only the tracked resources' weights.
            input_signature: One entry per positional argument of `fn`:
                `keras.InputSpec`s, `KerasTensor`s or tensors (or
                structures of them); `None` dimensions stay dynamic.
            **kwargs: `torch.export.export` options (`strict`,
                `dynamic_shapes`, ...).

        Returns:
            The traced `torch.export.ExportedProgram`.
        """
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                "Argument `name` must be a non-empty string without '/'. "
                f"Received: name={name!r}"
            )
        if name in self._endpoints or name in self._collections:
            raise ValueError(
                f"Endpoint name '{name}' is already taken. Endpoints: "
                f"{self.endpoint_names}"
            )
        if not callable(fn):
            raise ValueError(
                f"Argument `fn` of endpoint '{name}' must be a callable. "
                f"Received: fn={fn!r}"
            )
        if input_signature is None:
            raise ValueError(
                f"Endpoint '{name}' needs an `input_signature` (a list of "
                "`keras.InputSpec`, one per argument of `fn`): Lamina traces "
                "`fn` when the endpoint is added."
            )
        if not self._resources:
            raise ValueError(
                "No layer or model is tracked yet: call `track(model)` "
                "before `add_endpoint()`, so the endpoint's weights are known."
            )
        program = program_lib.trace(fn, self._resources, input_signature,
                                    **kwargs)
        self._endpoints[name] = (program, input_signature)
        return program

    def track_and_add_endpoint(self, name, resource, input_signature,
                               **kwargs):
        """`track(resource)`, then an endpoint calling it in inference mode
        (`training=False`)."""
        self.track(resource)
        return self.add_endpoint(name, program_lib.model_function(resource),
                                 input_signature, **kwargs)

    def add_variable_collection(self, name, variables):
        """Registers variables to write beside the endpoints, as
        `<filepath>/<name>.npz` (NumPy arrays keyed by variable path).

        Args:
            name: The collection's name.
            variables: A list, tuple or set of weights (tensors).
        """
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                "Argument `name` must be a non-empty string without '/'. "
                f"Received: name={name!r}"
            )
        if name in self._endpoints or name in self._collections:
            raise ValueError(f"The name '{name}' is already taken.")
        if not isinstance(variables, (list, tuple, set)) or not all(
                isinstance(v, torch.Tensor) for v in variables):
            raise ValueError(
                "Expected `variables` to be a list, tuple or set of weights "
                f"(tensors). Received: {type(variables).__name__}"
            )
        self._collections[name] = list(variables)

    def write_out(self, filepath, options=None, verbose=True):
        """Writes each endpoint to `<filepath>/<name>.pt2` (or `.onnx`).

        Args:
            filepath: The folder to write (created if missing).
            options: Not used by Lamina's formats; must be `None` (Keras
                passes TensorFlow `SaveOptions` here).
            verbose: Print the files written.
        """
        if options is not None:
            raise ValueError(
                "Argument `options` configures TensorFlow SavedModels, which "
                f"Lamina does not write; it must be None. Received: "
                f"options={options!r}"
            )
        if not self._endpoints:
            raise ValueError(
                "No endpoints have been set yet. Call `add_endpoint()` first."
            )
        filepath = os.fspath(filepath)
        os.makedirs(filepath, exist_ok=True)
        suffix = ".pt2" if self.format == "torch" else ".onnx"
        for name, variables in self._collections.items():
            arrays = {}
            for index, variable in enumerate(variables):
                key = getattr(variable, "path", None) or f"variable_{index}"
                arrays[key if key not in arrays else f"{key}_{index}"] = (
                    variable.detach().cpu().numpy())
            np.savez(os.path.join(filepath, name + ".npz"), **arrays)
        for name, (program, input_signature) in self._endpoints.items():
            target = os.path.join(filepath, name + suffix)
            if self.format == "torch":
                program_lib.save(program, target)
            else:
                onnx_format.write_onnx(program, input_signature, target)
        if verbose:
            print(f"Saved artifact at '{filepath}'. Endpoints: "
                  f"{', '.join(f'{n}{suffix}' for n in self._endpoints)}")
