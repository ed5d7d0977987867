"""GPTQ over a model, block by block, as Keras 3.15 runs it.

The calibration data become `num_samples` token windows; the windows go
through the model's `pre_block_layers` (an embedding, say), then through
its `sequential_blocks` one at a time. For each block, forward pre-hooks on
its Dense/EinsumDense leaves gather their inputs while the block runs on
every window with its float weights; each leaf is then quantized from its
statistics, and the quantized block's outputs become the next block's
inputs, so later blocks calibrate on what the quantized model computes.

The driver knows layers only through what it is handed: `select(layer)`
(the `filters` of `Model.quantize`) and `handler_for(layer)`, whose
`float_kernel(layer)` and `store_calibration(layer, **arrays)` read the
float weight and write the quantized variables (the layer side lives in
`lamina.layers.quantized`).
"""

import math

import numpy as np
import torch

from lamina.quantizers import gptq_core

# The leaves GPTQ and AWQ quantize (a layer's `quantization_kind`).
TARGET_KINDS = ("dense", "einsum_dense")


def _token_array(tokens):
    if isinstance(tokens, torch.Tensor):
        tokens = tokens.detach().cpu().numpy()
    return np.asarray(tokens).reshape(-1)


def _tokenize(tokenizer, text):
    if hasattr(tokenizer, "tokenize"):
        return tokenizer.tokenize(text)
    if callable(tokenizer):
        return tokenizer(text)
    raise TypeError(
        "The calibration dataset holds strings, so the config's `tokenizer` "
        "must be callable or have a `tokenize` method. Received: "
        f"tokenizer={tokenizer!r}")


