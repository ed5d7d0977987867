"""Xception (Chollet, 2017) with Keras's layer names and weight files.
Its residual projections carry Keras's automatic names (`conv2d`,
`batch_normalization`, `add`), so the layer order matters."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/xception/")
WEIGHTS_FILES = {
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5",
           "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "b0042744bf5b25fce3cb969f33bebb97"),
}


def _sepconv_bn(x, filters, name, relu_first=True):
    axis = common.channel_axis()
    if relu_first:
        x = layers.Activation("relu", name=name + "_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same",
                               use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=name + "_bn")(x)


def _downsampling_block(x, filters, block, relu_first=True):
    """Two separable convolutions and a strided max pool, added to a strided
    1x1 projection of the input."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2),
                             padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=common.channel_axis())(residual)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", relu_first)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="xception"):
    """Xception (299x299 by default, at least 71x71), optionally with
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
        input_tensor, input_shape, default_size=299, min_size=71,
        include_top=include_top, weights=weights)
    axis = common.channel_axis()

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
                      name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    x = _downsampling_block(x, (128, 128), 2, relu_first=False)
    x = _downsampling_block(x, (256, 256), 3)
    x = _downsampling_block(x, (728, 728), 4)
    for i in range(8):
        residual = x
        for j in range(1, 4):
            x = _sepconv_bn(x, 728, f"block{i + 5}_sepconv{j}")
        x = layers.add([x, residual])
    x = _downsampling_block(x, (728, 1024), 13)

    for j, filters in ((1, 1536), (2, 2048)):
        x = _sepconv_bn(x, filters, f"block14_sepconv{j}", relu_first=False)
        x = layers.Activation("relu", name=f"block14_sepconv{j}_act")(x)

    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights)
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    fname, file_hash = WEIGHTS_FILES[bool(include_top)]
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname, file_hash)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
