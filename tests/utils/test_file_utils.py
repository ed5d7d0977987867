import hashlib
import io
import os
import tarfile
import urllib.error
import urllib.request
import zipfile

import pytest

from lamina.utils.file_utils import get_file
from lamina.utils.file_utils import hash_file
from lamina.utils.file_utils import validate_file

CONTENT = b"lamina test payload\n" * 100
SHA256 = hashlib.sha256(CONTENT).hexdigest()
MD5 = hashlib.md5(CONTENT).hexdigest()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    real_urlopen = urllib.request.urlopen

    def urlopen(url, *args, **kwargs):
        if not str(url).startswith("file://"):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


@pytest.fixture
def source(tmp_path):
    """A local origin: (file:// URL, path)."""
    path = tmp_path / "origin" / "payload.bin"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path.as_uri(), path


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def leftovers(directory):
    return [p for p in os.listdir(directory) if p.endswith(".part")]


def test_downloads_into_cache(source, cache):
    origin, _ = source
    path = get_file("data.bin", origin=origin, cache_dir=cache)
    assert path == str(cache / "datasets" / "data.bin")
    with open(path, "rb") as f:
        assert f.read() == CONTENT
    assert leftovers(cache / "datasets") == []


def test_default_cache_is_keras_home(source, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    path = get_file(origin=source[0], cache_subdir="models")
    assert path == str(tmp_path / "home" / "models" / "payload.bin")


def test_absolute_cache_subdir(source, tmp_path):
    target = tmp_path / "elsewhere"
    path = get_file("a.bin", origin=source[0], cache_subdir=str(target),
                    cache_dir=tmp_path / "unused")
    assert path == str(target / "a.bin")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"file_hash": SHA256},
        {"file_hash": MD5},
        {"file_hash": SHA256.upper()},
        {"md5_hash": MD5},
        {"file_hash": MD5, "hash_algorithm": "md5"},
        {"file_hash": ["0" * 64, SHA256]},
    ],
)
def test_hash_accepted(source, cache, kwargs):
    path = get_file("f.bin", origin=source[0], cache_dir=cache, **kwargs)
    assert os.path.getsize(path) == len(CONTENT)


def test_download_with_wrong_hash_leaves_nothing(source, cache):
    with pytest.raises(ValueError, match="Incomplete or corrupted file") as \
            info:
        get_file("f.bin", origin=source[0], cache_dir=cache,
                 file_hash="0" * 64)
    assert source[0] in str(info.value)
    assert str(cache / "datasets" / "f.bin") in str(info.value)
    assert os.listdir(cache / "datasets") == []


def test_valid_cached_file_is_not_downloaded(cache):
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "f.bin").write_bytes(CONTENT)
    missing = "file:///nonexistent/lamina/f.bin"
    path = get_file("f.bin", origin=missing, cache_dir=cache,
                    file_hash=SHA256)
    assert path == str(cache / "datasets" / "f.bin")
    # Without a hash, any cached file is trusted.
    assert get_file("f.bin", origin=missing, cache_dir=cache) == path


def test_alternate_hash_accepts_a_cached_variant(cache):
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "f.bin").write_bytes(CONTENT)
    path = get_file("f.bin", origin="https://example.com/f.bin",
                    cache_dir=cache, file_hash=("1" * 64, SHA256))
    assert os.path.exists(path)


def test_stale_cache_is_refreshed(source, cache, capsys):
    (cache / "datasets").mkdir(parents=True)
    stale = cache / "datasets" / "f.bin"
    stale.write_bytes(b"old")
    get_file("f.bin", origin=source[0], cache_dir=cache, file_hash=SHA256)
    assert stale.read_bytes() == CONTENT
    assert "re-download" in capsys.readouterr().out


def test_stale_cache_and_failed_download(cache):
    (cache / "datasets").mkdir(parents=True)
    stale = cache / "datasets" / "f.bin"
    stale.write_bytes(b"old")
    with pytest.raises(OSError) as info:
        get_file("f.bin", origin="https://example.com/f.bin",
                 cache_dir=cache, file_hash=SHA256)
    message = str(info.value)
    assert "cached copy" in message and str(stale) in message
    assert SHA256 in message and "URL fetch failure" in message
    assert stale.read_bytes() == b"old"
    assert leftovers(cache / "datasets") == []


def test_http_error_message(cache, monkeypatch):
    def urlopen(url, *args, **kwargs):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    with pytest.raises(OSError, match="URL fetch failure on "
                       "https://example.com/x.bin: 404 -- Not Found"):
        get_file("x.bin", origin="https://example.com/x.bin", cache_dir=cache)
    assert os.listdir(cache / "datasets") == []


def test_force_download(source, cache):
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "f.bin").write_bytes(b"old")
    path = get_file("f.bin", origin=source[0], cache_dir=cache,
                    force_download=True)
    with open(path, "rb") as f:
        assert f.read() == CONTENT


