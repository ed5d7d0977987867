"""CSVLogger: writes each epoch's logs as a row of a CSV file."""

import collections
import csv
import os

import numpy as np

from lamina.callbacks.callback import Callback


class CSVLogger(Callback):
    """Streams epoch results to a CSV file.

    The columns are `epoch` then the log keys sorted (with `val_*` columns
    added when the first epoch had no validation, filled with `NA`). Rows
    end in `\\r\\n` (the `excel` dialect) and are flushed every epoch.

    Args:
        filename: Path of the CSV file.
        separator: The field delimiter.
        append: Whether to append to an existing file (its header is kept)
            rather than overwrite it.

    Example:

    >>> csv_logger = CSVLogger("training.log")
    >>> # model.fit(x, y, callbacks=[csv_logger])
    """

    rank_zero_only = True  # skipped on other ranks (CallbackList)

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch"] + self.keys,
                dialect=Dialect,
            )
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    # Arrays (not 0-d) and lists become one quoted "[a, b]" cell.
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f"\"[{', '.join(map(str, value))}]\""
    return value
