"""Where Lamina's messages go: stdout, or Python logging when interactive
logging is off (`lamina.config.disable_interactive_logging()`).

Keras sends them to `absl.logging` then; Lamina uses the standard `logging`
module (logger `"lamina"`, level INFO), so no extra package is needed.
"""

import logging
import sys

from lamina.config import disable_interactive_logging
from lamina.config import enable_interactive_logging
from lamina.config import is_interactive_logging_enabled

__all__ = ["disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "logger", "print_msg"]

logger = logging.getLogger("lamina")


def print_msg(message, line_break=True):
    """Writes `message` to stdout and flushes it, or logs it at INFO level
    when interactive logging is off.

    A console whose encoding cannot show `━` gets `=` instead (and anything
    else it cannot encode is dropped) rather than a `UnicodeEncodeError`.
    """
    message = str(message)
    if not is_interactive_logging_enabled():
        # A log record is one line: no redraw characters around it.
        text = message.strip("\n\r\b")
        if text:
            logger.info(text)
        return
    if line_break:
        message += "\n"
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=")
        message = message.encode(encoding, errors="ignore").decode(encoding)
        sys.stdout.write(message)
    sys.stdout.flush()
