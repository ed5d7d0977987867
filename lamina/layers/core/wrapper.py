"""Wrapper: the base class of layers that wrap another layer."""

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object


@register()
class Wrapper(Layer):
    """A layer holding another layer, `self.layer`, which it builds with
    itself and serializes inside its config (`{"layer": ...}`). Subclasses
    define `call` (and usually `compute_output_shape`).

    Args:
        layer: the wrapped `Layer`.

    Example:

    >>> class Twice(keras.layers.Wrapper):
    ...     def call(self, inputs):
    ...         return self.layer(self.layer(inputs))
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer "
                "type. Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"),
                                         custom_objects=custom_objects)
        return cls(layer, **config)
