"""MonitorCallback: the shared base of callbacks that watch a metric."""

import operator
import warnings

from lamina.callbacks.callback import Callback
from lamina.trainers.compile_utils import CompileMetrics


class MonitorCallback(Callback):
    """Watches one quantity of the logs and tells improvements apart.

    The direction is `mode`'s; with `"auto"` it is "down" for losses and
    otherwise the monitored metric's own (e.g. "up" for accuracy), read from
    the compiled metrics once they are built.

    Args:
        monitor: Name of the quantity in the logs, e.g. `"val_loss"`.
        mode: One of `"auto"`, `"min"`, `"max"`. An unknown mode warns and
            falls back to `"auto"`.
        baseline: Initial best value, or `None` to take the first one seen.
        min_delta: Smallest change that counts as an improvement.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None,
                 min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback "
                "to auto mode.",
                stacklevel=3,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in _compiled_metrics(self.model):
                direction = getattr(metric, "_direction", None)
                if metric.name == name and direction is not None:
                    self.monitor_op = (operator.gt if direction == "up"
                                       else operator.lt)
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received "
                    f"monitor={self.monitor}, but Lamina isn't able to "
                    "automatically determine whether that metric should be "
                    "maximized or minimized. Pass `mode='max'` in order to "
                    "monitor based on the highest metric value, or pass "
                    "`mode='min'` in order to use the lowest value."
                )
        if self.monitor_op is operator.lt:
            # Improving means going below `reference - min_delta`.
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta,
                                    reference_value))


def _compiled_metrics(model):
    """The metrics given to `compile(metrics=...)`, as Keras looks them up
    (the loss trackers are not among them)."""
    found = []
    for metric in getattr(model, "metrics", None) or []:
        if isinstance(metric, CompileMetrics):
            found.extend(metric.metrics)
    return found
