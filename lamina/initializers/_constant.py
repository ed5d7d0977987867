"""Deterministic initializers: Zeros, Ones, Constant, Identity."""

import torch

from lamina.initializers._initializer import Initializer
from lamina.initializers._initializer import standardize_shape
from lamina.initializers._registry import REGISTRY
from lamina.saving import serialization
from lamina.utils import dtypes


@REGISTRY.register("zeros", "zero")
class Zeros(Initializer):
    """Initializes tensors with 0.

    Example:

    >>> Zeros()((2, 2))
    tensor([[0., 0.],
            [0., 0.]])
    """

    def __call__(self, shape, dtype=None):
        return torch.zeros(
            standardize_shape(shape), dtype=dtypes.to_torch_dtype(dtype)
        )


@REGISTRY.register("ones", "one")
class Ones(Initializer):
    """Initializes tensors with 1.

    Example:

    >>> Ones()((2,))
    tensor([1., 1.])
    """

    def __call__(self, shape, dtype=None):
        return torch.ones(
            standardize_shape(shape), dtype=dtypes.to_torch_dtype(dtype)
        )


@REGISTRY.register("constant")
class Constant(Initializer):
    """Initializes tensors with a constant, or a value broadcast to shape.

    Args:
        value: A Python number, or an array-like that broadcasts to the
            requested shape. Defaults to 0.

    Example:

    >>> Constant(3.0)((2,))
    tensor([3., 3.])
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        dtype = dtypes.to_torch_dtype(dtype)
        if isinstance(self.value, (int, float, bool)):
            return torch.full(shape, self.value, dtype=dtype)
        value = torch.as_tensor(self.value).to(dtype=dtype, device="cpu")
        return value * torch.ones(shape, dtype=dtype)

    def get_config(self):
        value = self.value
        if isinstance(value, torch.Tensor):
            # Keras's format for a tensor-valued constant.
            value = {
                "class_name": "__tensor__",
                "config": {
                    "value": value.tolist(),
                    "dtype": dtypes.standardize_dtype(value.dtype),
                },
            }
        return {"value": serialization.serialize_keras_object(value)}

    @classmethod
    def from_config(cls, config):
        return cls(serialization.deserialize_keras_object(config["value"]))


@REGISTRY.register("identity", "IdentityInitializer")
class Identity(Initializer):
    """Initializes a 2D matrix with `gain` times the identity.

    Non-square shapes get ones on the main diagonal.

    Args:
        gain: Multiplicative factor applied to the identity. Defaults to 1.

    Example:

    >>> Identity(gain=2.0)((2, 3))
    tensor([[2., 0., 0.],
            [0., 2., 0.]])
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D "
                f"matrices. Received: shape={shape} of rank {len(shape)}."
            )
        return self.gain * torch.eye(*shape, dtype=dtypes.to_torch_dtype(dtype))

    def get_config(self):
        # Keras writes `{}` here (dropping `gain`); write the same for the
        # default and keep a non-default gain, which Keras also reads back.
        return {} if self.gain == 1.0 else {"gain": self.gain}
