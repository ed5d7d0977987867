"""Reshape: gives the non-batch axes a new shape."""

import math

from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.graph.symbolic import KerasTensor


@register()
class Reshape(Layer):
    """Reshapes the non-batch axes of the input to `target_shape`.

    Args:
        target_shape: tuple of ints, the output shape without the batch
            axis. At most one entry may be `-1`; it is inferred from the
            input size.

    Input shape:
        `(batch, ...)`, any shape whose non-batch size matches.

    Output shape:
        `(batch, *target_shape)`.

    Example:
        >>> Reshape((2, -1))(torch.zeros(8, 6)).shape
        torch.Size([8, 2, 3])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise ValueError(
                "Invalid value for argument `target_shape`. Expected a tuple "
                f"of ints. Received: target_shape={target_shape!r}"
            ) from None
        if any(isinstance(d, bool) or not isinstance(d, int) or d < -1
               for d in target_shape):
            raise ValueError(
                "Each dimension in `target_shape` must be a non-negative "
                "integer, or `-1` for a single unknown dimension. Received: "
                f"target_shape={target_shape}."
            )
        if target_shape.count(-1) > 1:
            raise ValueError(
                "There must be at most one unknown dimension (-1) in "
                f"`target_shape`. Received: target_shape={target_shape}."
            )
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        return inputs.reshape(self.compute_output_shape(inputs.shape))

    def compute_output_shape(self, input_shape):
        """`(batch, *target_shape)` with the -1 resolved where known."""
        input_shape = tuple(input_shape)
        features = input_shape[1:]
        target = self.target_shape
        if any(d is None for d in features):
            return input_shape[:1] + tuple(
                None if d == -1 else d for d in target)
        size = math.prod(features)
        known = math.prod(d for d in target if d != -1)
        if -1 not in target and known == size:
            return input_shape[:1] + target
        if -1 in target and known and size % known == 0:
            return input_shape[:1] + tuple(
                size // known if d == -1 else d for d in target)
        raise ValueError(
            f"Layer '{self.name}' cannot reshape its input to "
            f"target_shape={target}: the size of the non-batch dimensions "
            f"must be unchanged. Received: input_shape={input_shape} "
            f"(non-batch size {size})"
        )

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
