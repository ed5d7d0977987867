"""`get_file`: fetch a file once, cache it, check its hash, extract it.

The cache is laid out exactly as Keras lays it out (`$KERAS_HOME/datasets`,
default `~/.keras/datasets`), so a cache seeded for Keras serves Lamina too.
Downloads go to a temporary name and are renamed only once complete and
verified, and archives are extracted into a temporary folder that is renamed
into place, so an interrupted call never leaves a half-written file behind.
"""

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings

from lamina import config
from lamina.utils.archive_extraction import archive_format_of
from lamina.utils.archive_extraction import extract_archive

_CHUNK_SIZE = 1 << 20
_HASH_ALGORITHMS = ("auto", "sha256", "md5")
_ARCHIVE_FORMATS = ("tar", "zip")


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """Downloads a file from a URL unless it is already in the cache.

    The file is stored as `<cache_dir>/<cache_subdir>/<fname>`, by default
    `~/.keras/datasets/<fname>` (or under `$KERAS_HOME` when set; under
    `/tmp/.keras` when that folder cannot be written). A cached file whose
    hash does not match is downloaded again; if that download fails, the
    error says so and the cached file is left untouched.

    Args:
        fname: Name of the file in the cache. Defaults to the last component
            of `origin`'s path. With `extract=True`, a name without an
            extension names the extraction folder.
        origin: URL of the file (`https://...`, `file://...`).
        untar: Deprecated in favour of `extract`; extracts a tar archive.
        md5_hash: Deprecated in favour of `file_hash`; an md5 hex digest.
        file_hash: Expected sha256 or md5 hex digest of the file, or a list of
            digests any of which is accepted (for a file published in more
            than one byte-level form).
        cache_subdir: Folder under the cache directory; an absolute path is
            used as is.
        hash_algorithm: `"sha256"`, `"md5"` or `"auto"` (64 hex digits mean
            sha256, anything else md5).
        extract: Whether to extract the file as a tar or zip archive.
        archive_format: `"auto"` (tar, then zip), `"tar"`, `"zip"`, a list of
            those, or `None` (never extract).
        cache_dir: Cache directory; defaults to `$KERAS_HOME` or `~/.keras`.
        force_download: Download again even when a valid copy is cached.

    Returns:
        The path of the cached file, or of the extraction folder when
        extracting.

    Example:

    ```python
    path = keras.utils.get_file(
        origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
        "mnist.npz",
        file_hash=(
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
        ),
    )
    ```
    """
    if origin is None:
        raise ValueError(
            'Please specify the "origin" argument (URL of the file to '
            "download). Received: origin=None"
        )
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    expected = _expected_hashes(file_hash, hash_algorithm)
    extract = bool(extract or untar)
    formats = _archive_formats("tar" if untar else archive_format) \
        if extract else ()
    provided_fname = fname is not None and os.fspath(fname) != ""
    fname = _resolve_fname(fname, origin)
    download_name, extraction_name = _cache_names(
        fname, provided_fname, extract
    )

    if cache_dir is None:
        cache_dir = config.keras_home()
    datadir = os.path.join(os.path.expanduser(cache_dir), cache_subdir)
    # A read-only cache still serves the files already in it.
    if not _writable_dir(datadir) and not os.path.exists(
        os.path.join(datadir, download_name)
    ):
        datadir = _fallback_dir(cache_subdir)
    target = os.path.join(datadir, download_name)

    stale_reason = None
    if force_download or not os.path.exists(target):
        download = True
    else:
        stale_reason = _mismatch(target, expected)
        download = stale_reason is not None
        if download:
            print(
                "A local file was found, but it seems to be incomplete or "
                f"outdated because {stale_reason}, so we will re-download "
                "the data."
            )

    if download:
        if not _writable_dir(datadir):
            datadir = _fallback_dir(cache_subdir)
            target = os.path.join(datadir, download_name)
        _download(origin, target, expected, stale_reason)

    if not extract:
        return target
    extraction_dir = os.path.join(datadir, extraction_name)
    if download or not os.path.isdir(extraction_dir):
        fmt = archive_format_of(target, formats)
        if fmt is not None:
            extract_archive(target, extraction_dir, fmt)
        else:
            warnings.warn(
                f"Could not extract archive {target}: it is not a "
                f"{' or '.join(formats) or 'supported'} archive "
                f"(archive_format={archive_format!r}).",
                stacklevel=2,
            )
    return extraction_dir


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK_SIZE):
    """Returns the hex digest (`"sha256"` or `"md5"`) of a file."""
    if algorithm == "auto":
        algorithm = "sha256"
    return _digests(fpath, (algorithm,), chunk_size)[algorithm]


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK_SIZE):
    """Whether a file's digest equals `file_hash` (or one of a list)."""
    expected = _expected_hashes(file_hash, algorithm)
    return _mismatch(fpath, expected, chunk_size) is None


