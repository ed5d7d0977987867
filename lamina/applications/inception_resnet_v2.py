"""InceptionResNetV2 (Szegedy et al., 2017) with Keras's layer names and
weight files, and the residual scaling layer Keras defines for it
(`CustomScaleLayer`)."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.layers import Layer
from lamina.models import Model
from lamina.saving.registry import Registry

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/inception_resnet_v2/")
WEIGHTS_FILES = {
    True: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
           "e693bd0210a403b3192acc6073ad2e96"),
    False: ("inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "d19885ff4a710c122648d3b5c3b684e4"),
}
# Configs name Keras's module, so `.keras` files move both ways.
LAYERS = Registry("inception_resnet_v2 layer",
                  "keras.src.applications.inception_resnet_v2")


@LAYERS.register()
class CustomScaleLayer(Layer):
    """`inputs[0] + scale * inputs[1]`: a shortcut plus a scaled residual.

    Args:
        scale: factor of the residual branch.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same",
              activation="relu", use_bias=False, name=None):
    """Convolution, then (without bias) BatchNormalization without scale,
    then the activation."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=common.channel_axis(), scale=False,
                                      name=name and name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=name and name + "_ac")(x)
    return x


# Branches of the residual blocks: lists of (filters, kernel) chains.
BLOCK_BRANCHES = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale, block_type, block_idx,
                           activation="relu"):
    """An Inception-ResNet block: `x + scale * branches(x)`, then the
    activation. `block_type` is "block35", "block17" or "block8"."""
    if block_type not in BLOCK_BRANCHES:
        raise ValueError(
            "Invalid value for argument `block_type`. Expected 'block35', "
            f"'block17' or 'block8'. Received: block_type={block_type!r}")
    branches = []
    for chain in BLOCK_BRANCHES[block_type]:
        branch = x
        for filters, kernel in chain:
            branch = conv2d_bn(branch, filters, kernel)
        branches.append(branch)
    block_name = f"{block_type}_{block_idx}"
    axis = common.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=block_name + "_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax",
                      name="inception_resnet_v2"):
    """InceptionResNetV2 (299x299 by default, at least 75x75), optionally
    with ImageNet weights.

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

    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")(
        [branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, 0.17, "block35", block_idx)

    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")(
        [branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, 0.1, "block17", block_idx)

    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2,
                         padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2,
                         padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")(
        [branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, 0.2, "block8", block_idx)
    x = inception_resnet_block(x, 1.0, "block8", 10, activation=None)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights)
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    fname, file_hash = WEIGHTS_FILES[bool(include_top)]
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname, file_hash)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
