"""Lambda: wraps an arbitrary function of tensors as a layer."""

import contextlib
import inspect
import types

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph import symbolic
from lamina.saving.serialization import SafeModeScope
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import dump_function
from lamina.saving.serialization import serialize_keras_object
from lamina.utils import tree


@register()
class Lambda(Layer):
    """Wraps a function of tensors, `function(inputs, **arguments)`, as a
    layer. Meant for stateless expressions; a layer that holds weights
    should subclass `Layer`.

    A config holding a Python lambda stores its bytecode, so it only loads
    back with `safe_mode=False` and only on the same Python version; prefer
    named functions registered with `register_keras_serializable`.

    Args:
        function: the callable to wrap; it may accept `mask` and `training`
            keyword arguments, which are then passed through.
        output_shape: the output shape without the batch axis (a tuple, or a
            structure of tuples for several outputs), or a callable mapping
            the full input shape to the full output shape. When `None`, the
            shape is inferred by running `function` on placeholders.
        mask: the output mask: a callable `mask(inputs, previous_mask)`, or
            a fixed mask value. `None` means the layer drops incoming masks.
        arguments: optional dict of extra keyword arguments for `function`.

    Example:
        >>> layer = Lambda(lambda x: x ** 2)
        >>> layer(torch.tensor([1.0, 2.0]))
        tensor([1., 4.])
    """

    def __init__(self, function, output_shape=None, mask=None,
                 arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(
                "Invalid value for argument `function` of Lambda layer "
                f"'{self.name}'. Expected a callable. Received: "
                f"function={function!r}"
            )
        self.function = function
        self.arguments = arguments or {}
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        parameters = _parameter_names(function)
        self._fn_expects_mask_arg = "mask" in parameters
        self._fn_expects_training_arg = "training" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            placeholders = symbolic.map_shape_structure(
                lambda s: symbolic.KerasTensor(s, self.compute_dtype),
                input_shape,
            )
            spec = self._infer_output_spec(placeholders, {})
            return tree.map_structure(lambda t: t.shape, spec)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        # A given `output_shape` excludes the batch axis.
        batch_size = tree.flatten(input_shape)[0]
        return symbolic.map_shape_structure(
            lambda s: (batch_size,) + tuple(s), self._output_shape
        )

    def compute_output_spec(self, inputs, mask=None, training=None):
        if self._output_shape is None:
            # Traced directly so each output keeps the dtype it has.
            kwargs = {"mask": mask, "training": training}
            return self._infer_output_spec(
                inputs, {k: v for k, v in kwargs.items() if v is not None}
            )
        output_shape = self.compute_output_shape(symbolic.shapes_of(inputs))
        return symbolic.map_shape_structure(
            lambda s: symbolic.KerasTensor(tuple(s), self.compute_dtype),
            output_shape,
        )

    def _infer_output_spec(self, inputs, kwargs):
        try:
            spec = symbolic.trace_output_spec(self.call, [inputs], kwargs)
        except Exception as error:
            raise ValueError(
                f"Could not infer the output shape of Lambda layer "
                f"'{self.name}': running its function on placeholder inputs "
                f"of shape {symbolic.shapes_of(inputs)} failed with "
                f"{type(error).__name__}: {error}. Pass the `output_shape` "
                "argument to this Lambda layer."
            ) from error
        if not all(isinstance(t, symbolic.KerasTensor)
                   for t in tree.flatten(spec)):
            raise ValueError(
                f"Could not infer the output shape of Lambda layer "
                f"'{self.name}': its function must return tensors (or a "
                f"structure of tensors). Received: {spec!r}. Pass the "
                "`output_shape` argument to this Lambda layer."
            )
        return spec

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (
                _serialize_function(self._output_shape)
                if callable(self._output_shape) else self._output_shape
            )
        if self.mask is not None:
            config["mask"] = (
                _serialize_function(self.mask) if callable(self.mask)
                else serialize_keras_object(self.mask)
            )
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; a Python lambda loads only outside safe mode
        (`safe_mode=False` here, in the loading call, or globally)."""
        config = dict(config)
        scope = (SafeModeScope(safe_mode) if safe_mode is not None
                 else contextlib.nullcontext())
        with scope:
            try:
                config["function"] = _deserialize_function(
                    config["function"], custom_objects)
            except ValueError as error:
                raise ValueError(
                    f"Lambda layer '{config.get('name')}': {error}"
                ) from error
            if "output_shape" in config:
                config["output_shape"] = _deserialize_output_shape(
                    config["output_shape"], custom_objects)
            if isinstance(config.get("mask"), dict):
                config["mask"] = _deserialize_function(
                    config["mask"], custom_objects)
            if "arguments" in config:
                config["arguments"] = deserialize_keras_object(
                    config["arguments"], custom_objects=custom_objects)
        return super().from_config(config)


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _serialize_function(fn):
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        return {"class_name": "__lambda__", "config": dump_function(fn)}
    return serialize_keras_object(fn)


def _deserialize_function(config, custom_objects):
    if isinstance(config, (dict, str)):
        # Raises in safe mode for "__lambda__" configs (code in the file).
        return deserialize_keras_object(config, custom_objects=custom_objects)
    return config


def _deserialize_output_shape(config, custom_objects):
    if isinstance(config, dict) and "class_name" in config:
        return _deserialize_function(config, custom_objects)
    # JSON turns tuples into lists: shapes become tuples again.
    return symbolic.map_shape_structure(tuple, config)
