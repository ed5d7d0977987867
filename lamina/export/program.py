"""Tracing a function of tracked modules into a `torch.export` program.

The function runs under `torch.export.export` (non-strict: plain Python
tracing, so every Lamina layer traces as written) with the signature's
dynamic dimensions kept symbolic. The program holds only ATen operations
and plain tensors: `torch.export.load` runs it without Lamina installed.
"""

import warnings

import torch

from lamina.export import signature as signature_lib
from lamina.layers import Layer


class EndpointModule(torch.nn.Module):
    """`fn` as a module whose submodules are the tracked resources, so their
    weights become the program's parameters and buffers."""

    def __init__(self, fn, resources):
        super().__init__()
        self.resources = torch.nn.ModuleList(resources)
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def _device_of(resources):
    for module in resources:
        for tensor in module.parameters():
            return tensor.device
    return torch.device("cpu")


def trace(fn, resources, input_signature, **export_kwargs):
    """Exports `fn(*input_signature)` to a `torch.export.ExportedProgram`.

    Args:
        fn: The function to export; it uses only the `resources`' weights.
        resources: `torch.nn.Module`s (layers, models) `fn` uses.
        input_signature: One entry per positional argument of `fn` (see
            `lamina.export.signature`).
        **export_kwargs: Passed to `torch.export.export` (`strict`,
            `dynamic_shapes`, `prefer_deferred_runtime_asserts_over_guards`,
            `preserve_module_call_signature`).
    """
    args = signature_lib.normalize(input_signature)
    module = EndpointModule(fn, resources)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    # Traced on the CPU: the program loads and runs anywhere (no GPU
    # needed; `program.module().to("cuda")` moves it), and CUDA kernels'
    # size limits do not become guards on the dynamic batch size.
    device = _device_of(resources)
    if device.type != "cpu":
        module.to("cpu")
    try:
        return _trace(module, args, resources, export_kwargs)
    finally:
        for m, training in modes:   # the user's modules keep their mode
            m.training = training
        if device.type != "cpu":
            module.to(device)


def _trace(module, args, resources, export_kwargs):
    samples = tuple(signature_lib.sample_inputs(args, _device_of(resources)))
    # `forward(*args)`: the dynamic shapes of the positional arguments.
    export_kwargs.setdefault(
        "dynamic_shapes", {"args": tuple(signature_lib.dynamic_shapes(args))})
    export_kwargs.setdefault("strict", False)
    with warnings.catch_warnings():
        # Lamina layers cache small tensors (device probes) as attributes;
        # torch.export warns about each, but they are not model state.
        warnings.filterwarnings(
            "ignore", message=".*was assigned during export.*")
        with torch.no_grad():
            program = torch.export.export(module, samples, **export_kwargs)
    return _plain_tensors(program)


def _plain_tensors(program):
    """Lamina's weights are `Parameter` subclasses; the program keeps them
    as plain tensors (sharing storage), so readers that know nothing of
    Lamina (torch.export.load, the ONNX exporter) take them as they are."""
    for key, value in list(program.state_dict.items()):
        plain = value.detach().as_subclass(torch.Tensor)
        if isinstance(value, torch.nn.Parameter):
            plain = torch.nn.Parameter(plain, requires_grad=False)
        program.state_dict[key] = plain
    for key, value in list(program.constants.items()):
        if isinstance(value, torch.Tensor):
            program.constants[key] = value.detach().as_subclass(torch.Tensor)
    return program


def save(program, filepath):
    """`torch.export.save`. Convolution kernels are stored laid out for
    torch's convolution (a permuted memory order, so not contiguous); the
    archive keeps each tensor's strides, so the loaded program runs without
    copying them, but torch warns about every such weight: silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="No complete tensor found in the group")
        torch.export.save(program, filepath)


def model_function(model):
    """The inference call of a Lamina layer or model (`training=False`),
    or of a plain `torch.nn.Module` (in eval mode while tracing)."""
    if not isinstance(model, Layer):
        return model

    def call(*args):
        return model(*args, training=False)
    return call
