"""`get_file` never creates, changes or removes anything outside its target.

Every origin is served by a loopback HTTP server started here, and every
archive is built here: crafted names (`..`, `.`, absolute), links that point
out of the folder, and the symlink chain that grows past PATH_MAX so that a
non-strict `realpath` stops resolving halfway and reports an escaping link
as harmless. Each test snapshots the whole temporary tree (names, kinds,
bytes, link targets) outside the target and compares it afterwards.
"""

import hashlib
import http.server
import io
import os
import tarfile
import threading
import warnings
import zipfile

import pytest

from lamina.utils.file_utils import get_file


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        body = self.server.routes.get(self.path, self.server.default)
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A loopback server: `server.routes[path] = bytes`, `server.url(path)`."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes = {}
    httpd.default = None
    httpd.url = lambda path: f"http://127.0.0.1:{httpd.server_port}{path}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def snapshot(root, exclude=()):
    """{relative path: (kind, content)} for the tree under `root`."""
    exclude = {os.path.join(root, e) for e in exclude}
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in exclude]
        for name in dirs + files:
            path = os.path.join(folder, name)
            if path in exclude:
                continue
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                found[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                found[rel] = ("dir", None)
            else:
                with open(path, "rb") as f:
                    found[rel] = ("file", hashlib.sha256(f.read()).hexdigest())
    return found


@pytest.fixture
def world(tmp_path):
    """A cache with a file in it, and files beside and above the cache."""
    cache = tmp_path / "cache"
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "keep.bin").write_bytes(b"cached")
    (cache / "keras.json").write_text("{}")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    return tmp_path


