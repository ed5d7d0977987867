"""Runs a plain `torch.nn.Module` as a layer; its parameters are its weights."""

import torch

from lamina.layers.layer import Layer
from lamina.layers.registry import register


@register()
class TorchModuleWrapper(Layer):
    """Wraps `module` so it can sit in Sequential and functional models.

    Args:
        module: any `torch.nn.Module`; called as `module(inputs)`.
        output_shape: optional output shape; otherwise traced.
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(
                "TorchModuleWrapper expects a torch.nn.Module. "
                f"Received: module={module!r}"
            )
        self.module = module
        self.output_shape_arg = output_shape
        self.built = True

    def call(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self.output_shape_arg is not None:
            return tuple(self.output_shape_arg)
        return Layer.compute_output_shape(self, input_shape)

    def save_own_variables(self, store):
        """Writes the module's whole `state_dict` (buffers included) under
        torch's names, as Keras's TorchModuleWrapper does."""
        for key, value in self.module.state_dict().items():
            store[key] = value.detach().cpu().numpy()

    def load_own_variables(self, store):
        state = self.module.state_dict()
        keys = sorted(store.keys())
        if keys != sorted(state):
            raise ValueError(
                f"Layer '{self.name}' wraps a module with the state entries "
                f"{sorted(state)}, but the file has {keys}."
            )
        values = {key: torch.as_tensor(store[key]) for key in state}
        for key, value in values.items():
            if tuple(value.shape) != tuple(state[key].shape):
                raise ValueError(
                    f"Layer '{self.name}' entry '{key}' has shape "
                    f"{tuple(state[key].shape)}, but the file has shape "
                    f"{tuple(value.shape)}."
                )
        self.module.load_state_dict(values)

    def get_config(self):
        raise ValueError(
            "TorchModuleWrapper holds arbitrary torch code and cannot be "
            "serialized to a Keras config; save its weights instead."
        )
