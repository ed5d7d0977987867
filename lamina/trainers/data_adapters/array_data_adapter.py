"""In-memory arrays (NumPy, torch, pandas, nested lists/dicts of them).

The fast path: arrays become tensors once, move to the device once, and
each epoch is one permutation plus slicing — no DataLoader, no copies per
sample. Arrays too large for a GPU's free memory stay on the host, pinned,
and each batch is copied to the device without blocking.
"""

import math

import numpy as np
import torch

from lamina import config
from lamina.trainers import argument_checks
from lamina.trainers.data_adapters import data_adapter_utils
from lamina.utils import tensor_utils
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype


def is_array_like(value):
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return True
    module = type(value).__module__
    if module.startswith("pandas"):
        return True
    return hasattr(value, "__array__") and not isinstance(value, (str, bytes))


def can_handle(x, y=None):
    flat = [v for v in tree.flatten((x, y)) if v is not None]
    return bool(flat) and all(is_array_like(v) or isinstance(v, (int, float))
                              for v in flat)


# Data takes at most this share of a GPU's free memory before it stays on
# the host: the rest is for the model, its activations and the optimizer.
DEVICE_RESIDENT_SHARE = 0.5


def storage_device(device, nbytes, free_bytes=None):
    """Where arrays of `nbytes` live during fit: on `device` when it is not
    a GPU or they fit in `DEVICE_RESIDENT_SHARE` of its free memory (read
    when `free_bytes` is None), else on the host."""
    if device is None or device.type != "cuda":
        return device
    if free_bytes is None:
        free_bytes, _ = torch.cuda.mem_get_info(device)
    if nbytes <= DEVICE_RESIDENT_SHARE * free_bytes:
        return device
    return torch.device("cpu")


def _host_nbytes(values):
    return sum(v.numel() * v.element_size() for v in tree.flatten(values)
               if isinstance(v, torch.Tensor) and v.device.type == "cpu")


def to_tensor(value, device, float_dtype=None):
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        if type(value).__module__.startswith("pandas"):
            value = value.to_numpy()
        array = argument_checks.numeric_array(np.asarray(value))
        float_dtype = float_dtype or config.floatx()
        if array.dtype == np.float64:
            array = array.astype(float_dtype)
        if array.dtype.kind in "US":
            return _StringColumn(array)
        array = np.ascontiguousarray(array)
        if not array.flags.writeable:
            array = array.copy()
        tensor = torch.from_numpy(array)
    if tensor.dtype == torch.float64:
        tensor = tensor.to(to_torch_dtype(float_dtype or config.floatx()))
    return tensor.to(device, non_blocking=True)


