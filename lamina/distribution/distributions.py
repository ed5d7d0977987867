"""DataParallel and ModelParallel, and the process-wide distribution.

`set_distribution` installs the distribution's hooks into the training loops
(`lamina.trainers.distribution_hook`); the work itself is torch's: DDP for
`DataParallel`, FSDP2 (`fully_shard`, DTensor) for `ModelParallel`.
"""

import contextlib

import torch

from lamina.distribution import devices as devices_lib
from lamina.distribution import teardown
from lamina.distribution import trainer_edges
from lamina.distribution.layouts import DeviceMesh
from lamina.distribution.layouts import TensorLayout
from lamina.trainers import distribution_hook

_current = [None]


class Distribution:
    """The base of the distributions: a device mesh, the mesh axis that
    splits the batch, and whether `fit` shards the data.

    Args:
        device_mesh: a `DeviceMesh`.
        batch_dim_name: the mesh axis the batch is split along (default
            the mesh's first axis).
        auto_shard_dataset: whether `fit`/`evaluate` give each process its
            share of every batch (else each process's data is used as it
            comes, already sharded by the user).
    """

    def __init__(self, device_mesh, batch_dim_name=None,
                 auto_shard_dataset=True):
        if not isinstance(device_mesh, DeviceMesh):
            raise ValueError(
                "Argument `device_mesh` must be a `DeviceMesh`. Received: "
                f"device_mesh={device_mesh!r}")
        devices_lib.check_joined()
        batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"Argument `batch_dim_name` must be an axis of the device "
                f"mesh {device_mesh.axis_names}. Received: "
                f"batch_dim_name={batch_dim_name!r}")
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = bool(auto_shard_dataset)

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @property
    def num_processes(self):
        return devices_lib.num_processes()

    @property
    def num_data_shards(self):
        """How many ways the batch is split (the batch axis's size)."""
        mesh = self._device_mesh
        return mesh.shape[mesh.axis_names.index(self._batch_dim_name)]

    @property
    def data_shard_id(self):
        """This process's data shard: its coordinate on the batch axis."""
        mesh = self._device_mesh
        axis = mesh.axis_names.index(self._batch_dim_name)
        inner = 1
        for size in mesh.shape[axis + 1:]:
            inner *= size
        return devices_lib.process_rank() // inner % mesh.shape[axis]

    def get_data_layout(self, data_shape):
        """Inputs are split along the batch axis, other dimensions whole."""
        axes = [None] * len(data_shape)
        if axes:
            axes[0] = self._batch_dim_name
        return TensorLayout(axes, self._device_mesh)

    def get_variable_layout(self, variable):
        """Replicated everywhere; `ModelParallel` reads its `LayoutMap`."""
        return TensorLayout([None] * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path):
        return None

    @contextlib.contextmanager
    def scope(self):
        """Makes this the distribution inside a `with` block."""
        previous = _current[0]
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)

    def distribute_dataset(self, dataset):
        """A torch `Dataset`/`DataLoader` as this process's share
        (a `DataLoader` over a `DistributedSampler`)."""
        from lamina.distribution import data_sharding
        import torch.utils.data as torch_data

        if isinstance(dataset, torch_data.Dataset):
            dataset = torch_data.DataLoader(dataset, batch_size=32)
        if not isinstance(dataset, torch_data.DataLoader):
            raise ValueError(
                "`distribute_dataset` expects a torch `Dataset` or "
                f"`DataLoader`. Received: {type(dataset).__name__}")
        loader = data_sharding.distributed_loader(
            dataset, self.data_shard_id, self.num_data_shards)
        if loader is None:
            raise ValueError(
                "`distribute_dataset`: this DataLoader cannot take a "
                "`DistributedSampler` (an IterableDataset or a custom "
                "sampler); shard its data by rank yourself.")
        return loader


class DataParallel(Distribution):
    """Replicates the model on every device and splits each batch between
    them; gradients are averaged by torch's `DistributedDataParallel`.

    Run one process per device (`torchrun --nproc_per_node=N`) and call
    `keras.distribution.initialize()` first. `fit`'s `batch_size` is the
    global batch: each of N processes trains on `batch_size / N` rows.

    Args:
        device_mesh: a 1-D `DeviceMesh` (default: every device).
        devices: the devices, instead of a mesh.
        auto_shard_dataset: see `Distribution`.
    """

    def __init__(self, device_mesh=None, devices=None,
                 auto_shard_dataset=True):
        devices_lib.check_joined()
        if device_mesh is None:
            available = devices_lib.list_devices()
            if devices is None:
                devices = available
            devices = [str(d) for d in devices]
            unknown = [d for d in devices if d not in available]
            if len(devices) > len(available) or unknown:
                raise ValueError(
                    f"`DataParallel` was given {len(devices)} devices "
                    f"{devices}, but this job has {len(available)}: "
                    f"{available}. Under torchrun, each process is one "
                    "device; start more processes (--nproc_per_node).")
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        if len(device_mesh.shape) != 1:
            raise ValueError(
                "`DataParallel` expects a 1-D device mesh. Received: "
                f"shape={device_mesh.shape}")
        size = device_mesh.shape[0]
        if size != devices_lib.num_processes() and not (
                size == 1 and not devices_lib.is_distributed()):
            raise ValueError(
                f"`DataParallel` over {size} devices needs {size} processes "
                "(one per device, launched by torchrun, then "
                "`keras.distribution.initialize()`); this job has "
                f"{devices_lib.num_processes()}.")
        super().__init__(device_mesh, device_mesh.axis_names[0],
                         auto_shard_dataset)

    def __repr__(self):
        return f"<DataParallel devices={self.device_mesh.devices.tolist()}>"


