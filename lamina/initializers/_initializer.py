"""The `Initializer` base class and argument checks shared by initializers."""

from lamina.initializers._registry import REGISTRY
from lamina.utils import dtypes


@REGISTRY.register("initializer")
class Initializer:
    """Base class of initializers: callables `init(shape, dtype=None)`.

    Subclasses implement `__call__(shape, dtype=None)`, returning a tensor of
    that shape and dtype (`None` means `lamina.config.floatx()`), and
    `get_config()` returning their constructor arguments.

    Example:

    ```python
    class ExampleRandomNormal(lamina.initializers.Initializer):
        def __init__(self, mean, stddev):
            self.mean = mean
            self.stddev = stddev

        def __call__(self, shape, dtype=None):
            return torch.normal(self.mean, self.stddev, size=shape)

        def get_config(self):
            return {"mean": self.mean, "stddev": self.stddev}
    ```
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            "`__call__(shape, dtype=None)`."
        )

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def standardize_shape(shape):
    """Returns `shape` as a tuple of non-negative ints, or raises."""
    try:
        dims = tuple(int(dim) for dim in shape)
    except (TypeError, ValueError):
        dims = None
    if dims is None or any(dim < 0 for dim in dims):
        raise ValueError(
            "Invalid value for argument `shape`. Expected a tuple of "
            f"non-negative integers. Received: shape={shape!r}"
        )
    return dims


def float_dtype(dtype, initializer):
    """The torch dtype for a random initializer, which needs floats."""
    if not dtypes.is_float(dtype):
        raise ValueError(
            f"Invalid dtype for {type(initializer).__name__}: expected a "
            f"floating-point dtype. Received: dtype={dtype!r}"
        )
    return dtypes.to_torch_dtype(dtype)
