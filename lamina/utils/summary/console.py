"""Where the summary text goes and how wide the output is.

Keras prints through a rich console, whose width decides where long lines
are cropped and where the "Model:" and footer lines wrap. The width rules
here are rich's: `COLUMNS` if set, else the size of whichever standard
stream is a terminal, else 80 (115 in Jupyter).
"""

import builtins
import os
import sys

from lamina.utils.summary.text import crop
from lamina.utils.summary.text import wrap

_DEFAULT_COLUMNS = 80
_JUPYTER_COLUMNS = 115


def _in_jupyter():
    get_ipython = getattr(builtins, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    return (
        "google.colab" in str(type(shell))
        or bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))
        or type(shell).__name__ == "ZMQInteractiveShell"
    )


def _stream_fd(stream, default):
    try:
        return stream.fileno()
    except Exception:  # a replaced or closed stream: use the usual number
        return default


def console_width(writes_to_stdout=False):
    """Columns of the console the summary is laid out for.

    Args:
        writes_to_stdout: True when the text goes straight to `sys.stdout`
            (a "dumb" terminal is then treated as 80 columns wide).
    """
    if _in_jupyter():
        columns = os.environ.get("JUPYTER_COLUMNS", "")
        return int(columns) if columns.isdigit() else _JUPYTER_COLUMNS
    if writes_to_stdout and os.environ.get("TERM", "").lower() in (
        "dumb", "unknown"
    ) and _isatty(sys.stdout):
        return _DEFAULT_COLUMNS
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    streams = ((sys.__stdin__, 0), (sys.__stdout__, 1), (sys.__stderr__, 2))
    for stream, default_fd in streams:
        try:
            width = os.get_terminal_size(_stream_fd(stream, default_fd))[0]
        except (AttributeError, ValueError, OSError):
            continue
        return width or _DEFAULT_COLUMNS
    return _DEFAULT_COLUMNS


def _isatty(stream):
    try:
        return stream.isatty()
    except Exception:  # closed or detached streams are not terminals
        return False


def ascii_only():
    """True when stdout cannot encode box-drawing characters."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return not encoding.lower().startswith("utf")


def layout(blocks, width):
    """Lays the summary out for a console `width` columns wide.

    Args:
        blocks: a list of `("text", str)` items, word-wrapped to the width,
            and `("lines", list_of_str)` items, only cropped to it.
        width: the console width.

    Returns:
        The text, each line ending with a newline.
    """
    if width < 1:
        return ""
    out = []
    for kind, content in blocks:
        if kind == "text":
            out.extend(wrap(content, width))
        else:
            out.extend(crop(line, width) for line in content)
    return "".join(line + "\n" for line in out)


def emit(text, print_fn):
    """Hands the text to `print_fn` (once) or writes it to stdout."""
    if print_fn is not None:
        print_fn(text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()
