"""How a layer is called: `CallMixin.__call__` and the steps it runs.

Symbolic inputs record a graph node (shapes traced from `call`); eager
inputs are converted (arrays to tensors on the layer's device, floats to
its input dtype), the layer is built on first call from the input shapes,
`input_spec` is checked, `training` is resolved (explicit argument, then the
enclosing call, then `call`'s default), masks are passed in and attached to
the outputs, and activity regularization is added. `Layer` mixes it in.
"""

import numpy as np
import torch
from torch._subclasses.fake_tensor import unset_fake_temporarily

from lamina import config
from lamina.graph import symbolic
from lamina.layers import call_context
from lamina.layers.call_spec import _as_shape_holder
from lamina.layers.call_spec import _call_argument_names
from lamina.layers.call_spec import call_spec as _call_spec
from lamina.layers.call_spec import mask_of as _mask_of
from lamina.layers.call_spec import _positional_names
from lamina.layers.call_spec import _shape_of
from lamina.layers.input_spec import assert_input_compatibility
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype

_state = call_context.state


class CallMixin:
    """The calling half of `Layer` (see the module docstring)."""
    def __call__(self, *args, **kwargs):
        if not args:
            args = self._first_argument_from_kwargs(kwargs)
        first = args[0]
        if not isinstance(first, torch.Tensor) and symbolic.any_symbolic(
            args, kwargs
        ):
            return self._symbolic_call(args, kwargs)
        outermost = _state.depth == 0 and not _state.symbolic
        if outermost:
            args = self._convert_inputs(args)
            first = args[0]
            if kwargs:
                for key, value in kwargs.items():
                    if isinstance(value, (np.ndarray, torch.Tensor, list,
                                          tuple)):
                        kwargs[key] = self._argument_on_device(value)
        elif isinstance(first, torch.Tensor) and \
                first.dtype != self._compute_torch_dtype and self.autocast \
                and first.is_floating_point():
            # Inside a model, as Keras: floats take this layer's compute
            # dtype (a float32 layer after mixed precision ones, ...).
            first = first.to(self._compute_torch_dtype)
            args = (first,) + tuple(args[1:])
        if not self.built:
            self._build_on_call(args, kwargs)
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self.name)
        spec = _call_spec(type(self))
        # (Read once here: each read of the thread-local state costs.)
        outer_training, outer_depth = _state.training, _state.depth
        training = kwargs.get("training") if kwargs else None
        if training is None:
            training = outer_training
            if training is None:
                training = spec.training_default
        if spec.has_training:
            if training is not None:
                kwargs["training"] = training
        elif kwargs:
            kwargs.pop("training", None)
        if spec.has_mask:
            previous_mask = kwargs.get("mask") if kwargs else None
            if previous_mask is None:
                previous_mask = _mask_of(first)
                if previous_mask is not None:
                    kwargs["mask"] = previous_mask
        else:
            if kwargs:
                kwargs.pop("mask", None)
            previous_mask = _mask_of(first)

        if outermost:
            if not torch.compiler.is_compiling():
                # (A compiled step begins the call before its graph runs,
                # so the graph holds no guard on the call counter.)
                call_context.begin_outermost_call()
            mode = bool(training)
            if self.training != mode:
                self.train(mode)
        if self._losses and self._losses_generation != _state.loss_generation:
            self._losses = []
        _state.training, _state.depth = training, outer_depth + 1
        scope = _state.name_scope
        scope.append(self.name)
        try:
            if self._weight_cast is None:
                outputs = torch.nn.Module.__call__(self, *args, **kwargs)
            else:
                outputs = self._call_with_cast_weights(args, kwargs)
        finally:
            scope.pop()
            _state.training, _state.depth = outer_training, outer_depth
        if self.activity_regularizer is not None:
            for output in tree.flatten(outputs):
                if isinstance(output, torch.Tensor):
                    penalty = self.activity_regularizer(output)
                    if output.dim() > 0 and output.shape[0] > 0:
                        # Keras 3 averages the penalty over the batch.
                        penalty = penalty / output.shape[0]
                    self.add_loss(penalty)
        if self.supports_masking and (
            previous_mask is not None or spec.computes_masks
        ):
            self._attach_masks(first, outputs, previous_mask)
        return outputs

    def _needs_call(self, inputs, training):
        """Whether `self(inputs, training=training)`, as an outermost
        eager call, has work to do beyond the call itself: building,
        converting the inputs (device, dtype), a mask to pass or attach, a
        mixed-precision cast or an activity regularizer of this layer's
        own, a change of train/eval mode. Input specs are not checked here:
        a caller of `_call_directly` has had `__call__` check each shape
        once."""
        return (not self.built or _state.depth or _state.symbolic
                or self.training != bool(training)
                or self._weight_cast is not None
                or self.activity_regularizer is not None
                or not isinstance(inputs, torch.Tensor)
                or _mask_of(inputs) is not None
                or (self.supports_masking
                    and _call_spec(type(self)).computes_masks)
                or self._convert_inputs((inputs,))[0] is not inputs
                or torch.compiler.is_compiling())

    def _call_directly(self, run, inputs, training):
        """`self(inputs, training=training)` made by `run` (the layers'
        direct calls of a guarded shortcut) where `_needs_call` is False:
        what `__call__` would still do is kept (a new outermost call for
        the step's losses, the resolved `training`, this layer's name
        scope, its losses cleared)."""
        call_context.begin_outermost_call()
        if self._losses and self._losses_generation != _state.loss_generation:
            self._losses = []
        outer_training = _state.training
        _state.training, _state.depth = training, 1
        scope = _state.name_scope
        scope.append(self.name)
        try:
            return run(inputs)
        finally:
            scope.pop()
            _state.training, _state.depth = outer_training, 0

    def _call_with_cast_weights(self, args, kwargs):
        """The call under a mixed policy: the layer's own weights are read
        in the compute dtype, as Keras's autocast scope does. The cast is
        differentiable, so gradients reach the float32 weights. Weights made
        with `autocast=False` (normalization statistics, ...) and
        non-trainable state (weights created with `trainable=False`, which
        `call` may update in place) keep their dtype."""
        dtype = self._weight_cast
        swapped = []
        for holder in (self._parameters, self.__dict__):
            for key, weight in holder.items():
                if isinstance(weight, torch.nn.Parameter) and \
                        weight.dtype != dtype and weight.is_floating_point() \
                        and getattr(weight, "autocast", True) and \
                        getattr(weight, "_own_trainable", True):
                    swapped.append((holder, key, weight))
        for holder, key, weight in swapped:
            holder[key] = weight.to(dtype)
        try:
            return torch.nn.Module.__call__(self, *args, **kwargs)
        finally:
            for holder, key, weight in swapped:
                holder[key] = weight

    def _first_argument_from_kwargs(self, kwargs):
        """`layer(query=q, value=v)`: the first `call` parameter becomes
        the positional input, as Keras allows."""
        names = _call_spec(type(self)).names
        first_name = names[0] if names else "inputs"
        if first_name in kwargs:
            return (kwargs.pop(first_name),)
        raise ValueError(
            f"Layer '{self.name}' must be called with at least one tensor "
            f"argument (its first `call` argument, '{first_name}'). "
            f"Received only keyword arguments: {sorted(kwargs)}"
        )

    def _convert_inputs(self, args):
        first = args[0]
        if isinstance(first, torch.Tensor) and len(args) == 1:
            target = self._device_for_inputs()
            if first.device == target and (
                not first.is_floating_point() or not self.autocast
                or first.dtype == self._dtype_policy.torch_compute_dtype
            ):
                return args
            return (self._to_input_tensor(first),)
        return tree.map_structure(self._to_input_tensor, args)

    def _to_input_tensor(self, value, cast=True):
        """Arrays become tensors on the layer's device; floats take the
        input dtype when `autocast` (and `cast`) is on."""
        if isinstance(value, (np.ndarray, np.generic)) and \
                value.dtype.kind in "USO":
            # Strings stay NumPy: torch has no string tensors, and string
            # layers (TextVectorization, StringLookup) take them as they are.
            return value
        if isinstance(value, (np.ndarray, np.generic)) or (
            isinstance(value, torch.Tensor)
        ):
            tensor = torch.as_tensor(value)
            target = self._device_for_inputs()
            dtype = tensor.dtype
            if cast and self.autocast and dtype.is_floating_point:
                dtype = to_torch_dtype(self.input_dtype)
            if tensor.device != target or tensor.dtype != dtype:
                tensor = tensor.to(device=target, dtype=dtype)
                mask = getattr(value, "_keras_mask", None)
                if isinstance(mask, torch.Tensor):
                    tensor._keras_mask = mask.to(target)
            return tensor
        return value

    def _argument_on_device(self, value):
        """A keyword argument (mask, initial state, ...) given as a NumPy
        array or a tensor on another device, on the layer's device."""
        if type(value) in (list, tuple):
            return type(value)(self._argument_on_device(v) for v in value)
        if isinstance(value, np.ndarray) and value.dtype.kind not in "USO":
            return torch.as_tensor(value, device=self._device_for_inputs())
        if isinstance(value, torch.Tensor) and value.device.type != "meta":
            target = self._device_for_inputs()
            if value.device != target:
                return value.to(target)
        return value

    def _device_for_inputs(self):
        # Any weight tells the device (it moves in place on `.to()`); keep
        # one to avoid walking the module tree on every call.
        probe = self.__dict__.get("_device_probe")
        if probe is None:
            probe = next(self.parameters(), None)
            if probe is None:
                return config.default_device()
            self.__dict__["_device_probe"] = probe
        return probe.device

    def _build_on_call(self, args, kwargs):
        shapes = {"input_shape": tree.map_structure(_shape_of, args[0])}
        build_names = _positional_names(type(self).build)
        if len(build_names) > 1:
            call_names = _call_argument_names(type(self))
            bound = dict(zip(call_names, args))
            bound.update(kwargs)
            shapes = {}
            for name in build_names:
                source = bound.get(name[: -len("_shape")])
                if source is not None:
                    shapes[name] = tree.map_structure(_shape_of, source)
        device = next(
            (x.device for x in tree.flatten(list(args))
             if isinstance(x, torch.Tensor) and x.device.type != "meta"),
            None,
        )
        outer = _state.building_from_call
        _state.building_from_call = True
        try:
            self._maybe_build_from_shapes(shapes, device)
        finally:
            _state.building_from_call = outer

    def _maybe_build_from_shapes(self, shapes, device=None):
        """Builds once; weights go to the device the inputs are on."""
        if self.built:
            return
        previous = getattr(_state, "build_device", None)
        _state.build_device = device if device is not None else previous
        scope = _state.name_scope
        scope.append(self.name)
        try:
            with unset_fake_temporarily():
                self._build_shapes = dict(shapes)
                if list(shapes) == ["input_shape"]:
                    self.build(shapes["input_shape"])
                else:
                    self.build(**shapes)
        finally:
            _state.build_device = previous
            scope.pop()
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _symbolic_call(self, args, kwargs):
        if not self.built:
            self._build_on_call(
                tree.map_structure(_as_shape_holder, list(args)),
                tree.map_structure(_as_shape_holder, kwargs),
            )
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, args[0], self.name)
        spec = _call_spec(type(self))
        call_kwargs = self._spec_kwargs(kwargs)
        # Masks exist while the graph is built, as in Keras: `call` sees the
        # incoming mask and the outputs carry `_keras_mask`. The node keeps
        # the user's arguments only; at run time masks travel on tensors.
        previous_mask = _mask_of(args[0])
        if spec.has_mask and previous_mask is not None and \
                call_kwargs.get("mask") is None:
            call_kwargs = dict(call_kwargs, mask=previous_mask)
        outputs = self.compute_output_spec(*args, **call_kwargs)
        symbolic.Node(self, args, kwargs, outputs)
        if self.supports_masking and (
            previous_mask is not None or spec.computes_masks
        ):
            self._attach_masks(args[0], outputs, previous_mask,
                               symbolic_masks=True)
        return outputs

    def _attach_masks(self, inputs, outputs, previous_mask,
                      symbolic_masks=False):
        flat_outputs = tree.flatten(outputs)
        if all(getattr(o, "_keras_mask", None) is not None
               for o in flat_outputs):
            return
        if symbolic_masks:
            output_masks = symbolic.trace_output_spec(
                self.compute_mask, (inputs, previous_mask), {})
        else:
            output_masks = self.compute_mask(inputs, previous_mask)
        if output_masks is None:
            return
        # As Keras: masks pair with outputs in order, so a single mask
        # lands on the first output only (not on returned states/scores).
        for output, mask in zip(flat_outputs, tree.flatten(output_masks)):
            if isinstance(output, (torch.Tensor, symbolic.KerasTensor)) and \
                    mask is not None and \
                    getattr(output, "_keras_mask", None) is None:
                try:
                    output._keras_mask = mask
                except (AttributeError, RuntimeError):
                    pass

    def _spec_kwargs(self, kwargs):
        """Drops `training`/`mask` when `call` does not take them."""
        spec = _call_spec(type(self))
        if (spec.has_training or "training" not in kwargs) and (
            spec.has_mask or "mask" not in kwargs
        ):
            return kwargs
        return {k: v for k, v in kwargs.items()
                if (k != "training" or spec.has_training)
                and (k != "mask" or spec.has_mask)}

    def _node_attribute(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no "
                f"defined {attribute}."
            )
        node = self._inbound_nodes[0]
        if attribute == "output":
            return node.outputs
        tensors = node.input_tensors
        return tensors[0] if len(tensors) == 1 else tensors
