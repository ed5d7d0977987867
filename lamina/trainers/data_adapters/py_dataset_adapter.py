"""PyDataset / Sequence: batches by index, optionally prepared ahead by a
pool of threads or processes."""

import concurrent.futures
import multiprocessing
import random

from lamina.trainers.data_adapters.batch_conversion import apply_class_weight
from lamina.trainers.data_adapters.batch_conversion import to_torch_batch


def _get_item(dataset, index):
    return dataset[index]


class PyDatasetAdapter:
    def __init__(self, dataset, class_weight=None, shuffle=False,
                 float_dtype=None):
        self.float_dtype = float_dtype
        dataset._warn_if_super_not_called()
        self.dataset = dataset
        self.class_weight = class_weight
        self.shuffle = shuffle

    @property
    def num_batches(self):
        return len(self.dataset)

    def _order(self):
        order = list(range(len(self.dataset)))
        if self.shuffle:
            random.shuffle(order)
        return order

    def __iter__(self):
        self.dataset.on_epoch_begin()
        order = self._order()
        workers = max(1, int(self.dataset.workers or 1))
        if workers == 1 and not self.dataset.use_multiprocessing:
            batches = (self.dataset[i] for i in order)
        else:
            batches = self._prefetched(order, workers)
        for batch in batches:
            if isinstance(batch, list):
                batch = tuple(batch)
            yield apply_class_weight(to_torch_batch(batch, self.float_dtype),
                                     self.class_weight)

    def _prefetched(self, order, workers):
        if self.dataset.use_multiprocessing:
            context = multiprocessing.get_context("spawn")
            pool = concurrent.futures.ProcessPoolExecutor(workers,
                                                          mp_context=context)
        else:
            pool = concurrent.futures.ThreadPoolExecutor(workers)
        ahead = max(workers, int(self.dataset.max_queue_size or workers))
        try:
            pending = [pool.submit(_get_item, self.dataset, i)
                       for i in order[:ahead]]
            next_index = ahead
            while pending:
                future = pending.pop(0)
                if next_index < len(order):
                    pending.append(pool.submit(_get_item, self.dataset,
                                               order[next_index]))
                    next_index += 1
                yield future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()
