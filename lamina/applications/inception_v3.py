"""InceptionV3 (Szegedy et al., 2016) with Keras's layer names and weight
files. Its convolutions and normalizations carry Keras's automatic names
(`conv2d_12`, `batch_normalization_12`), so the layer order matters."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/inception_v3/")
WEIGHTS_FILES = {
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
           "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "bcbd6486424b2319ff4ef7d526e38f63"),
}


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1),
              name=None):
    """Convolution without bias, BatchNormalization without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides,
                      padding=padding, use_bias=False,
                      name=name and name + "_conv")(x)
    x = layers.BatchNormalization(axis=common.channel_axis(), scale=False,
                                  name=name and name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _average_pool_branch(x, filters):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _block_35(x, pool_filters, name):
    """The 35x35 modules (mixed0-2)."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(x, 48, 1, 1)
    branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch_pool = _average_pool_branch(x, pool_filters)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl,
                               branch_pool], axis=common.channel_axis(),
                              name=name)


def _block_17(x, width, name):
    """The 17x17 modules with factorized 7x7 convolutions (mixed4-7)."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = _average_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl,
                               branch_pool], axis=common.channel_axis(),
                              name=name)


def _block_8(x, index):
    """The 8x8 modules with expanded filter banks (mixed9-10)."""
    axis = common.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=axis, name=f"mixed9_{index}")
    branch3x3dbl = conv2d_bn(x, 448, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3),
                                       conv2d_bn(branch3x3dbl, 384, 3, 1)],
                                      axis=axis)
    branch_pool = _average_pool_branch(x, 192)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl,
                               branch_pool], axis=axis,
                              name=f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="inception_v3"):
    """InceptionV3 (299x299 by default, at least 75x75), optionally with
    ImageNet weights.

    Args:
        include_top: whether to end in the classifier.
        weights: None, "imagenet" or the path of a weights file.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: image shape without the batch axis.
        pooling: with `include_top=False`, None, "avg" or "max".
        classes: number of classes of the classifier.
        classifier_activation: activation of the top layer.
        name: the model's name.

    Inputs go through `preprocess_input` (scaled to [-1, 1]).
    """
    common.check_weights_argument(weights, include_top, classes)
    img_input = common.image_model_input(
        input_tensor, input_shape, default_size=299, min_size=75,
        include_top=include_top, weights=weights)
    axis = common.channel_axis()

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for index, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, f"mixed{index}")

    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2),
                             padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis,
                           name="mixed3")
    for index, width in enumerate((128, 160, 160, 192)):
        x = _block_17(x, width, f"mixed{4 + index}")

    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2),
                          padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2),
                            padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis,
                           name="mixed8")
    for index in range(2):
        x = _block_8(x, index)

    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights)
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    fname, file_hash = WEIGHTS_FILES[bool(include_top)]
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname, file_hash)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
