"""Small helpers shared by the application builders on top of
`imagenet_utils`: the channel axis, the model's inputs, the headless
pooling and the weights."""

import warnings

from lamina import config, layers
from lamina.applications import imagenet_utils

check_weights_argument = imagenet_utils.validate_weights_argument
image_input = imagenet_utils.image_input


def image_data_format():
    return config.image_data_format()


def channel_axis():
    return 1 if config.image_data_format() == "channels_first" else -1


def image_rows_cols(input_shape):
    """Height and width of an image shape without the batch axis, in the
    current data format."""
    first = 1 if config.image_data_format() == "channels_first" else 0
    return input_shape[first], input_shape[first + 1]


def square_size(input_shape, sizes, default=224):
    """The side of a square `input_shape` that is one of `sizes`, else
    `default` (also for no shape)."""
    if input_shape is None:
        return default
    rows, cols = image_rows_cols(input_shape)
    return rows if rows == cols and rows in sizes else default


def imagenet_weights_size(rows, cols, sizes):
    """The input side whose ImageNet weights load: `rows` for a square input
    among `sizes`, else 224, with a warning (for the builder's caller)."""
    if rows == cols and rows in sizes:
        return rows
    warnings.warn("`input_shape` is undefined, non-square or not one "
                  f"of {sizes}; the weights for 224x224 inputs are "
                  "loaded.", stacklevel=3)
    return 224


def require_channels_last(model_family):
    """Raises for the families whose Keras builders refuse 'channels_first'."""
    if config.image_data_format() == "channels_first":
        raise ValueError(
            f"{model_family} supports only the 'channels_last' image data "
            "format. Received: image_data_format='channels_first'")


def model_inputs(input_tensor, img_input):
    """The inputs of a model built on `img_input` (or on `input_tensor`)."""
    if input_tensor is None:
        return img_input
    sources = imagenet_utils.source_inputs(input_tensor)
    return sources[0] if len(sources) == 1 else sources


def global_pooling(x, pooling, avg_name=None, max_name=None):
    """The `pooling` of a headless model: None, "avg" or "max"."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    if pooling is not None:
        raise ValueError(
            "Invalid value for argument `pooling`. Expected None, 'avg' or "
            f"'max'. Received: pooling={pooling!r}")
    return x


def load_model_weights(model, weights, fname=None, origin=None,
                       file_hash=None):
    """ImageNet weights through `get_file` into the Keras cache, or the
    weights file at `weights`."""
    return imagenet_utils.load_application_weights(model, weights, fname,
                                                   origin, file_hash)


def load_stem_named_weights(model, weights, include_top, base_url, stem,
                            hashes, weights_name):
    """`weights` into `model`; for "imagenet", Keras's `<stem>.h5` (with the
    top) or `<stem>_notop.h5` under `base_url`, checked against
    `hashes[weights_name]` (md5 with the top, without)."""
    if weights != "imagenet":
        return load_model_weights(model, weights)
    fname = stem + (".h5" if include_top else "_notop.h5")
    return load_model_weights(model, weights, fname, base_url + fname,
                              hashes[weights_name][0 if include_top else 1])


def image_model_input(input_tensor, input_shape, default_size, min_size,
                      include_top, weights):
    """The image input of a builder: `input_shape` checked and completed
    by `imagenet_utils.obtain_input_shape` for the current data format,
    then `input_tensor` (or a new `Input` of that shape)."""
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=config.image_data_format(), require_flatten=include_top,
        weights=weights)
    return imagenet_utils.image_input(input_tensor, input_shape)


def pooled_dense_head(x, include_top, pooling, classes,
                      classifier_activation, weights, top_pool_name="avg_pool",
                      avg_name=None, max_name=None, dropout_rate=0.0,
                      kernel_initializer="glorot_uniform"):
    """The common end of a builder: with the top, global average pooling
    (named `top_pool_name`), dropout "top_dropout" when `dropout_rate` > 0,
    and the `classes`-way Dense "predictions" layer; without it, the
    `pooling` of `global_pooling`."""
    if not include_top:
        return global_pooling(x, pooling, avg_name, max_name)
    x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=kernel_initializer,
                        name="predictions")(x)


# The `preprocess_input` of the application modules, by preprocessing mode.
def preprocess_input_tf(x, data_format=None):
    """Scales RGB pixels from [0, 255] to [-1, 1], sample-wise ("tf"
    mode of `imagenet_utils.preprocess_input`)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format,
                                           mode="tf")


def preprocess_input_caffe(x, data_format=None):
    """Caffe-style preprocessing: RGB to BGR, then each channel
    zero-centered on the ImageNet means, without scaling ("caffe" mode of
    `imagenet_utils.preprocess_input`)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format,
                                           mode="caffe")


def preprocess_input_identity(x, data_format=None):
    """The identity, for models that rescale or normalize their inputs
    themselves (Keras keeps the function, and its `data_format`
    argument, for a uniform API; the layout needs no change)."""
    return x
