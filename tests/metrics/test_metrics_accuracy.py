import numpy as np
import pytest
import torch

import lamina.metrics as metrics

N, C = 16, 6


def _binary(rng):
    y_true = rng.integers(0, 2, size=(N, 1)).astype("float32")
    return y_true, rng.uniform(size=(N, 1)).astype("float32")


def _categorical(rng):
    y_true = np.eye(C, dtype="float32")[rng.integers(0, C, size=N)]
    return y_true, rng.uniform(size=(N, C)).astype("float32")


def _sparse(rng):
    return (rng.integers(0, C, size=(N, 1)).astype("float32"),
            rng.uniform(size=(N, C)).astype("float32"))


def _sparse_rank1(rng):
    return (rng.integers(0, C, size=(N,)).astype("int64"),
            rng.uniform(size=(N, C)).astype("float32"))


def _exact(rng):
    y_true = rng.integers(0, 3, size=(N, 4)).astype("float32")
    y_pred = np.where(rng.uniform(size=(N, 4)) < 0.5, y_true,
                      rng.integers(0, 3, size=(N, 4))).astype("float32")
    return y_true, y_pred


def _per_sample(y_true, y_pred):
    return (y_true.shape[0],)


CASES = [
    ("Accuracy", {}, _exact),
    ("BinaryAccuracy", {}, _binary),
    ("BinaryAccuracy", {"threshold": 0.7}, _binary),
    ("CategoricalAccuracy", {}, _categorical),
    ("SparseCategoricalAccuracy", {}, _sparse),
    ("SparseCategoricalAccuracy", {}, _sparse_rank1),
    ("TopKCategoricalAccuracy", {}, _categorical),
    ("TopKCategoricalAccuracy", {"k": 2}, _categorical),
    ("SparseTopKCategoricalAccuracy", {}, _sparse_rank1),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, _sparse),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs,make", CASES)
def test_parity_with_keras(parity, make_batches, class_name, kwargs, make,
                           weighted):
    batches = make_batches(make, _per_sample if weighted else None)
    parity.run(class_name, batches, kwargs, as_torch=weighted)


def test_per_element_weights_accuracy(parity, make_batches):
    batches = make_batches(_exact, lambda t, p: t.shape)
    parity.run("Accuracy", batches)


def test_sparse_top_k_from_sorted_ids(parity, make_batches):
    def make(rng):
        y_true = rng.integers(0, C, size=(N,)).astype("int32")
        ids = np.argsort(-rng.uniform(size=(N, C)), axis=-1).astype("int32")
        return y_true, ids

    metric = parity.run("SparseTopKCategoricalAccuracy",
                        make_batches(make, _per_sample),
                        {"k": 2, "from_sorted_ids": True})
    assert metric.get_config()["from_sorted_ids"] is True


def test_sequence_inputs_match_keras(parity, make_batches):
    def make(rng):
        y_true = rng.integers(0, C, size=(4, 5)).astype("float32")
        return y_true, rng.uniform(size=(4, 5, C)).astype("float32")

    batches = make_batches(make, lambda t, p: t.shape)
    parity.run("SparseCategoricalAccuracy", batches)
    parity.run("SparseTopKCategoricalAccuracy", batches, {"k": 2})


@pytest.mark.parametrize("fn_name,make,kwargs", [
    ("binary_accuracy", _binary, {"threshold": 0.3}),
    ("categorical_accuracy", _categorical, {}),
    ("sparse_categorical_accuracy", _sparse, {}),
    ("top_k_categorical_accuracy", _categorical, {"k": 3}),
    ("sparse_top_k_categorical_accuracy", _sparse_rank1, {"k": 3}),
])
def test_functions_match_keras(keras_ref, rng, fn_name, make, kwargs):
    y_true, y_pred = make(rng)
    expected = keras_ref.ops.convert_to_numpy(
        getattr(keras_ref.metrics, fn_name)(y_true, y_pred, **kwargs))
    actual = getattr(metrics, fn_name)(torch.as_tensor(y_true),
                                       torch.as_tensor(y_pred), **kwargs)
    assert isinstance(actual, torch.Tensor)
    np.testing.assert_allclose(actual.cpu().numpy(), expected)


def test_known_values():
    metric = metrics.BinaryAccuracy()
    metric.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(metric.result()) == pytest.approx(0.75)
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]],
                        sample_weight=[0.7, 0.3])
    assert float(metric.result()) == pytest.approx(0.3)


def test_configs_match_keras(keras_ref):
    for class_name, kwargs, _ in CASES:
        kwargs = {"name": "acc_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()


def test_mismatched_shapes_raise_clear_error():
    with pytest.raises(ValueError, match="y_true.shape=.*y_pred.shape"):
        metrics.CategoricalAccuracy().update_state(np.eye(3), np.eye(4)[:3])
    with pytest.raises(ValueError, match="compatible shapes"):
        metrics.BinaryAccuracy().update_state(np.zeros((4, 3)),
                                              np.zeros((4, 2)))
    with pytest.raises(ValueError, match="one label per row"):
        metrics.SparseTopKCategoricalAccuracy().update_state(
            np.zeros((3,)), np.zeros((4, 6)))
