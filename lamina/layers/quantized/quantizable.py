"""`Quantizable`: what a layer mixes in to be quantized by the registered
modes (`quantize`, `quantized_build`, `quantized_call`, Keras's variable
order in files), and `quantize_layer`, the checks every `quantize` runs.
"""

import torch

from lamina.layers.quantized import modes
from lamina.layers.variable import to_numpy
from lamina.quantizers import registry as quantizers_registry
from lamina.quantizers.quantization_config import QuantizationConfig


def resolve_config(mode, config):
    """The config `quantize(mode, config)` runs with, as Keras resolves it:
    a string config is a mode, a missing config is the mode's default, and
    a config must agree with `mode`."""
    if isinstance(config, str):
        mode, config = config, None
    if mode is not None and mode not in modes.mode_names():
        raise ValueError(
            "Invalid quantization mode. Expected one of "
            f"{modes.mode_names()}. Received: mode={mode}")
    if config is None:
        if mode is None:
            raise ValueError(
                "You must provide either `mode` or `config` to `quantize`.")
        target = modes.get_mode(mode)
        if target.default_config is None:
            raise ValueError(
                f"For {_display(mode)}, you must pass a "
                f"`{target.config_class.__name__}` object in the `config` "
                "argument.")
        config = target.default_config()
    elif not isinstance(config, QuantizationConfig):
        raise ValueError(
            "Argument `config` must be an instance of `QuantizationConfig`. "
            f"Received: config={config} (of type {type(config)})")
    if mode is not None and config.mode != mode:
        raise ValueError(
            f"Contradictory arguments: mode='{mode}' but "
            f"config.mode='{config.mode}'")
    target = modes.get_mode(config.mode)
    if not isinstance(config, target.config_class):
        raise ValueError(
            f"Mode '{config.mode}' requires a valid `config` argument of "
            f"type `{target.config_class.__name__}`. Received: "
            f"{type(config)}")
    return config


def _display(mode):
    return mode.upper() if mode in ("gptq", "awq") else f"mode '{mode}'"


def check_quantizable(layer, mode):
    """Keras's checks before quantizing `layer`."""
    if not layer.built:
        raise ValueError(
            "Cannot quantize a layer that isn't yet built. Layer "
            f"'{layer.name}' (of type '{type(layer).__name__}') is not built "
            "yet.")
    if getattr(layer, "_is_quantized", False):
        raise ValueError(
            f"Layer '{layer.name}' is already quantized with "
            f"dtype_policy='{layer.dtype_policy.name}'. Received: mode={mode}")
    if mode == "int8" and layer.compute_dtype == "float16":
        raise ValueError(
            f"Quantization mode='{mode}' doesn't work well with "
            "compute_dtype='float16'. Consider loading model/layer with "
            "another dtype policy such as 'mixed_bfloat16' or "
            "'mixed_float16' before calling `quantize()`.")


class UnsupportedQuantization(TypeError, NotImplementedError):
    """Raised by `quantize` on a layer no mode handles (Model.quantize
    skips those layers with a warning, as Keras does). Keras raises
    `NotImplementedError` there, so code written for Keras that catches
    it catches this too."""


def quantize_layer(layer, mode=None, config=None, type_check=True):
    """`layer.quantize(mode, config)` for any layer: resolves and checks
    the arguments, then runs the mode's handler for the layer's kind."""
    config = resolve_config(mode, config)
    mode = config.mode
    check_quantizable(layer, mode)
    kind = getattr(layer, "quantization_kind", None)
    handler = modes.get_handler(mode, kind) if kind else None
    if handler is None or (type_check and
                           type(layer) not in layer.quantizable_classes()):
        raise UnsupportedQuantization(
            f"Layer {type(layer).__name__} does not have a `quantize` method "
            "implemented." + (f" (no handler of mode '{mode}' for it)"
                             if kind and handler is None else ""))
    previous, layer.quantization_config = layer.quantization_config, config
    shape = tuple(layer._parameters[layer._float_weight_name].shape)
    try:
        handler.quantize(layer, config)
    except Exception:
        layer.quantization_config = previous
        raise
    layer._float_weight_shape = shape
    layer._is_quantized = True
    if layer.dtype_policy.quantization_mode is None:
        name = f"{handler.policy_mode(layer, config)}_from_" \
            f"{layer.dtype_policy.name}"
        layer._set_quantized_policy(name)


