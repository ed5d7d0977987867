"""The train step's shortcut: a Sequential model's batches go straight to
the layers' direct calls once the full `__call__` has checked their
feature shape; the results are bitwise those of the full path."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers


class AddsLoss(layers.Layer):
    """Adds a loss from `call`, as custom layers do."""

    def call(self, inputs):
        self.add_loss(0.01 * inputs.abs().mean())
        return inputs


def make_model():
    lamina.utils.set_random_seed(7)
    model = lamina.Sequential([
        lamina.Input((6,)), layers.Dense(8, activation="relu"),
        layers.Dropout(0.3, seed=1), AddsLoss(), layers.Dense(3),
    ])
    model.compile(lamina.optimizers.Adam(0.01),
                  lamina.losses.SparseCategoricalCrossentropy(
                      from_logits=True), metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.random((96, 6), dtype=np.float32), rng.integers(0, 3, 96)


def spy_direct_calls(model, monkeypatch):
    calls = []
    original = type(model)._call_directly

    def spy(self, *args):
        calls.append(args[1].shape)
        return original(self, *args)

    monkeypatch.setattr(type(model), "_call_directly", spy)
    return calls


def test_shortcut_matches_the_full_call_bitwise(monkeypatch):
    x, y = data()
    short, full = make_model(), make_model()
    calls = spy_direct_calls(short, monkeypatch)
    # A forward hook (that changes nothing) keeps `full` on the full path.
    full.register_forward_hook(lambda module, args, output: None)
    history_short = short.fit(x, y, batch_size=16, epochs=2, verbose=0,
                              shuffle=False).history
    direct = len(calls)
    history_full = full.fit(x, y, batch_size=16, epochs=2, verbose=0,
                            shuffle=False).history
    assert direct > 0 and len(calls) == direct  # `full` never took it
    assert history_short == history_full
    for a, b in zip(short.get_weights(), full.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The layer's loss is the last step's, as after a full call.
    assert len(short.losses) == 1


def test_a_new_feature_shape_goes_through_the_full_call():
    x, y = data()
    model = make_model()
    model.fit(x, y, batch_size=16, verbose=0)
    # The full call checks the input spec (a clear error), where the
    # direct calls would fail inside the matmul.
    with pytest.raises(ValueError, match="incompatible"):
        model.train_on_batch(np.zeros((4, 5), np.float32), np.zeros(4))


def test_inputs_needing_the_full_call_take_it(monkeypatch):
    x, y = data()
    model = make_model()
    model.fit(x, y, batch_size=16, verbose=0)
    calls = spy_direct_calls(model, monkeypatch)
    batch, labels = torch.from_numpy(x[:16]), torch.from_numpy(y[:16])
    model.train_step((batch, labels))  # (the plan may be new: full call)
    model.train_step((batch, labels))
    assert len(calls) == 1
    # float64 inputs are cast by `__call__`; a masked batch carries a mask.
    model.train_step((batch.double(), labels))
    masked = batch.clone()
    masked._keras_mask = torch.ones(16, dtype=torch.bool)
    model.train_step((masked, labels))
    assert len(calls) == 1
    # A model put in eval mode is switched back to training by the call.
    model.eval()
    model.train_step((batch, labels))
    assert model.training and len(calls) == 1
    # (A mode change is a layer change: a new plan, checked by a full call.)
    model.train_step((batch, labels))
    model.train_step((batch, labels))
    assert len(calls) == 2
