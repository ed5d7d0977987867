"""jit_compile=True: the whole train step (forward, loss, gradients,
optimizer update) in one torch.compile graph, kept across steps, epochs
and fit calls, with an eager fallback when compilation fails."""

import warnings

import numpy as np
import pytest
import torch
from torch._dynamo.utils import counters

import lamina
from lamina import layers
from lamina.trainers import compiled_step

RNG = np.random.default_rng(0)
X = RNG.random((96, 8)).astype("float32")
Y = (X[:, 0] > 0.5).astype("int64")


def _pair(optimizer="rmsprop", metrics=("accuracy",)):
    def build():
        model = lamina.Sequential([lamina.Input((8,)),
                                   layers.Dense(16, activation="relu"),
                                   layers.Dense(2)])
        model.compile(optimizer,
                      lamina.losses.SparseCategoricalCrossentropy(
                          from_logits=True),
                      metrics=list(metrics) or None)
        return model

    eager, compiled = build(), build()
    compiled.set_weights(eager.get_weights())
    compiled.compile(optimizer, eager.loss, metrics=list(metrics) or None,
                     jit_compile=True)
    return eager, compiled


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_whole_step_matches_eager_in_one_graph(optimizer):
    torch._dynamo.reset()
    counters.clear()
    eager, compiled = _pair(optimizer)
    kwargs = dict(epochs=2, batch_size=32, shuffle=False, verbose=0)
    expected = eager.fit(X, Y, **kwargs).history
    got = compiled.fit(X, Y, **kwargs).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # No graph breaks: forward, loss, gradients and the update are one
    # graph, traced at most twice while the layers' caches settle, then
    # reused by every step.
    assert not counters["graph_break"], dict(counters["graph_break"])
    assert 1 <= counters["stats"]["unique_graphs"] <= 2
    step = compiled.__dict__["_compiled_train_step"]
    assert step.failed is None
    assert compiled_step.updates_in_graph(compiled.optimizer)
    assert int(compiled.optimizer.iterations) == 6


def test_graph_is_reused_across_fit_calls():
    torch._dynamo.reset()
    counters.clear()
    _, model = _pair("sgd", metrics=())
    model.fit(X, Y, batch_size=32, epochs=2, verbose=0)
    step = model.__dict__["_compiled_train_step"]
    traced = counters["stats"]["unique_graphs"]
    model.fit(X, Y, batch_size=32, epochs=2, verbose=0)
    assert model.__dict__["_compiled_train_step"] is step
    assert counters["stats"]["unique_graphs"] == traced
    assert step.failed is None
    model.compile("sgd", model.loss, jit_compile=True)
    assert "_compiled_train_step" not in model.__dict__