def quantize_for_policy(layer, value):
    """Keras's rule when a built float layer gets a quantized policy
    (`layer.dtype_policy = "int8_from_float32"`): it is quantized now."""
    mode = layer.quantization_mode
    if mode is None or not getattr(layer, "built", False) or \
            getattr(layer, "_is_quantized", False):
        return
    if mode == "gptq":
        raise ValueError(
            "Implicitly enabling GPTQ quantization by setting `dtype_policy` "
            f"to '{value}' is not supported. GPTQ requires a calibration "
            "dataset and a `GPTQConfig` object.\n\nPlease use the "
            "`.quantize('gptq', config=...)` method on the layer or model "
            "instead.")
    layer.quantize(mode)


class Quantizable:
    """Mixin of the layers the quantization modes handle.

    The class sets `quantization_kind` ("dense", "einsum_dense",
    "embedding", "reversible_embedding"); its `build` calls
    `quantized_build(kernel_shape, mode, config)` when `quantization_mode`
    is set (and creates the float weight only if `_builds_float_weight()`),
    and its `call` returns `quantized_call(...)` when the layer is
    quantized.
    """

    quantization_kind = None
    _is_quantized = False

    @classmethod
    def quantizable_classes(cls):
        """Classes `quantize` accepts when `type_check` is on (Keras
        refuses subclasses, whose `call` may not be the one quantized)."""
        for klass in cls.__mro__:
            if klass.__dict__.get("quantization_kind") is not None:
                return (klass,)
        return ()

    def _init_quantization(self, quantization_config):
        if isinstance(quantization_config, dict):
            quantization_config = quantizers_registry.deserialize(
                quantization_config)
        if quantization_config is not None and not isinstance(
                quantization_config, QuantizationConfig):
            raise ValueError(
                f"Layer '{self.name}': invalid value for argument "
                "`quantization_config`. Expected None or a "
                "`keras.quantizers.QuantizationConfig`. Received: "
                f"quantization_config={quantization_config!r}")
        self.quantization_config = quantization_config

    def _builds_float_weight(self):
        """Whether `build` creates the float weight (not quantized, or a
        mode such as float8 that keeps it)."""
        mode = self.quantization_mode
        if mode is None:
            return True
        handler = modes.get_handler(mode, self.quantization_kind)
        return handler is not None and not handler.replaces_weight

    def _set_quantized_policy(self, name):
        policy_map = getattr(self, "_dtype_policy_map", None)
        if policy_map is not None:
            if self.path in policy_map:
                del policy_map[self.path]
            policy_map[self.path] = name
            self.dtype_policy = policy_map
        else:
            self.dtype_policy = name

    def quantized_build(self, kernel_shape, mode, config=None):
        """Creates the variables of `mode` for a float kernel of shape
        `kernel_shape` (zeros until loaded or assigned)."""
        handler = modes.get_handler(mode, self.quantization_kind)
        if handler is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) cannot be "
                f"built with quantization mode '{mode}': no handler of that "
                f"mode for {self.quantization_kind} layers.")
        handler.build(self, tuple(kernel_shape), config)
        self._float_weight_shape = tuple(kernel_shape)
        self._is_quantized = True

    def quantized_call(self, *args, **kwargs):
        """The forward pass of the layer's quantization mode."""
        handler = modes.get_handler(self.quantization_mode,
                                    self.quantization_kind)
        return handler.call(self, *args, **kwargs)

    def _quantized_handler(self):
        if not self._is_quantized:
            return None
        return modes.get_handler(self.quantization_mode,
                                 self.quantization_kind)

    def _quantized_weight_view(self, name, stored):
        handler = self._quantized_handler()
        if handler is None or name != self._float_weight_name:
            return stored
        return handler.weight_view(self, stored)

    def _saved_variables(self):
        handler = self._quantized_handler()
        if handler is None:
            return super()._saved_variables()
        return [getattr(self, name) if name != self._float_weight_name
                else self._parameters[name]
                for name in handler.saved_names(self)]

    @property
    def _float_weight_name(self):
        return getattr(self, "_lora_target", "kernel")

    def save_own_variables(self, store):
        handler = self._quantized_handler()
        if handler is None:
            return super().save_own_variables(store)
        merged = handler.merged_for_saving(self)
        for i, name in enumerate(handler.saved_names(self)):
            value = merged.get(name)
            if value is None:
                value = self._parameters[name] \
                    if name == self._float_weight_name else getattr(self, name)
            store[str(i)] = to_numpy(value)

    def load_own_variables(self, store):
        handler = self._quantized_handler()
        if handler is None:
            return super().load_own_variables(store)
        # A mode may adapt the store first (GPTQ/AWQ: files Keras 3.15.1
        # writes without `kernel_zero`).
        store = handler.stored_for_loading(self, store)
        # The weights checks of the base class apply; LoRA restarts at zero.
        super().load_own_variables(store)
        if getattr(self, "lora_enabled", False):
            with torch.no_grad():
                for weight in self._lora_weights():
                    weight.zero_()
