"""Keras variables whose value is split across processes (`ModelParallel`).

FSDP2's `fully_shard` replaces each parameter of a sharded layer by a
DTensor parameter holding this process's shard. `ShardedVariable` is that
parameter, kept as a DTensor (FSDP all-gathers it for the forward pass and
writes its sharded gradient; the optimizer updates it in place), and as a
Lamina `Variable`: it answers Keras's variable API with the *whole*
(global) value.

- Reading (`numpy()`, `value`, `np.asarray(v)`, `get_weights()`) gathers
  the shards from every process: a collective, which every process runs
  (the same script runs in each).
- Writing (`assign`, `assign_add`, `assign_sub`) takes a whole value and
  keeps this process's part of it, with no communication.
- `shape` is the global shape; `name`, `path`, `trainable`, `regularizer`,
  `constraint` are the original variable's.
"""

import weakref

import numpy as np
import torch
from torch.distributed.tensor import DTensor
from torch.distributed.tensor import distribute_tensor

from lamina.layers.variable import Variable
from lamina.utils.fsdp_units import reshard_units


class ShardedVariable(Variable, DTensor):
    """The sharded (DTensor) parameter of a Keras variable.

    Made by `ModelParallel` when it shards a model; not built by hand.

    Args:
        parameter: the DTensor parameter `fully_shard` registered in place
            of `variable` (this process's shard; its storage is shared).
        variable: the Keras `Variable` it replaces (its name, path,
            regularizer, constraint and other attributes carry over).
        model: the sharded model, whose FSDP units hold gathered copies of
            the parameters during a forward pass (writing a value drops
            them, so that the next forward pass gathers the new value).
    """

    def __new__(cls, parameter, variable, model):
        sharded = _wrap(cls, parameter, parameter.requires_grad)
        sharded.__dict__.update(variable.__dict__)
        sharded._sharded_model = weakref.ref(model)
        return sharded

    def __init__(self, *args, **kwargs):
        pass

    def new_slot(self, value, name, path):
        """An optimizer slot of this variable (Adam's momentum, ...):
        `value`, a DTensor placed as this variable is (same mesh and
        placements), as a non-trainable `ShardedVariable` named `name`.
        The optimizer's foreach ops then update its local shard, and it
        answers the Keras variable API with its whole value."""
        placements = tuple(getattr(value, "placements", ()))
        if not isinstance(value, DTensor) or value.shape != self.shape or \
                value.device_mesh != self.device_mesh or \
                placements != tuple(self.placements):
            raise ValueError(
                f"Optimizer slot '{path}' of variable '{self.path}': expected "
                f"a DTensor of shape {tuple(self.shape)} placed as the "
                f"variable is ({tuple(self.placements)}). Received: a "
                f"{type(value).__name__} of shape {tuple(value.shape)}, "
                f"placements {placements}.")
        slot = _wrap(type(self), value, requires_grad=False)
        # A plain variable's attributes (name, path, not trainable); a slot
        # belongs to no FSDP unit, so no gathered copy hides its value.
        slot.__dict__.update(Variable(torch.empty(0), trainable=False,
                                      name=name, path=path).__dict__)
        slot._sharded_model = None
        return slot

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        with torch.no_grad():
            local = self.to_local().clone()
        copy = DTensor.__new__(type(self), local, self._spec,
                               requires_grad=self.requires_grad)
        copy.__dict__.update(self.__dict__)
        model = self._model()
        if model is not None and id(model) in memo:  # a copy of the model
            copy._sharded_model = weakref.ref(memo[id(model)])
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        # Pickles (torch.save) as the DTensor parameter FSDP made.
        return torch.nn.Parameter(self.detach(), self.requires_grad) \
            .__reduce_ex__(protocol)

    def __repr__(self):
        # No value: reading it is a collective, and a repr printed by one
        # process alone would wait for the others for ever.
        return (f"<ShardedVariable path={self.path}, "
                f"shape={tuple(self.shape)}, "
                f"dtype={str(self.dtype).replace('torch.', '')}, "
                f"placements={tuple(self.placements)}>")

    @property
    def value(self):
        """The whole value, gathered from every process (differentiable)."""
        return self.full_tensor()

    def assign(self, value):
        """Takes the whole value (array or tensor of the variable's global
        shape) and keeps this process's shard of it."""
        whole = _as_tensor(value)
        if tuple(whole.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign to variable '{self.path}': expected a value "
                f"of shape {tuple(self.shape)}, received shape "
                f"{tuple(whole.shape)}.")
        with torch.no_grad():
            self._drop_gathered_copies()
            self.to_local().copy_(self._local_part(whole))
        return self

    def assign_add(self, value):
        with torch.no_grad():
            self._drop_gathered_copies()
            self.to_local().add_(self._local_part(self._whole(value)))
        return self

    def assign_sub(self, value):
        with torch.no_grad():
            self._drop_gathered_copies()
            self.to_local().sub_(self._local_part(self._whole(value)))
        return self

    def _whole(self, value):
        """`value` broadcast to the variable's global shape."""
        source = _as_tensor(value)
        try:
            return torch.broadcast_to(source, self.shape)
        except RuntimeError:
            raise ValueError(
                f"Cannot update variable '{self.path}' (shape "
                f"{tuple(self.shape)}) with a value of shape "
                f"{tuple(source.shape)}: the shapes do not broadcast."
            ) from None

    def _local_part(self, whole):
        """This process's shard of the whole value `whole` (no
        communication: every process holds the whole value)."""
        local = self.to_local()
        whole = whole.to(device=local.device, dtype=local.dtype).contiguous()
        return distribute_tensor(whole, self.device_mesh, self.placements,
                                 src_data_rank=None).to_local()

    def _drop_gathered_copies(self):
        """A forward pass leaves the root FSDP unit's parameters gathered
        where no backward pass follows; they would hide a new value."""
        model = self._model()
        if model is not None:
            reshard_units(model)

    def _model(self):
        """The sharded model (None for an optimizer slot, or once the
        model is gone)."""
        reference = self.__dict__.get("_sharded_model")
        return reference() if reference is not None else None


def _wrap(cls, parameter, requires_grad):
    """A `cls` over `parameter`'s local shard and sharding spec: DTensor's
    own constructor, around the same storage (`to_local` without grad is
    the shard itself, not a view), which FSDP and the optimizer keep
    writing into."""
    with torch.no_grad():
        local = parameter.to_local()
    return DTensor.__new__(cls, local, parameter._spec,
                           requires_grad=requires_grad)


def _as_tensor(value):
    """A whole value as a plain tensor (a DTensor is gathered)."""
    if isinstance(value, DTensor):
        value = value.full_tensor()
    elif not torch.is_tensor(value):
        value = torch.as_tensor(np.asarray(value))
    return value.detach()
