"""SpectralNormalization: keeps a wrapped layer's kernel at spectral norm 1."""

import numbers

import torch

from lamina import initializers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object

# Keras's `normalize` floors the inverse norm at 1 / epsilon() = 1e7.
_MAX_INVERSE_NORM = 1e7


@register()
class SpectralNormalization(Layer):
    """Wraps a layer and divides its kernel by the kernel's spectral norm.

    At each call in training mode the largest singular value `sigma` of the
    kernel (reshaped to `(-1, kernel.shape[-1])`) is estimated by power
    iteration from the persistent vector `vector_u`, and the kernel is
    replaced in place by `kernel / sigma` before the wrapped layer runs. In
    inference the wrapped layer runs on its kernel as it is. A kernel that is
    all zeros is left unchanged. This stabilizes e.g. GAN discriminators.

    Args:
        layer: a layer with a `kernel` weight (`Dense`, `Conv2D`, ...) or an
            `embeddings` weight (`Embedding`).
        power_iterations: positive int, power-iteration steps per call.

    Example:
        >>> layer = SpectralNormalization(Dense(8))
        >>> y = layer(torch.randn(4, 3), training=True)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Invalid value for argument `layer` of SpectralNormalization. "
                "Expected a `lamina.layers.Layer` instance. Received: "
                f"layer={layer!r}"
            )
        super().__init__(**kwargs)
        if isinstance(power_iterations, bool) or not isinstance(
                power_iterations, numbers.Integral) or power_iterations <= 0:
            raise ValueError(
                "Invalid value for argument `power_iterations` of "
                f"{utils.describe(self)}. Expected a positive int. Received: "
                f"power_iterations={power_iterations!r}"
            )
        self.layer = layer
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if not self.layer.built:
            self.layer._maybe_build_from_shapes({"input_shape": input_shape})
        kernel = getattr(self.layer, "kernel", None)
        if not isinstance(kernel, torch.Tensor):
            kernel = getattr(self.layer, "embeddings", None)
        if not isinstance(kernel, torch.Tensor):
            raise ValueError(
                f"{utils.describe(self)} needs the wrapped layer to have a "
                "`kernel` or `embeddings` weight. Received: layer="
                f"{type(self.layer).__name__} '{self.layer.name}', which has "
                "neither."
            )
        # Keras lists the kernel among the wrapper's own weights (first, as
        # it is set before `vector_u`), which fixes `get_weights()` order.
        # Kept out of `_parameters`: the wrapped layer owns the parameter.
        self.__dict__["kernel"] = kernel
        own = self._trainable_variables if kernel.requires_grad else \
            self._non_trainable_variables
        own.append(kernel)
        self.vector_u = self.add_weight(
            name="vector_u", shape=(1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, dtype=kernel.dtype,
        )
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        self.built = True  # also when build() is called directly

    def call(self, inputs, training=None):
        if training:
            with torch.no_grad():
                self._normalize_kernel()
        outputs = self.layer(inputs)
        if inputs.is_floating_point() and outputs.dtype != inputs.dtype:
            outputs = outputs.to(inputs.dtype)
        return outputs

    def _normalize_kernel(self):
        """One power-iteration update of `vector_u` and the kernel, in place
        and without host synchronization."""
        kernel = self.kernel
        matrix = kernel.reshape(-1, kernel.shape[-1])
        u = self.vector_u
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ matrix.T)
            u = _l2_normalize(v @ matrix)
        sigma = (v @ matrix) @ u.T
        all_zero = (kernel == 0).all()
        self.vector_u.copy_(torch.where(all_zero, self.vector_u, u))
        kernel.copy_(torch.where(all_zero, kernel, kernel / sigma))

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "layer": serialize_keras_object(self.layer),
            "power_iterations": self.power_iterations,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(
            config.pop("layer"), custom_objects=custom_objects)
        return super().from_config({**config, "layer": layer})


def _l2_normalize(x):
    inverse = torch.rsqrt(x.square().sum()).clamp_max(_MAX_INVERSE_NORM)
    return x * inverse
