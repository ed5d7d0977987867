"""Sample weights, `_keras_mask` masks and reductions, against Keras 3."""

import numpy as np
import pytest
import torch

from lamina import losses

RNG = np.random.default_rng(11)
Y_TRUE = RNG.normal(size=(4, 5, 3)).astype("float32")
Y_PRED = RNG.normal(size=(4, 5, 3)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1],
                 [1, 0, 0, 0, 0]], dtype=bool)


def _masked(array, mask):
    tensor = torch.from_numpy(array.copy())
    tensor._keras_mask = torch.from_numpy(mask)
    return tensor


def _close(actual, expected):
    expected = np.asarray(expected.detach().cpu() if hasattr(expected, "detach")
                          else expected)
    actual = np.asarray(actual.detach().cpu())
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum",
                                       "mean_with_sample_weight", "none"])
def test_mask_on_y_pred_matches_keras(reduction, keras_ref):
    for weight in (None, RNG.uniform(0, 2, size=(4, 5)).astype("float32")):
        expected = keras_ref.losses.MeanSquaredError(reduction=reduction)(
            Y_TRUE, _masked(Y_PRED, MASK), sample_weight=weight)
        actual = losses.MeanSquaredError(reduction=reduction)(
            Y_TRUE, _masked(Y_PRED, MASK), sample_weight=weight)
        _close(actual, expected)


def test_mask_gives_the_mean_over_valid_steps():
    per_step = ((Y_TRUE - Y_PRED) ** 2).mean(-1)
    actual = losses.MeanSquaredError()(Y_TRUE, _masked(Y_PRED, MASK))
    _close(actual, per_step[MASK].mean())
    # An all-False mask gives 0, not NaN.
    empty = losses.MeanSquaredError()(Y_TRUE,
                                      _masked(Y_PRED, np.zeros_like(MASK)))
    assert float(empty) == 0.0


def test_mask_combines_with_ignore_class(keras_ref):
    y_true = RNG.integers(0, 3, size=(4, 5))
    logits = RNG.normal(size=(4, 5, 3)).astype("float32")
    kwargs = {"from_logits": True, "ignore_class": 1}
    expected = keras_ref.losses.SparseCategoricalCrossentropy(**kwargs)(
        y_true, _masked(logits, MASK))
    actual = losses.SparseCategoricalCrossentropy(**kwargs)(
        y_true, _masked(logits, MASK))
    _close(actual, expected)


@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_per_sample_weights_with_a_mask(shape):
    # Keras 3 multiplies these in place and fails; Lamina broadcasts them per
    # sample, which equals passing them per step.
    weight = RNG.uniform(0, 2, size=shape).astype("float32")
    per_step = np.broadcast_to(weight.reshape(4, 1), (4, 5))
    loss = losses.MeanSquaredError()
    _close(loss(Y_TRUE, _masked(Y_PRED, MASK), sample_weight=weight),
           loss(Y_TRUE, _masked(Y_PRED, MASK), sample_weight=per_step.copy()))


def test_batch_weights_broadcast_over_timesteps(keras_ref):
    # Keras 3 cannot apply (batch,) weights to (batch, time) losses; Lamina
    # treats them as Keras does (batch, 1) weights, as Keras 2 did.
    weight = RNG.uniform(0, 2, size=(4,)).astype("float32")
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight",
                      "none"):
        expected = keras_ref.losses.MeanAbsoluteError(reduction=reduction)(
            Y_TRUE, Y_PRED, sample_weight=weight[:, None])
        actual = losses.MeanAbsoluteError(reduction=reduction)(
            Y_TRUE, Y_PRED, sample_weight=weight)
        _close(actual, expected)
    # Even when batch == time, the weights follow the batch axis.
    square = RNG.normal(size=(5, 5, 2)).astype("float32")
    weight = np.arange(5, dtype="float32")
    values = losses.mean_absolute_error(square, np.zeros_like(square))
    _close(losses.MeanAbsoluteError(reduction="none")(
        square, np.zeros_like(square), sample_weight=weight),
        values * torch.from_numpy(weight)[:, None])


def test_sample_weight_semantics():
    y_true = np.zeros((4, 2), dtype="float32")
    y_pred = np.ones((4, 2), dtype="float32")
    weight = np.array([1.0, 0.0, 2.0, 1.0], dtype="float32")
    loss = losses.MeanSquaredError
    assert float(loss()(y_true, y_pred, sample_weight=weight)) == 1.0
    assert float(loss(reduction="sum")(y_true, y_pred,
                                        sample_weight=weight)) == 4.0
    assert float(loss(reduction="mean_with_sample_weight")(
        y_true, y_pred, sample_weight=weight)) == 1.0
    # Zero total weight: 0, not NaN.
    assert float(loss(reduction="mean_with_sample_weight")(
        y_true, y_pred, sample_weight=np.zeros(4))) == 0.0
    # A scalar weight scales the loss.
    assert float(loss()(y_true, y_pred, sample_weight=3.0)) == 3.0


def test_empty_batch(keras_ref):
    empty = np.zeros((0, 3), dtype="float32")
    for reduction in ("sum_over_batch_size", "sum", "none"):
        expected = keras_ref.losses.MeanSquaredError(reduction=reduction)(
            empty, empty)
        actual = losses.MeanSquaredError(reduction=reduction)(empty, empty)
        _close(actual, expected)


def test_sample_weight_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"sample_weight\.shape=\(3,\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 2)),
                                  sample_weight=np.ones(3))


def test_inputs_follow_y_pred_device_and_stay_on_it():
    y_pred = torch.zeros(2, 3, dtype=torch.float64)
    loss = losses.CategoricalCrossentropy(dtype="float64")
    out = loss(np.eye(3)[[0, 2]], y_pred, sample_weight=[1.0, 2.0])
    assert out.device == y_pred.device and out.dtype == torch.float64


def test_reduce_values_passes_scalars_and_empty_vectors_through():
    from lamina.losses import reduction

    scalar, empty = torch.tensor(2.0), torch.zeros(0)
    assert reduction.reduce_values(scalar) is scalar
    assert reduction.reduce_values(empty) is empty
    # An empty batch of rows sums to 0 rather than averaging to NaN.
    assert float(reduction.reduce_values(torch.zeros(0, 3))) == 0.0
    values = torch.tensor([1.0, 2.0])
    assert float(reduction.reduce_values(values, reduction="sum")) == 3.0
    assert reduction.reduce_values(values, reduction="none") is values
