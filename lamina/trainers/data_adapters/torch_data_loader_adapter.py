"""torch `DataLoader`s as they are, and torch `Dataset`s batched here."""

import torch.utils.data as torch_data

from lamina.trainers.data_adapters.batch_conversion import apply_class_weight
from lamina.trainers.data_adapters.batch_conversion import to_torch_batch


class TorchDataLoaderAdapter:
    def __init__(self, data, batch_size=None, shuffle=False,
                 class_weight=None, float_dtype=None):
        if isinstance(data, torch_data.DataLoader):
            self.loader = data
        else:
            is_iterable = isinstance(data, torch_data.IterableDataset)
            self.loader = torch_data.DataLoader(
                data, batch_size=batch_size or 32,
                shuffle=bool(shuffle) and not is_iterable,
            )
        self.class_weight = class_weight
        self.float_dtype = float_dtype

    @property
    def num_batches(self):
        try:
            return len(self.loader)
        except TypeError:
            return None

    def __iter__(self):
        for batch in self.loader:
            if isinstance(batch, list):
                batch = tuple(batch)
            yield apply_class_weight(to_torch_batch(batch, self.float_dtype),
                                     self.class_weight)

    def on_epoch_end(self):
        pass
