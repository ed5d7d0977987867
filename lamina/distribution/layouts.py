"""DeviceMesh, TensorLayout and LayoutMap: where tensors live, as in Keras.

A `DeviceMesh` names the axes of an array of devices; a `TensorLayout` says,
per tensor dimension, which mesh axis shards it (None: replicated); a
`LayoutMap` maps variable paths (regular expressions) to layouts.
"""

import collections.abc
import re

import numpy as np

from lamina.distribution import devices as devices_lib


class DeviceMesh:
    """A named N-D array of devices.

    Args:
        shape: the mesh's shape, e.g. `(2, 4)`.
        axis_names: one name per mesh axis, e.g. `("batch", "model")`.
        devices: the devices (strings as `list_devices()` gives them);
            default every device of the job.
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(d) for d in shape)
        axis_names = tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(
                "`DeviceMesh`: `shape` and `axis_names` must have the same "
                f"length. Received: shape={shape}, axis_names={axis_names}")
        if devices is None:
            devices = devices_lib.list_devices()
        devices = np.array(devices, dtype=object)
        if int(np.prod(shape)) != devices.size:
            raise ValueError(
                f"`DeviceMesh`: shape {shape} needs {int(np.prod(shape))} "
                f"devices, but {devices.size} were given or found: "
                f"{devices.ravel().tolist()}")
        self._shape = shape
        self._axis_names = axis_names
        self._devices = devices.reshape(shape)
        self._backend_mesh = None

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    @property
    def backend_mesh(self):
        """The `torch.distributed.device_mesh.DeviceMesh` over the job's
        ranks (needs an initialized process group)."""
        if self._backend_mesh is None:
            from torch.distributed.device_mesh import init_device_mesh

            if not devices_lib.is_distributed():
                raise RuntimeError(
                    "`DeviceMesh.backend_mesh` needs a process group: call "
                    "`keras.distribution.initialize()` first (under "
                    "`torchrun`).")
            kind = devices_lib.local_device().type
            self._backend_mesh = init_device_mesh(
                kind, self._shape, mesh_dim_names=self._axis_names)
        return self._backend_mesh

    def __repr__(self):
        return (f"<DeviceMesh shape={self._shape}, "
                f"axis_names={self._axis_names}>")


class TensorLayout:
    """How one tensor is placed on a mesh: per dimension, the mesh axis that
    shards it, or None to replicate it.

    Args:
        axes: one entry per tensor dimension, a mesh axis name or None.
        device_mesh: the mesh; a `LayoutMap` fills it in when None.
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(
                "`TensorLayout.device_mesh` is already set; a layout belongs "
                "to one mesh.")
        unknown = [a for a in self._axes
                   if a is not None and a not in device_mesh.axis_names]
        if unknown:
            raise ValueError(
                f"`TensorLayout`: axes {unknown} are not axes of the device "
                f"mesh {device_mesh.axis_names}. Received: axes={self._axes}")
        self._device_mesh = device_mesh

    def __repr__(self):
        return f"<TensorLayout axes={self._axes}>"


class LayoutMap(collections.abc.MutableMapping):
    """Variable paths (regular expressions) to `TensorLayout`s.

    A lookup returns the layout of the key equal to the path, else of the
    one key that `re.search` finds in it (more than one is an error), else
    None: the variable is replicated.

    Example:

    >>> mesh = DeviceMesh((2,), ["model"], ["cpu:0", "cpu:1"])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map["dense.*kernel"] = (None, "model")
    >>> layout_map["dense_1/kernel"].axes
    (None, 'model')
    """

    def __init__(self, device_mesh):
        self._device_mesh = device_mesh
        self._layouts = collections.OrderedDict()

    @property
    def device_mesh(self):
        return self._device_mesh

    def __getitem__(self, key):
        if key in self._layouts:
            return self._layouts[key]
        matches = [k for k in self._layouts if re.search(k, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches more than one key of the LayoutMap: "
                f"{matches}. Make the keys' regular expressions exclusive.")
        return self._layouts[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layouts:
            raise ValueError(
                f"The LayoutMap already has a layout for '{key}': "
                f"{self._layouts[key]}. Delete it before setting a new one.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise ValueError(
                f"LayoutMap['{key}']: expected a `TensorLayout` or a tuple of "
                f"mesh axis names (None to replicate). Received: {layout!r}")
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key):
        del self._layouts[key]

    def __len__(self):
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)
