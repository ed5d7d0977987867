"""SwapEMAWeights: evaluate and predict with the optimizer's moving-average
(EMA) weights instead of the raw ones."""

import torch

from lamina.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's trainable weights with their exponential moving
    averages kept by an optimizer built with `use_ema=True`: for the
    duration of each evaluation and prediction, and, with
    `swap_on_epoch=True`, from the end of each epoch to the start of the
    next (so epoch-end callbacks such as `ModelCheckpoint` see the
    averages; after the last epoch the averages stay in the model).

    Args:
        swap_on_epoch: also swap around epoch ends.

    Example:

    >>> model.compile(keras.optimizers.SGD(use_ema=True), "mse")
    >>> model.fit(x, y, callbacks=[keras.callbacks.SwapEMAWeights()])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        # The moving averages exist once an optimizer with `use_ema=True`
        # is built: one per trainable weight, in the same order.
        averages = getattr(optimizer, "_model_variables_moving_average",
                           None)
        if not getattr(optimizer, "use_ema", False) or averages is None:
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on "
                "the optimizer (and after it was built by training). "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer, averages

    def _pairs(self):
        optimizer, averages = self._optimizer()
        return zip(optimizer._trainable_variables, averages)

    @torch.no_grad()
    def _swap_variables(self):
        for variable, average in self._pairs():
            value = variable.detach().clone()
            variable.copy_(average)
            average.copy_(value)

    @torch.no_grad()
    def _finalize_ema_values(self):
        for variable, average in self._pairs():
            average.copy_(variable)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs=None):
        # Keras 3.15 tests `not in model` here and so leaves the averages
        # in after a prediction; the raw weights come back, as intended.
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False
