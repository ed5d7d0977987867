"""Python generators (and other iterators) yielding batches."""

from lamina.trainers.data_adapters.batch_conversion import apply_class_weight
from lamina.trainers.data_adapters.batch_conversion import to_torch_batch


class GeneratorDataAdapter:
    """A generator is consumed once: with `steps_per_epoch` the epochs take
    consecutive slices of it; without, the first epoch exhausts it."""

    can_restart = False

    def __init__(self, generator, class_weight=None, float_dtype=None):
        self.generator = generator
        self.float_dtype = float_dtype
        self.class_weight = class_weight

    @property
    def num_batches(self):
        return None

    def __iter__(self):
        for batch in self.generator:
            if isinstance(batch, list):
                batch = tuple(batch)
            batch = to_torch_batch(batch, self.float_dtype)
            yield apply_class_weight(batch, self.class_weight)

    def on_epoch_end(self):
        pass