def _expected_hashes(file_hash, hash_algorithm):
    """Normalizes `file_hash` to a tuple of (algorithm, lowercase digest)."""
    if hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(
            "Invalid value for argument `hash_algorithm`. Expected one of "
            f"{_HASH_ALGORITHMS}. Received: hash_algorithm={hash_algorithm!r}"
        )
    if file_hash is None:
        return ()
    hashes = (
        (file_hash,) if isinstance(file_hash, str)
        else tuple(file_hash) if isinstance(file_hash, (list, tuple))
        else ()
    )
    if not hashes or not all(isinstance(h, str) and h for h in hashes):
        raise ValueError(
            "Invalid value for argument `file_hash`. Expected a hex digest "
            f"string or a list of them. Received: file_hash={file_hash!r}"
        )
    expected = []
    for digest in hashes:
        algorithm = hash_algorithm
        if algorithm == "auto":
            algorithm = "sha256" if len(digest) == 64 else "md5"
        expected.append((algorithm, digest.lower()))
    return tuple(expected)


def _digests(fpath, algorithms, chunk_size=_CHUNK_SIZE):
    """Computes every requested digest in a single pass over the file."""
    hashers = {
        name: hashlib.new(name, usedforsecurity=False)
        for name in set(algorithms)
    }
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _mismatch(fpath, expected, chunk_size=_CHUNK_SIZE):
    """Returns None when `fpath` matches, else why it does not."""
    if not expected:
        return None
    actual = _digests(fpath, [algorithm for algorithm, _ in expected],
                      chunk_size)
    if any(actual[algorithm] == digest for algorithm, digest in expected):
        return None
    found = ", ".join(f"{name} {value}" for name, value in actual.items())
    wanted = ", ".join(digest for _, digest in expected)
    return f"its hash ({found}) does not match the expected value ({wanted})"


def _resolve_fname(fname, origin):
    """The cache name: `fname`, else the last part of `origin`'s path.

    The name becomes a file or folder right inside the cache folder, so it
    may hold no path separator and may not be `.` or `..`.
    """
    if fname is not None:
        fname = os.fspath(fname)
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if fname in ("", ".", ".."):
            raise ValueError(
                "Can't parse the file name from the origin provided: "
                f"'{origin}'. Please specify the `fname` argument."
            )
        return fname
    separators = {"/", os.sep, os.altsep} - {None}
    if any(sep in fname for sep in separators):
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify "
            "the file's parent directory, use the `cache_dir` argument. "
            f"Received: fname={fname}"
        )
    if fname in (".", "..") or "\0" in fname:
        raise ValueError(
            "Invalid value for argument `fname`. Expected a file name, not "
            f"'.', '..' or a name with a NUL byte. Received: fname={fname!r}"
        )
    return fname


def _cache_names(fname, provided_fname, extract):
    """Returns (archive name, extraction folder name), as Keras names them."""
    if not extract:
        return fname, None
    if provided_fname and "." in fname:
        return fname, f"{fname[: fname.find('.')]}_extracted"
    return f"{fname}_archive", fname


def _archive_formats(archive_format):
    if archive_format is None:
        return ()
    if archive_format == "auto":
        return _ARCHIVE_FORMATS
    formats = (
        (archive_format,) if isinstance(archive_format, str)
        else tuple(archive_format)
    )
    if not all(fmt in _ARCHIVE_FORMATS for fmt in formats):
        raise ValueError(
            "Invalid value for argument `archive_format`. Expected 'auto', "
            "'tar', 'zip', a list of those, or None. "
            f"Received: archive_format={archive_format!r}"
        )
    return formats


def _writable_dir(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def _fallback_dir(cache_subdir):
    tmp = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
    datadir = os.path.join(tmp, ".keras", cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    return datadir


def _download(origin, target, expected, stale_reason=None):
    """Fetches `origin` into `target` via a verified temporary file."""
    print(f"Downloading data from {origin}")
    directory, name = os.path.split(target)
    fd, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".part",
                                   dir=directory)
    try:
        failure = None
        try:
            with os.fdopen(fd, "wb") as out:
                with urllib.request.urlopen(origin) as response:
                    shutil.copyfileobj(response, out, _CHUNK_SIZE)
        except urllib.error.HTTPError as e:
            failure = (e.code, e.msg)
        except urllib.error.URLError as e:
            failure = (e.errno, e.reason)
        except OSError as e:
            failure = (e.errno, e.strerror or e)
        if failure is not None:
            # The message says all there is to say; the chained urllib
            # traceback would only bury it.
            raise _fetch_error(origin, *failure, target, stale_reason)
        reason = _mismatch(partial, expected)
        if reason is not None:
            raise ValueError(
                f"Incomplete or corrupted file detected: the file downloaded "
                f"from {origin} was discarded because {reason}. Nothing was "
                f"written to the cache file {target}."
            )
        # mkstemp creates files readable by the owner only.
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _fetch_error(origin, code, reason, target, stale_reason):
    """The error for a failed download: URL, reason, cache path, the fix."""
    failure = f"URL fetch failure on {origin}: " + (
        f"{code} -- {reason}" if code is not None else f"{reason}"
    )
    directory, name = os.path.split(target)
    if stale_reason is not None:
        return OSError(
            f"A cached copy was found at {target}, but {stale_reason}; "
            f"downloading a fresh copy failed. {failure}. Replace the cached "
            "file with a correct copy, or retry when the origin is reachable."
        )
    return OSError(
        f"{failure}.\n'{name}' is not in the cache folder {directory} and "
        "could not be downloaded: call again with network access (the file "
        "is then downloaded once and cached), or copy the file into that "
        "folder."
    )
