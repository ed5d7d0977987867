"""RemoteMonitor against a loopback HTTP server, side by side with Keras's
(which posts through `requests`)."""

import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import lamina


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.posts.append({
            "path": self.path,
            "type": self.headers["Content-Type"],
            "token": self.headers.get("X-Token"),
            "body": self.rfile.read(length).decode("utf-8"),
        })
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    httpd.posts, httpd.status = [], 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.root = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def payload(post):
    if post["type"] == "application/json":
        return json.loads(post["body"])
    form = urllib.parse.parse_qs(post["body"])
    (field,) = form
    return field, json.loads(form[field][0])


def _fit(module, callback):
    model = module.Sequential([module.Input((2,)), module.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    model.set_weights([np.ones((2, 1), "float32"), np.zeros(1, "float32")])
    x = np.arange(8, dtype="float32").reshape(4, 2) / 8
    y = np.ones((4, 1), "float32")
    return model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                     shuffle=False, callbacks=[callback])


@pytest.mark.parametrize("send_as_json", [False, True])
def test_posts_every_epoch_as_keras_does(server, send_as_json):
    history = _fit(lamina, lamina.callbacks.RemoteMonitor(
        root=server.root, path="/epochs", field="logs",
        headers={"X-Token": "abc"}, send_as_json=send_as_json))
    assert [p["path"] for p in server.posts] == ["/epochs", "/epochs"]
    assert all(p["token"] == "abc" for p in server.posts)
    for epoch, post in enumerate(server.posts):
        if send_as_json:
            assert post["type"] == "application/json"
            sent = payload(post)
        else:
            assert post["type"] == "application/x-www-form-urlencoded"
            field, sent = payload(post)
            assert field == "logs"
        assert sent["epoch"] == epoch
        for key, values in history.history.items():
            assert sent[key] == pytest.approx(values[epoch], rel=1e-6)
        assert sorted(sent) == sorted(["epoch", *history.history])

    # Keras 3, through `requests`, sends the same fields the same way.
    keras = pytest.importorskip("keras")
    pytest.importorskip("requests")
    lamina_posts, server.posts = server.posts, []
    _fit(keras, keras.callbacks.RemoteMonitor(
        root=server.root, path="/epochs", field="logs",
        headers={"X-Token": "abc"}, send_as_json=send_as_json))
    assert [p["type"] for p in server.posts] == [
        p["type"] for p in lamina_posts]
    for ours, theirs in zip(lamina_posts, server.posts):
        ours, theirs = payload(ours), payload(theirs)
        if not send_as_json:
            assert ours[0] == theirs[0]
            ours, theirs = ours[1], theirs[1]
        assert sorted(ours) == sorted(theirs)
        for key in ours:
            assert ours[key] == pytest.approx(theirs[key], rel=1e-5)


def test_numpy_values_are_sent_as_numbers(server):
    monitor = lamina.callbacks.RemoteMonitor(root=server.root,
                                             send_as_json=True)
    monitor.on_epoch_end(3, {"loss": np.float32(0.5),
                             "lr": np.array(0.25), "note": "ok"})
    (post,) = server.posts
    assert post["path"] == "/publish/epoch/end/"
    assert payload(post) == {"epoch": 3, "loss": 0.5, "lr": 0.25,
                             "note": "ok"}


def test_unreachable_server_warns(server):
    closed = server.root
    server.shutdown()
    server.server_close()
    monitor = lamina.callbacks.RemoteMonitor(root=closed)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        monitor.on_epoch_end(0, {"loss": 1.0})


def test_an_error_status_still_counts_as_reached(server, recwarn):
    server.status = 500
    lamina.callbacks.RemoteMonitor(root=server.root).on_epoch_end(
        0, {"loss": 1.0})
    assert len(server.posts) == 1
    assert not [w for w in recwarn if "RemoteMonitor" in str(w.message)]


def test_only_rank_zero_posts_under_torchrun(monkeypatch):
    """The epoch logs are global on every rank: one post per job."""
    from lamina.callbacks import callback_list

    monitor = lamina.callbacks.RemoteMonitor()
    monkeypatch.setattr(callback_list, "is_rank_zero", lambda: False)
    assert monitor not in callback_list.CallbackList([monitor]).callbacks
    monkeypatch.setattr(callback_list, "is_rank_zero", lambda: True)
    assert monitor in callback_list.CallbackList([monitor]).callbacks
