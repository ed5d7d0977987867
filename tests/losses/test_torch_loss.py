"""torch loss modules as Keras losses: `wrap_torch_loss` and `get`."""

import numpy as np
import pytest
import torch

from lamina import losses


def _close(actual, expected):
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


def test_arguments_are_swapped_to_torch_order():
    calls = []

    class Recorder(torch.nn.modules.loss._Loss):
        def forward(self, input, target):
            calls.append((input, target))
            return (input - target).sum()

    y_true, y_pred = torch.zeros(2, 3), torch.ones(2, 3)
    loss = losses.wrap_torch_loss(Recorder())
    assert float(loss(y_true, y_pred)) == 6.0
    assert calls[0][0] is y_pred
    assert "module(y_pred, y_true)" in losses.wrap_torch_loss.__doc__


def test_cross_entropy_takes_keras_style_labels():
    logits = torch.randn(6, 4)
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    expected = torch.nn.functional.cross_entropy(logits, labels)
    loss = losses.get(torch.nn.CrossEntropyLoss)
    for y_true in (labels, labels[:, None], labels.float(),
                   labels.numpy(), labels[:, None].float().numpy()):
        _close(loss(y_true, logits), expected)
    # Same value as Keras's sparse crossentropy on logits.
    _close(loss(labels, logits),
           losses.SparseCategoricalCrossentropy(from_logits=True)(labels,
                                                                  logits))
    # Probability targets keep their shape and dtype.
    soft = torch.softmax(torch.randn(6, 4), dim=-1)
    _close(loss(soft, logits),
           torch.nn.functional.cross_entropy(logits, soft))


def test_elementwise_losses_align_ranks_and_dtypes():
    y_pred = torch.randn(5, 1)
    y_true = torch.randint(0, 2, (5,))
    bce = losses.get(torch.nn.BCEWithLogitsLoss())
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        y_pred, y_true.float()[:, None])
    _close(bce(y_true, y_pred), expected)
    _close(bce(y_true, y_pred),
           losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred))
    mse = losses.get(torch.nn.MSELoss())
    _close(mse(np.arange(5.0), y_pred),
           losses.MeanSquaredError()(np.arange(5.0), y_pred))


def test_unreduced_module_works_inside_a_keras_loss():
    # As a trainer does with a function: wrap it to get sample weights.
    logits = torch.randn(4, 3)
    labels = torch.tensor([2, 0, 1, 2])
    weight = torch.tensor([1.0, 0.0, 2.0, 0.5])
    torch_loss = losses.get(torch.nn.CrossEntropyLoss(reduction="none"))
    wrapped = losses.LossFunctionWrapper(torch_loss)
    expected = losses.SparseCategoricalCrossentropy(from_logits=True)(
        labels, logits, sample_weight=weight)
    _close(wrapped(labels, logits, sample_weight=weight), expected)


def test_gradients_flow_through_the_adapter():
    y_pred = torch.randn(3, 2, requires_grad=True)
    losses.get(torch.nn.HuberLoss(delta=0.5))(torch.zeros(3, 2),
                                              y_pred).backward()
    assert y_pred.grad is not None and torch.isfinite(y_pred.grad).all()


def test_adapter_metadata_and_bad_input():
    module = torch.nn.NLLLoss()
    fn = losses.wrap_torch_loss(module)
    assert fn.module is module
    assert fn.__name__ == "nll_loss"
    assert isinstance(losses.get(torch.nn.L1Loss).module, torch.nn.L1Loss)
    with pytest.raises(ValueError, match="Expected a torch.nn loss module"):
        losses.wrap_torch_loss("mse")
