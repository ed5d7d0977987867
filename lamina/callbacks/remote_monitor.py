"""RemoteMonitor: posts each epoch's logs to a server as JSON."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from lamina.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Sends the epoch logs to a server with an HTTP POST at each epoch end.

    The body is the JSON object `{"epoch": epoch, <log name>: value, ...}`:
    sent as `application/json` when `send_as_json=True`, otherwise as a form
    (`application/x-www-form-urlencoded`) whose `field` holds the JSON text.
    Keras's callback needs the `requests` package; this one uses the
    standard library. An unreachable server gives a warning, not an error.

    Args:
        root: Root URL of the server.
        path: Path, relative to `root`, the logs are posted to.
        field: Form field holding the JSON text (when not sent as JSON).
        headers: Extra HTTP headers, as a dict.
        send_as_json: Whether to send the body as `application/json`.

    Example:

    >>> monitor = RemoteMonitor(root="http://localhost:9000")
    >>> # model.fit(x, y, callbacks=[monitor])
    """

    # Under torchrun, rank 0 alone posts (CallbackList): the epoch logs are
    # already global there, and one post per process would repeat them.
    rank_zero_only = True

    def __init__(self, root="http://localhost:9000",
                 path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            # NumPy scalars and 0-d arrays are not JSON: send their value.
            if isinstance(value, (np.ndarray, np.generic)):
                value = value.item()
            send[key] = value
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode(
                {self.field: json.dumps(send)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **(self.headers or {})}
        request = urllib.request.Request(self.root + self.path, data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except urllib.error.HTTPError:
            # The server answered (with an error status): it was reached,
            # which is all Keras checks.
            pass
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(
                f"Could not reach RemoteMonitor root server at {self.root}",
                stacklevel=2,
            )
