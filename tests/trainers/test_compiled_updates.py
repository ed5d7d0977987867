"""jit_compile=True with the Adam family: the update (bias corrections as
0-d tensors of the step count) and seeded Dropout masks run inside the
compiled graph and give eager's weights; a second `fit` reuses the graph."""

import os

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
FIT = dict(epochs=2, batch_size=32, shuffle=False, verbose=0)


def _model(optimizer, jit_compile):
    model = lamina.Sequential([
        lamina.Input((8,)), layers.Dense(16, activation="relu"),
        layers.Dropout(0.3, seed=5), layers.Dense(2)])
    model.compile(lamina.optimizers.get(optimizer),
                  lamina.losses.SparseCategoricalCrossentropy(
                      from_logits=True), jit_compile=jit_compile)
    return model


def _check_against_eager(optimizer):
    torch._dynamo.reset()
    counters.clear()
    eager, compiled = _model(optimizer, False), _model(optimizer, True)
    compiled.set_weights(eager.get_weights())
    expected = eager.fit(X, Y, **FIT).history["loss"]
    got = compiled.fit(X, Y, **FIT).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    for a, b in zip(compiled.optimizer.variables, eager.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.detach()),
                                   np.asarray(b.detach()), atol=1e-6)
    assert compiled_step.updates_in_graph(compiled.optimizer)
    assert not counters["graph_break"], dict(counters["graph_break"])
    step = compiled.__dict__["_compiled_train_step"]
    assert step.failed is None
    # The same masks were drawn: the Dropout counters moved together.
    assert int(compiled.layers[1].seed_generator.mask_draws) == \
        int(eager.layers[1].seed_generator.mask_draws) == 6
    return compiled, eager


def test_adam_and_dropout_in_the_graph_match_eager_and_are_reused():
    compiled, eager = _check_against_eager("adam")
    traced = counters["stats"]["unique_graphs"]
    assert 1 <= traced <= 2
    # A second fit (new step counts, new masks) runs the same graph.
    eager.fit(X, Y, **FIT)
    compiled.fit(X, Y, **FIT)
    assert counters["stats"]["unique_graphs"] == traced
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert int(compiled.optimizer.iterations) == 12


@pytest.mark.skipif(not os.environ.get("LAMINA_SLOW_TESTS"),
                    reason="one compile each; run with LAMINA_SLOW_TESTS=1")
@pytest.mark.parametrize("optimizer", ["adamw", "adamax", "nadam", "lamb"])
def test_adam_family_in_the_graph_matches_eager(optimizer):
    _check_against_eager(optimizer)


def test_step_count_branches_keep_the_update_out_of_the_graph():
    assert compiled_step.updates_in_graph(lamina.optimizers.Adam())
    assert not compiled_step.updates_in_graph(
        lamina.optimizers.Adam(gradient_accumulation_steps=2))
    assert not compiled_step.updates_in_graph(
        lamina.optimizers.Nadam(use_ema=True))
    assert not compiled_step.updates_in_graph(
        lamina.optimizers.LossScaleOptimizer(lamina.optimizers.Adam()))


def test_steps_per_execution_runs_chunks_of_steps_as_one_graph(monkeypatch):
    monkeypatch.setattr(compiled_step, "MAX_GROUP", 2)
    # The graphs' structure is under test here, not Inductor's kernels
    # (above): AOT autograd without code generation keeps the test fast.
    real_compile = torch.compile
    monkeypatch.setattr(compiled_step.torch, "compile",
                        lambda fn: real_compile(fn, backend="aot_eager"))
    torch._dynamo.reset()
    counters.clear()
    eager = _model("adam", False)
    grouped = _model("adam", False)
    grouped.set_weights(eager.get_weights())
    grouped.compile(grouped.optimizer.__class__(), grouped.loss,
                    steps_per_execution=4, jit_compile=True)
    seen = []
    record = lamina.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    options = dict(epochs=2, batch_size=16, shuffle=False, verbose=0)
    expected = eager.fit(X, Y, **options).history["loss"]
    got = grouped.fit(X, Y, callbacks=[record], **options).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    for a, b in zip(grouped.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    # 6 batches an epoch: callbacks see each execution's last batch.
    assert seen == [3, 5, 3, 5]
    assert int(grouped.optimizer.iterations) == 12
    assert not counters["graph_break"], dict(counters["graph_break"])
    group = grouped.__dict__["_compiled_train group_step"]
    assert group.failed is None and group.warm
    # The single-step graph (for the leftover batches) and the 2-step one.
    assert counters["stats"]["unique_graphs"] <= 4


class _GraphBreak(layers.Layer):
    # (`training` declared: traced, Sequential passes it to every layer.)
    def call(self, inputs, training=None):
        torch._dynamo.graph_break()
        return inputs


def _aot_eager(monkeypatch):
    real_compile = torch.compile
    monkeypatch.setattr(compiled_step.torch, "compile",
                        lambda fn: real_compile(fn, backend="aot_eager"))
    torch._dynamo.reset()
    counters.clear()


def test_a_step_with_graph_breaks_runs_and_matches_eager(monkeypatch):
    """A graph break in the step makes the backward pass compile lazily:
    the trace-settings callbacks run then with frame evaluation on, and
    must not be traced themselves (they were, taking Dynamo's callback
    lock twice: a hang)."""
    _aot_eager(monkeypatch)

    def build(jit_compile):
        model = lamina.Sequential([
            lamina.Input((8,)), layers.Dense(16, activation="relu"),
            _GraphBreak(), layers.Dense(2)])
        model.compile("adam", lamina.losses.SparseCategoricalCrossentropy(
            from_logits=True), jit_compile=jit_compile)
        return model

    eager, compiled = build(False), build(True)
    compiled.set_weights(eager.get_weights())
    expected = eager.fit(X, Y, **FIT).history["loss"]
    got = compiled.fit(X, Y, **FIT).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert compiled.__dict__["_compiled_train_step"].failed is None
    assert counters["graph_break"]


def test_gaussian_noise_layers_keep_one_graph(monkeypatch):
    """Seeded GaussianNoise/GaussianDropout draw hashed normals when
    compiled (a torch.Generator argument would break the graph)."""
    _aot_eager(monkeypatch)
    model = lamina.Sequential([
        lamina.Input((8,)), layers.Dense(16, activation="relu"),
        layers.GaussianNoise(0.1, seed=3), layers.GaussianDropout(0.1, seed=4),
        layers.Dense(2)])
    model.compile("adam", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=True), jit_compile=True)
    losses = model.fit(X, Y, **FIT).history["loss"]
    assert np.all(np.isfinite(losses))
    assert not counters["graph_break"], dict(counters["graph_break"])
    assert int(model.layers[1].seed_generator.mask_draws) == 5  # 6 steps,
    # the first one eager
