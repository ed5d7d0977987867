"""A dataset of files read on demand, batched and reshuffled the way the
`*_dataset_from_directory` builders of Keras read them through `tf.data`.

The text and audio builders differ only in how one file is read and how a
batch of read files is put together; the order, the batching, the labels
and the per-epoch reshuffle live here.
"""

import abc
import math

import numpy as np
import torch

from lamina.utils.py_dataset import PyDataset


class FileDataset(PyDataset, abc.ABC):
    """Batches of `(items, labels)` (or items only) read from `file_paths`.

    Subclasses define `load(path)` (one file to one item) and
    `collate(items)` (a list of items to one batch).

    Args:
        file_paths: the files, in dataset order.
        labels: one integer label per file, or None (items only).
        label_mode: `"int"`, `"categorical"`, `"binary"` or None.
        num_classes: number of classes (for `"categorical"`).
        batch_size: files per batch, or None for single samples.
        shuffle: reshuffle through a buffer of `8 * batch_size` files each
            epoch (Keras's `tf.data` shuffle).
        seed: seed of the reshuffles.
        class_names: the class names, exposed as `class_names`.
    """

    def __init__(self, file_paths, labels=None, label_mode="int",
                 num_classes=0, batch_size=32, shuffle=False, seed=None,
                 class_names=None, **kwargs):
        super().__init__(**kwargs)
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self.batch_size = batch_size
        self._labels = None if labels is None or label_mode is None else \
            encode_labels(np.asarray(labels), label_mode, num_classes)
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._buffer_size = batch_size * 8 if batch_size else 1024
        self._order = self._epoch_order()

    @abc.abstractmethod
    def load(self, path):
        """Reads one file into one item."""

    @abc.abstractmethod
    def collate(self, items):
        """Puts the items of one batch together."""

    def _epoch_order(self):
        indices = np.arange(len(self.file_paths))
        if not self._shuffle:
            return indices
        return buffer_shuffle(indices, self._buffer_size, self._rng)

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} is out of range for a "
                             f"dataset of {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            chosen = self._order[index]
            items = self.load(self.file_paths[chosen])
        else:
            chosen = self._order[index * self.batch_size:
                                 (index + 1) * self.batch_size]
            items = self.collate([self.load(self.file_paths[i])
                                  for i in chosen])
        if self._labels is None:
            return items
        return items, self._labels[torch.as_tensor(chosen)]

    def on_epoch_end(self):
        if self._shuffle:
            self._order = self._epoch_order()


def buffer_shuffle(elements, buffer_size, rng):
    """The order `tf.data.Dataset.shuffle(buffer_size)` produces: each output
    is drawn uniformly from a buffer refilled from the input in order."""
    elements = np.asarray(elements)
    if buffer_size >= len(elements):
        return elements[rng.permutation(len(elements))]
    buffer = list(elements[:buffer_size])
    upcoming = iter(elements[buffer_size:].tolist())
    draws = rng.random_sample(len(elements))
    order = []
    for draw in draws:
        slot = int(draw * len(buffer))
        order.append(buffer[slot])
        refill = next(upcoming, None)
        if refill is None:
            buffer[slot] = buffer[-1]
            buffer.pop()
        else:
            buffer[slot] = refill
    return np.asarray(order, dtype=elements.dtype)


def encode_labels(labels, label_mode, num_classes):
    """Integer labels as Keras's builders yield them for `label_mode`."""
    labels = torch.as_tensor(labels.astype("int32"))
    if label_mode == "binary":
        return labels.to(torch.float32).unsqueeze(-1)
    if label_mode == "categorical":
        return torch.nn.functional.one_hot(
            labels.long(), num_classes).to(torch.float32)
    return labels
