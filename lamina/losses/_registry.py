"""The loss family's registry: string names, aliases and saved-config module."""

from lamina.saving.registry import Registry

LOSSES = Registry("loss", "keras.losses")
