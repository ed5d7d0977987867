"""Quantization configs: which quantizers a mode uses for weights and
activations (`Int8QuantizationConfig`, `Int4QuantizationConfig`,
`Float8QuantizationConfig`); GPTQ and AWQ configs subclass the base."""

from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.saving import serialization


class QuantizationConfig:
    """Base class of quantization configs; a subclass names its `mode`.

    Args:
        weight_quantizer: quantizer of the weights (None: the mode's).
        activation_quantizer: quantizer of the inputs (None: inputs are
            not quantized).
    """

    #: The mode string of the configs of this class (`"int8"`, ...).
    quantization_mode = None

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        for name, value in (("weight_quantizer", weight_quantizer),
                            ("activation_quantizer", activation_quantizer)):
            if value is not None and not callable(value):
                raise ValueError(
                    f"{type(self).__name__}: `{name}` must be None or a "
                    "quantizer (such as `keras.quantizers.AbsMaxQuantizer"
                    f"()`). Received: {name}={value!r}")
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self):
        if self.quantization_mode is None:
            raise TypeError(
                "QuantizationConfig is a base class: use a subclass such as "
                "Int8QuantizationConfig, whose `mode` names the "
                "quantization mode.")
        return self.quantization_mode

    def get_config(self):
        return {
            "weight_quantizer": serialization.serialize_keras_object(
                self.weight_quantizer),
            "activation_quantizer": serialization.serialize_keras_object(
                self.activation_quantizer),
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            weight_quantizer=_quantizer(config.get("weight_quantizer")),
            activation_quantizer=_quantizer(
                config.get("activation_quantizer")))

    @staticmethod
    def weight_quantizer_or_default(config, default):
        if config is not None and config.weight_quantizer is not None:
            return config.weight_quantizer
        return default

    @staticmethod
    def activation_quantizer_or_default(config, default):
        if config is not None:
            return config.activation_quantizer
        return default

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


def _quantizer(config):
    if config is None:
        return None
    from_dict = serialization.deserialize_keras_object
    return from_dict(config, module_objects={
        "AbsMaxQuantizer": AbsMaxQuantizer})


class Int8QuantizationConfig(QuantizationConfig):
    """Int8 weights (per output channel) and, by default, int8 inputs
    (`AbsMaxQuantizer` on the last axis).

    Args:
        weight_quantizer: quantizer with `output_dtype="int8"`, or None.
        activation_quantizer: "default" (an `AbsMaxQuantizer`), None
            (weight-only), or a quantizer.
    """

    quantization_mode = "int8"

    def __init__(self, weight_quantizer=None,
                 activation_quantizer="default"):
        if isinstance(activation_quantizer, str) and \
                activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if weight_quantizer is not None and \
                weight_quantizer.output_dtype != "int8":
            raise ValueError(
                "Int8QuantizationConfig requires a weight_quantizer with "
                "output_dtype='int8'. Received: "
                f"output_dtype={weight_quantizer.output_dtype}")


class Int4QuantizationConfig(QuantizationConfig):
    """Int4 weights packed two per byte; weight-only by default.

    Args:
        weight_quantizer: quantizer with `value_range=(-8, 7)` and
            `output_dtype="int8"` (per-channel only), or None.
        activation_quantizer: "default" (None: weight-only), None, or a
            quantizer (per-channel only).
        block_size: rows per group for sub-channel quantization (a scale
            and zero point per group and column); None or -1 for one
            symmetric scale per output channel.
    """

    quantization_mode = "int4"

    def __init__(self, weight_quantizer=None, activation_quantizer="default",
                 block_size=128):
        if isinstance(activation_quantizer, str) and \
                activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError(
                "block_size must be None, -1, or a positive integer. "
                f"Received: block_size={block_size}")
        self.block_size = block_size
        if block_size is not None and block_size > 0 and (
                weight_quantizer is not None or
                activation_quantizer is not None):
            raise ValueError(
                "Int4 sub-channel quantization (block_size > 0) does not "
                "support custom quantizers. Either set block_size to None "
                "or -1 for per-channel quantization, or remove the custom "
                f"quantizer arguments. Received: block_size={block_size}")
        if weight_quantizer is not None:
            if tuple(weight_quantizer.value_range) != (-8, 7):
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with "
                    "value_range=(-8, 7). Received: "
                    f"value_range={weight_quantizer.value_range}")
            if weight_quantizer.output_dtype != "int8":
                raise ValueError(
                    "Int4QuantizationConfig requires a weight_quantizer with "
                    "output_dtype='int8'. Received: "
                    f"output_dtype={weight_quantizer.output_dtype}")

    def get_config(self):
        config = super().get_config()
        config["block_size"] = self.block_size
        return config

    @classmethod
    def from_config(cls, config):
        # Configs written before `block_size` existed were per-channel.
        return cls(
            weight_quantizer=_quantizer(config.get("weight_quantizer")),
            activation_quantizer=_quantizer(
                config.get("activation_quantizer")),
            block_size=config.get("block_size", None))


class Float8QuantizationConfig(QuantizationConfig):
    """Float8 training (delayed scaling); takes no custom quantizers."""

    quantization_mode = "float8"

    def __init__(self):
        super().__init__(None, None)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls()
