"""DTypePolicy: the dtype a layer keeps its weights in and the dtype it
computes in.

`"mixed_float16"` and `"mixed_bfloat16"` keep weights in float32 and compute
in the low dtype; any other name is one dtype for both.
"""

import torch

from lamina import config
from lamina.saving.registry import Registry
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype

DTYPE_POLICIES = Registry("dtype policy", "keras")
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def parse_policy_name(name):
    """(compute dtype, variable dtype) of a policy name, with Keras's
    errors for names that are not policies."""
    if not isinstance(name, str):
        raise TypeError(
            "'name' must be a string, such as 'mixed_float16'. "
            f"Received: name={name!r} (of type {type(name)})"
        )
    if name in _MIXED:
        return _MIXED[name], "float32"
    try:
        dtype = standardize_dtype(name)
    except ValueError:
        raise ValueError(
            f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
            "policies include 'mixed_float16', 'mixed_bfloat16', and the "
            "name of any float dtype such as 'float32'."
        ) from None
    return dtype, dtype


@DTYPE_POLICIES.register("Policy")
class DTypePolicy:
    """The dtype of a layer's weights and of its computations.

    Args:
        name: `"mixed_float16"` or `"mixed_bfloat16"` (float32 weights,
            computations in the low dtype), or a dtype name such as
            `"float32"` (both in that dtype). Defaults to the global policy's
            name (`keras.config.dtype_policy()`).

    Example:

    >>> policy = DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = config.dtype_policy().name
        self._compute_dtype, self._variable_dtype = parse_policy_name(name)
        self._name = name
        self.torch_compute_dtype = to_torch_dtype(self._compute_dtype)
        self.torch_variable_dtype = to_torch_dtype(self._variable_dtype)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: float policies do not quantize."""
        return None

    @property
    def casts_weights(self):
        """True when weights are read in another dtype than they are kept
        in (the mixed policies)."""
        return self._compute_dtype != self._variable_dtype

    def convert_input(self, x, autocast, dtype):
        """`x` in `dtype` when it is a floating tensor and `autocast` is on
        (integer and boolean tensors are left as they are)."""
        dtype = to_torch_dtype(dtype)
        if autocast and isinstance(x, torch.Tensor) and \
                x.is_floating_point() and x.dtype != dtype:
            return x.to(dtype)
        return x

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) in (DTypePolicy, FloatDTypePolicy) and \
            other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


@DTYPE_POLICIES.register()
class FloatDTypePolicy(DTypePolicy):
    """The float policy under its Keras 3.0-3.5 class name."""


# Class names of float policies in Keras 3 and tf.keras 2 configs.
FLOAT_POLICY_CLASS_NAMES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def serialize_policy(policy):
    """A policy's config as Keras writes it (quantized ones under
    `keras.dtype_policies` with their own class and config)."""
    if policy.quantization_mode is not None:
        return {"module": "keras.dtype_policies",
                "class_name": type(policy).__name__,
                "config": policy.get_config(), "registered_name": None}
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": policy.name},
        "registered_name": None,
    }


def policy_from_config(identifier):
    """The float policy a `{"class_name": ..., "config": {"name": ...}}`
    dict describes."""
    inner = identifier.get("config", {})
    class_name = identifier.get("class_name", "DTypePolicy")
    if class_name not in FLOAT_POLICY_CLASS_NAMES and \
            class_name in DTYPE_POLICIES and isinstance(inner, dict):
        # A quantized policy (registered by quantized_dtype_policy).
        return DTYPE_POLICIES.lookup(class_name).from_config(inner)
    if class_name not in \
            FLOAT_POLICY_CLASS_NAMES or not isinstance(inner, dict):
        raise ValueError(
            "Invalid dtype policy config. Expected a DTypePolicy config "
            "such as {'class_name': 'DTypePolicy', 'config': {'name': "
            f"'float32'}}}}. Received: {str(identifier)[:200]}"
        )
    return DTypePolicy(**inner)
