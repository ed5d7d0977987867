"""Sequential: a plain stack of single-input, single-output layers."""

import warnings

import torch

from lamina.graph import KerasTensor
from lamina.layers import call_context
from lamina.layers.call_spec import call_spec
from lamina.layers.call_spec import mask_of
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.layers.shortcut_guard import Shortcut
from lamina.models import graph as graph_lib
from lamina.models.model import MODELS
from lamina.models.model import Model
from lamina.utils.dtypes import to_torch_dtype

_call_state = call_context.state


@MODELS.register(keras_module="keras")
class Sequential(Model):
    """A linear stack of layers.

    Example:
        model = lamina.Sequential([
            lamina.Input(shape=(784,)),
            lamina.layers.Dense(512, activation="relu"),
            lamina.layers.Dense(10, activation="softmax"),
        ])
    """

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._stack = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input`) to the stack."""
        if isinstance(layer, KerasTensor) and isinstance(
            layer._keras_history[0], InputLayer
        ):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(
                    f"Sequential model '{self.name}' already has layers or an "
                    "input; an InputLayer can only be its first item. "
                    f"Received: {layer.name}"
                )
            self._input_layer = layer
        else:
            if not isinstance(layer, torch.nn.Module):
                raise ValueError(
                    "Only instances of `lamina.Layer` (or torch.nn.Module) can "
                    f"be added to a Sequential model. Received: {layer!r} "
                    f"(of type {type(layer).__name__})"
                )
            if not isinstance(layer, Layer):
                from lamina.layers.core.torch_module_wrapper import (
                    TorchModuleWrapper,
                )

                layer = TorchModuleWrapper(layer)
            if any(existing.name == layer.name for existing in self._stack):
                raise ValueError(
                    "All layers added to a Sequential model should have "
                    f"unique names. Name '{layer.name}' is already the name of "
                    f"a layer in model '{self.name}'."
                )
            if not self._stack and self._input_layer is None and \
                    layer._input_shape_arg is not None:
                warnings.warn(
                    "Do not pass an `input_shape`/`input_dim` argument to a "
                    "layer. When using Sequential models, prefer using an "
                    "`Input(shape)` object as the first layer in the model "
                    "instead.", UserWarning, stacklevel=3,
                )
                self._input_layer = InputLayer(
                    batch_shape=layer._input_shape_arg
                )
            self._stack.append(layer)
            self._register_layer(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.__dict__.pop("_shortcut_plan", None)
        self.__dict__.pop("_input_torch_dtype", None)
        self.__dict__.pop("_checked_shapes", None)
        self.built = False
        self._graph = None
        if self._input_layer is not None and self._stack:
            self._trace(self._input_layer._inbound_nodes[0].outputs)

    def _trace(self, inputs):
        x = inputs
        # Layers built here get "sequential/..." paths (once, even when this
        # runs inside the model's own build).
        with call_context.name_scope(self.name):
            for layer in self._stack:
                x = layer(x)
                if isinstance(x, (list, tuple)) and len(x) != 1:
                    raise ValueError(
                        "All layers in a Sequential model should have a "
                        f"single output tensor. Layer '{layer.name}' has "
                        f"{len(x)} outputs. For multi-output layers, use the "
                        "functional API."
                    )
        self._graph = graph_lib.Graph(inputs, x)
        self._build_shapes = {"input_shape": inputs.shape}
        self.built = True

    def build(self, input_shape=None):
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    f"You must provide an `input_shape` argument to build "
                    f"Sequential model '{self.name}'."
                )
            self._maybe_rebuild()
            return
        if isinstance(input_shape, dict) and "input_shape" in input_shape:
            input_shape = input_shape["input_shape"]
        input_shape = tuple(input_shape)
        if self._input_layer is None or (
            self._input_layer.batch_shape != input_shape
        ):
            self._input_layer = InputLayer(batch_shape=input_shape)
            self.__dict__.pop("_input_torch_dtype", None)
        if not self._stack:
            self.built = True
            return
        self._trace(self._input_layer._inbound_nodes[0].outputs)

    def call(self, inputs, training=None, mask=None):
        if torch.compiler.is_compiling():
            # Traced: the shortcut's bookkeeping would only add guards.
            return self._call_layers(inputs, mask)
        shortcut = self._shortcut()
        if mask is None and isinstance(inputs, torch.Tensor) and \
                shortcut.usable() and mask_of(inputs) is None:
            # Input specs are checked by the full path once per feature
            # shape; later batches of that shape take the direct calls.
            checked = self.__dict__.get("_checked_shapes")
            if checked is None:
                checked = self.__dict__["_checked_shapes"] = set()
            key = inputs.shape[1:]
            if key in checked:
                return shortcut.run(inputs)
            outputs = self._call_layers(inputs, mask)
            checked.add(key)
            return outputs
        return self._call_layers(inputs, mask)

    def _direct_layers_function(self):
        """The layers' direct calls for inputs the full path has already
        validated, or None: the model's own `__call__` is skipped too, so
        its hooks count as well."""
        shortcut = self._shortcut()
        return shortcut.run if shortcut.usable(owner=self) else None

    def _call_layers(self, inputs, mask=None):
        for index, layer in enumerate(self._stack):
            if index == 0 and mask is not None and \
                    call_spec(type(layer)).has_mask:
                inputs = layer(inputs, mask=mask)
            else:
                inputs = layer(inputs)
        return inputs

    def _convert_inputs(self, args):
        """As functional models do: inputs take the `Input`'s dtype (integer
        arrays fed to a float model are cast, as in Keras)."""
        args = super()._convert_inputs(args)
        first = args[0]
        wanted = self.__dict__.get("_input_torch_dtype")
        if wanted is None:
            input_layer = self._input_layer
            if input_layer is None or not isinstance(first, torch.Tensor):
                return args
            wanted = to_torch_dtype(input_layer.dtype)
            self.__dict__["_input_torch_dtype"] = wanted
        if isinstance(first, torch.Tensor) and first.dtype != wanted:
            args = (first.to(wanted),) + tuple(args[1:])
        return args

    def _shortcut(self):
        """The direct calls of the stacked layers' `call`, skipping
        `__call__`'s bookkeeping, planned again whenever any layer changes
        (`Shortcut.usable` is the guard). No plan (`run` None) when a layer
        needs the full path: an unbuilt layer, a nested model, masks, an
        activity regularizer, or call arguments beyond training/mask."""
        shortcut = self.__dict__.get("_shortcut_plan")
        if shortcut is not None and shortcut.is_current():
            return shortcut
        steps = []
        try:
            flowing = to_torch_dtype(self.input_dtype)
        except (KeyError, ValueError):  # string inputs
            flowing = None
        for layer in self._stack:
            spec = call_spec(type(layer)) if isinstance(layer, Layer) \
                else None
            if (spec is None or isinstance(layer, Model)
                    or not layer.built or spec.computes_masks
                    or _casts_in_call(layer, flowing)
                    or layer.activity_regularizer is not None
                    or any(n not in ("training", "mask") for n in
                           spec.names[1:])):
                steps = None
                break
            steps.append((layer.call, spec.has_training))
            flowing = layer._compute_torch_dtype
        run = None
        if steps:
            plan = tuple(steps)

            def run(x):
                return _run_direct(plan, x)

        shortcut = Shortcut(run, self._stack)
        self.__dict__["_shortcut_plan"] = shortcut
        return shortcut

    def compute_output_spec(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer.compute_output_spec(x)
        return x

    def compute_output_shape(self, input_shape):
        placeholder = KerasTensor(input_shape)
        return self.compute_output_spec(placeholder).shape

    def get_config(self):
        from lamina import dtype_policies
        from lamina.saving.serialization import serialize_keras_object

        layers = [serialize_keras_object(layer) for layer in self._stack]
        if self._input_layer is not None:
            layers.insert(0, serialize_keras_object(self._input_layer))
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policies.serialize(self._dtype_policy),
            "layers": layers,
        }
        if self.built and self._graph is not None:
            config["build_input_shape"] = list(self._graph.inputs[0].shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization import deserialize_keras_object

        # Keras 2 wrote a bare list of layer configs.
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"),
                    trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(
                layer_config, custom_objects=custom_objects), rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape is not None:
            model.build(tuple(shape))
        return model

    @property
    def layers(self):
        return list(self._stack)

    def _functional_graph(self):
        # A stack: the summary lists its layers (without the InputLayer, as
        # Keras does) and its output is not named by a layer.
        return None

    def _direct_sublayers(self):
        return list(self._stack)

    @property
    def inputs(self):
        if self._graph is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined inputs yet: it "
                "is built on its first call or by `build(input_shape)`."
            )
        return list(self._graph.inputs)

    @property
    def outputs(self):
        if self._graph is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined outputs yet."
            )
        return list(self._graph.outputs)

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    @property
    def input_dtype(self):
        if self._input_layer is not None:
            return self._input_layer.dtype
        return Layer.input_dtype.fget(self)


def _run_direct(plan, x):
    training = _call_state.training
    for call, has_training in plan:
        x = call(x, training=training) if has_training and \
            training is not None else call(x)
    return x


def _casts_in_call(layer, flowing):
    """True when the layer's `__call__` casts (its weights under a mixed
    policy, or float inputs of another dtype than it computes in), which
    direct calls would skip."""
    if layer._weight_cast is not None:
        return True
    return (layer.autocast and flowing is not None
            and flowing.is_floating_point
            and layer._compute_torch_dtype != flowing)
