"""Every shortcut (Sequential's direct layer calls, predict's direct model
calls) gives what the slow path gives, and steps aside whenever torch would
run a hook or a layer changed after the shortcut was planned."""

import numpy as np
import pytest
import torch
from torch.nn.modules import module as torch_module

import lamina
from lamina import layers


def _stack(activity_regularizer=None):
    torch.manual_seed(0)
    return lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(8, activation="relu",
                     activity_regularizer=activity_regularizer),
        layers.BatchNormalization(),
        layers.Dense(3),
    ])


def _warm(model, x):
    """Two calls: the first validates the shape, the second takes the
    shortcut."""
    model(x)
    return model(x)


def _slow_outputs(model, x, training=False):
    """The layers called one by one through `Layer.__call__`."""
    out = x
    for layer in model.layers:
        out = layer(out, training=training)
    return out


# -- the shortcut gives what the slow path gives ------------------------------

@pytest.mark.parametrize("training", [False, True])
def test_sequential_shortcut_equals_slow_path(training):
    model = _stack()
    x = torch.randn(16, 4)
    _warm(model, x)
    slow_model = _stack()
    slow_model.set_weights(model.get_weights())
    fast = model(x, training=training)
    slow = _slow_outputs(slow_model, x, training=training)
    torch.testing.assert_close(fast, slow)
    # Batch statistics moved the same way in training.
    for a, b in zip(model.get_weights(), slow_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_predict_shortcut_equals_per_batch_calls():
    model = _stack()
    x = np.random.RandomState(0).randn(100, 4).astype("float32")
    predicted = model.predict(x, batch_size=32, verbose=0)
    expected = np.concatenate([
        model(torch.from_numpy(x[i:i + 32]),
              training=False).detach().cpu().numpy()
        for i in range(0, 100, 32)
    ])
    np.testing.assert_allclose(predicted, expected, rtol=1e-6, atol=1e-6)


def test_predict_shortcut_equals_the_callback_path():
    """A batch-level callback forces the full `predict_step` per batch."""
    model = _stack()
    x = np.random.RandomState(1).randn(70, 4).astype("float32")

    class Listener(lamina.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            pass

    quick = model.predict(x, batch_size=16, verbose=0)
    full = model.predict(x, batch_size=16, verbose=0, callbacks=[Listener()])
    np.testing.assert_allclose(quick, full, rtol=1e-6, atol=1e-6)


def test_predict_shortcut_on_a_functional_model():
    inputs = lamina.Input((4,))
    hidden = layers.Dense(5, activation="tanh")(inputs)
    model = lamina.Model(inputs, layers.Dense(2)(hidden) + hidden[:, :2])
    x = np.random.RandomState(2).randn(50, 4).astype("float32")
    predicted = model.predict(x, batch_size=8, verbose=0)
    expected = model(torch.from_numpy(x),
                     training=False).detach().cpu().numpy()
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)


# -- hooks: torch's full condition ---------------------------------------------

def test_backward_hook_on_inner_layer_runs_after_the_shortcut_was_taken():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    seen = []
    handle = model.layers[0].register_full_backward_hook(
        lambda module, grad_in, grad_out: seen.append(grad_out[0].shape))
    model(x.requires_grad_(), training=True).sum().backward()
    handle.remove()
    assert seen == [torch.Size([8, 8])]


def test_backward_pre_hook_on_inner_layer_runs():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    seen = []
    handle = model.layers[2].register_full_backward_pre_hook(
        lambda module, grad_out: seen.append(grad_out[0].shape))
    model(x).sum().backward()
    handle.remove()
    assert seen == [torch.Size([8, 3])]


def test_global_backward_hook_runs_for_every_layer():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    seen = []
    handle = torch_module.register_module_full_backward_hook(
        lambda module, grad_in, grad_out: seen.append(type(module).__name__))
    try:
        model(x.requires_grad_()).sum().backward()
    finally:
        handle.remove()
    for name in ("Dense", "BatchNormalization"):
        assert name in seen


def test_forward_hooks_on_inner_layer_run_in_predict():
    model = _stack()
    x = np.random.RandomState(3).randn(40, 4).astype("float32")
    model.predict(x, batch_size=10, verbose=0)
    calls = []
    handle = model.layers[1].register_forward_hook(
        lambda module, args, output: calls.append(output.shape[0]))
    model.predict(x, batch_size=10, verbose=0)
    handle.remove()
    assert calls == [10, 10, 10, 10]
    # Removing the hook gives the shortcut back, with the same numbers.
    again = model.predict(x, batch_size=10, verbose=0)
    assert calls == [10, 10, 10, 10]
    np.testing.assert_allclose(
        again, model(torch.from_numpy(x)).detach().cpu().numpy(), rtol=1e-6,
        atol=1e-6)


def test_hooks_on_the_model_run_for_every_predict_batch():
    model = _stack()
    x = np.random.RandomState(4).randn(30, 4).astype("float32")
    model.predict(x, batch_size=10, verbose=0)
    calls = []
    handle = model.register_forward_pre_hook(
        lambda module, args: calls.append(args[0].shape[0]))
    model.predict(x, batch_size=10, verbose=0)
    handle.remove()
    assert calls == [10, 10, 10]


def test_global_forward_hook_runs_in_predict():
    model = _stack()
    x = np.random.RandomState(5).randn(20, 4).astype("float32")
    model.predict(x, batch_size=10, verbose=0)
    names = []
    handle = torch_module.register_module_forward_hook(
        lambda module, args, output: names.append(type(module).__name__))
    try:
        model.predict(x, batch_size=10, verbose=0)
    finally:
        handle.remove()
    assert names.count("Dense") == 4


# -- changes after the first call --------------------------------------------

def test_activity_regularizer_set_after_the_first_call_is_applied():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    assert model.losses == []
    model.layers[0].activity_regularizer = lamina.regularizers.L2(0.1)
    out = model(x)
    assert len(model.losses) == 1
    hidden = torch.relu(x @ model.layers[0].kernel + model.layers[0].bias)
    expected = 0.1 * (hidden ** 2).sum() / 8
    torch.testing.assert_close(model.losses[0], expected)
    torch.testing.assert_close(out, _slow_outputs(model, x))


def test_replacing_a_layers_call_after_the_first_call_is_seen():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    last = model.layers[-1]
    original = last.call
    last.call = lambda inputs: original(inputs) * 0.0
    torch.testing.assert_close(model(x), torch.zeros(8, 3))


def test_layers_added_after_the_first_call_are_run():
    model = _stack()
    x = torch.randn(8, 4)
    _warm(model, x)
    model.add(layers.Activation("sigmoid"))
    out = _warm(model, x).detach()
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
