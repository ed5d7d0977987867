"""keras.distribution on torch.distributed.

Launch with `torchrun --nproc_per_node=N script.py`; in the script:

    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=64)   # 64 rows per step across N processes

DDP averages the gradients; FSDP2 shards `ModelParallel`'s variables;
metrics and logs are global on every rank; rank 0 alone prints and writes
files (`is_rank_zero`).

A global batch that does not divide by the number of processes is split
into slices that differ by a row (some empty where it has fewer rows than
processes); each process's gradient weighs by its share, so a step is the
one-process step on that batch, and metrics count every row once.
`predict` returns every row, in order, in every process.

Under `ModelParallel` every process calls `save`/`save_weights`/
`load_weights` (the same script runs in each): the shards are gathered
and rank 0 writes Keras's usual file; loading gives each process its
shard again. A sharded variable (`layer.kernel`, `model.weights`) is a
`ShardedVariable`: Keras's variable API over the whole value (reading
gathers, in every process; `assign` keeps each process's shard); so are
its optimizer slots (`optimizer.variables`), sharded alike.

At exit, a process waits for gloo's worker threads to finish (`teardown`):
torch aborts otherwise, now and then, after a collective near the end.
"""

from lamina.distribution.devices import get_device_count
from lamina.distribution.devices import initialize
from lamina.distribution.devices import is_rank_zero
from lamina.distribution.devices import list_devices
from lamina.distribution.distributions import DataParallel
from lamina.distribution.distributions import Distribution
from lamina.distribution.distributions import ModelParallel
from lamina.distribution.distributions import distribute_tensor
from lamina.distribution.distributions import distribution
from lamina.distribution.distributions import set_distribution
from lamina.distribution.layouts import DeviceMesh
from lamina.distribution.layouts import LayoutMap
from lamina.distribution.layouts import TensorLayout

__all__ = [
    "DataParallel", "DeviceMesh", "Distribution", "LayoutMap",
    "ModelParallel", "TensorLayout", "distribute_tensor", "distribution",
    "get_device_count", "initialize", "is_rank_zero", "list_devices",
    "set_distribution",
]
