"""`GPTQConfig`: the settings of `model.quantize("gptq", config=...)`,
and `CalibrationConfig`, what GPTQ and AWQ configs share (calibration data,
window length, the model's block structure)."""

from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.quantizers.registry import register


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_choice(config, name, value, choices):
    if not _is_int(value) or value not in choices:
        raise ValueError(
            f"Invalid value for argument `{name}` of "
            f"{type(config).__name__}. Expected one of "
            f"{', '.join(map(str, choices))}. Received: {name}={value!r}")


def check_positive(config, name, value):
    if not _is_int(value) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}` of "
            f"{type(config).__name__}. Expected a positive integer. "
            f"Received: {name}={value!r}")


def check_group_size(config, value, meaning):
    if not _is_int(value) or value < -1 or value == 0:
        raise ValueError(
            f"Invalid value for argument `group_size` of "
            f"{type(config).__name__}. Expected -1 ({meaning}) or a positive "
            f"integer. Received: group_size={value!r}")


class CalibrationConfig(QuantizationConfig):
    """A quantization config calibrated on data (GPTQ, AWQ).

    Args:
        dataset: an iterable of strings or of token-id arrays.
        tokenizer: turns a string into token ids.
        num_samples: calibration windows to draw.
        sequence_length: tokens per window.
        quantization_layer_structure: `{"pre_block_layers": [...],
            "sequential_blocks": [...]}` or None.
    """

    def __init__(self, dataset, tokenizer, *, num_samples, sequence_length,
                 quantization_layer_structure):
        super().__init__()
        check_positive(self, "num_samples", num_samples)
        check_positive(self, "sequence_length", sequence_length)
        structure = quantization_layer_structure
        if structure is not None and (
                not isinstance(structure, dict) or
                set(structure) - {"pre_block_layers", "sequential_blocks"}):
            raise ValueError(
                "Invalid value for argument `quantization_layer_structure` "
                f"of {type(self).__name__}. Expected None or a dict with the "
                "keys 'pre_block_layers' and 'sequential_blocks'. Received: "
                f"quantization_layer_structure={structure!r}")
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.num_samples = num_samples
        self.sequence_length = sequence_length
        self.quantization_layer_structure = structure

    def dtype_policy_string(self):
        """The mode part of the quantized policy name, e.g. "gptq/4/128"."""
        return f"{self.mode}/{self.weight_bits}/{self.group_size}"

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register
class GPTQConfig(CalibrationConfig):
    """GPTQ post-training quantization: weights rounded to `weight_bits`
    one input column at a time, each column's rounding error corrected on
    the columns still to come through the inverse Hessian of the layer's
    calibration inputs (Frantar et al., 2022).

    Args:
        dataset: calibration data: an iterable of strings (tokenized with
            `tokenizer`) or of token-id arrays.
        tokenizer: a callable or an object with `tokenize(text)` giving
            token ids; required, as Keras requires it.
        weight_bits: 2, 3, 4 or 8. Defaults to 4.
        num_samples: calibration windows to draw. Defaults to 128.
        per_channel: one range per output channel (True) or one for the
            whole weight. Defaults to True.
        sequence_length: tokens per calibration window. Defaults to 512.
        hessian_damping: fraction of the mean Hessian diagonal added to it
            before inversion, in [0, 1]. Defaults to 0.01.
        group_size: input columns sharing a scale and zero point; -1 for
            one group per output channel. Defaults to 128.
        symmetric: a range symmetric about zero. Defaults to False.
        activation_order: quantize the columns with the largest Hessian
            diagonal first. Defaults to False.
        quantization_layer_structure: `{"pre_block_layers": [...],
            "sequential_blocks": [...]}`; without it the model's
            `get_quantization_layer_structure("gptq")` is asked.

    Example:

    >>> config = GPTQConfig(dataset=[[1, 2, 3, 4]], tokenizer=lambda s: s,
    ...                     weight_bits=4, group_size=2, sequence_length=2)
    >>> config.dtype_policy_string()
    'gptq/4/2'
    """

    quantization_mode = "gptq"

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128,
                 per_channel=True, sequence_length=512, hessian_damping=0.01,
                 group_size=128, symmetric=False, activation_order=False,
                 quantization_layer_structure=None):
        super().__init__(dataset, tokenizer, num_samples=num_samples,
                         sequence_length=sequence_length,
                         quantization_layer_structure=(
                             quantization_layer_structure))
        check_choice(self, "weight_bits", weight_bits, (2, 3, 4, 8))
        if isinstance(hessian_damping, bool) or not isinstance(
                hessian_damping, (int, float)) or not \
                0 <= hessian_damping <= 1:
            raise ValueError(
                "Invalid value for argument `hessian_damping` of GPTQConfig. "
                "Expected a number between 0 and 1. Received: "
                f"hessian_damping={hessian_damping!r}")
        check_group_size(self, group_size, "whole-tensor")
        for name, value in (("per_channel", per_channel),
                            ("symmetric", symmetric),
                            ("activation_order", activation_order)):
            if not isinstance(value, bool):
                raise ValueError(
                    f"Invalid value for argument `{name}` of GPTQConfig. "
                    f"Expected a bool. Received: {name}={value!r}")
        self.weight_bits = weight_bits
        self.per_channel = per_channel
        self.hessian_damping = hessian_damping
        self.group_size = group_size
        self.symmetric = symmetric
        self.activation_order = activation_order

    def get_config(self):
        return {
            # The calibration data and the block structure (layer objects)
            # serve one calibration and are not saved (Keras writes the
            # structure's layers into the file and fails).
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "per_channel": self.per_channel,
            "sequence_length": self.sequence_length,
            "hessian_damping": self.hessian_damping,
            "group_size": self.group_size,
            "symmetric": self.symmetric,
            "activation_order": self.activation_order,
            "quantization_layer_structure": None,
        }
