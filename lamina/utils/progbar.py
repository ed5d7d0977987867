"""Progbar: the text progress bar `fit`, `evaluate` and `predict` print.

The bytes written are Keras 3's: a bold `current/target` counter, a 20-cell
bar of `━` (green done, white to do), the ETA (or elapsed time when done),
the time per step and the metric values.

In a Jupyter notebook the bar is one display output updated in place, so
the saved notebook holds the final bar only (writing `\r` redraws to the
cell's stream would keep every partial bar in the file). With interactive
logging off, each bar is a line for the `lamina` logger.
"""

import math
import os
import sys
import time
from collections.abc import Mapping

import numpy as np

from lamina.utils.io_utils import is_interactive_logging_enabled
from lamina.utils.io_utils import print_msg

__all__ = ["Progbar", "print_msg"]


def _dynamic_display():
    """Redraw in place on a terminal or in a notebook; when piped to a file
    or CI log, or logging, print one line per update. (Keras 3 also redraws
    whenever `posix` is loaded, which fills piped logs with backspaces; the
    text of each line is the same either way.)"""
    if not is_interactive_logging_enabled():
        return False
    return (
        (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
        or "ipykernel" in sys.modules
        or "PYCHARM_HOSTED" in os.environ
    )


def _notebook_display():
    """IPython's `display` when running in a Jupyter kernel, else None."""
    if "ipykernel" not in sys.modules or not is_interactive_logging_enabled():
        return None
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return display


def _format_eta(eta):
    if eta > 3600:
        return "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
    if eta > 60:
        return "%d:%02d" % (eta // 60, eta % 60)
    return "%ds" % eta


def _format_time_per_unit(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar.

    Metrics are averaged over the steps seen (weighted by the steps each
    update covers) unless listed in `stateful_metrics`, which are shown as
    given. With `stateless_metrics` the default flips: only the listed ones
    are averaged. Give at most one of the two.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Width of the bar, in characters.
        verbose: 0 (silent), 1 (a bar redrawn in place) or 2 (one line when
            the target is reached).
        interval: Minimum time between two redraws, in seconds.
        stateful_metrics: Names of the metrics shown as given.
        stateless_metrics: Names of the metrics to average; all others are
            shown as given.
        unit_name: Name of a step in the time-per-step display.

    Example:

    >>> bar = Progbar(3)
    >>> for step in range(3):
    ...     bar.update(step + 1, values=[("loss", 0.5)])
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05,
                 stateful_metrics=None, stateless_metrics=None,
                 unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Only one of `stateful_metrics` or `stateless_metrics` can be "
                "provided. Received: "
                f"stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateless_metrics is not None:
            self.stateful_metrics = None
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
            self.stateless_metrics = None
        self._dynamic_display = _dynamic_display()
        self._notebook = _notebook_display() if verbose == 1 else None
        self._display_handle = None
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_at_epoch_start = self._start
        self._time_after_first_step = None
        self._prev_total_width = 0

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: Index of the current step (1-based).
            values: `(name, value)` pairs for the last step, or a mapping
                of them. A mapping is read only when the bar is redrawn if
                no metric is averaged, so lazily computed logs stay unread
                between redraws.
            finalize: Whether this is the last update. Defaults to
                `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        pending = None
        if isinstance(values, Mapping) and self._averages_nothing():
            pending = values
        elif values is not None:
            self._record(current, _pairs(values), finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            if pending is not None:
                self._record(current, _pairs(pending), finalize)
            self._draw(current, now, time_per_unit, finalize)
        elif self.verbose == 2:
            if finalize and self.target is not None and self.target > 0:
                if pending is not None:
                    self._record(current, _pairs(pending), finalize)
                self._write_line(current, now, time_per_unit)
        self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _averages_nothing(self):
        return self.stateless_metrics is not None and not \
            self.stateless_metrics

    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current, pairs, finalize):
        for name, value in pairs:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._is_stateless(name) or finalize:
                # A finalizing update may repeat the last step (unknown
                # target), so its value replaces the running average.
                self._values[name] = [value, 1]
                continue
            steps = max(current - self._seen_so_far, 1)
            if name in self._values:
                self._values[name][0] += value * steps
                self._values[name][1] += steps
            else:
                self._values[name] = [value * steps, steps]

    def _average(self, name):
        total, count = self._values[name]
        if not isinstance(total, float):
            total = np.mean(total)
        return total / max(1, count)

    def _draw(self, current, now, time_per_unit, finalize):
        if self._dynamic_display:
            message = "\b" * self._prev_total_width + "\r"
        else:
            message = "\n"
        # Escape sequences take no room on screen; count them out.
        invisible = 0
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            counter = f"%{digits}d/%d" % (current, self.target)
            bar = f"\x1b[1m{counter}\x1b[0m "
            invisible += 8
            done = int(self.width * float(current) / self.target)
            if done > 0:
                bar += f"\x1b[32m{'━' * done}\x1b[0m"
                invisible += 9
            bar += f"\x1b[37m{'━' * (self.width - done)}\x1b[0m"
            invisible += 9
        else:
            bar = "%7d/Unknown" % current

        if self.target is not None and self.target > 0 and not finalize:
            eta = time_per_unit * (self.target - current)
            info = f" \x1b[1m{_format_eta(eta)}\x1b[0m"
        else:
            info = f" \x1b[1m{now - self._start:.0f}s\x1b[0m"
        invisible += 8
        info += _format_time_per_unit(time_per_unit, self.unit_name)
        for name in self._values_order:
            average = self._average(name)
            if abs(average) > 1e-3:
                info += f" - {name}: {average:.4f}"
            else:
                info += f" - {name}: {average:.4e}"

        total_width = len(bar) + len(info) - invisible
        if self._notebook is not None:
            self._show_in_notebook(bar + info)
            return
        message += bar + info
        if self._prev_total_width > total_width:
            message += " " * (self._prev_total_width - total_width)
        if finalize:
            message += "\n"
        print_msg(message, line_break=False)
        self._prev_total_width = total_width

    def _show_in_notebook(self, text):
        # One output per bar, replaced at each redraw.
        content = {"text/plain": text}
        if self._display_handle is None:
            self._display_handle = self._notebook(content, raw=True,
                                                  display_id=True)
        else:
            self._display_handle.update(content, raw=True)

    def _write_line(self, current, now, time_per_unit):
        digits = int(math.log10(self.target)) + 1
        line = f"%{digits}d/%d" % (current, self.target)
        line += f" - {now - self._start:.0f}s"
        line += " -" + _format_time_per_unit(time_per_unit, self.unit_name)
        for name in self._values_order:
            average = self._average(name)
            # Keras compares the signed value here (not its magnitude), so
            # negative values print in scientific notation.
            if average > 1e-3:
                line += f" - {name}: {average:.4f}"
            else:
                line += f" - {name}: {average:.4e}"
        print_msg(line + "\n", line_break=False)

    def _estimate_step_duration(self, current, now):
        """Seconds per step; the first step (often slow: warm-up) is left
        out once later steps are known."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


def _pairs(values):
    return list(values.items()) if isinstance(values, Mapping) else values
