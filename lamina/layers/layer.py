"""Layer: the one contract every Lamina layer follows, as a torch.nn.Module.

`__init__` stores config, `build(input_shape)` creates weights with
`add_weight`, `call` computes (also reachable as `forward`),
`compute_output_shape` and `get_config` complete it. `__call__` records graph
nodes on symbolic inputs, converts arrays, builds on first call, checks
`input_spec`, resolves `training` and passes masks.
"""

import inspect

import numpy as np
import torch
from torch._subclasses.fake_tensor import unset_fake_temporarily

from lamina import config
from lamina import dtype_policies
from lamina.layers import call_context
from lamina.layers.input_spec import assert_input_compatibility
from lamina.layers.call_spec import _as_shape_holder
from lamina.layers.call_spec import _call_argument_names
from lamina.layers.call_spec import call_spec as _call_spec
from lamina.layers.call_spec import _is_plain
from lamina.layers.call_spec import _jsonable_shape
from lamina.layers.call_spec import mask_of as _mask_of
from lamina.layers.call_spec import _pop_legacy_input_shape
from lamina.layers.call_spec import _positional_names
from lamina.layers.call_spec import _shape_of
from lamina.layers.tracking import TrackedDict
from lamina.layers.tracking import TrackedList
from lamina.layers.tracking import TrackedModuleDict
from lamina.layers.tracking import TrackedModules
from lamina.layers.variable import Variable
from lamina.layers.weights_mixin import WeightsMixin
from lamina.graph import symbolic
from lamina.utils import naming
from lamina.utils import remat
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype

_LEGACY_INPUT_KWARGS = ("input_shape", "input_dim", "batch_input_shape",
                        "batch_size")
_state = call_context.state
_layer_version = call_context.layer_version
# Attributes a call sets as its results, not changes to the layer.
_PER_CALL_RESULTS = frozenset({"_losses", "_losses_generation"})


# Internal list attributes that hold bookkeeping, not sublayers.
_UNTRACKED = frozenset({
    "_stack", "_inbound_nodes", "_outbound_nodes", "_trainable_variables",
    "_non_trainable_variables", "_losses", "_init_args", "_build_shapes",
    "_input_shape_arg", "_initial_weights", "_tracked_metrics",
    "input_spec",
})


