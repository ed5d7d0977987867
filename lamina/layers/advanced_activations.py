"""Keras 2's `keras.layers.advanced_activations` module path."""

from lamina.layers.activations import *  # noqa: F401,F403
