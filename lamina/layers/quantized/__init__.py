"""Quantized layers: one module per quantization mode, one registry of modes.

How a mode plugs in (see `modes.py`):

1. Declare the mode once with `register_mode(name, config_class=...)`:
   its name (the `mode` string of `quantize()` and the first part of the
   policy name, e.g. "int8", "gptq"), the `QuantizationConfig` subclass
   it takes, a `default_config()` (or None when a config is required, as
   GPTQ/AWQ need one) and optionally `quantize_model(model, config,
   filters)`, a model-level step run by `Model.quantize` after every
   layer was quantized (GPTQ/AWQ calibration).
2. For each layer kind it supports ("dense", "einsum_dense",
   "embedding", "reversible_embedding"), register a handler class with
   `@register_handler(name, kind)`. A handler subclasses `LayerHandler`
   and defines:
   - `build(layer, kernel_shape, config)`: create the mode's variables
     (zeros) in place of the float weight; used both by `quantize()` and
     when a layer is built with a quantized dtype policy (loading a file).
   - `quantize(layer, config)`: turn the built float layer's weight into
     the mode's variables (it calls `build` then assigns values). A
     handler deriving from `common.WeightHandler` defines instead
     `encode(layer, float_weight, config)` (the variables' values) and
     `decode(layer, dtype)` (the float weight back), which also give the
     LoRA merge before saving.
   - `call(layer, inputs, training=None, **kwargs)`: the forward pass.
   - `saved_names(layer)`: the attribute names of the layer's variables
     in Keras's file order (`variable_serialization_spec`).
   - optionally `policy_mode(layer, config)` (the policy name's mode part,
     e.g. "int4/128" or "gptq/4/128"), `merged_for_saving(layer)` (LoRA
     merged into the quantized weight before saving),
     `stored_for_loading(layer, store)` (adapt another writer's layout
     before loading), `weight_view(layer, stored)` (what `layer.kernel`
     reads, e.g. unpacked int4) and `replaces_weight = False` for a mode
     that keeps the float weight (float8).
3. A quantizable layer class sets `quantization_kind` and mixes in
   `Quantizable` (from `quantizable.py`), which gives it `quantized_build`,
   `quantized_call` and Keras's variable order in files; `Layer.quantize`
   and `Model.quantize` (`model_quantize.py`) run the checks and the
   handler.

Modes register on import: this package imports every mode module below
(int8, float8, int4, the ReversibleEmbedding handlers, and gptq, awq when
present); a new mode adds its module there. Mode modules import
`lamina.layers.quantized.modes`, never this package.
"""

from lamina.layers.quantized.modes import LayerHandler
from lamina.layers.quantized.modes import QuantizationMode
from lamina.layers.quantized.modes import get_handler
from lamina.layers.quantized.modes import get_mode
from lamina.layers.quantized.modes import mode_names
from lamina.layers.quantized.modes import register_handler
from lamina.layers.quantized.modes import register_mode

__all__ = ["LayerHandler", "QuantizationMode", "get_handler", "get_mode",
           "mode_names", "register_handler", "register_mode"]

# The modes register themselves on import (GPTQ's and AWQ's when their
# modules are there).
import importlib  # noqa: E402
import importlib.util  # noqa: E402

from lamina.layers.quantized import int8  # noqa: E402,F401
from lamina.layers.quantized import float8  # noqa: E402,F401
from lamina.layers.quantized import int4  # noqa: E402,F401
from lamina.layers.quantized import reversible_embedding  # noqa

for _module in ("gptq", "awq"):
    if importlib.util.find_spec(f"lamina.layers.quantized.{_module}"):
        importlib.import_module(f"lamina.layers.quantized.{_module}")