class Layer(WeightsMixin, torch.nn.Module):
    """Base class of all layers; subclass it for custom layers.

    Args:
        trainable: whether the layer's weights are updated in training.
        name: unique layer name; defaults to the snake_case class name.
        dtype: dtype or dtype policy of weights and computations.
        activity_regularizer: applied to the outputs, added to `losses`.
    """

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        # nn.Module state exists before any subclass __init__ runs, so
        # custom layers may set attributes before calling super().__init__.
        torch.nn.Module.__init__(layer)
        object.__setattr__(layer, "_init_args", (args, kwargs))
        return layer

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__ and not getattr(
            cls.__dict__["build"], "_marks_built", False
        ):
            cls.build = _marking_built(cls.__dict__["build"])

    # Set with the dtype policy (see the `dtype_policy` setter).
    _weight_cast = None
    _dtype_policy_map = None

    def __init__(self, *, activity_regularizer=None, trainable=True,
                 dtype=None, autocast=True, name=None, **kwargs):
        input_shape = _pop_legacy_input_shape(kwargs)
        initial_weights = kwargs.pop("weights", None)
        if kwargs:
            raise ValueError(
                "Unrecognized keyword arguments passed to "
                f"{type(self).__name__}: {kwargs}"
            )
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                "Argument `name` must be a string without '/'. "
                f"Received: name={name!r}"
            )
        self.name = name or naming.uniquify(
            naming.to_snake_case(type(self).__name__)
        )
        self.dtype_policy = dtype
        self.autocast = autocast
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self._input_shape_arg = input_shape
        self._initial_weights = initial_weights
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self._losses_generation = -1
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_shapes = None
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        if "supports_masking" not in self.__dict__ and not hasattr(
            type(self), "supports_masking"
        ):
            self.supports_masking = (
                type(self).compute_mask is not Layer.compute_mask
            )
        remat_scope = remat.get_current_remat_mode()
        if remat_scope is not None:  # built inside `keras.RematScope`
            self.call = remat.rematerialized_call(self, self.call, remat_scope)

    # ------------------------------------------------------------------
    # Attribute tracking
    def __setattr__(self, name, value):
        if name not in _PER_CALL_RESULTS:
            # Any change to a layer invalidates planned shortcuts.
            _layer_version[0] += 1
        if not name.startswith("_") and _is_metric(value) and \
                "_modules" in self.__dict__:
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if value not in tracked:
                tracked.append(value)
        if isinstance(value, Variable) and self._owns_variable_under_other_name(
            name, value
        ):
            # An alias of a weight registered under its Keras name: keep it out
            # of `_parameters` so state_dict lists the weight once.
            self.__dict__[name] = value
            return
        if name not in _UNTRACKED and "_modules" in self.__dict__:
            if isinstance(self._modules.get(name),
                          (TrackedModules, TrackedModuleDict)):
                del self._modules[name]
            # Exact types only: subclasses (Counter, defaultdict,
            # namedtuple) keep their own behaviour and are not wrapped.
            if type(value) in (list, tuple, dict):
                self.__dict__.pop(name, None)
                if type(value) is list:
                    value = TrackedList(value, self, name)
                elif type(value) is dict:
                    value = TrackedDict(value, self, name)
                else:
                    self._register_tracked(name, [
                        v for v in value if isinstance(v, torch.nn.Module)])
                object.__setattr__(self, name, value)
                return
        super().__setattr__(name, value)

    def _register_tracked(self, name, modules):
        if not modules:
            self._modules.pop(name, None)
        elif isinstance(modules, dict):
            self._modules[name] = TrackedModuleDict(modules)
        else:
            self._modules[name] = TrackedModules(modules)

    def __delattr__(self, name):
        _layer_version[0] += 1
        if isinstance(self._modules.get(name),
                      (TrackedModules, TrackedModuleDict)):
            del self._modules[name]
            self.__dict__.pop(name, None)
            return
        super().__delattr__(name)

    def _owns_variable_under_other_name(self, name, variable):
        registered = self.__dict__.get("_parameters", {})
        return any(
            p is variable and key != name for key, p in registered.items()
        )

    # ------------------------------------------------------------------
    # Properties
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        # A DTypePolicyMap is kept for the config; the layer computes with
        # the policy its map gives its path.
        self._dtype_policy_map = policy if isinstance(
            policy, dtype_policies.DTypePolicyMap) else None
        if self._dtype_policy_map is not None:
            policy = self._dtype_policy_map[self.path]
        self._dtype_policy = policy
        # Cached for `__call__`: the dtype inputs are cast to inside a model,
        # and the dtype weights are read in (None unless a mixed policy).
        self._compute_torch_dtype = policy.torch_compute_dtype
        self._weight_cast = (policy.torch_compute_dtype
                             if policy.casts_weights else None)

    @property
    def dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def path(self):
        return self.name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        call_context.trainable_version[0] += 1
        self._trainable = value
        for variable in self._trainable_variables:
            # A weight frozen on its own (`weight.trainable = False`, LoRA's
            # base kernel) stays frozen, as in Keras.
            variable.requires_grad_(
                value and getattr(variable, "_own_trainable", True))
        for layer in self._direct_sublayers():
            if isinstance(layer, Layer):
                layer.trainable = value
            else:
                layer.requires_grad_(value)

    @property
    def layers(self):
        return [m for m in self._direct_sublayers()]

    def _direct_sublayers(self):
        found = []
        for module in self._modules.values():
            if isinstance(module, (TrackedModules, TrackedModuleDict)):
                found.extend(module.values_in_order())
            elif module is not None:
                found.append(module)
        return found

    def _flatten_layers(self, include_self=True):
        seen, ordered = set(), []
        stack = [self] if include_self else self._direct_sublayers()[::-1]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            ordered.append(layer)
            if isinstance(layer, Layer):
                stack.extend(reversed(layer._direct_sublayers()))
        return ordered

    # ------------------------------------------------------------------
    # The contract
    def build(self, input_shape=None):
        """Creates weights. Called directly with a shape, the default builds
        sublayers by tracing `call`; on a first real call it only marks the
        layer built, since the sublayers build as `call` reaches them."""
        if input_shape is not None and not _state.building_from_call and \
                self._has_unbuilt_sublayers():
            self._trace_call(input_shape)
        self.built = True

    def _has_unbuilt_sublayers(self):
        return any(
            isinstance(m, Layer) and not m.built
            for m in self._flatten_layers(include_self=False)
        )

    def _trace_call(self, input_shape):
        placeholders = symbolic.map_shape_structure(
            lambda s: symbolic.KerasTensor(s, self.input_dtype), input_shape
        )
        symbolic.trace_output_spec(self.call, (placeholders,), {})

    def build_from_config(self, config):
        config = config or {}
        if config.get("input_shape") is not None:
            self._maybe_build_from_shapes(
                {"input_shape": config["input_shape"]})
        elif config.get("shapes_dict"):
            self._maybe_build_from_shapes(config["shapes_dict"])

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        if list(self._build_shapes) == ["input_shape"]:
            return {"input_shape": _jsonable_shape(
                self._build_shapes["input_shape"])}
        return {"shapes_dict": {k: _jsonable_shape(v)
                                for k, v in self._build_shapes.items()}}

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not define `call()`; subclasses "
            "of Layer must implement it."
        )

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def compute_output_shape(self, *args, **kwargs):
        """Output shape(s) for input shape(s); traced from `call` by default."""

        def placeholders(shapes):
            return symbolic.map_shape_structure(
                lambda s: symbolic.KerasTensor(s, self.input_dtype), shapes
            )

        spec = symbolic.trace_output_spec(
            self.call,
            [placeholders(a) for a in args],
            {k: placeholders(v) for k, v in kwargs.items()},
        )
        return tree.map_structure(lambda t: t.shape, spec)

    def compute_output_spec(self, *args, **kwargs):
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = symbolic.shapes_of(args[0] if args else
                                        next(iter(kwargs.values())))
            output_shape = self._call_compute_output_shape(shapes, args, kwargs)
            return symbolic.map_shape_structure(
                lambda s: symbolic.KerasTensor(s, self.compute_dtype),
                output_shape,
            )
        return symbolic.trace_output_spec(
            self.call, args, kwargs
        )

    def _call_compute_output_shape(self, first_shape, args, kwargs):
        names = _positional_names(type(self).compute_output_shape)
        if len(names) <= 1:
            return self.compute_output_shape(first_shape)
        call_names = _call_argument_names(type(self))
        shapes = {}
        bound = dict(zip(call_names, args))
        bound.update(kwargs)
        for param in names:
            source = bound.get(param.replace("_shape", ""))
            if isinstance(source, symbolic.KerasTensor) or tree.is_nested(
                source
            ):
                shapes[param] = symbolic.shapes_of(source)
        return self.compute_output_shape(**shapes)

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask if self.supports_masking else None

    compute_mask._is_base_compute_mask = True

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policies.serialize(
                self._dtype_policy_map or self._dtype_policy),
        }
        if self.activity_regularizer is not None:
            from lamina import regularizers

            config["activity_regularizer"] = regularizers.serialize(
                self.activity_regularizer)
        if type(self).get_config is Layer.get_config:
            config.update(self._auto_config())
        return config

    def _auto_config(self):
        args, kwargs = self._init_args
        if not args and not kwargs:
            return {}
        try:
            bound = inspect.signature(type(self).__init__).bind(
                self, *args, **kwargs
            )
        except TypeError:
            bound = None
        values = dict(bound.arguments) if bound else dict(kwargs)
        values.pop("self", None)
        extra = values.pop("kwargs", {})
        values.update(extra if isinstance(extra, dict) else {})
        for base_key in ("name", "trainable", "dtype"):
            values.pop(base_key, None)
        if all(_is_plain(v) for v in values.values()):
            return values
        raise NotImplementedError(
            f"Layer {type(self).__name__} has arguments in `__init__` that are "
            f"not plain values ({values}), so it must override `get_config()`"
            " to be serialized."
        )

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using "
                f"config={config}. Exception encountered: {error}"
            ) from error

    # ------------------------------------------------------------------
    # Calling
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
        training = kwargs.get("training") if kwargs else None
        if training is None:
            training = _state.training
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

        outer_training, outer_depth = _state.training, _state.depth
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

    @property
    def input(self):
        return self._node_attribute("input")

    @property
    def output(self):
        return self._node_attribute("output")

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def extra_repr(self):
        return f"name={self.name}"


def _marking_built(build):
    """Wraps a subclass's `build` so that calling it directly (as Keras
    users do: `layer.build(shape)`) marks the layer built, once."""
    import functools

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        self.built = True
        if self._build_shapes is None and args:
            self._build_shapes = {"input_shape": args[0]}
        return result

    wrapper._marks_built = True
    return wrapper


def _is_metric(value):
    return not isinstance(value, torch.nn.Module) and all(
        hasattr(value, attr) for attr in ("update_state", "result",
                                          "reset_state"))
