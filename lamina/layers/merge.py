"""Keras 2's `keras.layers.merge` module path."""

from lamina.layers.merging import *  # noqa: F401,F403
