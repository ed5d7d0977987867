"""Parity of every loss function and class with Keras 3 (torch backend)."""

import numpy as np
import pytest
import torch

from lamina import losses

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight",
              "none", None]

# (class name, function name, input kind, y_pred shapes, kwargs variants).
# A variant may carry "_kind" to switch the input maker.
CASES = [
    ("MeanSquaredError", "mean_squared_error", "regression",
     [(5, 3), (4, 6, 3), (7,)], [{}]),
    ("MeanAbsoluteError", "mean_absolute_error", "regression",
     [(5, 3), (4, 6, 3)], [{}]),
    ("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
     "regression", [(5, 3), (4, 6, 3)], [{}]),
    ("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
     "positive", [(5, 3), (4, 6, 3)], [{}]),
    ("CosineSimilarity", "cosine_similarity", "regression",
     [(5, 3), (4, 6, 3)], [{}, {"axis": 1}]),
    ("Huber", "huber", "regression", [(5, 3), (4, 6, 3)],
     [{}, {"delta": 0.5}]),
    ("LogCosh", "log_cosh", "regression", [(5, 3), (4, 6, 3)], [{}]),
    ("KLDivergence", "kl_divergence", "distributions", [(5, 3), (4, 6, 3)],
     [{}]),
    ("Poisson", "poisson", "positive", [(5, 3), (4, 6, 3)], [{}]),
    ("Hinge", "hinge", "binary", [(5, 3), (4, 6, 3)],
     [{}, {"_kind": "signed_labels"}]),
    ("SquaredHinge", "squared_hinge", "binary", [(5, 3), (4, 6, 3)],
     [{}, {"_kind": "signed_labels"}]),
    ("CategoricalHinge", "categorical_hinge", "categorical",
     [(5, 3), (4, 6, 3)], [{}]),
    ("BinaryCrossentropy", "binary_crossentropy", "binary",
     [(5, 3), (4, 6, 3), (5, 1)],
     [{}, {"label_smoothing": 0.2}, {"axis": 0},
      {"from_logits": True, "_kind": "binary_logits"},
      {"from_logits": True, "label_smoothing": 0.1,
       "_kind": "binary_logits"}]),
    ("CategoricalCrossentropy", "categorical_crossentropy", "categorical",
     [(5, 3), (4, 6, 3)],
     [{}, {"label_smoothing": 0.1}, {"axis": 1},
      {"from_logits": True, "_kind": "categorical_logits"},
      {"from_logits": True, "label_smoothing": 0.3,
       "_kind": "categorical_logits"}]),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
     "sparse", [(5, 4), (3, 6, 4)],
     [{}, {"from_logits": True, "_kind": "sparse_logits"},
      {"ignore_class": 0}, {"ignore_class": 2, "from_logits": True,
                            "_kind": "sparse_logits"}]),
    ("BinaryFocalCrossentropy", "binary_focal_crossentropy", "binary",
     [(5, 3), (4, 6, 3)],
     [{}, {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
      {"label_smoothing": 0.1},
      {"from_logits": True, "_kind": "binary_logits"}]),
    ("CategoricalFocalCrossentropy", "categorical_focal_crossentropy",
     "categorical", [(5, 3), (4, 6, 3)],
     [{}, {"alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.1},
      {"from_logits": True, "_kind": "categorical_logits"}]),
    ("Dice", "dice", "masks", [(5, 3), (2, 4, 4, 1)],
     [{}, {"axis": -1}, {"axis": (1, 2)}]),
    ("Tversky", "tversky", "masks", [(5, 3), (2, 4, 4, 1)],
     [{}, {"alpha": 0.3, "beta": 0.7}, {"axis": -1}]),
    ("Circle", "circle", "embeddings", [(8, 4)],
     [{}, {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}]),
    ("CategoricalGeneralizedCrossEntropy",
     "categorical_generalized_cross_entropy", "sparse", [(5, 4), (3, 6, 4)],
     [{"q": 0.5}, {"q": 0.2}]),
    ("CTC", "ctc", "ctc_batch", [(3, 7, 5)], [{}]),
]

# Keyword arguments a class takes under another spelling, or not at all.
_NOT_CLASS_KWARGS = {"Dice": set(), "Tversky": set()}


def _variants(case):
    cls_name, fn_name, kind, shapes, variants = case
    for shape in shapes:
        for kwargs in variants:
            kwargs = dict(kwargs)
            this_kind = kwargs.pop("_kind", kind)
            if "axis" in kwargs and cls_name in ("Dice", "Tversky"):
                rank = len(shape)
                axes = kwargs["axis"]
                axes = axes if isinstance(axes, tuple) else (axes,)
                if any(a >= rank or a < -rank for a in axes):
                    continue
            yield shape, this_kind, kwargs


def _ids(case):
    return case[0]


def _numpy(x):
    return np.asarray(x.detach().cpu()) if isinstance(x, torch.Tensor) else (
        np.asarray(x))


def _kt(keras, x):
    return keras.ops.convert_to_tensor(x)


def _assert_close(actual, expected, keras):
    expected = keras.ops.convert_to_numpy(expected)
    actual = _numpy(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_function_matches_keras(case, keras_ref, make_inputs):
    fn = getattr(losses, case[1])
    keras_fn = getattr(keras_ref.losses, case[1])
    for i, (shape, kind, kwargs) in enumerate(_variants(case)):
        y_true, y_pred = make_inputs(kind, shape, seed=i)
        expected = keras_fn(_kt(keras_ref, y_true), _kt(keras_ref, y_pred),
                            **kwargs)
        # y_true as a tensor of its own dtype (int labels stay int).
        actual = fn(torch.from_numpy(y_true), torch.from_numpy(y_pred),
                    **kwargs)
        _assert_close(actual, expected, keras_ref)
        # Arrays are accepted as well.
        _assert_close(fn(y_true, y_pred, **kwargs), expected, keras_ref)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_class_matches_keras_for_each_reduction(case, keras_ref, make_inputs):
    cls = getattr(losses, case[0])
    keras_cls = getattr(keras_ref.losses, case[0])
    for i, (shape, kind, kwargs) in enumerate(_variants(case)):
        y_true, y_pred = make_inputs(kind, shape, seed=i)
        for reduction in REDUCTIONS:
            loss = cls(reduction=reduction, **kwargs)
            expected = keras_cls(reduction=reduction, **kwargs)(y_true, y_pred)
            _assert_close(loss(y_true, torch.from_numpy(y_pred)), expected,
                          keras_ref)


def _sample_weights(rng, values_shape):
    """Weight shapes Keras accepts against per-sample losses of this shape."""
    batch = values_shape[0] if values_shape else 3
    weights = [rng.uniform(0, 2, size=(batch,)),
               rng.uniform(0, 2, size=(batch, 1)),
               np.float32(0.5)]
    if len(values_shape) == 2:
        weights.append(rng.uniform(0, 2, size=values_shape))  # per timestep
        weights.append(rng.uniform(0, 2, size=values_shape + (1,)))
    return [w.astype("float32") for w in weights]


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_class_sample_weights_match_keras(case, keras_ref, make_inputs):
    cls = getattr(losses, case[0])
    keras_cls = getattr(keras_ref.losses, case[0])
    rng = np.random.default_rng(7)
    for i, (shape, kind, kwargs) in enumerate(_variants(case)):
        y_true, y_pred = make_inputs(kind, shape, seed=i)
        values = keras_cls(reduction="none", **kwargs)(y_true, y_pred)
        for weight in _sample_weights(rng, tuple(values.shape)):
            if len(values.shape) == 2 and weight.shape == values.shape[:1]:
                # Keras 3 cannot broadcast (batch,) against (batch, time);
                # covered in test_reduction.py.
                continue
            for reduction in ("sum_over_batch_size", "sum",
                              "mean_with_sample_weight", "none"):
                try:
                    expected = keras_cls(reduction=reduction, **kwargs)(
                        y_true, y_pred, sample_weight=weight)
                except RuntimeError:
                    # Keras 3 fails to broadcast some combinations (for a
                    # mask, it multiplies in place); see test_reduction.py.
                    continue
                actual = cls(reduction=reduction, **kwargs)(
                    torch.from_numpy(y_true), torch.from_numpy(y_pred),
                    sample_weight=torch.from_numpy(np.asarray(weight)))
                _assert_close(actual, expected, keras_ref)


@pytest.mark.parametrize("shapes", [((5,), (5, 1)), ((5, 1), (5,)),
                                    ((4, 6), (4, 6, 1))])
@pytest.mark.parametrize("name", ["MeanSquaredError", "BinaryCrossentropy",
                                  "Hinge", "Huber"])
def test_rank_mismatch_is_squeezed_like_keras(name, shapes, keras_ref):
    rng = np.random.default_rng(3)
    true_shape, pred_shape = shapes
    y_true = rng.integers(0, 2, size=true_shape).astype("float32")
    y_pred = rng.uniform(0.05, 0.95, size=pred_shape).astype("float32")
    expected = getattr(keras_ref.losses, name)(reduction="none")(y_true,
                                                                  y_pred)
    actual = getattr(losses, name)(reduction="none")(y_true,
                                                     torch.from_numpy(y_pred))
    _assert_close(actual, expected, keras_ref)


def test_sparse_categorical_crossentropy_options_match_keras(keras_ref):
    rng = np.random.default_rng(5)
    y_pred = rng.normal(size=(3, 6, 4)).astype("float32")
    # Class axis 1, labels in [0, 6).
    labels = rng.integers(0, 6, size=(3, 4))
    for from_logits in (False, True):
        probs = y_pred if from_logits else np.abs(y_pred)
        expected = keras_ref.losses.sparse_categorical_crossentropy(
            labels, probs, from_logits=from_logits, axis=1)
        actual = losses.sparse_categorical_crossentropy(
            torch.from_numpy(labels), torch.from_numpy(probs),
            from_logits=from_logits, axis=1)
        _assert_close(actual, expected, keras_ref)
    # Labels with a trailing axis of 1, and float labels.
    labels = rng.integers(0, 4, size=(3, 6, 1))
    expected = keras_ref.losses.SparseCategoricalCrossentropy(
        from_logits=True)(labels, y_pred)
    for y_true in (labels, labels.astype("float32")):
        actual = losses.SparseCategoricalCrossentropy(from_logits=True)(
            torch.from_numpy(y_true), torch.from_numpy(y_pred))
        _assert_close(actual, expected, keras_ref)


def test_ignore_class_masks_the_mean(keras_ref):
    y_true = np.array([[0, 1, 2, 2], [2, 2, 1, 0]])
    y_pred = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    for reduction in REDUCTIONS:
        kwargs = {"from_logits": True, "ignore_class": 2,
                  "reduction": reduction}
        expected = keras_ref.losses.SparseCategoricalCrossentropy(**kwargs)(
            y_true, y_pred)
        actual = losses.SparseCategoricalCrossentropy(**kwargs)(
            y_true, torch.from_numpy(y_pred))
        _assert_close(actual, expected, keras_ref)
    values = losses.sparse_categorical_crossentropy(
        y_true, torch.from_numpy(y_pred), from_logits=True, ignore_class=2)
    assert values._keras_mask.tolist() == (y_true != 2).tolist()
    assert (values[torch.from_numpy(y_true == 2)] == 0).all()


def test_probabilities_are_clipped_like_keras(keras_ref):
    # Saturated probabilities: Keras clips to [1e-7, 1 - 1e-7], no infs.
    y_true = np.array([[1.0, 0.0], [0.0, 1.0]], dtype="float32")
    y_pred = np.array([[0.0, 1.0], [1.0, 0.0]], dtype="float32")
    for name in ("binary_crossentropy", "categorical_crossentropy",
                 "binary_focal_crossentropy",
                 "categorical_focal_crossentropy"):
        expected = getattr(keras_ref.losses, name)(y_true, y_pred)
        actual = getattr(losses, name)(y_true, torch.from_numpy(y_pred))
        assert torch.isfinite(actual).all()
        _assert_close(actual, expected, keras_ref)


def test_integer_and_bool_labels_are_cast(keras_ref):
    y_pred = torch.tensor([[0.2, 0.7], [0.9, 0.4]])
    expected = keras_ref.losses.binary_crossentropy(
        np.array([[0.0, 1.0], [1.0, 0.0]], dtype="float32"), y_pred.numpy())
    for y_true in (torch.tensor([[0, 1], [1, 0]]),
                   torch.tensor([[False, True], [True, False]]),
                   np.array([[0, 1], [1, 0]], dtype="int8")):
        _assert_close(losses.binary_crossentropy(y_true, y_pred), expected,
                      keras_ref)
        assert losses.BinaryCrossentropy()(y_true, y_pred).dtype == (
            torch.float32)


def test_loss_computes_in_its_dtype():
    y_true = torch.ones(4, 2, dtype=torch.float64)
    y_pred = torch.zeros(4, 2, dtype=torch.float16)
    assert losses.MeanSquaredError()(y_true, y_pred).dtype == torch.float32
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    assert loss(y_true, y_pred).dtype == torch.float64
    assert losses.MeanSquaredError(dtype="mixed_bfloat16").dtype == "bfloat16"


def test_losses_are_differentiable():
    y_pred = torch.randn(4, 3, requires_grad=True)
    y_true = torch.tensor([0, 2, 1, 1])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True,
                                                ignore_class=1)
    loss(y_true, y_pred).backward()
    assert torch.isfinite(y_pred.grad).all()
    # Ignored rows get no gradient.
    assert (y_pred.grad[2:] == 0).all() and (y_pred.grad[:2] != 0).any()


def test_categorical_crossentropy_warns_on_single_class(keras_ref):
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_binary_crossentropy_under_autocast():
    y_true = torch.randint(0, 2, (4, 3))
    y_pred = torch.rand(4, 3)
    expected = losses.BinaryCrossentropy()(y_true, y_pred)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        actual = losses.BinaryCrossentropy()(y_true, y_pred)
    assert actual.dtype == torch.float32
    torch.testing.assert_close(actual, expected)


def test_custom_loss_receives_converted_structures():
    class PairLoss(losses.Loss):
        def call(self, y_true, y_pred):
            assert all(isinstance(v, torch.Tensor) for v in y_true.values())
            assert y_true["a"].dtype == torch.float32
            return (y_pred[0] - y_true["a"]).abs().sum(-1) + (
                y_pred[1] - y_true["b"]).abs().sum(-1)

    loss = PairLoss(reduction="sum")
    y_true = {"a": np.zeros((2, 3), dtype="int64"), "b": np.ones((2, 1))}
    y_pred = [torch.ones(2, 3), np.zeros((2, 1))]
    assert float(loss(y_true, y_pred)) == 8.0
