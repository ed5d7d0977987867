"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., "Identity Mappings
in Deep Residual Networks", ECCV 2016): pre-activation residual blocks on
the skeleton of `resnet.build_resnet`, with Keras's layer names."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.applications.resnet import batch_norm
from lamina.applications.resnet import build_resnet


def residual_block_v2(x, filters, kernel_size=3, stride=1,
                      conv_shortcut=False, name=None):
    """A pre-activation bottleneck block: BN-ReLU first, then 1x1, kxk
    (strided), 1x1 (×4 filters) convolutions, added to the shortcut."""
    preact = batch_norm(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False,
                      name=f"{name}_1_conv")(preact)
    x = batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=f"{name}_2_conv")(x)
    x = batch_norm(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """`blocks` pre-activation blocks; the first projects, the last
    strides by `stride1`."""
    x = residual_block_v2(x, filters, conv_shortcut=True,
                          name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1,
                             name=f"{name}_block{blocks}")


def _v2_stacks(blocks):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, blocks[3], stride1=1,
                                        name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None,
               input_shape=None, pooling=None, classes=1000,
               classifier_activation="softmax", name="resnet50v2"):
    """Instantiates the ResNet50V2 architecture; arguments as
    `lamina.applications.ResNet50`. Inputs are expected preprocessed with
    `lamina.applications.resnet_v2.preprocess_input` (scaled to [-1, 1]).

    Example:

    >>> model = ResNet50V2(weights=None, include_top=False,
    ...                    input_shape=(64, 64, 3), pooling="max")
    >>> model.output_shape
    (None, 2048)
    """
    return build_resnet(_v2_stacks((3, 4, 6, 3)), True, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet50v2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="resnet101v2"):
    """Instantiates the ResNet101V2 architecture; arguments as `ResNet50`."""
    return build_resnet(_v2_stacks((3, 4, 23, 3)), True, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet101v2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="resnet152v2"):
    """Instantiates the ResNet152V2 architecture; arguments as `ResNet50`."""
    return build_resnet(_v2_stacks((3, 8, 36, 3)), True, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet152v2")


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
