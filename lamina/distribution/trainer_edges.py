"""The distribution's three hooks into the training loops (installed in
`lamina.trainers.distribution_hook` by `set_distribution`): this process's
data, the module the train step calls forward through, and metrics computed
over every process's state."""

import torch
import torch.distributed as dist

from lamina.distribution import data_sharding
from lamina.distribution import devices as devices_lib
from lamina.layers import call_context
from lamina.layers.variable import Variable
from lamina.utils import tree

_KERAS_ATTRIBUTES = ("_keras_name", "_keras_path", "_own_trainable",
                     "regularizer", "constraint", "aggregation", "autocast",
                     "overwrite_with_gradient")

# Reductions a mean of the shards' gradients does not reproduce.
_UNSHARDABLE_REDUCTIONS = {
    "sum": "which would divide it by their number (scale the learning "
           "rate instead)",
    "mean_with_sample_weight": "each divided by its own shard's sum of "
                               "sample weights, not the global batch's",
}


class TrainerEdges:
    def __init__(self, distribution):
        self.distribution = distribution

    @property
    def compilable(self):
        """False under ModelParallel: torch.compile refuses its sharded
        variables (`ShardedVariable`, a DTensor subclass) as graph
        inputs, so `jit_compile` steps run eagerly there."""
        return not hasattr(self.distribution, "layout_map")

    @property
    def gathers_to_save(self):
        """True where variables are sharded (ModelParallel): saving them
        gathers their shards, so every rank runs the saving callbacks."""
        return hasattr(self.distribution, "layout_map")

    def prepare_for_optimizer(self, model):
        """Shards a built model's variables (ModelParallel) before its
        optimizer is built on them: a loaded model's optimizer slots are
        then sharded as their variables are."""
        if hasattr(self.distribution, "layout_map") and model.built and \
                not model.__dict__.get("_lamina_fully_sharded"):
            shard_model(model, self.distribution)

    # ------------------------------------------------------------------
    # Data
    def distribute_adapter(self, adapter, shard):
        """Every process's share of each batch for `fit`/`evaluate`;
        `predict` (`shard=False`) reads everything in every process, so its
        outputs are whole."""
        if not shard or not self.distribution.auto_shard_dataset:
            return adapter
        return data_sharding.shard_adapter(
            adapter, self.distribution.data_shard_id,
            self.distribution.num_data_shards)

    def before_step(self, batch):
        """Before a train step on `batch` (this process's part): random
        draws take the row shard it was read with (`steps_per_execution`
        steps run after later batches were read)."""
        data_sharding.step_on(batch)

    # ------------------------------------------------------------------
    # The model
    def training_module(self, model, x):
        """DataParallel: the model inside `DistributedDataParallel`, made
        once and again when trainable flags change. ModelParallel: the model
        itself, its layers sharded by `fully_shard` once."""
        if not model.built or not any(True for _ in model.parameters()):
            with torch.no_grad():  # builds the weights, as the first call would
                model(x, training=False)
        if hasattr(self.distribution, "layout_map"):  # ModelParallel
            if not model.__dict__.get("_lamina_fully_sharded"):
                shard_model(model, self.distribution)
            return model
        version = call_context.trainable_version[0]
        wrapped = model.__dict__.get("_lamina_ddp")
        if wrapped is None or wrapped[0] != version:
            from torch.nn.parallel import DistributedDataParallel

            device = devices_lib.local_device()
            wrapped = (version, DistributedDataParallel(
                model, device_ids=[device] if device.type == "cuda" else None))
            # Kept out of `_modules`: not a sublayer, no state_dict entry.
            model.__dict__["_lamina_ddp"] = wrapped
        return wrapped[1]

    def check_train_step(self, model):
        """DataParallel averages gradients in the default train step, whose
        forward goes through DDP; a custom `train_step` calls the model
        itself, which DDP cannot see, so its gradients would silently stay
        per-process. ModelParallel's FSDP2 hooks see any call of a sharded
        model: a built model is sharded here for a custom step. A loss
        summed over the batch (`reduction="sum"`), or divided by
        the batch's summed sample weights, is refused: the processes'
        gradients are averaged, which reproduces neither."""
        shards = self.distribution.num_data_shards
        for loss in tree.flatten(getattr(model, "loss", None)):
            reduction = getattr(loss, "reduction", None)
            if shards > 1 and reduction in _UNSHARDABLE_REDUCTIONS:
                raise ValueError(
                    f"Model '{model.name}' is compiled with a loss of "
                    f"reduction={reduction!r} ({loss!r}), but the {shards} "
                    "data shards' gradients are averaged, "
                    f"{_UNSHARDABLE_REDUCTIONS[reduction]}. Use "
                    "reduction='sum_over_batch_size' (the default) instead.")
        if getattr(type(model).train_step, "_is_default_step", False):
            return
        if hasattr(self.distribution, "layout_map"):  # ModelParallel
            if not model.built:
                raise ValueError(
                    f"Model '{model.name}' overrides `train_step`: under "
                    "`ModelParallel` it must be built before `fit` (start it "
                    "with an `Input`, or call it on a batch) so that its "
                    "variables are sharded before the first step.")
            if not model.__dict__.get("_lamina_fully_sharded"):
                shard_model(model, self.distribution)
            return
        raise ValueError(
            f"Model '{model.name}' overrides `train_step`, which "
            f"`DataParallel` over {devices_lib.num_processes()} processes "
            "cannot synchronize: gradients are averaged (by torch's "
            "DistributedDataParallel) only in the default train step. Use "
            "the default `train_step` (customize `compute_loss` instead), or"
            " `ModelParallel`.")

    def weigh_loss(self, loss, rows):
        """The loss this process differentiates, so that the gradient DDP
        (or FSDP) averages over the data shards is the global batch's.

        Each process's loss is a mean over its `rows`; where the global
        batch does not divide by the number of shards, the shards differ
        by a row (an empty one where the batch has fewer rows than
        shards), and each process's gradient weighs by its share of the
        rows. The value is unchanged (an empty shard's is 0); the loss is
        taken as a mean over the batch's rows, Keras's default reduction.

        The global row count comes from the data sharding, which saw the
        whole batch (`data_sharding.global_batch_rows`): no collective and
        no host sync. Where it is unknown (data the user shards with
        `auto_shard_dataset=False`, or global batch sizes that a slice
        size does not tell apart), the processes all-reduce their counts.
        """
        group = self._data_group()
        shards = dist.get_world_size(group)
        total = data_sharding.global_batch_rows(rows)
        if total is None:
            total = torch.tensor([rows], dtype=torch.int64,
                                 device=loss.device)
            dist.all_reduce(total, group=group)
            total = int(total.item())
        if rows * shards == total:
            return loss
        if rows == 0:  # 0, and zero gradients through the graph DDP awaits
            return torch.where(
                torch.zeros((), dtype=torch.bool, device=loss.device), loss,
                torch.zeros_like(loss)).sum()
        value = loss.detach()
        return value + (loss - value) * (rows * shards / total)

    # ------------------------------------------------------------------
    # Metrics
    def global_metrics_result(self, metrics, result):
        """`result()` over the metrics' state reduced across the data
        shards as each variable's `aggregation` says ("sum", "mean",
        "only_first_replica"; "none" stays local); the local state is
        restored afterwards."""
        group = self._data_group()
        saved = []
        with torch.no_grad():
            for metric in metrics:
                for variable in metric.variables:
                    aggregation = getattr(variable, "aggregation", "sum")
                    if aggregation == "none":
                        continue
                    saved.append((variable, variable.detach().clone()))
                    if aggregation == "only_first_replica":
                        dist.broadcast(variable.data, group=group,
                                       group_src=0)
                    else:
                        dist.all_reduce(variable.data, group=group)
                        if aggregation == "mean":
                            variable.data.div_(dist.get_world_size(group))
        try:
            return result()
        finally:
            with torch.no_grad():
                for variable, local in saved:
                    variable.data.copy_(local)

    def _data_group(self):
        mesh = self.distribution.device_mesh
        if len(mesh.shape) == 1:
            return dist.group.WORLD
        return mesh.backend_mesh.get_group(self.distribution.batch_dim_name)


