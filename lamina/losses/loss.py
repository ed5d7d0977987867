"""`Loss`: the base class every loss object follows."""

import torch

from lamina import config
from lamina.losses import _tensors
from lamina.losses import reduction as reduction_lib
from lamina.losses._registry import LOSSES
from lamina.utils import dtypes
from lamina.utils import naming


def compute_dtype(dtype):
    """The dtype a loss computes in, from a dtype or a dtype-policy spelling."""
    if dtype is None:
        return config.floatx()
    policy_dtype = getattr(dtype, "compute_dtype", None)
    if policy_dtype is not None:
        return dtypes.standardize_dtype(policy_dtype)
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtypes.standardize_dtype(dtype[len("mixed_"):])
    return dtypes.standardize_dtype(dtype)


def _map_structure(fn, x):
    # Lists of numbers are data, not structure: only containers holding
    # arrays, tensors or further containers are walked.
    if isinstance(x, dict):
        return {k: _map_structure(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and any(
        isinstance(v, (torch.Tensor, dict)) or hasattr(v, "__array__")
        for v in x
    ):
        return type(x)(_map_structure(fn, v) for v in x)
    return fn(x)


@LOSSES.register(keras_module="keras")
class Loss:
    """Base class of the losses.

    Subclasses implement `call(y_true, y_pred)`, returning per-sample losses;
    `__call__` converts the inputs, applies sample weights and masks, and
    reduces.

    Args:
        name: Name of the loss instance. Defaults to the snake-cased class
            name, made unique.
        reduction: How per-sample losses become one value:
            `"sum_over_batch_size"` (default) and `"mean"` sum and divide by
            the number of loss values, `"sum"` sums,
            `"mean_with_sample_weight"` divides the sum by the summed sample
            weights, `"none"` or `None` returns the weighted losses as they
            are.
        dtype: Dtype of the computation (a dtype name, or a dtype policy
            such as `"mixed_float16"` whose compute dtype is used). Defaults
            to `lamina.config.floatx()`.

    Example:

    >>> import torch
    >>> class MeanSquaredError(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return torch.mean(torch.square(y_pred - y_true), dim=-1)
    >>> float(MeanSquaredError()(torch.zeros(2, 3), torch.ones(2, 3)))
    1.0
    """

    # Keras casts `y_true` to the loss dtype; losses taking integer labels
    # turn this off, which skips a float round trip and changes no value.
    _cast_y_true = True

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or naming.uniquify(
            naming.to_snake_case(type(self).__name__)
        )
        self.reduction = reduction_lib.standardize_reduction(reduction)
        self._dtype = compute_dtype(dtype)
        self._torch_dtype = dtypes.to_torch_dtype(self._dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Computes the reduced, weighted loss.

        Args:
            y_true: Ground truth values (any numeric dtype; cast to the
                loss's dtype).
            y_pred: Predictions. A boolean `_keras_mask` attribute on it
                (set by masking layers) acts as extra sample weights.
            sample_weight: Optional weights, of shape `()`, `(batch,)`,
                `(batch, 1)` or the shape of the per-sample losses.

        Returns:
            The loss: a scalar, or the weighted per-sample losses when the
            reduction is `"none"`.
        """
        in_mask = _tensors.get_mask(y_pred)
        dtype = self._torch_dtype
        if isinstance(y_pred, torch.Tensor):
            y_pred = _tensors.convert(y_pred, dtype=dtype)
            device = y_pred.device
        else:
            y_pred = _map_structure(
                lambda x: _tensors.convert(x, dtype=dtype), y_pred
            )
            device = _first_device(y_pred)
        true_dtype = dtype if self._cast_y_true else None
        if isinstance(y_true, torch.Tensor):
            y_true = _tensors.convert(y_true, dtype=true_dtype, device=device)
        else:
            y_true = _map_structure(
                lambda x: _tensors.convert(x, dtype=true_dtype,
                                           device=device),
                y_true,
            )
        losses = self.call(y_true, y_pred)
        out_mask = _tensors.get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduction_lib.reduce_weighted_values(
            losses,
            sample_weight=sample_weight,
            mask=mask,
            reduction=self.reduction,
            dtype=dtype,
        )

    def call(self, y_true, y_pred):
        """Returns the per-sample losses; subclasses implement it."""
        raise NotImplementedError(
            f"Loss subclass {type(self).__name__} must implement "
            "`call(y_true, y_pred)`."
        )

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _first_device(structure):
    if isinstance(structure, torch.Tensor):
        return structure.device
    if isinstance(structure, dict):
        structure = list(structure.values())
    if not isinstance(structure, (list, tuple)):
        return None
    for value in structure:
        device = _first_device(value)
        if device is not None:
            return device
    return None
