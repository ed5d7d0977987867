"""Keras 2's `keras.utils.np_utils` spelling."""

from lamina.utils.numerical_utils import normalize  # noqa: F401
from lamina.utils.numerical_utils import to_categorical  # noqa: F401
