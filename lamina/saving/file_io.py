"""Atomic file writes: a crash mid-save never leaves a half-written file.

Every file Lamina writes goes to a temporary name in the target's folder and
is renamed over the target only once complete (`os.replace` is atomic on
POSIX and Windows), so the previous file survives any interruption.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(filepath, suffix=".tmp"):
    """Yields a temporary path beside `filepath`; renames it onto `filepath`
    when the block succeeds, deletes it when the block raises.

    `suffix` ends the temporary name: pass the target's extension (e.g.
    ".weights.h5") when the writer inside the block checks it."""
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    handle, temp_path = tempfile.mkstemp(
        prefix="." + os.path.basename(filepath) + ".", suffix=suffix, dir=folder
    )
    os.close(handle)
    try:
        yield temp_path
        with open(temp_path, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp_path, filepath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp_path)
        raise
