"""`load_state_dict(assign=True)`: torch puts the given tensors in place of
the parameters; Lamina's weights keep their identity, so the Keras weight
lists, `get_weights`, saving and the optimizer see what the forward uses."""

import numpy as np
import torch

import lamina


def _model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([
        lamina.Input((6, 6, 3)),
        lamina.layers.Conv2D(4, 3, name="conv"),
        lamina.layers.Flatten(name="flat"),
        lamina.layers.Dense(2, name="dense")], name="net")
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    return model


def test_assigned_tensors_are_the_keras_weights():
    source = _model()
    state = {k: v.detach().clone() + 1 for k, v in
             source.state_dict().items()}
    model = _model()
    variables = model.weights
    model.load_state_dict(state, assign=True)
    assert [id(w) for w in model.weights] == [id(w) for w in variables]
    assert model.layers[0].kernel is variables[0]
    for got, key in zip(model.get_weights(), state):
        np.testing.assert_array_equal(got, state[key].cpu().numpy())
    # torch's assign: the weights share the given tensors' storage.
    assert variables[0].data_ptr() == state["conv.kernel"].data_ptr()


def test_training_after_an_assigning_load_moves_the_forward_weights():
    model = _model()
    model.load_state_dict({k: v.detach().clone() for k, v in
                           _model().state_dict().items()}, assign=True)
    x, y = torch.randn(4, 6, 6, 3), torch.randn(4, 2)
    before = model(x).detach()
    model.train_on_batch(x, y)
    assert not torch.allclose(model(x).detach(), before)
    np.testing.assert_array_equal(
        model.get_weights()[0],
        model.layers[0].kernel.detach().cpu().numpy())
