"""Extracting tar and zip archives without writing outside the target.

An archive is extracted into a fresh temporary folder in two passes:

1. Folders and regular files. The folder holds no link yet, so a member's
   path is checked lexically (no `..` escapes, no absolute paths) and that
   check is exact. Devices, FIFOs and other special members are skipped.
2. Links (tar only; zip files store no links). Each link is created by hand,
   one at a time, after checking with *strict* resolution (every path
   component must exist and every symlink in it is followed) that both the
   folder it goes into and the file it points at lie inside the target.
   A link whose target is missing, loops, or is too long to resolve (the
   PATH_MAX trick that stops a non-strict `realpath` halfway) is skipped.

Every skipped member is reported with a warning naming it. Once complete,
the temporary folder is renamed into place, so an interrupted extraction
never leaves a half-extracted folder behind.
"""

import os
import pathlib
import shutil
import tarfile
import tempfile
import warnings
import zipfile


def archive_format_of(path, formats):
    """The first of `formats` (`"tar"`, `"zip"`) that `path` is, or None."""
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(path):
            return fmt
        if fmt == "zip" and zipfile.is_zipfile(path):
            return fmt
    return None


def extract_archive(path, extraction_dir, fmt):
    """Extracts the `fmt` archive at `path` into the folder `extraction_dir`.

    `extraction_dir` is replaced when it exists: the old folder (or a file
    or link of that name) is moved aside and deleted only once the new
    folder is in place; nothing else is ever deleted.
    """
    parent, name = os.path.split(os.path.abspath(extraction_dir))
    partial = tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=parent)
    try:
        base = str(pathlib.Path(partial).resolve(strict=True))
        if fmt == "tar":
            with tarfile.open(path) as archive:
                _extract_tar(archive, base)
        else:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(base, members=_zip_members(archive, base))
        _replace(partial, os.path.join(parent, name))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _extract_tar(archive, base):
    plain, links = [], []
    for member in archive.getmembers():
        if not _lexically_inside(base, member.name):
            _skip(member.name, "its path leaves the folder")
        elif member.issym() or member.islnk():
            links.append(member)
        elif member.isreg() or member.isdir():
            plain.append(member)
        else:
            _skip(member.name, "it is not a file, folder or link")
    kwargs = {}
    # The "data" filter also drops setuid bits and absolute modes, on the
    # Pythons that have it.
    if hasattr(tarfile, "data_filter"):
        kwargs["filter"] = "data"
    archive.extractall(base, members=plain, **kwargs)
    for member in links:
        _make_link(member, base)


def _zip_members(archive, base):
    members = []
    for info in archive.infolist():
        if _lexically_inside(base, info.filename):
            members.append(info)
        else:
            _skip(info.filename, "its path leaves the folder")
    return members


def _make_link(member, base):
    """Creates one link member after strict checks; skips it otherwise."""
    relative = os.path.normpath(member.name)
    link_name = os.path.basename(relative)
    folder = _resolve_strict(os.path.join(base, os.path.dirname(relative)))
    if folder is None or not _within(base, folder):
        return _skip(member.name, "its folder lies outside the target")
    destination = os.path.join(folder, link_name)
    if os.path.lexists(destination):
        return _skip(member.name, "a member of that name exists already")
    if os.path.isabs(member.linkname):
        return _skip(member.name, "it links to an absolute path")
    if member.issym():
        target = _resolve_strict(os.path.join(folder, member.linkname))
    else:
        target = _resolve_strict(os.path.join(base, member.linkname))
    if target is None or not _within(base, target):
        return _skip(member.name,
                     f"its target {member.linkname!r} does not resolve to "
                     "an existing path inside the folder")
    if member.islnk() and not os.path.isfile(target):
        return _skip(member.name, "a hard link must point at a file")
    try:
        if member.issym():
            os.symlink(member.linkname, destination)
        else:
            # A copy rather than a hard link: no two names share one inode.
            shutil.copy2(target, destination)
    except OSError as error:
        return _skip(member.name, f"it could not be created ({error})")
    return None


def _replace(partial, extraction_dir):
    """Renames `partial` to `extraction_dir`, discarding what was there."""
    parent, name = os.path.split(extraction_dir)
    old = None
    if os.path.lexists(extraction_dir):
        old = tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=parent)
        aside = os.path.join(old, name)
        os.replace(extraction_dir, aside)
    os.replace(partial, extraction_dir)
    if old is not None:
        # `old` is a folder this call created; a link moved into it is
        # removed as a link, never followed.
        shutil.rmtree(old, ignore_errors=True)


def _resolve_strict(path):
    """The fully resolved path, or None if any part is missing or loops."""
    try:
        return str(pathlib.Path(path).resolve(strict=True))
    except (OSError, RuntimeError):
        return None


def _within(base, path):
    return os.path.commonpath([base, path]) == base


def _lexically_inside(base, name):
    if not name or os.path.isabs(name):
        return False
    return _within(base, os.path.normpath(os.path.join(base, name)))


def _skip(name, reason):
    warnings.warn(
        f"Skipping archive member '{name}' during extraction: {reason}.",
        stacklevel=2,
    )
    return False
