"""`AWQConfig`: the settings of `model.quantize("awq", config=...)`."""

from lamina.quantizers.gptq_config import CalibrationConfig
from lamina.quantizers.gptq_config import check_choice
from lamina.quantizers.gptq_config import check_group_size
from lamina.quantizers.gptq_config import check_positive
from lamina.quantizers.registry import register


@register
class AWQConfig(CalibrationConfig):
    """AWQ post-training quantization: 4-bit weights whose input channels
    are stretched, before rounding, by scales grown from the largest
    calibration activations they meet, so the weights that matter most
    lose the least (Lin et al., 2023).

    Args:
        dataset: calibration data: an iterable of strings (tokenized with
            `tokenizer`) or of token-id arrays.
        tokenizer: a callable or an object with `tokenize(text)` giving
            token ids; required, as Keras requires it.
        weight_bits: must be 4 (AWQ is 4-bit only). Defaults to 4.
        num_samples: calibration windows to draw. Defaults to 128.
        sequence_length: tokens per calibration window. Defaults to 512.
        group_size: input columns sharing a scale and zero point; -1 for
            one group per output channel. Defaults to 128.
        num_grid_points: the scale search tries ratios `i / num_grid_points`
            for `i` in `0..num_grid_points`. Defaults to 20.
        quantization_layer_structure: `{"pre_block_layers": [...],
            "sequential_blocks": [...]}`; without it the model's
            `get_quantization_layer_structure("awq")` is asked.

    Example:

    >>> config = AWQConfig(dataset=[[1, 2, 3, 4]], tokenizer=lambda s: s,
    ...                    group_size=-1, sequence_length=2)
    >>> config.dtype_policy_string()
    'awq/4/-1'
    """

    quantization_mode = "awq"

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128,
                 sequence_length=512, group_size=128, num_grid_points=20,
                 quantization_layer_structure=None):
        super().__init__(dataset, tokenizer, num_samples=num_samples,
                         sequence_length=sequence_length,
                         quantization_layer_structure=(
                             quantization_layer_structure))
        check_choice(self, "weight_bits", weight_bits, (4,))
        check_group_size(self, group_size, "per-channel")
        check_positive(self, "num_grid_points", num_grid_points)
        self.weight_bits = weight_bits
        self.group_size = group_size
        self.num_grid_points = num_grid_points

    def get_config(self):
        return {
            # Calibration data and block structure are not saved (see
            # GPTQConfig.get_config).
            "dataset": None,
            "tokenizer": None,
            "weight_bits": self.weight_bits,
            "num_samples": self.num_samples,
            "sequence_length": self.sequence_length,
            "group_size": self.group_size,
            "num_grid_points": self.num_grid_points,
            "quantization_layer_structure": None,
        }
