"""PyDataset (alias Sequence): an indexable dataset of batches."""

import warnings


class PyDataset:
    """Subclass and implement `__len__` (number of batches) and
    `__getitem__(index)` (one batch: `x`, `(x, y)` or `(x, y, sw)`);
    optionally `on_epoch_end`.

    Args:
        workers: number of threads (or processes) preparing batches ahead.
        use_multiprocessing: use processes instead of threads.
        max_queue_size: batches prepared ahead of the training loop.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        if not hasattr(self, "_workers"):
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)`"
                " in its constructor. `**kwargs` can include `workers`, "
                "`use_multiprocessing`, `max_queue_size`.", stacklevel=2,
            )
            self._workers, self._use_multiprocessing = 1, False
            self._max_queue_size = 10

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(index)`."
        )

    def __len__(self):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__()`."
        )

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


Sequence = PyDataset
