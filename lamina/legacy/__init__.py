"""`keras.legacy`: the Keras 2 forms Keras 3 still reads and writes."""

from lamina.legacy import saving  # noqa: F401
