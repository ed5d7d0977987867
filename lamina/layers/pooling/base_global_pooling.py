"""BaseGlobalPooling: reduces all spatial axes (Global*Pooling*D)."""

from lamina.layers.convolutional import conv_utils
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis with `reduce(inputs, dims, keepdims)`.

    Args:
        pool_dimensions: number of spatial dimensions (1, 2 or 3).
        data_format: "channels_last" or "channels_first"; None means
            `lamina.config.image_data_format()`.
        keepdims: whether to keep the spatial axes with size 1.
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.standardize_data_format(
            self, data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._spatial_axes = tuple(range(first, first + pool_dimensions))
        # No weights: built from the start, as in Keras.
        if type(self).build is Layer.build:
            self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        spatial = (1,) * len(self._spatial_axes)
        return conv_utils.with_spatial(input_shape, self.data_format,
                                       spatial, channels)

    def get_config(self):
        config = super().get_config()
        config.update({
            "data_format": self.data_format,
            "keepdims": self.keepdims,
        })
        return config