class ModelParallel(Distribution):
    """Shards the variables a `LayoutMap` names across the mesh's model axis
    (torch's FSDP2: `fully_shard`, DTensor parameters) and splits the batch
    along `batch_dim_name`.

    A layout shards one dimension of a variable, e.g. a Dense kernel
    `(None, "model")` splits its columns. Variables no key matches are
    sharded by FSDP along their first dimension (where Keras replicates
    them); the numbers are the same.

    Args:
        layout_map: a `LayoutMap` (its mesh is the distribution's).
        batch_dim_name: the mesh axis the batch is split along (default the
            mesh's first axis).
        auto_shard_dataset: see `Distribution`.
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None,
                 auto_shard_dataset=True, **kwargs):
        mesh = kwargs.pop("device_mesh", None)  # Keras's older spelling
        if kwargs:
            raise ValueError(
                f"Unrecognized arguments for `ModelParallel`: {sorted(kwargs)}")
        if layout_map is None:
            raise ValueError(
                "`ModelParallel` needs a `layout_map` argument (a LayoutMap "
                "of variable paths to layouts).")
        mesh = mesh or layout_map.device_mesh
        super().__init__(mesh, batch_dim_name, auto_shard_dataset)
        if len(mesh.shape) > 2 or (len(mesh.shape) == 2 and
                                   mesh.axis_names[0] != self.batch_dim_name):
            raise ValueError(
                "`ModelParallel` on torch takes a 1-D mesh, or a 2-D mesh "
                "(batch axis, model axis) with the batch axis first. "
                f"Received: shape={mesh.shape}, axis_names={mesh.axis_names},"
                f" batch_dim_name={self.batch_dim_name!r}")
        self._layout_map = layout_map

    @property
    def layout_map(self):
        return self._layout_map

    def get_variable_layout(self, variable):
        layout = self._layout_map[getattr(variable, "path", "")]
        return layout or super().get_variable_layout(variable)

    def get_tensor_layout(self, path):
        return self._layout_map[path]

    def shard_placement(self, variable):
        """The FSDP placement of `variable`: `Shard(dim)` for the dimension
        its layout puts on the model axis, else `Shard(0)`."""
        # DTensor is imported on use: it costs a second at import time.
        from torch.distributed.tensor import Shard

        if variable.dim() == 0:  # checked here, before any layer is sharded
            raise ValueError(
                f"Variable '{variable.path}' is a scalar (shape ()), which "
                "`ModelParallel` (FSDP2) cannot shard: every trainable "
                "variable is sharded. Give it shape (1,) instead.")
        layout = self._layout_map[getattr(variable, "path", "")]
        if layout is None:
            return Shard(0)
        model_axis = self.device_mesh.axis_names[-1]
        sharded = [i for i, a in enumerate(layout.axes) if a is not None]
        if len(layout.axes) != variable.dim() or any(
                layout.axes[i] != model_axis for i in sharded) or \
                len(sharded) > 1:
            raise ValueError(
                f"Variable '{variable.path}' (shape {tuple(variable.shape)}):"
                f" its layout {layout.axes} must give one entry per "
                f"dimension and shard at most one dimension, along the model "
                f"axis '{model_axis}'.")
        if not sharded:
            return Shard(0)
        dim, size = sharded[0], self.device_mesh.shape[-1]
        if dim > 0 and variable.shape[dim] % size:
            raise ValueError(
                f"Variable '{variable.path}' (shape {tuple(variable.shape)}):"
                f" its layout {layout.axes} splits dimension {dim} (size "
                f"{variable.shape[dim]}) across the {size} devices of the "
                f"model axis '{model_axis}', which FSDP2 does only evenly: "
                f"give it a size divisible by {size}, or split its first "
                "dimension (which may split unevenly).")
        return Shard(dim)

    def __repr__(self):
        return f"<ModelParallel mesh={self.device_mesh}>"


def distribution():
    """The current distribution (None when none is set)."""
    return _current[0]


def set_distribution(value):
    """Makes `value` (a `Distribution`, or None) the distribution `fit`,
    `evaluate` and `predict` use."""
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(
            "`set_distribution` expects a `Distribution` (DataParallel, "
            f"ModelParallel) or None. Received: {value!r}")
    _current[0] = value
    if value is not None and devices_lib.is_distributed():
        teardown.install()  # a process group the script joined itself
    distribution_hook.install(
        trainer_edges.TrainerEdges(value) if value is not None and
        devices_lib.num_processes() > 1 else None)


def distribute_tensor(tensor, layout):
    """`tensor` placed as `layout` says: a DTensor over the mesh in a
    process group, the tensor itself in a single process (one device)."""
    if not isinstance(layout, TensorLayout) or layout.device_mesh is None:
        raise ValueError(
            "`distribute_tensor` expects a `TensorLayout` with a device mesh."
            f" Received: layout={layout!r}")
    tensor = torch.as_tensor(tensor)
    if len(layout.axes) != tensor.dim():
        raise ValueError(
            f"`distribute_tensor`: the layout {layout.axes} has "
            f"{len(layout.axes)} entries for a tensor of shape "
            f"{tuple(tensor.shape)}.")
    if not devices_lib.is_distributed():
        return tensor
    from torch.distributed.tensor import Replicate
    from torch.distributed.tensor import Shard
    from torch.distributed.tensor import distribute_tensor as to_dtensor

    mesh = layout.device_mesh
    placements = [Shard(layout.axes.index(name)) if name in layout.axes
                  else Replicate() for name in mesh.axis_names]
    return to_dtensor(tensor.to(devices_lib.local_device()),
                      mesh.backend_mesh, placements)