def tar_bytes(entries):
    """A tar archive from `(name, kind, payload)`; kind file/dir/sym/hard."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, payload in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE,
                         "hard": tarfile.LNKTYPE}[kind]
            if kind == "dir":
                info.mode = 0o755
            else:
                info.linkname = payload
            tar.addfile(info)
    return buffer.getvalue()


OK_TAR = tar_bytes([("ok.txt", "file", b"ok")])


@pytest.mark.parametrize("path", ["/data/..", "/data/.", "/..", "/data/"])
def test_dot_names_from_the_url_are_refused(server, world, path):
    server.default = OK_TAR
    before = snapshot(world)
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin=server.url(path), extract=True,
                 cache_dir=world / "cache")
    assert snapshot(world) == before


@pytest.mark.parametrize("fname", ["..", ".", "../x", "a/..", "\0x"])
def test_dot_and_path_fnames_are_refused(server, world, fname):
    server.default = OK_TAR
    before = snapshot(world)
    with pytest.raises(ValueError, match="fname"):
        get_file(fname, origin=server.url("/ok.tar"), extract=True,
                 cache_dir=world / "cache")
    assert snapshot(world) == before


def test_extraction_replaces_only_its_own_folder(server, world):
    server.default = OK_TAR
    cache = world / "cache"
    # A link where the extraction folder goes: replaced, never followed.
    os.symlink(world / "outside", cache / "datasets" / "bundle")
    before = snapshot(world, exclude=["cache/datasets"])
    path = get_file("bundle", origin=server.url("/bundle.tar"), extract=True,
                    cache_dir=cache, force_download=True)
    assert path == str(cache / "datasets" / "bundle")
    assert not os.path.islink(path)
    assert (cache / "datasets" / "bundle" / "ok.txt").read_bytes() == b"ok"
    assert snapshot(world, exclude=["cache/datasets"]) == before
    assert sorted(os.listdir(cache / "datasets")) == [
        "bundle", "bundle_archive", "keep.bin"
    ]


def extract(server, world, archive, name="evil"):
    """Serves `archive`, extracts it; returns (folder, warning messages)."""
    server.routes[f"/{name}.tar"] = archive
    before = snapshot(world, exclude=["cache/datasets"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = get_file(name, origin=server.url(f"/{name}.tar"),
                        extract=True, cache_dir=world / "cache")
    assert snapshot(world, exclude=["cache/datasets"]) == before
    assert (world / "cache" / "datasets" / "keep.bin").read_bytes() == \
        b"cached"
    assert sorted(os.listdir(world / "cache" / "datasets")) == sorted(
        [name, f"{name}_archive", "keep.bin"]
    )
    return path, [str(w.message) for w in caught]


def test_members_with_escaping_paths_are_skipped(server, world):
    archive = tar_bytes([
        ("../../../outside/new.txt", "file", b"!"),
        ("/abs.txt", "file", b"!"),
        ("ok.txt", "file", b"ok"),
    ])
    path, messages = extract(server, world, archive)
    assert os.listdir(path) == ["ok.txt"]
    assert any("outside/new.txt" in m for m in messages)
    assert any("/abs.txt" in m for m in messages)


def test_links_pointing_outside_are_refused(server, world):
    archive = tar_bytes([
        ("up", "sym", "../../../outside"),
        ("abs", "sym", str(world / "outside")),
        ("hard", "hard", "../../../outside/secret.txt"),
        ("up/written.txt", "file", b"through the link"),
        ("ok.txt", "file", b"ok"),
        ("inner", "sym", "ok.txt"),
        ("inner_hard", "hard", "ok.txt"),
    ])
    path, messages = extract(server, world, archive)
    # The file member went into a folder of its own; the links were refused.
    assert os.path.isdir(os.path.join(path, "up"))
    assert not os.path.islink(os.path.join(path, "up"))
    assert not os.path.lexists(os.path.join(path, "abs"))
    assert not os.path.lexists(os.path.join(path, "hard"))
    # Links that stay inside are kept.
    assert os.readlink(os.path.join(path, "inner")) == "ok.txt"
    with open(os.path.join(path, "inner_hard"), "rb") as f:
        assert f.read() == b"ok"
    assert len([m for m in messages if "Skipping" in m]) == 3


def path_max_archive(depth_to_world):
    """The symlink chain that outgrows PATH_MAX (CVE-2025-4517's shape).

    `a/b/.../p` resolves to 16 nested 247-character folders (about 4,000
    characters), so resolving one more long component fails with
    ENAMETOOLONG; a non-strict `realpath` then carries on lexically, and
    `escape` looks like it stays inside although the kernel follows it out.
    """
    component = "d" * 247
    steps = "abcdefghijklmnop"
    entries, path = [], ""
    for step in steps:
        entries.append((os.path.join(path, component), "dir", None))
        entries.append((os.path.join(path, step), "sym", component))
        path = os.path.join(path, component)
    long_link = os.path.join(*steps, "l" * 254)
    entries.append((long_link, "sym", "../" * len(steps)))
    entries.append(
        ("escape", "sym",
         long_link + "/.." * depth_to_world + "/outside")
    )
    entries.append(("escape/pwned.txt", "file", b"pwned"))
    entries.append(("escape_hard", "hard", "escape/../outside/secret.txt"))
    return tar_bytes(entries)


def test_symlink_chain_past_path_max_cannot_escape(server, world):
    # The extraction folder is cache/datasets/<tmp>, three levels below
    # `world`: the kernel follows the long link back to that folder, then
    # climbs three levels, while a lexical reading only pops the chain.
    archive = path_max_archive(depth_to_world=3)
    path, messages = extract(server, world, archive)
    assert not (world / "outside" / "pwned.txt").exists()
    assert not os.path.islink(os.path.join(path, "escape"))
    assert any("'escape'" in m for m in messages)


def test_zip_members_with_escaping_paths_are_skipped(server, world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../../outside/new.txt", b"!")
        archive.writestr("/abs.txt", b"!")
        archive.writestr("ok.txt", b"ok")
    path, messages = extract(server, world, buffer.getvalue(), name="z")
    assert os.listdir(path) == ["ok.txt"]
    assert len(messages) == 2


def test_failed_download_names_url_reason_and_cache(server, world):
    before = snapshot(world)
    url = server.url("/missing.npz")
    with pytest.raises(OSError) as info:
        get_file("missing.npz", origin=url, cache_dir=world / "cache")
    message = str(info.value)
    assert f"URL fetch failure on {url}: 404 -- Not Found" in message
    assert "'missing.npz' is not in the cache folder " \
        f"{world / 'cache' / 'datasets'}" in message
    # No chained urllib traceback buries the message.
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert snapshot(world) == before


def test_unreachable_host_message(world):
    # A port nothing listens on: the connection is refused at once.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/mnist.npz"
    with pytest.raises(OSError, match="URL fetch failure on " + url) as info:
        get_file("mnist.npz", origin=url, cache_dir=world / "cache")
    assert "refused" in str(info.value).lower()
    assert "copy the file into that folder" in str(info.value)