def get_dataloader(tokenizer, sequence_length, dataset, num_samples=128, *,
                   strategy="strided", seed=42, stride=None, eos_id=None):
    """Calibration windows, `(num_samples, 1, sequence_length)` int32.

    Strings are tokenized (with `eos_id` between documents when given);
    arrays are flattened; everything is joined into one token stream,
    repeated when too short, and windows are cut from it: `"strided"`
    (evenly spaced from an offset derived from `seed`, as Keras derives it),
    `"linspace"` or `"random"` starts.
    """
    if not hasattr(dataset, "__iter__") or isinstance(dataset, (str, bytes)):
        raise TypeError(
            "The calibration `dataset` must be an iterable (a list of "
            "strings, of token arrays, a generator, a NumPy array). "
            f"Received: {type(dataset).__name__}")
    items = list(dataset)
    if not items:
        raise ValueError("The calibration `dataset` is empty.")
    pieces = []
    if isinstance(items[0], str):
        for i, text in enumerate(items):
            pieces.append(_token_array(_tokenize(tokenizer, text)))
            if eos_id is not None and i < len(items) - 1:
                pieces.append(np.array([eos_id], dtype=np.int32))
    else:
        pieces = [_token_array(item).astype(np.int32, copy=False)
                  for item in items]
    tokens = np.concatenate(pieces).astype(np.int32, copy=False)
    needed = num_samples * sequence_length
    if tokens.size < needed:
        tokens = np.tile(tokens, math.ceil(needed / max(1, tokens.size)))
    max_start = tokens.size - sequence_length
    if max_start < 0:
        raise ValueError(
            f"The calibration data hold {tokens.size} tokens, fewer than one "
            f"window of sequence_length={sequence_length}.")
    if strategy == "random":
        starts = np.random.default_rng(seed).integers(
            0, max_start + 1, size=num_samples, dtype=np.int64)
    elif strategy == "linspace":
        starts = np.linspace(0, max_start, num_samples, dtype=np.int64)
    elif strategy == "strided":
        if stride is None:
            stride = max(1, (max_start + 1) // num_samples)
        # Keras's offset: Python's hash of ("gptq-calib", seed), so it
        # follows PYTHONHASHSEED as Keras's does.
        offset = abs(hash(("gptq-calib", seed))) % (max_start + 1) \
            if max_start > 0 else 0
        starts = (offset + np.arange(num_samples, dtype=np.int64) * stride) \
            % (max_start + 1)
    else:
        raise ValueError(
            "Invalid calibration `strategy`. Expected 'strided', 'linspace' "
            f"or 'random'. Received: strategy={strategy!r}")
    windows = np.lib.stride_tricks.sliding_window_view(tokens,
                                                       sequence_length)
    return windows[starts].astype(np.int32)[:, None, :]


def _leaves(layer, seen):
    if id(layer) in seen:
        return
    seen.add(id(layer))
    children = getattr(layer, "layers", None) or []
    if not children:
        yield layer
    for child in children:
        yield from _leaves(child, seen)


def find_layers_in_block(block):
    """`{path: layer}` of the Dense/EinsumDense leaves of `block`, in
    depth-first order."""
    return {layer.path: layer for layer in _leaves(block, set())
            if getattr(layer, "quantization_kind", None) in TARGET_KINDS}


def resolve_structure(model, config):
    """The block structure: the config's, else the model's answer to
    `get_quantization_layer_structure(mode)`."""
    structure = config.quantization_layer_structure
    if structure is None:
        ask = getattr(model, "get_quantization_layer_structure", None)
        structure = ask(config.mode) if ask is not None else None
    if structure is None:
        raise ValueError(
            f"For mode='{config.mode}', a valid quantization structure must "
            "be provided either via `config.quantization_layer_structure` or "
            "by overriding `model.get_quantization_layer_structure(mode)`. "
            "The structure should be a dictionary with keys "
            "'pre_block_layers' and 'sequential_blocks'.")
    return structure


def kernel_matrix(kernel):
    """A Dense/EinsumDense kernel as the 2D `[rows, columns]` GPTQ works
    on (see `gptq_core.kernel_rows_columns`)."""
    rows, columns = gptq_core.kernel_rows_columns(tuple(kernel.shape))
    return kernel.reshape(rows, columns)


class GPTQ:
    """GPTQ statistics and quantization of one layer: the running Hessian
    of its inputs, then the quantized variables from it."""

    def __init__(self, layer, config, handler):
        self.layer, self.config, self.handler = layer, config, handler
        self.kernel = kernel_matrix(handler.float_kernel(layer).detach())
        self.rows = self.kernel.shape[0]
        self.hessian = torch.zeros(self.rows, self.rows, dtype=torch.float32,
                                   device=self.kernel.device)
        self.num_samples = 0

    def update(self, inputs):
        self.hessian, self.num_samples = gptq_core.update_hessian(
            self.hessian, self.num_samples,
            inputs.reshape(-1, self.rows).to(self.hessian.device))

    def quantize(self):
        config = self.config
        quantized, scale, zero, g_idx = gptq_core.gptq_quantize_weights(
            self.kernel, self.hessian, weight_bits=config.weight_bits,
            group_size=config.group_size, symmetric=config.symmetric,
            per_channel=config.per_channel,
            activation_order=config.activation_order,
            hessian_damping=config.hessian_damping)
        self.handler.store_calibration(
            self.layer, quantized=quantized, kernel_scale=scale,
            kernel_zero=zero, g_idx=g_idx)


def _first_input(args, kwargs):
    return args[0] if args else kwargs["inputs"]


def _as_batch(sample):
    return sample.unsqueeze(0) if sample.dim() == 2 else sample


def apply_layerwise(dataloader, config, structure, make_collector,
                    select=None):
    """Calibrates and quantizes the `sequential_blocks` of `structure` one
    after the other (see the module docstring). `make_collector(layer)`
    gives an object with `update(inputs)` and `quantize()`."""
    pre_layers = structure.get("pre_block_layers", [])
    blocks = structure.get("sequential_blocks", [])
    if not blocks:
        raise ValueError(
            "No sequential blocks found in the provided structure to "
            f"quantize. Received: quantization_layer_structure={structure!r}")
    with torch.no_grad():
        inputs = []
        for batch in dataloader:
            batch = torch.as_tensor(np.asarray(batch), dtype=torch.int32)
            for layer in pre_layers:
                batch = layer(batch)
            inputs.append(batch)
        count = min(config.num_samples, len(inputs))
        for index, block in enumerate(blocks):
            targets = {name: layer for name, layer in
                       find_layers_in_block(block).items()
                       if select is None or select(layer)}
            if targets:
                _calibrate_block(block, targets, inputs[:count],
                                 make_collector)
            if index < len(blocks) - 1:
                inputs = [block(_as_batch(sample))[0]
                          for sample in inputs[:count]]


def _calibrate_block(block, targets, inputs, make_collector):
    collectors = {name: make_collector(layer)
                  for name, layer in targets.items()}
    handles = []

    def hook_for(collector):
        def hook(module, args, kwargs):
            collector.update(_first_input(args, kwargs))
        return hook

    try:
        for name, layer in targets.items():
            handles.append(layer.register_forward_pre_hook(
                hook_for(collectors[name]), with_kwargs=True))
        for sample in inputs:
            block(_as_batch(sample))
    finally:
        for handle in handles:
            handle.remove()
    for collector in collectors.values():
        collector.quantize()


def check_calibration_data(config):
    if config.dataset is None or config.tokenizer is None:
        raise ValueError(
            f"{config.mode.upper()} quantization requires a dataset and a "
            f"tokenizer. Please provide them in the "
            f"`{type(config).__name__}`. Received: "
            f"dataset={type(config.dataset).__name__}, "
            f"tokenizer={type(config.tokenizer).__name__}")


def calibrate_model(model, config, make_collector, select=None):
    """The calibration both GPTQ and AWQ run: the config's data cut into
    windows, then `apply_layerwise` with `make_collector(layer)`."""
    check_calibration_data(config)
    structure = resolve_structure(model, config)
    dataloader = get_dataloader(config.tokenizer, config.sequence_length,
                                config.dataset,
                                num_samples=config.num_samples)
    apply_layerwise(dataloader, config, structure, make_collector, select)


def gptq_quantize(model, config, handler_for, select=None):
    """GPTQ-calibrates `model` (its layers already in "gptq" mode)."""
    calibrate_model(model, config,
                    lambda layer: GPTQ(layer, config, handler_for(layer)),
                    select)