def shard_model(model, distribution):
    """Applies FSDP2's `fully_shard` to every layer owning a variable the
    layout map names (sharded as its layout says), then to the model; the
    layers' Keras weight lists then hold the sharded (DTensor) parameters,
    which the optimizer updates, as `ShardedVariable`s."""
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import Shard

    layout_map = distribution.layout_map
    optimizer = getattr(model, "optimizer", None)
    if getattr(optimizer, "built", False):
        raise ValueError(
            f"Model '{model.name}': its optimizer was built on the variables "
            "before `ModelParallel` could shard them (the model trained, or "
            "its optimizer was built, outside the distribution). Compile it "
            "again with a new optimizer before training under the "
            "distribution; `load_weights` then restores saved weights into "
            "the sharded variables.")
    variables = model.weights
    paths = [v.path for v in variables]
    unmatched = [key for key in layout_map
                 if not any(layout_map[p] is layout_map[key] for p in paths)]
    if unmatched:
        raise ValueError(
            f"LayoutMap keys {unmatched} match no variable of model "
            f"'{model.name}'. Its variables: {paths}")
    # State a layer updates in its call (BatchNormalization's moving
    # statistics, a stateful RNN's states: variables made with
    # trainable=False) stays whole in every process: FSDP would update
    # its gathered copy in the forward pass, then drop it.
    state = [v for v in variables if not getattr(v, "_own_trainable", True)]
    named_state = [v.path for v in state if layout_map[v.path] is not None]
    if named_state:
        raise ValueError(
            f"LayoutMap shards {named_state}, state that its layer updates "
            "as it runs (a variable made with trainable=False), which FSDP2 "
            "cannot keep sharded: leave it out of the LayoutMap (it stays "
            "whole in every process).")
    stateful = {id(v) for v in state}
    variables = [v for v in variables if id(v) not in stateful]
    placements = {id(v): distribution.shard_placement(v) for v in variables}
    owners = {}
    for layer in model._flatten_layers():
        for key, parameter in layer._parameters.items():
            if parameter is not None:
                owners[id(parameter)] = (layer, key, parameter)
    mesh = distribution.device_mesh.backend_mesh
    with torch.no_grad():
        for _, _, parameter in owners.values():
            # FSDP2 shards contiguous parameters only; convolution kernels
            # are laid out for torch's convolution (permuted memory).
            if not parameter.is_contiguous():
                parameter.data = parameter.data.contiguous()

    def placement(parameter):  # a parameter outside `weights`: dim 0
        return placements.get(id(parameter)) or Shard(0)

    sharded_layers = []
    for variable in variables:
        layer = owners[id(variable)][0]
        if layout_map[variable.path] is not None and layer is not model \
                and layer not in sharded_layers:
            sharded_layers.append(layer)
    for layer in sharded_layers:
        fully_shard(layer, mesh=mesh, shard_placement_fn=placement,
                    ignored_params=set(state))
    fully_shard(model, mesh=mesh, shard_placement_fn=placement,
                ignored_params=set(state))
    with torch.no_grad():
        _rebind_weights(model, owners)
    model.register_forward_hook(_reshard_after_inference)
    model.__dict__["_lamina_fully_sharded"] = True


