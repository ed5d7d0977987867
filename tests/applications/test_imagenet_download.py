"""`weights="imagenet"` end to end over HTTP: Keras's published URL layout
and md5 table (monkeypatched to a server on the loopback interface, since
the test never reaches the network), `get_file` into the Keras cache, the
weights loaded by layer name, and a corrupt download refused and removed."""

import functools
import hashlib
import http.server
import json
import threading

import numpy as np
import pytest

from lamina.applications import imagenet_utils
from lamina.applications import mobilenet_v3
from applications.reference_models import (assert_same_predictions,
                                            randomize_batch_norms,
                                            write_legacy_h5)

KWARGS = {"minimalistic": True, "include_top": False,
          "input_shape": (224, 224, 3)}
KEY = "small_minimalistic_224_1.0_float"
FNAME = f"weights_mobilenet_v3_{KEY}_no_top_v2.h5"
URL_PATH = "/tensorflow/keras-applications/mobilenet_v3/"


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 (a free port) over
    `tmp_path/served`, recording the paths it was asked for."""
    root = tmp_path / "served"
    (root / URL_PATH.strip("/")).mkdir(parents=True)
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,),
                              daemon=True)
    thread.start()
    try:
        yield {"root": root, "requests": requests,
               "url": f"http://127.0.0.1:{httpd.server_address[1]}"}
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _served_file(server):
    return server["root"] / URL_PATH.strip("/") / FNAME


def _point_at(server, monkeypatch, digest):
    """Points Lamina's MobileNetV3 weight table at the server, with
    `digest` standing in for Keras's published md5 of the file."""
    monkeypatch.setattr(mobilenet_v3, "WEIGHTS_BASE", server["url"] + URL_PATH)
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, KEY,
                        (mobilenet_v3.WEIGHTS_HASHES[KEY][0], digest))


def test_imagenet_weights_download_over_http_into_the_keras_cache(
        keras_ref, server, keras_home, monkeypatch, capsys):
    theirs = keras_ref.applications.MobileNetV3Small(weights=None, **KWARGS)
    randomize_batch_norms(theirs, seed=5)
    served = _served_file(server)
    write_legacy_h5(theirs, served)
    digest = hashlib.md5(served.read_bytes()).hexdigest()
    _point_at(server, monkeypatch, digest)

    ours = mobilenet_v3.MobileNetV3Small(weights="imagenet", **KWARGS)
    assert server["requests"] == [URL_PATH + FNAME]
    assert f"Downloading data from {server['url']}{URL_PATH}{FNAME}" in (
        capsys.readouterr().out)
    cached = keras_home / "models" / FNAME
    assert cached.read_bytes() == served.read_bytes()
    x = np.random.default_rng(6).uniform(0, 255, (2, 224, 224, 3))
    assert_same_predictions(ours, theirs, x.astype("float32"), atol=1e-4)

    # A second build reads the cache: no new request.
    again = mobilenet_v3.MobileNetV3Small(weights="imagenet", **KWARGS)
    assert server["requests"] == [URL_PATH + FNAME]
    for a, b in zip(again.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_corrupt_download_is_removed_with_a_clear_error(
        server, keras_home, monkeypatch):
    served = _served_file(server)
    _point_at(server, monkeypatch, "0" * 32)
    served.write_bytes(b"a truncated or tampered file")
    with pytest.raises(ValueError) as info:
        mobilenet_v3.MobileNetV3Small(weights="imagenet", **KWARGS)
    message = str(info.value)
    assert "Incomplete or corrupted file" in message
    assert f"{server['url']}{URL_PATH}{FNAME}" in message
    assert "0" * 32 in message   # the expected digest
    assert hashlib.md5(served.read_bytes()).hexdigest() in message
    assert server["requests"] == [URL_PATH + FNAME]
    models = keras_home / "models"
    assert not (models / FNAME).exists()
    assert list(models.iterdir()) == []   # no partial file left behind


def test_missing_file_names_the_url(server, keras_home, monkeypatch):
    _point_at(server, monkeypatch, "0" * 32)   # nothing served
    with pytest.raises(Exception, match=f"URL fetch failure on "
                                        f"{server['url']}{URL_PATH}{FNAME}"):
        mobilenet_v3.MobileNetV3Small(weights="imagenet", **KWARGS)
    assert not (keras_home / "models" / FNAME).exists()


def test_class_index_over_http(server, keras_home, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    served = server["root"] / "imagenet_class_index.json"
    served.write_text(json.dumps(index))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                        server["url"] + "/imagenet_class_index.json")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH",
                        hashlib.md5(served.read_bytes()).hexdigest())
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    preds = np.zeros((1, 1000), "float32")
    preds[0, 417] = 1.0
    decoded = imagenet_utils.decode_predictions(preds, top=1)
    assert decoded[0][0][:2] == ("n00000417", "class_417")
    assert (keras_home / "models" / "imagenet_class_index.json").exists()
    assert server["requests"] == ["/imagenet_class_index.json"]
