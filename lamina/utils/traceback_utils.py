"""Shorter tracebacks: errors raised through `fit`, `evaluate` and
`predict` drop Lamina's own frames, keeping the user's code and the frame
that raised (`keras.config.disable_traceback_filtering()` keeps all)."""

import functools
import os
import types

from lamina import config

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _is_internal(frame):
    filename = os.path.abspath(frame.f_code.co_filename)
    return filename.startswith(_PACKAGE_DIR + os.sep)


def filtered_traceback(traceback):
    """`traceback` without frames inside the `lamina` package, except its
    last (where the error was raised)."""
    frames = []
    while traceback is not None:
        frames.append(traceback)
        traceback = traceback.tb_next
    kept = [tb for tb in frames[:-1] if not _is_internal(tb.tb_frame)]
    kept += frames[-1:]
    rebuilt = None
    for tb in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, tb.tb_frame, tb.tb_lasti,
                                      tb.tb_lineno)
    return rebuilt


def filter_traceback(fn):
    """Decorates `fn` so that an exception leaving it carries a filtered
    traceback while traceback filtering is enabled."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not config.is_traceback_filtering_enabled():
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as error:
            raise error.with_traceback(
                filtered_traceback(error.__traceback__))

    return wrapper