def _rebind_weights(model, owners):
    """Puts a `ShardedVariable` (the Keras variable API over the DTensor
    parameter FSDP registered) in place of every sharded `Variable`, in
    its layer and in the layers' weight lists. FSDP adopts the parameter
    its module holds at its lazy initialization (the first forward pass,
    still to come), then manages it as its own."""
    # Imported on use, as FSDP above: it loads DTensor and FSDP, a second
    # at import time that DataParallel and one-process scripts never need.
    from lamina.distribution.sharded_variable import ShardedVariable

    replaced = {}
    for layer, key, old in owners.values():
        new = layer._parameters[key]
        if new is old:
            continue
        if isinstance(old, Variable):
            new = ShardedVariable(new, old, model)
        else:  # a plain torch parameter: its Keras attributes as data
            for name in _KERAS_ATTRIBUTES:
                if hasattr(old, name):
                    setattr(new, name, getattr(old, name))
            new.path = getattr(old, "path", None)
        replaced[id(old)] = new
    by_fsdp_parameter = {id(layer._parameters[key]): replaced[id(old)]
                         for layer, key, old in owners.values()
                         if id(old) in replaced}
    for layer in model._flatten_layers():
        # Every module holding the parameter (a weight shared by layers).
        for key, parameter in layer._parameters.items():
            if id(parameter) in by_fsdp_parameter:
                layer._parameters[key] = by_fsdp_parameter[id(parameter)]
        for weights in (layer._trainable_variables,
                        layer._non_trainable_variables):
            weights[:] = [replaced.get(id(w), w) for w in weights]
    call_context.trainable_version[0] += 1


def _reshard_after_inference(model, args, output):
    """A forward hook on the sharded model: a forward pass without
    gradients (`evaluate`, `predict`) has no backward pass to put the root
    FSDP unit's parameters back to their shards; without this they would
    stay gathered, in place of the sharded variables (`layer.kernel`)."""
    if not torch.is_grad_enabled():
        model.reshard()
