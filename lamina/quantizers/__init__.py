"""keras.quantizers: quantizers, quantization configs and the functions
the quantized layers are built on (absolute-max and grouped zero-point
quantization, int4 packing, float8 scaling, fake quantization).

One registry (`REGISTRY`) serves `get`, `serialize` and `deserialize`, as
for the other families; configs of other modes (GPTQ, AWQ) register there.
The zero-point helpers GPTQ and AWQ share (`compute_quantization_parameters`,
`quantize_with_sz_map`, `dequantize_with_sz_map`) live in `zero_point`, as
they are not public in Keras.
"""

from lamina.quantizers.abs_max import AbsMaxQuantizer
from lamina.quantizers.abs_max import Quantizer
from lamina.quantizers.abs_max import abs_max_quantize
from lamina.quantizers.abs_max import abs_max_quantize_grouped_with_zero_point
from lamina.quantizers.awq_config import AWQConfig
from lamina.quantizers.fake_quant import fake_quant_with_min_max_vars
from lamina.quantizers.float8 import compute_float8_amax_history
from lamina.quantizers.float8 import compute_float8_scale
from lamina.quantizers.float8 import quantize_and_dequantize
from lamina.quantizers.gptq_config import GPTQConfig
from lamina.quantizers.int4_packing import pack_int4
from lamina.quantizers.int4_packing import unpack_int4
from lamina.quantizers.quantization_config import Float8QuantizationConfig
from lamina.quantizers.quantization_config import Int4QuantizationConfig
from lamina.quantizers.quantization_config import Int8QuantizationConfig
from lamina.quantizers.quantization_config import QuantizationConfig
from lamina.quantizers.registry import REGISTRY
from lamina.quantizers.registry import deserialize
from lamina.quantizers.registry import get
from lamina.quantizers.registry import serialize

__all__ = [
    "AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig", "GPTQConfig",
    "Int4QuantizationConfig",
    "Int8QuantizationConfig", "QuantizationConfig", "Quantizer",
    "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
    "compute_float8_amax_history", "compute_float8_scale", "deserialize",
    "fake_quant_with_min_max_vars", "get", "pack_int4",
    "quantize_and_dequantize", "serialize", "unpack_int4", "REGISTRY",
]
