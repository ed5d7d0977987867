"""The layer family's registry: built-in layers by class name."""

from lamina.saving.registry import Registry

LAYERS = Registry("layer", "keras.layers")
register = LAYERS.register
