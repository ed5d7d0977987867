"""DTypePolicyMap: dtype policies by layer path, with regex keys."""

import collections.abc
import re

from lamina.dtype_policies.dtype_policy import DTYPE_POLICIES
from lamina.dtype_policies.dtype_policy import DTypePolicy
from lamina.dtype_policies.dtype_policy import policy_from_config
from lamina.dtype_policies.dtype_policy import serialize_policy
from lamina.dtype_policies.quantized_dtype_policy import policy_from_name


@DTYPE_POLICIES.register(keras_module="keras.dtype_policies")
class DTypePolicyMap(collections.abc.MutableMapping):
    """A dict from layer paths to `DTypePolicy`s.

    A path finds its policy under the same key, else under the one key that
    matches it whole as a regular expression (`"encoder/.*"` covers every
    layer under `encoder`; `"decoder"` only the layer `decoder`), else gets
    `default_policy`. A path that two patterns match is an error.

    Args:
        default_policy: The policy (or its name) of paths no key matches.
            Defaults to the global policy.
        policy_map: Optional dict of path keys to policies or names.

    Example:

    >>> policies = DTypePolicyMap("float32", {"encoder/.*": "mixed_bfloat16"})
    >>> policies["encoder/dense"].name
    'mixed_bfloat16'
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(
                "If specified, `policy_map` must be a dict. "
                f"Received: policy_map={policy_map!r} of type "
                f"{type(policy_map)}"
            )
        self._default_policy_arg = default_policy
        self._default_policy = _as_policy(default_policy, "default_policy")
        self._policy_map = {}
        for key, policy in (policy_map or {}).items():
            self[key] = policy

    @property
    def name(self):
        return f"map_{self._default_policy.name}"

    @property
    def default_policy(self):
        return self._default_policy

    @property
    def compute_dtype(self):
        return self._default_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._default_policy.variable_dtype

    @property
    def quantization_mode(self):
        return self._default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matching = [pattern for pattern in self._policy_map
                    if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification "
                f"keys: {matching}. Make sure each path matches at most one "
                "key of the DTypePolicyMap."
            )
        if matching:
            return self._policy_map[matching[0]]
        return self._default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(
                f"{key} already exist in the DTypePolicyMap with value "
                f"{self._policy_map[key]}. Please make sure to not use "
                "duplicated keys."
            )
        self._policy_map[key] = _as_policy(policy, f"policy_map[{key!r}]")

    def __delitem__(self, key):
        del self._policy_map[key]

    def __contains__(self, key):
        return key in self._policy_map

    def __iter__(self):
        return iter(self._policy_map)

    def __len__(self):
        return len(self._policy_map)

    def get_config(self):
        default = self._default_policy_arg
        if isinstance(default, DTypePolicy):
            default = serialize_policy(default)
        return {
            "default_policy": default,
            "policy_map": {key: serialize_policy(policy)
                           for key, policy in self._policy_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __repr__(self):
        mapping = [(key, policy.name)
                   for key, policy in self._policy_map.items()]
        return (f"<DTypePolicyMap default_policy={self._default_policy.name}"
                f", mapping={mapping}>")


def _as_policy(value, argument):
    if value is None:
        return DTypePolicy()
    if isinstance(value, DTypePolicyMap):
        raise ValueError(
            f"Invalid value for `{argument}`: a DTypePolicyMap cannot hold "
            "another DTypePolicyMap."
        )
    if isinstance(value, DTypePolicy):
        return value
    if isinstance(value, str):
        return policy_from_name(value)
    if isinstance(value, dict):
        return policy_from_config(value)
    raise ValueError(
        f"Invalid value for `{argument}`. Expected a DTypePolicy or a "
        f"policy name such as 'mixed_float16'. Received: {value!r} of type "
        f"{type(value)}"
    )
