"""Quantized dtype policies: a quantization mode on top of a float policy
(`"int8_from_float32"`, `"float8_from_mixed_bfloat16"`,
`"int4/128_from_float32"`, `"gptq/4/128_from_float32"`).

The source policy gives the compute and variable dtypes; the mode tells a
layer which quantized variables it holds.
"""

from lamina import config
from lamina.dtype_policies.dtype_policy import DTYPE_POLICIES
from lamina.dtype_policies.dtype_policy import DTypePolicy

# Keras 3.15's `QUANTIZATION_MODES`, in its order.
QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


@DTYPE_POLICIES.register()
class QuantizedDTypePolicy(DTypePolicy):
    """A quantized policy: `mode` ("int8", "int4", ...) applied to layers
    whose float policy is `source_name` (default: the global policy).

    Example:

    >>> policy = QuantizedDTypePolicy("int8", "mixed_bfloat16")
    >>> policy.name, policy.compute_dtype, policy.quantization_mode
    ('int8_from_mixed_bfloat16', 'bfloat16', 'int8')
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = config.dtype_policy().name
        super().__init__(source_name)
        base = mode.split("/")[0] if isinstance(mode, str) else mode
        if base not in QUANTIZATION_MODES:
            raise ValueError(
                "Invalid quantization mode. Expected one of "
                f"{QUANTIZATION_MODES}. Received: mode={mode}")
        if self.compute_dtype == "float16" and base == "int8":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with "
                "compute_dtype='float16'.")
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = base

    @property
    def quantization_mode(self):
        return self._quantization_mode

    @property
    def source_name(self):
        return self._source_name

    def get_config(self):
        return {"mode": self._quantization_mode,
                "source_name": self._source_name}

    def __eq__(self, other):
        return type(other) is type(self) and \
            other.get_config() == self.get_config()

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<{type(self).__name__} "{self._name}">'


@DTYPE_POLICIES.register()
class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The float8 policy; `amax_history_length` is the length of the
    scaling history the layer keeps (default 1024)."""

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode, source_name)
        if not isinstance(amax_history_length, int) or \
                isinstance(amax_history_length, bool):
            raise TypeError(
                "`amax_history_length` must be an integer. Received: "
                f"amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def get_config(self):
        return {**super().get_config(),
                "amax_history_length": self._amax_history_length}


def _parse_mode(mode, algorithm, fields, policy):
    """The integer fields of `"<algorithm>/<a>/<b>"` with Keras's errors."""
    parts = mode.split("/") if isinstance(mode, str) else []
    expected = "'" + "/".join([algorithm] + [f"<{f}>" for f in fields]) + "'"
    if len(parts) != len(fields) + 1 or parts[0] != algorithm:
        raise ValueError(
            f"Invalid mode for {policy}. Expected format {expected}, but got "
            f"'{mode}'.")
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        names = " and ".join(f"<{f}>" for f in fields)
        verb = "must be integers" if len(fields) > 1 else "must be an integer"
        raise ValueError(
            f"Invalid mode for {policy}. {names} {verb}. Expected format "
            f"{expected}, but got '{mode}'.") from None


def _check_group(value, name, mode, meaning):
    if value < -1 or value == 0:
        raise ValueError(
            f"Invalid {name} in mode. Supported values are -1 ({meaning}) or "
            f"a positive integer, but got {value} from '{mode}'.")


@DTYPE_POLICIES.register()
class Int4DTypePolicy(QuantizedDTypePolicy):
    """Int4 with its block size: mode `"int4/<block_size>"` (-1:
    per-channel)."""

    def __init__(self, mode, source_name=None):
        (block_size,) = _parse_mode(mode, "int4", ["block_size"],
                                    "Int4DTypePolicy")
        if block_size < -1 or block_size == 0:
            raise ValueError(
                "Invalid block_size in mode. Supported values are -1 "
                "(per-channel) or a positive integer (sub-channel), but got "
                f"{block_size} from '{mode}'.")
        super().__init__(mode, source_name)
        self.mode = "int4"
        self.block_size = block_size

    def get_config(self):
        return {"mode": f"int4/{self.block_size}",
                "source_name": self._source_name}


class _GroupedPolicy(QuantizedDTypePolicy):
    algorithm = None
    bits_error = None

    def __init__(self, mode, source_name=None):
        weight_bits, group_size = _parse_mode(
            mode, self.algorithm, ["weight_bits", "group_size"],
            type(self).__name__)
        self._check_bits(weight_bits, mode)
        _check_group(group_size, "group_size", mode, self.group_meaning)
        super().__init__(mode, source_name)
        self.mode = self.algorithm
        self.weight_bits = weight_bits
        self.group_size = group_size

    def get_config(self):
        return {"mode": f"{self.algorithm}/{self.weight_bits}/"
                        f"{self.group_size}",
                "source_name": self._source_name}


@DTYPE_POLICIES.register()
class GPTQDTypePolicy(_GroupedPolicy):
    """GPTQ: mode `"gptq/<weight_bits>/<group_size>"`, bits in 2, 3, 4, 8
    and group size -1 (whole tensor) or positive."""

    algorithm = "gptq"
    group_meaning = "whole-tensor"

    def _check_bits(self, weight_bits, mode):
        if weight_bits not in (2, 3, 4, 8):
            raise ValueError(
                "Invalid weight_bits in mode. Supported values are 2, 3, 4, "
                f"and 8, but got {weight_bits} from '{mode}'.")


@DTYPE_POLICIES.register()
class AWQDTypePolicy(_GroupedPolicy):
    """AWQ: mode `"awq/4/<group_size>"` (AWQ is 4-bit only)."""

    algorithm = "awq"
    group_meaning = "per-channel"

    def _check_bits(self, weight_bits, mode):
        if weight_bits != 4:
            raise ValueError(
                "Invalid weight_bits in mode. AWQ only supports 4-bit "
                f"quantization, but got {weight_bits} from '{mode}'.")


def is_quantized_name(name):
    return isinstance(name, str) and name.startswith(QUANTIZATION_MODES)


def quantized_policy_from_name(name):
    """The quantized policy a name such as "int8_from_float32" or
    "int4/128_from_mixed_bfloat16" describes."""
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError(
            "Cannot convert `policy` into a valid pair (`mode`, "
            "`source_name`) to instantiate `QuantizedDTypePolicy`. "
            f"Received: policy={name}")
    mode, source = parts
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source)
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source)
    return QuantizedDTypePolicy(mode, source)


def policy_from_name(name):
    """A float or quantized policy from its name."""
    if is_quantized_name(name):
        return quantized_policy_from_name(name)
    return DTypePolicy(name)