@pytest.mark.parametrize("policy", [None, "mixed_bfloat16"])
def test_a_second_fit_traces_nothing_new(policy):
    """The second `fit` reuses both graphs of the first (full batches and
    the shorter last one). Two guards once failed there: the key order of
    the model's `__dict__` (the step cache moved to its end) and the
    length of a module-level cache the trace had read."""
    torch._dynamo.reset()
    counters.clear()
    lamina.mixed_precision.set_global_policy(policy)
    try:
        model = lamina.Sequential([lamina.Input((8,)),
                                   layers.Dense(16, activation="relu"),
                                   layers.Dense(2),
                                   layers.Activation("softmax",
                                                     dtype="float32")])
    finally:
        lamina.mixed_precision.set_global_policy(None)
    model.compile("rmsprop", "sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=True)
    model.fit(X, Y, batch_size=24, epochs=1, verbose=0)
    traced = counters["stats"]["unique_graphs"]
    model.fit(X, Y, batch_size=24, epochs=1, verbose=0)
    assert counters["stats"]["unique_graphs"] == traced


def test_failed_compilation_warns_and_runs_eagerly(monkeypatch):
    def refuse(fn, **kwargs):
        def compiled(*args):
            raise torch._dynamo.exc.Unsupported("refused for the test")
        return compiled

    monkeypatch.setattr(compiled_step.torch, "compile", refuse)
    eager, compiled = _pair("sgd")
    kwargs = dict(epochs=1, batch_size=32, shuffle=False, verbose=0)
    with pytest.warns(UserWarning, match="could not be compiled.*refused"):
        got = compiled.fit(X, Y, **kwargs).history
    expected = eager.fit(X, Y, **kwargs).history
    np.testing.assert_allclose(got["loss"], expected["loss"], rtol=1e-6)
    assert compiled.__dict__["_compiled_train_step"].failed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled.fit(X, Y, **kwargs)  # warned once only


def test_a_compiled_call_failing_after_a_partial_run_counts_once(
        monkeypatch):
    """A step split by graph breaks can run its first graphs (the forward
    pass, the loss tracking) before a later part fails to compile; the
    eager rerun must not count that batch twice in the epoch's metrics."""
    def partly(fn, **kwargs):
        def compiled(x, y, sample_weight, trainable):
            # The part that ran (forward pass, loss tracked; no trainable
            # weights: no update), then the part that failed.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(x, y, sample_weight, [])
            raise torch._dynamo.exc.Unsupported("refused for the test")
        return compiled

    monkeypatch.setattr(compiled_step.torch, "compile", partly)
    eager, compiled = _pair("sgd")
    kwargs = dict(epochs=1, batch_size=32, shuffle=False, verbose=0)
    with pytest.warns(UserWarning, match="could not be compiled"):
        got = compiled.fit(X, Y, **kwargs).history
    expected = eager.fit(X, Y, **kwargs).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6)


def test_user_errors_are_raised_not_swallowed():
    _, model = _pair("sgd", metrics=())
    model.fit(X, Y, batch_size=32, epochs=1, verbose=0)
    with pytest.raises(Exception, match="8|shape|size"):
        model.fit(X[:, :5], Y, batch_size=32, epochs=1, verbose=0)
    assert model.__dict__["_compiled_train_step"].failed is None


def test_mixed_precision_compiled_step_matches_eager():
    lamina.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        eager, compiled = _pair("adam", metrics=())
    finally:
        lamina.mixed_precision.set_global_policy(None)
    kwargs = dict(epochs=1, batch_size=32, shuffle=False, verbose=0)
    expected = eager.fit(X, Y, **kwargs).history["loss"]
    got = compiled.fit(X, Y, **kwargs).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=2e-2)
    assert all(w.dtype == torch.float32 for w in compiled.weights)


def test_added_losses_match_eager():
    """Regularization losses (weight penalties, activity regularizers)
    enter the compiled loss. (A layer that adds losses in `call` makes the
    graph retrace: its loss list is reset by a per-call counter.)"""
    def build(jit):
        lamina.utils.set_random_seed(3)
        model = lamina.Sequential([
            lamina.Input((8,)),
            layers.Dense(16, activation="relu", kernel_regularizer="l2",
                         activity_regularizer="l1"),
            layers.Dense(2)])
        model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(
            from_logits=True), jit_compile=jit)
        return model

    eager, compiled = build(False), build(True)
    compiled.set_weights(eager.get_weights())
    kwargs = dict(epochs=1, batch_size=32, shuffle=False, verbose=0)
    compiled.fit(X, Y, **kwargs)
    eager.fit(X, Y, **kwargs)
    for _ in range(2):
        got = compiled.fit(X, Y, **kwargs).history["loss"]
        expected = eager.fit(X, Y, **kwargs).history["loss"]
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_eager_model_between_steps_causes_no_retrace():
    """Another model's eager calls between compiled steps leave the
    compiled graph's guards intact (the call counter is bumped outside
    the graph)."""
    _, compiled = _pair("sgd", metrics=())
    other, _ = _pair("sgd", metrics=())
    kwargs = dict(epochs=1, batch_size=32, verbose=0)
    compiled.fit(X, Y, **kwargs)
    torch._dynamo.reset()
    counters.clear()
    for _ in range(3):
        compiled.fit(X, Y, **kwargs)
        other.fit(X, Y, **kwargs)
        other.predict(X, verbose=0)
    assert counters["stats"]["unique_graphs"] == 1
