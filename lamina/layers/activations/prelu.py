"""PReLU layer: leaky ReLU whose negative slope `alpha` is learned."""

import torch.nn.functional as F

from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object


@register()
class PReLU(Layer):
    """Parametric rectified linear unit: `x` for `x >= 0`, `alpha * x`
    otherwise, with a learned `alpha` per input entry.

    The weight `alpha` has the input's non-batch shape, with size 1 along
    the `shared_axes`.

    Args:
        alpha_initializer: initializer of `alpha`. Defaults to `"Zeros"`.
        alpha_regularizer: regularizer of `alpha`.
        alpha_constraint: constraint on `alpha`.
        shared_axes: int or list of ints, the input axes (the batch axis
            being 0) along which `alpha` is shared, e.g. `[1, 2]` for one
            slope per channel of `(batch, h, w, c)` images.

    Example:
        >>> layer = PReLU(alpha_initializer="ones")
        >>> layer(torch.tensor([[-2.0, 3.0]]))
        tensor([[-2.,  3.]], grad_fn=<SubBackward0>)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        shared = self.shared_axes or []
        bad = [a for a in shared if not 1 <= a < len(input_shape)]
        if bad:
            raise ValueError(
                f"Invalid value for argument `shared_axes` of PReLU layer "
                f"'{self.name}'. Expected axes in [1, {len(input_shape) - 1}] "
                f"for inputs of shape {input_shape}. Received: "
                f"shared_axes={self.shared_axes}"
            )
        shape = [1 if axis in shared else dim
                 for axis, dim in enumerate(input_shape) if axis > 0]
        self.alpha = self.add_weight(
            shape=shape, name="alpha", initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {}
        if shared:
            axes = {axis: input_shape[axis]
                    for axis in range(1, len(input_shape))
                    if axis not in shared}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": serialize_keras_object(
                self.alpha_initializer),
            "alpha_regularizer": serialize_keras_object(
                self.alpha_regularizer),
            "alpha_constraint": serialize_keras_object(
                self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
