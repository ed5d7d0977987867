"""DenseNet-121, -169 and -201 (Huang et al., 2017) with Keras's layer names
and weight files."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/densenet/")
# blocks per stage, then the md5 of the files with and without the top.
VARIANTS = {
    121: ([6, 12, 24, 16], "9d60b8095a5708f2dcce2bca79d332c7",
          "30ee3e1110167f948a6b9946edeeb738"),
    169: ([6, 12, 32, 32], "d699b8f76981ab1b30698df4c175e90b",
          "b8c4d4c20dd625c148057b9ff1c1176b"),
    201: ([6, 12, 48, 32], "1ceb130c1ea1b78c3bf6114dbdfd8807",
          "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=common.channel_axis(), epsilon=1.001e-5,
                                  name=name + "_bn")(x)
    return layers.Activation("relu", name=name + "_relu")(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv, BN-ReLU-3x3 conv, concatenated to the input."""
    y = _bn_relu(x, name + "_0")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False,
                      name=name + "_1_conv")(y)
    y = _bn_relu(y, name + "_1")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                      name=name + "_2_conv")(y)
    return layers.Concatenate(axis=common.channel_axis(),
                              name=name + "_concat")([x, y])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[common.channel_axis()] * reduction), 1,
                      use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="densenet"):
    """A DenseNet with `blocks` conv blocks in each of its four stages."""
    common.require_channels_last("DenseNet")
    common.check_weights_argument(weights, include_top, classes)
    img_input = common.image_model_input(
        input_tensor, input_shape, default_size=224, min_size=32,
        include_top=include_top, weights=weights)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = layers.BatchNormalization(axis=common.channel_axis(), epsilon=1.001e-5,
                                  name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights,
                                 avg_name="avg_pool", max_name="max_pool")
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    if weights != "imagenet":
        return common.load_model_weights(model, weights)
    depth = next((d for d, v in VARIANTS.items() if v[0] == list(blocks)),
                 None)
    if depth is None:
        raise ValueError(
            "ImageNet weights exist only for DenseNet121, 169 and 201. "
            f"Received: blocks={blocks}")
    fname = (f"densenet{depth}_weights_tf_dim_ordering_tf_kernels"
             f"{'' if include_top else '_notop'}.h5")
    return common.load_model_weights(
        model, weights, fname, WEIGHTS_BASE + fname,
        VARIANTS[depth][1 if include_top else 2])


def _variant(depth):
    def build(include_top=True, weights="imagenet", input_tensor=None,
              input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=f"densenet{depth}"):
        return DenseNet(VARIANTS[depth][0], include_top=include_top,
                        weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling,
                        classes=classes,
                        classifier_activation=classifier_activation,
                        name=name)

    build.__name__ = build.__qualname__ = f"DenseNet{depth}"
    build.__doc__ = (
        f"DenseNet{depth}, optionally with ImageNet weights.\n\n    Takes "
        "`include_top`, `weights`, `input_tensor`, `input_shape`, `pooling`,"
        "\n    `classes`, `classifier_activation` and `name`; inputs go "
        "through `preprocess_input`.\n")
    return build


DenseNet121 = _variant(121)
DenseNet169 = _variant(169)
DenseNet201 = _variant(201)


def preprocess_input(x, data_format=None):
    """Scales to [0, 1], then normalizes each channel by ImageNet's mean and
    standard deviation ("torch" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format,
                                           mode="torch")


decode_predictions = imagenet_utils.decode_predictions
