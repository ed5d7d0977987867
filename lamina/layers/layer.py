"""Layer: the one contract every Lamina layer follows, as a torch.nn.Module.

`__init__` stores config, `build(input_shape)` creates weights with
`add_weight`, `call` computes (also reachable as `forward`),
`compute_output_shape` and `get_config` complete it. `__call__` (in
`layer_call.CallMixin`) records graph nodes on symbolic inputs, converts
arrays, builds on first call, checks `input_spec`, resolves `training` and
passes masks.
"""

import inspect

import torch

from lamina import dtype_policies
from lamina.layers import call_context
from lamina.layers.call_spec import _call_argument_names
from lamina.layers.call_spec import _is_plain
from lamina.layers.call_spec import _jsonable_shape
from lamina.layers.call_spec import _pop_legacy_input_shape
from lamina.layers.call_spec import _positional_names
from lamina.layers.layer_call import CallMixin
from lamina.layers.quantized.quantizable import quantize_for_policy
from lamina.layers.quantized.quantizable import quantize_layer
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


class Layer(CallMixin, WeightsMixin, torch.nn.Module):
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
        quantize_for_policy(self, value)

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

    @property
    def quantization_mode(self):
        """The layer's quantization mode ("int8", ...), None if float."""
        return self._dtype_policy.quantization_mode

    def quantize(self, mode=None, config=None, *, type_check=True):
        """Quantizes the built layer's weights in place: `mode` is "int8",
        "int4", "float8", "gptq" or "awq", or `config` a
        `keras.quantizers.QuantizationConfig` (see
        `lamina.layers.quantized`). Layers no mode handles raise."""
        quantize_layer(self, mode, config, type_check)

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
