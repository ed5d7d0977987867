"""Small helpers shared by the application builders on top of
`imagenet_utils`: the channel axis, the model's inputs, the headless
pooling and the weights."""

from lamina import config, layers
from lamina.applications import imagenet_utils

check_weights_argument = imagenet_utils.validate_weights_argument
image_input = imagenet_utils.image_input


def image_data_format():
    return config.image_data_format()


def channel_axis():
    return 1 if config.image_data_format() == "channels_first" else -1


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
                      avg_name=None, max_name=None):
    """The common end of a builder: with the top, global average pooling
    (named `top_pool_name`) and the `classes`-way Dense "predictions"
    layer; without it, the `pooling` of `global_pooling`."""
    if not include_top:
        return global_pooling(x, pooling, avg_name, max_name)
    x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
    imagenet_utils.validate_activation(classifier_activation, weights)
    return layers.Dense(classes, activation=classifier_activation,
                        name="predictions")(x)
