"""MobileNetV3 Small and Large (Howard et al., 2019) with Keras's layer names
and weight files. The models rescale their inputs themselves
(`include_preprocessing=True`)."""

import warnings

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.applications.mobilenet_v2 import make_divisible
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/mobilenet_v3/")
# md5 of the files with and without the top.
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel ("k": the model's kernel), stride,
#  squeeze-excite, activation ("a": the model's activation)) per block.
SMALL_BLOCKS = [
    (1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"),
    (88.0 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "a"),
    (6, 40, "k", 1, True, "a"), (6, 40, "k", 1, True, "a"),
    (3, 48, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"),
    (6, 96, "k", 2, True, "a"), (6, 96, "k", 1, True, "a"),
    (6, 96, "k", 1, True, "a"),
]
LARGE_BLOCKS = [
    (1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
    (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
    (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
    (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"),
    (2.3, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"),
    (6, 112, 3, 1, True, "a"), (6, 112, 3, 1, True, "a"),
    (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"),
    (6, 160, "k", 1, True, "a"),
]


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _batch_norm(x, name):
    return layers.BatchNormalization(axis=common.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(
        keepdims=True, name=prefix + "squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio, 8), kernel_size=1,
                      padding="same", name=prefix + "squeeze_excite_conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=prefix + "squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio,
                        activation, block_id):
    shortcut = x
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    infilters = x.shape[common.channel_axis()]
    if block_id:
        x = layers.Conv2D(make_divisible(infilters * expansion, 8),
                          kernel_size=1, padding="same", use_bias=False,
                          name=prefix + "expand")(x)
        x = activation(_batch_norm(x, prefix + "expand_bn"))
    if stride == 2:
        x = layers.ZeroPadding2D(
            padding=imagenet_utils.correct_pad(x, kernel_size),
            name=prefix + "depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid",
                               use_bias=False, name=prefix + "depthwise")(x)
    x = activation(_batch_norm(x, prefix + "depthwise_bn"))
    if se_ratio:
        x = _se_block(x, make_divisible(infilters * expansion, 8), se_ratio,
                      prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _batch_norm(x, prefix + "project_bn")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=prefix + "add")([shortcut, x])
    return x


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0,
                model_type="large", minimalistic=False, include_top=True,
                weights="imagenet", input_tensor=None, classes=1000,
                pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True,
                name=None):
    """Builds a MobileNetV3 from its block table (`SMALL_BLOCKS`,
    `LARGE_BLOCKS`)."""
    common.check_weights_argument(weights, include_top, classes)
    channels_first = common.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None:
        rows, cols = input_tensor.shape[2:4] if channels_first else \
            input_tensor.shape[1:3]
        input_shape = (3, cols, rows) if channels_first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    rows, cols = input_shape[1:3] if channels_first else input_shape[0:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError("Input size must be at least 32x32. Received: "
                         f"input_shape={input_shape}")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)
                or minimalistic and alpha != 1.0):
            raise ValueError(
                "Invalid value for argument `alpha`. With weights='imagenet' "
                "it must be 0.75 or 1.0 (1.0 when minimalistic). "
                f"Received: alpha={alpha}, minimalistic={minimalistic}")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined, non-square or not "
                          "224x224; the weights for 224x224 inputs are "
                          "loaded.", stacklevel=2)
    img_input = common.image_input(input_tensor, input_shape)
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same",
                      use_bias=False, name="conv")(x)
    x = activation(_batch_norm(x, "conv_bn"))
    for block_id, (expansion, filters, size, stride, se, act) in enumerate(
            blocks):
        x = _inverted_res_block(
            x, expansion, make_divisible(filters * alpha, 8),
            kernel if size == "k" else size, stride, se_ratio if se else None,
            relu if act == "relu" else activation, block_id)
    last_conv_ch = make_divisible(x.shape[common.channel_axis()] * 6, 8)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha, 8)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same",
                      use_bias=False, name="conv_1")(x)
    x = activation(_batch_norm(x, "conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same",
                          use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same",
                          name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation,
                              name="predictions")(x)
    else:
        x = common.global_pooling(x, pooling, "avg_pool", "max_pool")
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    if weights != "imagenet":
        return common.load_model_weights(model, weights)
    key = (f"{model_type}{'_minimalistic' if minimalistic else ''}"
           f"_224_{alpha}_float")
    fname = (f"weights_mobilenet_v3_{key}"
             f"{'.h5' if include_top else '_no_top_v2.h5'}")
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname,
                                     WEIGHTS_HASHES[key][0 if include_top
                                                         else 1])


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False,
                     include_top=True, weights="imagenet", input_tensor=None,
                     classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    """MobileNetV3Small, optionally with ImageNet weights.

    Args:
        input_shape: image shape without the batch axis (any size of at
            least 32x32; the weights were trained on 224x224).
        alpha: width multiplier (0.75 or 1.0 for the ImageNet weights).
        minimalistic: ReLU and 3x3 kernels, no squeeze-and-excite.
        include_top, weights, input_tensor, classes, pooling,
        classifier_activation, name: as in the other applications.
        dropout_rate: dropout before the classifier.
        include_preprocessing: rescale [0, 255] inputs to [-1, 1] inside the
            model.
    """
    return MobileNetV3(SMALL_BLOCKS, 1024, input_shape, alpha, "small",
                       minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False,
                     include_top=True, weights="imagenet", input_tensor=None,
                     classes=1000, pooling=None, dropout_rate=0.2,
                     classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    """MobileNetV3Large, optionally with ImageNet weights; the arguments
    are those of `MobileNetV3Small`."""
    return MobileNetV3(LARGE_BLOCKS, 1280, input_shape, alpha, "large",
                       minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation,
                       include_preprocessing, name=name)


preprocess_input = common.preprocess_input_identity
decode_predictions = imagenet_utils.decode_predictions
