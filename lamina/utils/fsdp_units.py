"""Putting FSDP units back to their shards (ModelParallel's sharded
models): a forward pass without a backward one (`predict`, `evaluate`)
leaves the root unit's parameters gathered, in place of the sharded
variables that reading, assigning and saving use."""


def reshard_units(module):
    """Reshards every FSDP unit in `module` (none: nothing happens)."""
    from torch.distributed.fsdp import FSDPModule

    for unit in module.modules():
        if isinstance(unit, FSDPModule):
            unit.reshard()
