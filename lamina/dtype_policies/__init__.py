"""keras.dtype_policies: float policies (`DTypePolicy`, the mixed
precision ones), quantized policies and `DTypePolicyMap`."""

from lamina import config
from lamina.dtype_policies.dtype_policy import DTYPE_POLICIES
from lamina.dtype_policies.dtype_policy import DTypePolicy
from lamina.dtype_policies.dtype_policy import FLOAT_POLICY_CLASS_NAMES
from lamina.dtype_policies.dtype_policy import FloatDTypePolicy
from lamina.dtype_policies.dtype_policy import policy_from_config
from lamina.dtype_policies.dtype_policy import serialize_policy
from lamina.dtype_policies.dtype_policy_map import DTypePolicyMap
from lamina.dtype_policies.quantized_dtype_policy import AWQDTypePolicy
from lamina.dtype_policies.quantized_dtype_policy import GPTQDTypePolicy
from lamina.dtype_policies.quantized_dtype_policy import Int4DTypePolicy
from lamina.dtype_policies.quantized_dtype_policy import QUANTIZATION_MODES
from lamina.dtype_policies.quantized_dtype_policy import QuantizedDTypePolicy
from lamina.dtype_policies.quantized_dtype_policy import \
    QuantizedFloat8DTypePolicy
from lamina.dtype_policies.quantized_dtype_policy import policy_from_name

__all__ = ["AWQDTypePolicy", "DTypePolicy", "DTypePolicyMap",
           "FloatDTypePolicy", "GPTQDTypePolicy", "Int4DTypePolicy",
           "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "get",
           "serialize", "deserialize"]


def get(identifier):
    """A policy from a name, a config dict or a policy (None: the global
    policy)."""
    if identifier is None:
        return config.dtype_policy()
    if isinstance(identifier, (DTypePolicy, DTypePolicyMap)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return policy_from_name(identifier)
    try:
        # A numpy or torch dtype object.
        from lamina.utils.dtypes import standardize_dtype

        name = standardize_dtype(identifier)
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            "Cannot interpret a dtype policy from "
            f"{identifier!r} of type {type(identifier)}. Expected a policy "
            "name such as 'mixed_float16', a dtype, or a DTypePolicy."
        ) from None
    return DTypePolicy(name)


def serialize(policy):
    if isinstance(policy, DTypePolicyMap):
        return {
            "module": "keras.dtype_policies",
            "class_name": "DTypePolicyMap",
            "config": policy.get_config(),
            "registered_name": None,
        }
    return serialize_policy(policy)


def deserialize(config, custom_objects=None):
    if config.get("class_name") == "DTypePolicyMap":
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ValueError(
                "Invalid DTypePolicyMap config: expected a 'config' dict. "
                f"Received: {str(config)[:200]}"
            )
        return DTypePolicyMap.from_config(inner)
    return policy_from_config(config)


def _global_policy_from(policy):
    if isinstance(policy, DTypePolicy):
        return policy
    if isinstance(policy, str):
        return policy_from_name(policy)
    raise ValueError(
        "Invalid `policy` argument. Expected the string name of a policy "
        "(such as 'mixed_float16') or a `DTypePolicy` instance. Received: "
        f"policy={policy!r} (of type {type(policy)})"
    )


config.register_policy_factory(_global_policy_from, DTypePolicy)
