"""CallbackList: dispatches each hook to every callback, in order."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History


class CallbackList(Callback):
    """Holds the user's callbacks plus History and the progress bar.

    Batch hooks receive lazily-evaluated logs; a callback that overrides no
    batch hook never triggers a device sync.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback) and not _duck_callback(
                callback
            ):
                raise TypeError(
                    "Expected every callback to be a `lamina.callbacks."
                    f"Callback`. Received: {callback!r}"
                )
        self._history = None
        self._progbar = None
        if add_history:
            self._history = next(
                (c for c in self.callbacks if isinstance(c, History)), None
            ) or History()
            if self._history not in self.callbacks:
                self.callbacks.append(self._history)
        if add_progbar:
            from lamina.callbacks.progbar_logger import ProgbarLogger

            self._progbar = next(
                (c for c in self.callbacks if isinstance(c, ProgbarLogger)),
                None,
            ) or ProgbarLogger()
            if self._progbar not in self.callbacks:
                self.callbacks.insert(0, self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _dispatch(self, hook, *args, **kwargs):
        for callback in self.callbacks:
            getattr(callback, hook)(*args, **kwargs)

    def on_train_begin(self, logs=None):
        self._dispatch("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._dispatch("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._dispatch("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._dispatch("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._dispatch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._dispatch("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._dispatch("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._dispatch("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._dispatch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._dispatch("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._dispatch("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._dispatch("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._dispatch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._dispatch("on_predict_batch_end", batch, logs)


def _duck_callback(obj):
    return all(hasattr(obj, h) for h in ("set_model", "set_params",
                                         "on_epoch_end"))
