"""Where a distribution (`lamina.distribution`) plugs into the loops.

The trainers never import `lamina.distribution` (it sits above them); a
distribution installs an object here whose methods the loops call at
their edges:

- `distribute_adapter(adapter, shard)`: the data adapter this process
  iterates (its shard of every batch when `shard`);
- `training_module(model, x)`: what the train step calls forward through
  (a `DistributedDataParallel` wrapper, or the model itself);
- `before_step(batch)`: called before each step on a batch read ahead
  of it (`steps_per_execution`), so its random draws are its own;
- `weigh_loss(loss, rows)`: the loss to differentiate, weighed by this
  process's share of the global batch's rows;
- `global_metrics_result(metrics, result)`: `result()` computed over the
  metrics' state summed across processes;
- `check_train_step(model)`: refuses a train step the distribution cannot
  synchronize.
"""

_active = [None]


def install(edges):
    """Makes `edges` (None: none) the loops' distribution hooks."""
    _active[0] = edges


def active():
    return _active[0]
