"""plot_history: training curves from a `History` (beyond Keras).

Drawn with matplotlib (`pip install lamina[plot]`) on a figure of its own,
never through pyplot's global state, so it works in scripts, on servers
without a display and in notebooks (where the returned figure shows
inline).
"""

import math
import os

INSTALL_HINT = "pip install lamina[plot]"


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "plot_history draws with matplotlib. Install it with "
            f"`{INSTALL_HINT}`. ({error})"
        ) from error
    return Figure


def _logs_and_epochs(history):
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            "Invalid value for argument `history`. Expected the `History` "
            "returned by `fit` (or its `.history` dict). Received: "
            f"{type(history).__name__}"
        )
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError(
            "Argument `history` holds no epochs to plot: train with `fit` "
            "for at least one epoch first."
        )
    epochs = list(getattr(history, "epoch", None) or [])
    length = max(len(v) for v in logs.values())
    if len(epochs) != length:
        epochs = list(range(length))
    return logs, [e + 1 for e in epochs]


def _epochs_of(values, epochs):
    """The epochs a curve's values belong to. A validation curve is shorter
    under `validation_freq=N`: its values are then every N-th epoch's."""
    if len(values) == len(epochs):
        return epochs
    if len(epochs) % len(values) == 0:
        step = len(epochs) // len(values)
        return epochs[step - 1::step]
    return epochs[-len(values):]


def plot_history(history, metrics=None, to_file=None, columns=2,
                 figsize=None, dpi=100):
    """Plots the loss and metric curves of a `fit`, train and validation.

    One panel per quantity (the loss first), with the training curve and,
    when present, the validation curve (`val_<name>`) against the epoch
    number (1-based, continuing from `initial_epoch`).

    Args:
        history: The `History` returned by `fit`, or its `.history` dict.
        metrics: Names of the quantities to plot (without `val_`). Defaults
            to every logged one.
        to_file: Where to save the picture; the format follows the
            extension (`.png`, `.svg`, `.pdf`, ...). None saves nothing.
        columns: Panels per row.
        figsize: Figure size in inches; defaults to 4.5 x 3.2 per panel.
        dpi: Resolution of raster output.

    Returns:
        The matplotlib `Figure` (shown inline when it ends a notebook cell).

    Example:

    >>> # history = model.fit(x, y, validation_split=0.2, epochs=10)
    >>> # plot_history(history, to_file="curves.png")
    """
    logs, epochs = _logs_and_epochs(history)
    available = [k for k in logs if not k.startswith("val_")]
    available += [k[4:] for k in logs
                  if k.startswith("val_") and k[4:] not in available]
    if metrics is None:
        metrics = sorted(available, key=lambda k: (k != "loss", k))
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in available]
        if unknown:
            raise ValueError(
                f"Invalid value for argument `metrics`: {unknown} were not "
                f"logged. Expected names among {sorted(available)}."
            )
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(
            "Invalid value for argument `columns`. Expected a positive "
            f"integer. Received: columns={columns!r}"
        )
    columns = min(columns, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure = _figure_class()(
        figsize=figsize or (4.5 * columns, 3.2 * rows), dpi=dpi,
        layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, metrics):
        for key, label, style in ((name, "train", "-"),
                                  (f"val_{name}", "validation", "--")):
            values = logs.get(key)
            if values:
                ax.plot(_epochs_of(values, epochs),
                        [float(v) for v in values], style, marker="o",
                        markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    if to_file is not None:
        figure.savefig(os.fspath(to_file), dpi=dpi)
    return figure
