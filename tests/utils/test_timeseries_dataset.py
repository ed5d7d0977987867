"""timeseries_dataset_from_array against Keras 3.15.1.

Keras returns a `tf.data.Dataset` (TensorFlow is not installed here): the
expected batches were produced once by Keras 3.15.1 with TensorFlow 2.21 on
the same calls, and the docstring examples are checked as written.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina.utils.py_dataset import PyDataset
from lamina.utils.timeseries_dataset import timeseries_dataset_from_array


def _batches(dataset):
    return [tuple(t.tolist() for t in batch) if isinstance(batch, tuple)
            else batch.tolist() for batch in dataset]


def test_docstring_example_1():
    dataset = timeseries_dataset_from_array(
        np.arange(99), None, sequence_length=10, sampling_rate=2,
        sequence_stride=3, batch_size=8)
    assert isinstance(dataset, PyDataset) and len(dataset) == 4
    windows = torch.cat(list(dataset))
    assert windows.dtype == torch.int64 and tuple(windows.shape) == (27, 10)
    assert windows[0].tolist() == list(range(0, 20, 2))
    assert windows[1].tolist() == list(range(3, 23, 2))
    assert windows[2].tolist() == list(range(6, 26, 2))
    assert windows[-1].tolist() == list(range(78, 98, 2))


def test_docstring_examples_2_and_3():
    data = np.random.default_rng(0).normal(size=(60,))
    dataset = timeseries_dataset_from_array(data[:-10], data[10:],
                                            sequence_length=10)
    inputs, targets = dataset[0]
    np.testing.assert_array_equal(inputs[0].cpu().numpy(), data[:10])
    assert targets[0].item() == data[10]
    x = np.arange(100)
    inputs = timeseries_dataset_from_array(x, None, sequence_length=20,
                                           sequence_stride=20)
    targets = timeseries_dataset_from_array(x * 2, None, sequence_length=20,
                                            sequence_stride=20)
    np.testing.assert_array_equal(inputs[0][0].cpu().numpy(), x[:20])
    np.testing.assert_array_equal(targets[0][1].cpu().numpy(), x[20:40] * 2)


def test_batches_match_keras():
    start_end = timeseries_dataset_from_array(
        np.arange(40), np.arange(40) * 10, sequence_length=5, sampling_rate=3,
        start_index=4, end_index=33, batch_size=3)
    got = _batches(start_end)
    assert len(got) == 6
    assert got[0] == ([[4, 7, 10, 13, 16], [5, 8, 11, 14, 17],
                       [6, 9, 12, 15, 18]], [40, 50, 60])
    assert got[-1] == ([[19, 22, 25, 28, 31], [20, 23, 26, 29, 32]],
                       [190, 200])
    # At most len(targets) windows.
    short = timeseries_dataset_from_array(np.arange(30), np.arange(7),
                                          sequence_length=3, batch_size=4)
    assert _batches(short) == [
        ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 1, 2, 3]),
        ([[4, 5, 6], [5, 6, 7], [6, 7, 8]], [4, 5, 6])]
    single = timeseries_dataset_from_array(np.arange(12), np.arange(12),
                                           sequence_length=3,
                                           sequence_stride=4,
                                           batch_size=None)
    assert _batches(single) == [([0, 1, 2], 0), ([4, 5, 6], 4),
                                ([8, 9, 10], 8)]
    empty = timeseries_dataset_from_array(np.arange(5), None,
                                          sequence_length=10, batch_size=2)
    assert len(empty) == 0 and _batches(empty) == []


def test_features_and_dtypes_are_kept():
    data = np.arange(50, dtype="float32").reshape(25, 2)
    dataset = timeseries_dataset_from_array(data, np.arange(100, 125),
                                            sequence_length=4,
                                            sequence_stride=2, batch_size=5)
    windows, targets = dataset[0]
    assert windows.dtype == torch.float32 and targets.dtype == torch.int64
    assert tuple(windows.shape) == (5, 4, 2)
    assert windows[1].tolist() == [[4, 5], [6, 7], [8, 9], [10, 11]]
    assert targets.tolist() == [100, 102, 104, 106, 108]
    assert [t.tolist() for _, t in dataset][1:] == [
        [110, 112, 114, 116, 118], [120]]


def test_shuffle():
    def draw(seed):
        dataset = timeseries_dataset_from_array(
            np.arange(60), np.arange(60), sequence_length=5, shuffle=True,
            seed=seed, batch_size=4)
        epochs = []
        for _ in range(2):
            epochs.append([batch for batch in dataset])
            dataset.on_epoch_end()
        return epochs

    first, again, other = draw(7), draw(7), draw(8)
    windows = torch.cat([w for w, _ in first[0]])
    targets = torch.cat([t for _, t in first[0]])
    # Every window once, each with its own target, not in order.
    assert sorted(targets.tolist()) == list(range(56))
    assert targets.tolist() != list(range(56))
    assert torch.equal(windows[:, 0], targets)
    assert torch.equal(windows, windows[:, :1] + torch.arange(5))
    # Seeded, and reshuffled every epoch.
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first[0], again[0]))
    epoch2 = torch.cat([t for _, t in first[1]])
    assert epoch2.tolist() != targets.tolist()
    assert sorted(epoch2.tolist()) == list(range(56))
    assert torch.cat([t for _, t in other[0]]).tolist() != targets.tolist()


def test_fit_evaluate_predict():
    series = np.sin(np.arange(300) / 8).astype("float32")
    dataset = timeseries_dataset_from_array(series[:-8, None], series[8:],
                                            sequence_length=8, batch_size=32)
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input(shape=(8, 1)),
                               lamina.layers.Flatten(),
                               lamina.layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.Adam(0.05), loss="mse")
    history = model.fit(dataset, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.isfinite(model.evaluate(dataset, verbose=0))
    windows_only = timeseries_dataset_from_array(series, None,
                                                 sequence_length=8,
                                                 batch_size=32)
    assert model.predict(windows_only, verbose=0).shape == (293, 1)


@pytest.mark.parametrize("kwargs,message", [
    ({"start_index": -1}, "`start_index` must be 0 or greater"),
    ({"start_index": 20}, "`start_index` must be lower than the length"),
    ({"start_index": 5, "end_index": 5}, "`end_index` must be higher than "
                                         "`start_index`"),
    ({"end_index": 20}, "`end_index` must be lower than the length"),
    ({"end_index": -2}, "`end_index` must be higher than 0"),
    ({"sampling_rate": 0}, "`sampling_rate` must be higher than 0"),
    ({"sampling_rate": 20}, "`sampling_rate` must be lower than the length"),
    ({"sequence_stride": -1}, "`sequence_stride` must be higher than 0"),
    ({"sequence_stride": 20}, "`sequence_stride` must be lower"),
    ({"format": "numpy"}, "`format` should be either"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(np.arange(20), None, 3, **kwargs)


def test_index_out_of_range():
    dataset = timeseries_dataset_from_array(np.arange(20), None, 3,
                                            batch_size=8)
    with pytest.raises(IndexError, match="out of range"):
        dataset[3]
