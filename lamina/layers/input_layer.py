"""`Input()` and `InputLayer`: where a functional graph starts."""

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor
from lamina.graph.symbolic import Node
from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype


@register()
class InputLayer(Layer):
    """The layer behind `Input()`; its output is the symbolic input tensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, optional=False,
                 name=None, **kwargs):
        # Keras 2 configs spell it `batch_input_shape`.
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        kwargs.pop("ragged", None)
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        super().__init__(
            name=name or naming.uniquify("input_layer"), dtype=dtype, **kwargs
        )
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same "
                f"time. Received: shape={shape}, batch_shape={batch_shape}"
            )
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(
                    "Argument `input_tensor` must be a KerasTensor. "
                    f"Received: input_tensor={input_tensor!r}"
                )
            batch_shape = input_tensor.shape
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    "You must pass a `shape` argument to Input(). "
                    "Received: shape=None"
                )
            if isinstance(shape, int):
                shape = (shape,)
            _check_dims(shape, "shape")
            batch_shape = (batch_size,) + tuple(shape)
        else:
            _check_dims(batch_shape[1:], "batch_shape")
        self._batch_shape = tuple(batch_shape)
        self._dtype_name = standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        output = input_tensor or KerasTensor(
            self._batch_shape, self._dtype_name, sparse=self.sparse,
            name=self.name,
        )
        Node(self, (), {}, outputs=output)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._dtype_name

    def call(self, inputs=None):
        return inputs

    def get_config(self):
        return {
            "batch_shape": list(self._batch_shape),
            "dtype": self._dtype_name,
            "sparse": self.sparse,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }


def _check_dims(shape, argument):
    for d in shape:
        if d is not None and (not isinstance(d, int) or d < 0):
            raise ValueError(
                f"Invalid value for argument `{argument}`: every dimension "
                "must be a non-negative integer or None. "
                f"Received: {argument}={tuple(shape)}"
            )


def Input(shape=None, batch_size=None, dtype=None, sparse=None,
          batch_shape=None, name=None, tensor=None, optional=False):
    """A symbolic input tensor, the start of a functional model.

    Example:
        inputs = lamina.Input(shape=(784,))
        outputs = lamina.layers.Dense(10)(inputs)
        model = lamina.Model(inputs, outputs)
    """
    layer = InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
        batch_shape=batch_shape, name=name, input_tensor=tensor,
        optional=optional,
    )
    return layer.output
