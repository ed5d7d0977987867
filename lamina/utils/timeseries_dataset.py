"""`timeseries_dataset_from_array`: sliding windows over a timeseries as a
`PyDataset` of batches.

Window starts, strides, sampling and the seeded shuffle of the start
positions follow Keras exactly. With `shuffle=True` Keras also passes the
windows through a `tf.data` shuffle buffer (`8 * batch_size`, or 1024
unbatched) reshuffled each epoch; that buffer is reproduced with NumPy's
generator (same locality, not TensorFlow's draws).
"""

import math

import numpy as np
import torch

from lamina.utils.py_dataset import PyDataset
from lamina.utils.file_dataset import buffer_shuffle


def timeseries_dataset_from_array(data, targets, sequence_length,
                                  sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None,
                                  format="tf"):
    """Makes a dataset of sliding windows over `data` (time on axis 0).

    Window `k` starts at `start_index + p_k` with `p_k = k * sequence_stride`
    and holds the steps `p_k + j * sampling_rate` for `j` in
    `[0, sequence_length)`; its target is `targets[start_index + p_k]`.
    Windows must end before `end_index` (and there are at most
    `len(targets)` of them).

    Args:
        data: array or tensor of consecutive timesteps (axis 0 is time).
        targets: targets indexed by window start (see above), or None to
            yield windows only.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between consecutive timesteps of a window.
        batch_size: windows per batch; None yields single windows.
        shuffle: shuffle the windows (start positions with
            `np.random.RandomState(seed)`, then a buffer reshuffled every
            epoch) instead of chronological order.
        seed: the shuffle seed.
        start_index: first timestep used (inclusive).
        end_index: last timestep used (exclusive).
        format: `"tf"` or `"grain"`, accepted for Keras compatibility; both
            give the same `PyDataset`.

    Returns:
        A `TimeseriesDataset` (a `lamina.utils.PyDataset`) yielding
        `(windows, targets)` torch tensors, windows of shape
        `(batch, sequence_length, *data.shape[1:])`; `fit`, `evaluate` and
        `predict` accept it.

    Example:
        >>> ds = timeseries_dataset_from_array(
        ...     np.arange(100), None, sequence_length=10, sampling_rate=2,
        ...     sequence_stride=3)
        >>> ds[0][0]
        tensor([ 0,  2,  4,  6,  8, 10, 12, 14, 16, 18])
    """
    length = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(
                "`start_index` must be lower than the length of the data. "
                f"Received: start_index={start_index}, for data of length "
                f"{length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. Received: "
                f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError(
                "`end_index` must be lower than the length of the data. "
                f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError("`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate),
                        ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: "
                             f"{name}={value}")
        if value >= length:
            raise ValueError(
                f"`{name}` must be lower than the length of the data. "
                f"Received: {name}={value}, for data of length {length}")
    if format not in ("tf", "grain"):
        raise ValueError('`format` should be either "tf" or "grain". '
                         f"Received: format={format}")
    return TimeseriesDataset(
        data, targets, sequence_length, sequence_stride=sequence_stride,
        sampling_rate=sampling_rate, batch_size=batch_size, shuffle=shuffle,
        seed=seed, start_index=start_index, end_index=end_index)


class TimeseriesDataset(PyDataset):
    """Sliding windows over `data` (and their targets), in batches.

    Built by `timeseries_dataset_from_array`, whose docstring describes the
    arguments. Windows are gathered with one indexing op per batch.
    """

    def __init__(self, data, targets, sequence_length, sequence_stride=1,
                 sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                 start_index=None, end_index=None, **kwargs):
        super().__init__(**kwargs)
        start = start_index or 0
        end = len(data) if end_index is None else end_index
        num_windows = end - start - (sequence_length - 1) * sampling_rate
        if targets is not None:
            num_windows = min(num_windows, len(targets))
        positions = np.arange(0, num_windows, sequence_stride)
        if shuffle:
            if seed is None:
                seed = np.random.randint(1e6)
            np.random.RandomState(seed).shuffle(positions)
        self.batch_size = batch_size
        self._positions = positions
        self._data = _as_tensor(data)[start:end]
        self._targets = None if targets is None \
            else _as_tensor(targets)[start:end]
        self._offsets = torch.arange(sequence_length) * sampling_rate
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._buffer_size = batch_size * 8 if batch_size else 1024
        self._order = self._epoch_order()

    def _epoch_order(self):
        if not self._shuffle:
            return self._positions
        return buffer_shuffle(self._positions, self._buffer_size, self._rng)

    def __len__(self):
        if self.batch_size is None:
            return len(self._positions)
        return math.ceil(len(self._positions) / self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} is out of range for a "
                             f"dataset of {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            starts = torch.as_tensor(self._order[index])
        else:
            starts = torch.as_tensor(self._order[
                index * self.batch_size:(index + 1) * self.batch_size])
        steps = starts.unsqueeze(-1) if starts.ndim else starts
        windows = self._data[steps + self._offsets]
        if self._targets is None:
            return windows
        return windows, self._targets[starts]

    def on_epoch_end(self):
        if self._shuffle:
            self._order = self._epoch_order()


def _as_tensor(values):
    if isinstance(values, torch.Tensor):
        return values
    return torch.as_tensor(np.asarray(values))
