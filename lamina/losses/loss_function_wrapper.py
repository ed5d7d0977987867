"""`LossFunctionWrapper`: a `Loss` around a per-sample loss function."""

from lamina.losses import reduction as reduction_lib
from lamina.losses._registry import LOSSES
from lamina.losses.loss import Loss
from lamina.saving import serialization


def _squeeze_or_expand_pairs(y_true, y_pred):
    if isinstance(y_true, dict) and isinstance(y_pred, dict):
        pairs = {k: _squeeze_or_expand_pairs(y_true[k], y_pred[k])
                 for k in y_pred}
        return ({k: v[0] for k, v in pairs.items()},
                {k: v[1] for k, v in pairs.items()})
    if isinstance(y_true, (list, tuple)) and isinstance(y_pred, (list, tuple)):
        pairs = [_squeeze_or_expand_pairs(t, p) for t, p in zip(y_true, y_pred)]
        return (type(y_true)(t for t, _ in pairs),
                type(y_pred)(p for _, p in pairs))
    return reduction_lib.squeeze_or_expand_to_same_rank(y_true, y_pred)


@LOSSES.register(keras_module="keras.src.losses.losses")
class LossFunctionWrapper(Loss):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` into a `Loss`.

    `y_true` and `y_pred` are first squeezed or expanded to the same rank
    (so `(batch,)` labels meet `(batch, 1)` predictions), then passed to
    `fn` with the stored keyword arguments.

    Args:
        fn: The loss function, returning per-sample losses.
        reduction: See `Loss`. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss instance.
        dtype: Dtype of the computation. Defaults to `floatx()`.
        **kwargs: Keyword arguments passed to `fn` on every call.

    Example:

    >>> import torch
    >>> from lamina.losses import LossFunctionWrapper, huber
    >>> loss = LossFunctionWrapper(huber, delta=0.5)
    >>> float(loss(torch.zeros(2, 1), torch.ones(2, 1)))
    0.375
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None,
                 dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = _squeeze_or_expand_pairs(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialization.serialize_keras_object(self.fn)
        config.update(serialization.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            config["fn"] = LOSSES.deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _FixedFnWrapper(LossFunctionWrapper):
    """Private base of built-in losses whose class fixes `fn`: the config
    holds `Loss`'s keys (plus what a subclass adds), not `fn` or its
    keyword arguments."""

    def get_config(self):
        return Loss.get_config(self)