class ArrayDataAdapter:
    def __init__(self, x, y=None, sample_weight=None, batch_size=None,
                 steps=None, shuffle=False, class_weight=None, device=None,
                 float_dtype=None):
        data_adapter_utils.check_class_weight(class_weight, y)
        device = device or config.default_device()
        host = torch.device("cpu")

        def on_host(v):
            # (A tensor already on a device stays there.)
            where = v.device if isinstance(v, torch.Tensor) else host
            return to_tensor(v, where, float_dtype)

        arrays = tree.map_structure(on_host, (x, y, sample_weight))
        self.storage_device = storage_device(device, _host_nbytes(arrays))

        def place(v):
            if not isinstance(v, torch.Tensor) or v.device.type != "cpu":
                return v
            if self.storage_device == host:
                return v.pin_memory() if device.type == "cuda" else v
            return v.to(self.storage_device, non_blocking=True)

        self.x, self.y, self.sample_weight = tree.map_structure(place, arrays)
        if class_weight is not None and self.y is not None:
            class_sw = data_adapter_utils.class_weight_to_sample_weights(
                tree.flatten(self.y)[0], class_weight)
            self.sample_weight = class_sw if self.sample_weight is None else \
                self.sample_weight * class_sw.reshape(
                    self.sample_weight.shape[:1] + (1,) *
                    (self.sample_weight.dim() - 1))
        self.num_samples = data_adapter_utils.num_samples(
            (self.x, self.y, self.sample_weight))
        self.batch_size = batch_size or 32
        if steps is not None:
            self.batch_size = max(1, math.ceil(self.num_samples / steps)) \
                if batch_size is None else self.batch_size
        self.shuffle = shuffle
        self.device = device
        self._steps = steps

    @property
    def num_batches(self):
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self):
        yield from self.batches(self.draw_order())

    def draw_order(self):
        """A new pass's sample order (row indices), or None unshuffled."""
        if self.shuffle == "batch":
            return self._batch_shuffled_order()
        if self.shuffle:
            return torch.randperm(self.num_samples,
                                  device=self.storage_device)
        return None

    def batches(self, order=None, first_batch=0):
        """One pass's batches in `order` (from `draw_order`), from batch
        `first_batch` on: how a resumed epoch continues where it stopped."""
        for step in range(first_batch, self.num_batches):
            start = step * self.batch_size
            stop = min(start + self.batch_size, self.num_samples)
            if order is None:
                take = slice(start, stop)
            else:
                take = order[start:stop]
            yield self._batch(take)

    def _batch_shuffled_order(self):
        starts = torch.randperm(self.num_batches, device=self.storage_device)
        return torch.cat([
            torch.arange(s * self.batch_size,
                         min((s + 1) * self.batch_size, self.num_samples),
                         device=self.storage_device)
            for s in starts.tolist()
        ])

    def _batch(self, take):
        def pick(value):
            if value is None:
                return None
            if not isinstance(value, torch.Tensor):
                return value[take]
            if isinstance(take, torch.Tensor):
                # (`index_select` skips `__getitem__`'s index parsing: ~3 µs
                # a batch.)
                rows = value.index_select(0, take)
            else:
                rows = value[take]
            if rows.device.type != self.device.type:
                if isinstance(take, torch.Tensor) and value.is_pinned():
                    # Gathered rows are fresh pageable memory, from which a
                    # copy to the GPU blocks; a slice is a pinned view.
                    rows = rows.pin_memory()
                rows = rows.to(self.device, non_blocking=True)
            elif not isinstance(take, torch.Tensor):
                return rows
            # Integer rows (labels, token ids) are range-checked through
            # the whole array: once per fit, no sync per step.
            return tensor_utils.gathered_from(rows, value)

        if isinstance(self.x, torch.Tensor) and (
            self.y is None or isinstance(self.y, torch.Tensor)
        ) and self.sample_weight is None:
            x = pick(self.x)
            return (x,) if self.y is None else (x, pick(self.y))
        x = tree.map_structure(pick, self.x)
        if self.y is None:
            return (x,)
        y = tree.map_structure(pick, self.y)
        if self.sample_weight is None:
            return (x, y)
        return (x, y, tree.map_structure(pick, self.sample_weight))

    def on_epoch_end(self):
        pass


def train_validation_split(arrays, validation_split):
    """Splits (x, y, sample_weight) arrays; the last fraction validates."""
    flat = [v for v in tree.flatten(arrays) if v is not None]
    if not all(is_array_like(v) for v in flat):
        raise ValueError(
            "`validation_split` is only supported for NumPy arrays, torch "
            "tensors and pandas data. Pass `validation_data` instead."
        )
    total = data_adapter_utils.num_samples(arrays)
    split_at = int(math.floor(total * (1.0 - validation_split)))
    if split_at == 0 or split_at == total:
        raise ValueError(
            f"Training data contains {total} samples, which is not "
            f"sufficient to split it into a validation and training set as "
            f"specified by `validation_split={validation_split}`. Either "
            "provide more data, or a different value for `validation_split`."
        )

    def head(v):
        return None if v is None else _slice(v, 0, split_at)

    def tail(v):
        return None if v is None else _slice(v, split_at, total)

    return (tree.map_structure(head, arrays),
            tree.map_structure(tail, arrays))


def _slice(value, start, stop):
    if type(value).__module__.startswith("pandas"):
        return value.iloc[start:stop]
    return value[start:stop]


class _StringColumn:
    """Strings stay NumPy (torch has no string tensors) but batch like
    tensors: indexed by a slice or by a tensor of row indices."""

    def __init__(self, array):
        self.array = array
        self.shape = array.shape

    def __getitem__(self, take):
        if isinstance(take, torch.Tensor):
            take = take.cpu().numpy()
        return self.array[take]

    def __len__(self):
        return len(self.array)
