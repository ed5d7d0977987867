"""CallbackList: dispatches each hook to every callback, in order."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger
from lamina.distribution.devices import is_rank_zero
from lamina.trainers.logs import LazyLogs
from lamina.trainers.logs import pythonify
from lamina.utils import tree


class CallbackList(Callback):
    """Holds the user's callbacks, then History, then the progress bar
    (Keras's order).

    Batch hooks receive lazily-evaluated logs; a callback that overrides no
    batch hook never triggers a device sync.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        super().__init__()
        # Nested lists and a lone callback are accepted, as in Keras.
        self.callbacks = tree.flatten(callbacks) if callbacks else []
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
            self._progbar = next(
                (c for c in self.callbacks if isinstance(c, ProgbarLogger)),
                None,
            ) or ProgbarLogger()
            # Last, as in Keras: it then shows what other callbacks add to
            # the epoch logs (e.g. `learning_rate`), after their messages.
            if self._progbar not in self.callbacks:
                self.callbacks.append(self._progbar)
        if not is_rank_zero():  # under torchrun, rank 0 alone prints/writes
            self.callbacks = [c for c in self.callbacks
                              if not getattr(c, "rank_zero_only", False)]
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

    def _dispatch(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def _dispatch_batch(self, hook, batch, logs):
        # Keras passes batch logs by keyword (`logs=`); LambdaCallback
        # functions written for Keras rely on it. The progress bar reads the
        # lazy logs only when it redraws; any other callback gets a plain
        # dict of this step's values, which it may keep or modify.
        snapshot = None
        for callback in self._listeners(hook):
            if isinstance(callback, ProgbarLogger) or not isinstance(
                logs, LazyLogs
            ):
                getattr(callback, hook)(batch, logs=logs)
                continue
            if snapshot is None:
                snapshot = dict(logs)
            getattr(callback, hook)(batch, logs=snapshot)

    def listens_to(self, hook):
        """Whether any callback overrides `hook` (the loops skip work only
        a listener would see)."""
        return bool(self._listeners(hook))

    def _listeners(self, hook):
        """Callbacks that override `hook` (batch hooks run every step, so
        the base class's no-ops are skipped)."""
        cache = self.__dict__.setdefault("_listener_cache", {})
        key = (hook, len(self.callbacks))
        if key not in cache:
            cache[key] = [c for c in self.callbacks if _overrides(c, hook)]
        return cache[key]

    def on_train_begin(self, logs=None):
        self._dispatch("on_train_begin", _plain_logs(logs))

    def on_train_end(self, logs=None):
        self._dispatch("on_train_end", _plain_logs(logs))

    def on_epoch_begin(self, epoch, logs=None):
        self._dispatch("on_epoch_begin", epoch, _plain_logs(logs))

    def on_epoch_end(self, epoch, logs=None):
        self._dispatch("on_epoch_end", epoch, _plain_logs(logs))

    def on_train_batch_begin(self, batch, logs=None):
        if self._listeners("on_train_batch_begin"):
            self._dispatch_batch("on_train_batch_begin", batch, _plain_logs(logs))

    def on_train_batch_end(self, batch, logs=None):
        if self._listeners("on_train_batch_end"):
            self._dispatch_batch("on_train_batch_end", batch, _batch_logs(logs))

    def on_test_begin(self, logs=None):
        self._dispatch("on_test_begin", _plain_logs(logs))

    def on_test_end(self, logs=None):
        self._dispatch("on_test_end", _plain_logs(logs))

    def on_test_batch_begin(self, batch, logs=None):
        if self._listeners("on_test_batch_begin"):
            self._dispatch_batch("on_test_batch_begin", batch, _plain_logs(logs))

    def on_test_batch_end(self, batch, logs=None):
        if self._listeners("on_test_batch_end"):
            self._dispatch_batch("on_test_batch_end", batch, _batch_logs(logs))

    def on_predict_begin(self, logs=None):
        self._dispatch("on_predict_begin", _plain_logs(logs))

    def on_predict_end(self, logs=None):
        self._dispatch("on_predict_end", _plain_logs(logs))

    def on_predict_batch_begin(self, batch, logs=None):
        if self._listeners("on_predict_batch_begin"):
            self._dispatch_batch("on_predict_batch_begin", batch,
                                 _plain_logs(logs))

    def on_predict_batch_end(self, batch, logs=None):
        if self._listeners("on_predict_batch_end"):
            self._dispatch_batch("on_predict_batch_end", batch,
                                 _batch_logs(logs))


def _plain_logs(logs):
    """A fresh dict, keys sorted, as Keras hands every callback: what one
    callback adds (e.g. `learning_rate`) is seen by the later ones only."""
    if not logs:
        return {}
    return dict(sorted(pythonify(logs).items()))


def _batch_logs(logs):
    """Batch logs stay lazy: values are read (a device sync) only by a
    callback that looks at them."""
    if logs is None:
        return {}
    if isinstance(logs, LazyLogs):
        return logs
    return LazyLogs(lambda: logs)


def _duck_callback(obj):
    return all(hasattr(obj, h) for h in ("set_model", "set_params",
                                         "on_epoch_end"))


_KERAS2_ALIASES = {"on_train_batch_begin": "on_batch_begin",
                   "on_train_batch_end": "on_batch_end"}


def _overrides(callback, hook):
    if not isinstance(callback, Callback):
        return True
    cls = type(callback)
    alias = _KERAS2_ALIASES.get(hook)
    for name in (hook, alias):
        if name is None:
            continue
        # Instance attributes count too: LambdaCallback sets its hooks so.
        if name in vars(callback) or getattr(cls, name) is not getattr(
            Callback, name
        ):
            return True
    return False
