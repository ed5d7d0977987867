"""Functional: a model defined by a graph of layer calls on `Input`s."""

from lamina.models.model import MODELS
from lamina.models.model import Model


@MODELS.register(keras_module="keras.src.models.functional")
class Functional(Model):
    """What `Model(inputs, outputs)` builds: inputs and outputs may be a
    tensor, a list or a dict; layers may be shared or nested models."""

    def __init__(self, inputs, outputs, name=None, **kwargs):
        Model.__init__(self, inputs=inputs, outputs=outputs, name=name,
                       **kwargs)

    def get_config(self):
        from lamina.models.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)
