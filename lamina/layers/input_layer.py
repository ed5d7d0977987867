"""`Input()` and `InputLayer`: where a functional graph starts."""

import warnings

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
        # Keras 2 spellings, as Keras 3 still takes them.
        if "input_shape" in kwargs:
            warnings.warn(
                "Argument `input_shape` is deprecated. Use `shape` instead.",
                stacklevel=2,
            )
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        ragged = kwargs.pop("ragged", None)
        if sparse:
            raise ValueError(
                "`sparse=True` is not supported: Lamina's inputs are dense "
                "torch tensors. Received: sparse=True"
            )
        if ragged:
            raise ValueError(
                "`ragged=True` is not supported: Lamina has no ragged "
                "tensors. Pad the sequences (`lamina.utils.pad_sequences`) "
                "and use masking instead. Received: ragged=True"
            )
        api = kwargs.pop("_api", "InputLayer")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        super().__init__(
            name=name or naming.uniquify("input_layer"), dtype=dtype, **kwargs
        )
        batch_shape = _resolve_batch_shape(
            api, shape, batch_size, batch_shape, input_tensor)
        self._batch_shape = tuple(batch_shape)
        self._dtype_name = standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.optional = bool(optional)
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


def _resolve_batch_shape(api, shape, batch_size, batch_shape, input_tensor):
    """The full shape from `shape`/`batch_size`, `batch_shape` or
    `input_tensor`; errors name the API the user called (`Input()` or
    `InputLayer()`)."""
    if input_tensor is not None:
        if not isinstance(input_tensor, KerasTensor):
            raise ValueError(
                f"Argument `tensor` of {api}() must be a KerasTensor. "
                f"Received: {input_tensor!r} (of type "
                f"{type(input_tensor).__name__})"
            )
        return input_tensor.shape
    if shape is not None and batch_shape is not None:
        raise ValueError(
            f"You cannot pass both `shape` and `batch_shape` to {api}() at "
            f"the same time. Received: shape={shape}, "
            f"batch_shape={batch_shape}"
        )
    if batch_size is not None and batch_shape is not None:
        raise ValueError(
            f"You cannot pass both `batch_size` and `batch_shape` to {api}() "
            f"at the same time. Received: batch_size={batch_size}, "
            f"batch_shape={batch_shape}"
        )
    if batch_shape is not None:
        batch_shape = _as_tuple(api, batch_shape, "batch_shape")
        _check_dims(api, batch_shape[1:], "batch_shape")
        return batch_shape
    if shape is None:
        raise ValueError(
            f"You must pass a `shape` argument to {api}(). Received: "
            "shape=None"
        )
    shape = _as_tuple(api, shape, "shape")
    _check_dims(api, shape, "shape")
    return (batch_size,) + shape


def _as_tuple(api, shape, argument):
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(shape)
    except TypeError:
        raise ValueError(
            f"Invalid value for argument `{argument}` of {api}(): expected a "
            f"tuple of dimensions. Received: {argument}={shape!r}"
        ) from None


def _check_dims(api, shape, argument):
    for d in shape:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool)
                              or d < 0):
            raise ValueError(
                f"Invalid value for argument `{argument}` of {api}(): every "
                "dimension must be a non-negative integer or None. "
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
        optional=optional, _api="Input",
    )
    return layer.output
