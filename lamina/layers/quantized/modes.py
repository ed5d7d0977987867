"""The registry of quantization modes and of their per-layer handlers.

A mode ("int8", "int4", "float8", "gptq", "awq") is a `QuantizationMode`;
for each layer kind it supports ("dense", "einsum_dense", "embedding",
"reversible_embedding") it has a `LayerHandler` that builds, fills and
runs the layer's quantized variables. Keras's order of modes is kept for
error messages.
"""

# Keras 3.15's `dtype_policies.QUANTIZATION_MODES`, in its order.
KERAS_MODES = ("int8", "float8", "int4", "gptq", "awq")

_MODES = {}


class QuantizationMode:
    """A quantization mode: its name, config class and handlers.

    Args:
        name: the mode string (`layer.quantize(name)`).
        config_class: the `QuantizationConfig` subclass the mode takes.
        default_config: `fn()` returning the config used when `quantize`
            gets none; None when the mode requires an explicit config.
        quantize_model: optional `fn(model, config, filters)` run by
            `Model.quantize` after its layers are quantized.
    """

    def __init__(self, name, config_class, default_config=None,
                 quantize_model=None):
        self.name = name
        self.config_class = config_class
        self.default_config = default_config
        self.quantize_model = quantize_model
        self.handlers = {}

    def __repr__(self):
        kinds = sorted(self.handlers)
        return f"<QuantizationMode {self.name!r} kinds={kinds}>"


class LayerHandler:
    """How one mode quantizes one kind of layer (see the package
    docstring). Handlers are stateless: the layer holds the variables."""

    mode = None
    kind = None
    #: True when the mode's variables replace the layer's float weight
    #: (int8, int4, GPTQ, AWQ); float8 keeps it and adds scales.
    replaces_weight = True

    def build(self, layer, kernel_shape, config):
        raise TypeError(
            f"{type(self).__name__} must define `build` to handle mode "
            f"'{self.mode}' on {self.kind} layers.")

    def quantize(self, layer, config):
        raise TypeError(
            f"{type(self).__name__} must define `quantize` to handle mode "
            f"'{self.mode}' on {self.kind} layers.")

    def call(self, layer, inputs, training=None, **kwargs):
        raise TypeError(
            f"{type(self).__name__} must define `call` to handle mode "
            f"'{self.mode}' on {self.kind} layers.")

    def saved_names(self, layer):
        raise TypeError(
            f"{type(self).__name__} must define `saved_names` to handle "
            f"mode '{self.mode}' on {self.kind} layers.")

    def policy_mode(self, layer, config):
        """The mode part of the layer's new policy name."""
        return self.mode

    def weight_view(self, layer, stored):
        """What `layer.kernel` (or `.embeddings`) reads for the stored
        quantized weight: the stored tensor by default (int4 unpacks)."""
        return stored

    def stored_for_loading(self, layer, store):
        """The store `load_own_variables` reads (a mode may adapt another
        writer's layout); the file's store unchanged by default."""
        return store

    def merged_for_saving(self, layer):
        """`{name: value}` overrides for saving (LoRA merged into the
        quantized weight); empty when nothing is merged."""
        return {}


def register_mode(name, config_class, default_config=None,
                  quantize_model=None):
    """Declares a mode; returns its `QuantizationMode`."""
    if name in _MODES:
        raise ValueError(f"Quantization mode '{name}' is already registered.")
    mode = QuantizationMode(name, config_class, default_config,
                            quantize_model)
    _MODES[name] = mode
    return mode


def register_handler(mode, kind):
    """Class decorator: registers a `LayerHandler` subclass for
    (`mode`, `kind`); the mode must be registered first."""

    def decorator(cls):
        target = get_mode(mode)
        if kind in target.handlers:
            raise ValueError(
                f"A handler for mode '{mode}' on '{kind}' layers is already "
                "registered.")
        cls.mode, cls.kind = mode, kind
        target.handlers[kind] = cls()
        return cls

    return decorator


def mode_names():
    """Every mode Keras knows, registered ones included, in Keras's order."""
    return KERAS_MODES + tuple(m for m in _MODES if m not in KERAS_MODES)


def get_mode(name):
    """The registered `QuantizationMode` called `name`."""
    if name not in _MODES:
        raise ValueError(
            "Invalid quantization mode. Expected one of "
            f"{mode_names()}. Received: mode={name}")
    return _MODES[name]


def get_handler(mode, kind):
    """The handler of `mode` for `kind` layers, or None."""
    return get_mode(mode).handlers.get(kind)
