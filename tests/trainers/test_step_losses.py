"""`compute_loss`: the compiled loss plus the losses layers added during the
step (activity regularizers, `add_loss`) and the weights' penalties."""

import torch

import lamina
from lamina import layers


def test_compute_loss_adds_layer_losses_and_weight_penalties():
    lamina.utils.set_random_seed(3)
    model = lamina.Sequential([
        lamina.Input((4,)),
        layers.Dense(3, kernel_regularizer=lamina.regularizers.L2(0.1),
                     activity_regularizer=lamina.regularizers.L1(0.01)),
    ])
    model.compile("sgd", "mse")
    x, y = torch.randn(8, 4), torch.randn(8, 3)
    y_pred = model(x, training=True)
    dense = model.layers[0]
    expected = (torch.mean((y - y_pred) ** 2)
                + 0.01 * y_pred.abs().sum() / 8
                + 0.1 * (dense.kernel ** 2).sum())
    first = model.compute_loss(x, y, y_pred)
    torch.testing.assert_close(first, expected)
    # Reading the step's losses leaves them as they were: a second call
    # adds each once again, not twice.
    assert torch.equal(model.compute_loss(x, y, y_pred), first)


def test_compute_loss_without_added_losses_is_the_compiled_loss():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(3)])
    model.compile("sgd", "mse")
    x, y = torch.randn(8, 4), torch.randn(8, 3)
    y_pred = model(x, training=True)
    torch.testing.assert_close(model.compute_loss(x, y, y_pred),
                               torch.mean((y - y_pred) ** 2))
