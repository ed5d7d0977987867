"""Dtype policies: the variable dtype and compute dtype of a layer."""

import threading

from lamina import config
from lamina.saving.registry import Registry
from lamina.utils.dtypes import standardize_dtype
from lamina.utils.dtypes import to_torch_dtype

DTYPE_POLICIES = Registry("dtype policy", "keras")
_global_policy = threading.local()


@DTYPE_POLICIES.register("Policy")
class DTypePolicy:
    """`"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`."""

    def __init__(self, name=None):
        name = name or config.floatx()
        if name.startswith("mixed_"):
            self._compute = standardize_dtype(name[len("mixed_"):])
            self._variable = "float32"
        else:
            self._compute = self._variable = standardize_dtype(name)
        self._name = name
        self.torch_compute_dtype = to_torch_dtype(self._compute)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute

    @property
    def variable_dtype(self):
        return self._variable

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


FloatDTypePolicy = DTypePolicy
# Class names of float policies in Keras 3 and tf.keras 2 configs.
_POLICY_CLASS_NAMES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def get(identifier):
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        inner = identifier.get("config", {})
        if identifier.get("class_name", "DTypePolicy") not in \
                _POLICY_CLASS_NAMES or not isinstance(inner, dict):
            raise ValueError(
                "Invalid dtype policy config. Expected a DTypePolicy config "
                "such as {'class_name': 'DTypePolicy', 'config': {'name': "
                f"'float32'}}}}. Received: {str(identifier)[:200]}"
            )
        return DTypePolicy(**inner)
    return DTypePolicy(standardize_dtype(identifier)
                       if not str(identifier).startswith("mixed_")
                       else str(identifier))


def set_dtype_policy(policy):
    _global_policy.value = get(policy) if policy is not None else None


def dtype_policy():
    policy = getattr(_global_policy, "value", None)
    return policy if policy is not None else DTypePolicy(config.floatx())


def serialize(policy):
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": policy.name},
        "registered_name": None,
    }
