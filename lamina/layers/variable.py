"""Keras weights as `torch.nn.Parameter`s.

A `Variable` *is* the parameter torch optimizers, `state_dict` and DDP see; it
adds Keras's variable API (`numpy`, `assign`, `name`, `path`, `trainable`) and
carries the weight's regularizer and constraint.
"""

import numpy as np
import torch


class Variable(torch.nn.Parameter):
    def __new__(cls, data, trainable=True, name=None, path=None,
                regularizer=None, constraint=None):
        variable = torch.Tensor._make_subclass(cls, data, bool(trainable))
        variable._keras_name = name
        variable._keras_path = path or name
        # The weight's own flag; the layer's `trainable` is combined with it.
        variable._own_trainable = bool(trainable)
        variable.regularizer = regularizer
        variable.constraint = constraint
        return variable

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copy = type(self)(
            self.data.clone(memory_format=torch.preserve_format),
            self.requires_grad, self._keras_name, self._keras_path,
            self.regularizer, self.constraint,
        )
        copy._own_trainable = self._own_trainable
        for key in ("aggregation", "autocast", "overwrite_with_gradient"):
            if key in self.__dict__:
                setattr(copy, key, self.__dict__[key])
        memo[id(self)] = copy
        return copy

    def __reduce_ex__(self, protocol):
        # Pickles (torch.save, multiprocessing) as a plain Parameter.
        return torch.nn.Parameter(self.data, self.requires_grad).__reduce_ex__(
            protocol
        )

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={tuple(self.shape)}, "
            f"dtype={str(self.dtype).replace('torch.', '')}, "
            f"value={self.numpy()!r}>"
        )

    @property
    def name(self):
        return self._keras_name

    @property
    def path(self):
        return self._keras_path

    @property
    def trainable(self):
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        from lamina.layers import call_context

        call_context.trainable_version[0] += 1
        self._own_trainable = bool(value)
        self.requires_grad_(bool(value))

    @property
    def value(self):
        return self

    def numpy(self):
        """A NumPy copy of the value (never a view of the live weight)."""
        return to_numpy(self)

    def assign(self, value):
        """Copies `value` (array or tensor, same shape) into the weight."""
        source = torch.as_tensor(
            np.asarray(value) if not torch.is_tensor(value) else value
        )
        if tuple(source.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign to variable '{self.path}': expected a value of "
                f"shape {tuple(self.shape)}, received shape "
                f"{tuple(source.shape)}."
            )
        with torch.no_grad():
            self.copy_(source)
        return self

    def assign_add(self, value):
        with torch.no_grad():
            self.add_(torch.as_tensor(value, device=self.device))
        return self

    def assign_sub(self, value):
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, device=self.device))
        return self


def to_numpy(weight):
    """NumPy copy of a Keras `Variable` or a plain torch parameter/tensor.

    Always a copy, as in Keras: on CPU `Tensor.numpy()` shares memory, so a
    snapshot (`get_weights()`, `EarlyStopping`'s best weights) would change
    as training goes on. C-ordered, as Keras's arrays are, whatever the
    weight's memory layout (convolution kernels are laid out for torch).
    """
    value = weight.detach()
    if hasattr(value, "full_tensor"):  # sharded (ModelParallel): gathered
        value = value.full_tensor()
    if value.dtype == torch.bfloat16:
        value = value.float()
    return np.array(value.cpu().numpy(), copy=True, order="C")


def weight_path(weight):
    return getattr(weight, "path", None)
