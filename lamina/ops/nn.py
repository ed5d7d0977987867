"""Neural-network ops (`keras.ops.nn`): activations and encodings.

Activation math lives in `lamina.activations`; these wrappers add symbolic
support so they can be used while building functional models.
"""

import builtins
import inspect

import torch

from lamina import activations
from lamina import config
from lamina.graph.symbolic import symbolic_aware
from lamina.ops import _dtypes
from lamina.ops.core import _tensor
from lamina.utils.dtypes import to_torch_dtype
from lamina.utils.tensor_utils import check_index_range


def _wrap(name):
    fn = getattr(activations, name)

    def op(x, *args, **kwargs):
        return fn(_tensor(x), *args, **kwargs)

    op.__name__ = name
    op.__doc__ = fn.__doc__
    op.__signature__ = inspect.signature(fn)
    return symbolic_aware(name)(_dtypes.explain_dtype_errors(name)(op))




@symbolic_aware("relu")
@_dtypes.explain_dtype_errors("relu")
def relu(x):
    return activations.relu(_tensor(x))


relu6 = _wrap("relu6")
sigmoid = _wrap("sigmoid")
tanh = _wrap("tanh")
softplus = _wrap("softplus")
softsign = _wrap("softsign")
silu = _wrap("silu")
swish = silu


@symbolic_aware("gelu")
@_dtypes.explain_dtype_errors("gelu")
def gelu(x, approximate=True):
    """GELU; `keras.ops.gelu` defaults to the tanh approximation (the
    activation `keras.activations.gelu` does not)."""
    return activations.gelu(_tensor(x), approximate=approximate)


elu = _wrap("elu")
selu = _wrap("selu")
celu = _wrap("celu")
glu = _wrap("glu")
mish = _wrap("mish")
leaky_relu = _wrap("leaky_relu")
hard_sigmoid = _wrap("hard_sigmoid")
hard_silu = _wrap("hard_silu")
hard_swish = hard_silu
hard_tanh = _wrap("hard_tanh")
log_sigmoid = _wrap("log_sigmoid")
sparsemax = _wrap("sparsemax")


@symbolic_aware("softmax")
@_dtypes.explain_dtype_errors("softmax")
def softmax(x, axis=-1):
    return torch.softmax(_tensor(x), dim=axis)


@symbolic_aware("log_softmax")
@_dtypes.explain_dtype_errors("log_softmax")
def log_softmax(x, axis=-1):
    return torch.log_softmax(_tensor(x), dim=axis)


@symbolic_aware("one_hot")
@_dtypes.explain_dtype_errors("one_hot")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    x = _tensor(x)
    # Unchecked, a value >= num_classes is a device-side assert on CUDA.
    check_index_range(x, num_classes, "one_hot", lower=None)
    x = x.long()
    valid = x >= 0
    encoded = torch.nn.functional.one_hot(x.clamp(min=0), num_classes)
    encoded = encoded * valid.unsqueeze(-1)
    encoded = encoded.to(to_torch_dtype(dtype or "float32"))
    return encoded if axis == -1 else torch.movedim(encoded, -1, axis)


@symbolic_aware("multi_hot")
@_dtypes.explain_dtype_errors("multi_hot")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False,
              **kwargs):
    """Multi-hot encoding of integer labels (`x=` is the older spelling of
    `inputs`)."""
    if "x" in kwargs:
        inputs = kwargs.pop("x")
    if kwargs:
        raise TypeError("ops.multi_hot got unexpected keyword arguments "
                        f"{sorted(kwargs)}")
    if num_classes is None:
        raise ValueError("ops.multi_hot needs `num_classes`. Received: "
                         "num_classes=None")
    encoded = one_hot(inputs, num_classes, dtype=dtype)
    reduced = encoded.amax(dim=-2) if encoded.dim() > 1 else encoded
    return reduced if axis == -1 else torch.movedim(reduced, -1, axis)


@symbolic_aware("normalize")
@_dtypes.explain_dtype_errors("normalize")
def normalize(x, axis=-1, order=2, epsilon=None):
    """Lp-normalizes `x` along `axis`; L2 uses Keras's `x * rsqrt(sum x^2)`
    capped at `1 / epsilon`, so results match Keras bit for bit."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(
            f"Argument `order` must be an int >= 1. Received: order={order}"
        )
    x = _tensor(x)
    if x.dim() == 0:
        x = x.unsqueeze(0)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = torch.rsqrt(torch.sum(torch.square(x), dim=axis,
                                         keepdim=True))
        cap = 1.0 / epsilon
        if x.is_floating_point():
            cap = builtins.min(cap, torch.finfo(x.dtype).max)
        return x * torch.clamp(inv_norm, max=cap)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


@symbolic_aware("moments")
@_dtypes.explain_dtype_errors("moments")
def moments(x, axes, keepdims=False, synchronized=False):
    x = _tensor(x)
    mean = torch.mean(x, dim=tuple(axes), keepdim=True)
    variance = torch.mean(torch.square(x - mean), dim=tuple(axes),
                          keepdim=True)
    if not keepdims:
        mean = mean.squeeze(tuple(axes))
        variance = variance.squeeze(tuple(axes))
    return mean, variance


from lamina.ops.nn_conv import *  # noqa: E402,F401,F403
from lamina.ops.nn_functional import *  # noqa: E402,F401,F403
from lamina.ops.ctc import ctc_decode  # noqa: E402,F401

# The ops only: module helpers stay out of `from lamina.ops.nn import *`.
__all__ = [n for n, v in list(globals().items()) if callable(v) and not (
    n.startswith("_") or n in ("symbolic_aware", "to_torch_dtype",
                               "check_index_range")
    or isinstance(v, type(builtins)))]
