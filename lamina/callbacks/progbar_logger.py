"""ProgbarLogger: the progress bar `fit`, `evaluate` and `predict` print."""

from lamina.callbacks.callback import Callback
from lamina.utils.io_utils import print_msg
from lamina.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints a progress bar and the metrics to stdout.

    `fit`, `evaluate` and `predict` add one when `verbose != 0`. Inside
    `fit`, the evaluation on the validation data draws no bar of its own;
    its values are appended to the epoch's last line as `val_*`.

    Batch logs are read only when the bar is redrawn (at most every 50 ms),
    so the device is not synchronised at every step.
    """

    rank_zero_only = True  # skipped on other ranks (CallbackList)

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        # From here on the evaluations are fit's validation: silent.
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        # The predictions are no metrics: never shown.
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            # Logs hold running results already: show them as given.
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   unit_name="step", stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            # Handed over unread (not `logs or {}`, which would read them):
            # the bar reads them only if it redraws.
            self.progbar.update(self.seen, logs if logs is not None else {},
                                finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            # Unknown length: the first pass tells it for the next epochs.
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, logs if logs is not None else {},
                            finalize=True)
