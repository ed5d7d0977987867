"""Pipeline: applies a list of layers in order (data augmentation chains)
without being a model."""

import inspect

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object


@register()
class Pipeline(Layer):
    """Calls `layers` one after the other, passing `training` (and a mask)
    to those whose `call` takes it. Unlike `Sequential` it is a plain
    layer: no training API, any input structure (dicts of images and
    labels included).

    Args:
        layers: the layers, in order.
        name: the layer's name.

    Example:

    >>> augment = keras.layers.Pipeline([
    ...     keras.layers.RandomFlip(), keras.layers.RandomInvert()])
    >>> augment(torch.rand(2, 8, 8, 3) * 255).shape
    torch.Size([2, 8, 8, 3])
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "Invalid value for argument `layers` of Pipeline. Expected a "
                f"list of layers. Received: layers={layers!r}")
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            parameters = inspect.signature(layer.call).parameters
            kwargs = {}
            if mask is not None and "mask" in parameters:
                kwargs["mask"] = mask
            if training is not None and "training" in parameters:
                kwargs["training"] = training
            outputs = layer(outputs, **kwargs)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._pipeline_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a "
                "list of serialized layers. Received config with "
                f"layers={layers}.")
        config = dict(config)
        config["layers"] = [deserialize_keras_object(layer)
                            for layer in layers]
        return cls(**config)

    def get_config(self):
        return {"layers": [serialize_keras_object(layer)
                           for layer in self._pipeline_layers],
                "name": self.name}
