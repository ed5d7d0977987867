"""`keras.utils.legacy`: the Keras 2 serialization functions, also found
under `keras.legacy.saving`."""

from lamina.legacy.saving import deserialize_keras_object  # noqa: F401
from lamina.legacy.saving import serialize_keras_object  # noqa: F401
