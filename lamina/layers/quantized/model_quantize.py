"""`Model.quantize`: quantizes every leaf layer a mode handles (those the
`filters` select), then runs the mode's model-level step (GPTQ, AWQ)."""

import re
import warnings

from lamina.layers.quantized import modes
from lamina.layers.quantized.quantizable import UnsupportedQuantization
from lamina.layers.quantized.quantizable import check_quantizable
from lamina.layers.quantized.quantizable import resolve_config


def should_quantize_layer(layer, filters):
    """Whether `filters` (None, a regex on the layer's name, a list of
    regexes, or a callable taking the layer) selects `layer`."""
    if filters is None:
        return True
    if isinstance(filters, str):
        return bool(re.search(filters, layer.name))
    if isinstance(filters, (list, tuple)):
        return any(re.search(pattern, layer.name) for pattern in filters)
    return bool(filters(layer))


def quantize_model(model, mode=None, config=None, filters=None, **kwargs):
    """Quantizes `model` in place; see `Model.quantize`."""
    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(
            "Unrecognized keyword arguments passed to "
            f"{type(model).__name__}: {kwargs}")
    if filters is not None and not (
            isinstance(filters, (str, list, tuple)) or callable(filters)):
        raise ValueError(
            "The `filters` argument must be a regex string, a list of regex "
            f"strings, or a callable. Received: {type(filters)}")
    config = resolve_config(mode, config)
    mode = config.mode
    # Keras checks the model as a layer first (built, policy).
    check_quantizable(model, mode)
    modified = False
    for layer in model._flatten_layers():
        if not should_quantize_layer(layer, filters):
            continue
        if len(list(layer._flatten_layers())) != 1:
            continue
        if not hasattr(layer, "quantize"):
            continue
        try:
            layer.quantize(mode, type_check=type_check, config=config)
            modified = True
        except UnsupportedQuantization as error:
            warnings.warn(str(error), stacklevel=2)
    step = modes.get_mode(mode).quantize_model
    if step is not None:
        step(model, config, filters)
        modified = True
    if modified:
        # Compiled steps hold the float layers' graph.
        model.train_function = None
        model.test_function = None
        model.predict_function = None