def make_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("maker", [make_tar, make_zip])
def test_extract_naming(tmp_path, cache, maker):
    archive = tmp_path / "bundle.tar.gz"
    maker(archive, {"folder/a.txt": b"A", "b.txt": b"B"})
    origin = archive.as_uri()

    # A name with an extension: the archive keeps it, the folder gets
    # `<stem>_extracted`.
    path = get_file("bundle.tar.gz", origin=origin, extract=True,
                    cache_dir=cache / "one")
    datadir = cache / "one" / "datasets"
    assert path == str(datadir / "bundle_extracted")
    assert (datadir / "bundle.tar.gz").is_file()
    assert (datadir / "bundle_extracted" / "folder" / "a.txt").read_text() \
        == "A"
    assert leftovers(datadir) == []

    # A name without an extension names the folder.
    path = get_file("bundle", origin=origin, extract=True,
                    cache_dir=cache / "two")
    datadir = cache / "two" / "datasets"
    assert path == str(datadir / "bundle")
    assert (datadir / "bundle_archive").is_file()
    assert (datadir / "bundle" / "b.txt").read_text() == "B"

    # No name: the origin's file name names the folder.
    path = get_file(origin=origin, extract=True, cache_dir=cache / "three")
    datadir = cache / "three" / "datasets"
    assert path == str(datadir / "bundle.tar.gz")
    assert (datadir / "bundle.tar.gz_archive").is_file()
    assert (datadir / "bundle.tar.gz" / "folder" / "a.txt").is_file()


def test_untar_and_extract_once(tmp_path, cache):
    archive = tmp_path / "t.tar.gz"
    make_tar(archive, {"x.txt": b"x"})
    path = get_file("t", origin=archive.as_uri(), untar=True, cache_dir=cache)
    marker = os.path.join(path, "marker")
    open(marker, "w").close()
    # The folder exists: nothing is extracted again...
    get_file("t", origin=archive.as_uri(), untar=True, cache_dir=cache)
    assert os.path.exists(marker)
    # ...unless the archive was downloaded again.
    get_file("t", origin=archive.as_uri(), untar=True, cache_dir=cache,
             force_download=True)
    assert not os.path.exists(marker)
    assert os.path.exists(os.path.join(path, "x.txt"))


def test_extract_skips_paths_outside_the_folder(tmp_path, cache):
    archive = tmp_path / "evil.tar.gz"
    make_tar(archive, {"../escaped.txt": b"!", "ok.txt": b"ok"})
    with pytest.warns(UserWarning, match="escaped.txt"):
        path = get_file("evil", origin=archive.as_uri(), extract=True,
                        cache_dir=cache)
    assert os.path.exists(os.path.join(path, "ok.txt"))
    assert not (cache / "datasets" / "escaped.txt").exists()


def test_extract_unknown_format_warns(source, cache):
    with pytest.warns(UserWarning, match="Could not extract"):
        get_file("plain", origin=source[0], extract=True, cache_dir=cache)
    with pytest.warns(UserWarning, match="Could not extract"):
        get_file("plain", origin=source[0], extract=True, cache_dir=cache,
                 archive_format=None)


def test_unwritable_cache_falls_back_to_tmp(source, tmp_path):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the cache folder should be")
    subdir = f"lamina-test-{os.getpid()}-{id(blocker)}"
    fallback = os.path.join("/tmp", ".keras")
    existed = os.path.isdir(fallback)
    path = get_file("f.bin", origin=source[0], cache_dir=blocker,
                    cache_subdir=subdir)
    try:
        assert path == os.path.join(fallback, subdir, "f.bin")
        assert os.path.getsize(path) == len(CONTENT)
    finally:
        os.remove(path)
        os.rmdir(os.path.dirname(path))
        if not existed and not os.listdir(fallback):
            os.rmdir(fallback)


def test_hash_helpers(source):
    _, path = source
    assert hash_file(path) == SHA256
    assert hash_file(path, algorithm="md5") == MD5
    assert validate_file(path, SHA256) and validate_file(path, MD5)
    assert not validate_file(path, "0" * 64)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"origin": None}, "origin"),
        ({"fname": "a/b.bin"}, "Paths are no longer accepted"),
        ({"origin": "https://example.com/"}, "Can't parse the file name"),
        ({"hash_algorithm": "sha1", "file_hash": "0"}, "hash_algorithm"),
        ({"archive_format": "rar", "extract": True}, "archive_format"),
        ({"file_hash": 123}, "file_hash"),
    ],
)
def test_bad_arguments(cache, kwargs, match):
    kwargs = {"origin": "https://example.com/f.bin", **kwargs}
    with pytest.raises(ValueError, match=match):
        get_file(cache_dir=cache, **kwargs)


def test_cache_layout_matches_keras(tmp_path, keras_ref):
    archive = tmp_path / "bundle.tar.gz"
    make_tar(archive, {"a.txt": b"A"})
    origin = archive.as_uri()
    cases = [
        {"fname": "plain.bin"},
        {},
        {"fname": "bundle.tar.gz", "extract": True},
        {"fname": "bundle", "extract": True},
        {"extract": True},
        {"fname": "t", "untar": True, "cache_subdir": "models"},
    ]
    for i, kwargs in enumerate(cases):
        ours = tmp_path / f"ours{i}"
        theirs = tmp_path / f"keras{i}"
        # Keras falls back to /tmp/.keras when cache_dir does not exist yet.
        theirs.mkdir()
        got = get_file(origin=origin, cache_dir=ours, **kwargs)
        want = keras_ref.utils.get_file(origin=origin, cache_dir=theirs,
                                        **kwargs)
        assert os.path.relpath(got, ours) == os.path.relpath(want, theirs)
        assert sorted(os.listdir(os.path.dirname(got))) == sorted(
            os.listdir(os.path.dirname(want))
        )
