"""MobileNetV2 (Sandler et al., 2018) with Keras's layer names and weights."""

from lamina import config, layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = (
    "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
)
SIZES = (96, 128, 160, 192, 224)
ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks.
BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6),
          (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
          (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6),
          (160, 1, 6), (320, 1, 6)]


def make_divisible(value, divisor, min_value=None):
    """Rounds a channel count to a multiple of `divisor`, never more than
    10% below `value`."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _batch_norm(x, name):
    return layers.BatchNormalization(axis=common.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[common.channel_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same",
                          use_bias=False, name=prefix + "expand")(x)
        x = _batch_norm(x, prefix + "expand_BN")
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = _batch_norm(x, prefix + "depthwise_BN")
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, 1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = _batch_norm(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True,
                weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2, optionally with ImageNet weights.

    Args:
        input_shape: image shape without the batch axis; with
            `include_top=False`, any size of at least 32x32.
        alpha: width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 for the
            ImageNet weights).
        include_top: whether to end in the 1000-way classifier.
        weights: None, "imagenet" or the path of a weights file.
        input_tensor: a symbolic tensor to use as the model's input.
        pooling: with `include_top=False`, None, "avg" or "max".
        classes: number of classes of the top classifier.
        classifier_activation: activation of the top layer.
        name: the model's name.

    Inputs are RGB images in [0, 255]; run them through `preprocess_input`.

    Example:
        model = lamina.applications.MobileNetV2(weights=None)
    """
    common.check_weights_argument(weights, include_top, classes)
    if input_shape is None and input_tensor is not None:
        default_size = common.square_size(tuple(input_tensor.shape[1:]), SIZES)
    else:
        default_size = common.square_size(input_shape, SIZES)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top,
        weights=weights)
    rows, cols = common.image_rows_cols(input_shape)
    if weights == "imagenet":
        if alpha not in ALPHAS:
            raise ValueError(
                "Invalid value for argument `alpha`. With weights='imagenet' "
                f"it must be one of {ALPHAS}. Received: alpha={alpha}")
        rows = common.imagenet_weights_size(rows, cols, SIZES)
    img_input = common.image_input(input_tensor, input_shape)

    x = layers.Conv2D(make_divisible(32 * alpha, 8), 3, strides=2,
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = _batch_norm(x, "bn_Conv1")
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, 1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm(x, "Conv_1_bn")
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights,
                                 top_pool_name=None)
    model = Model(common.model_inputs(input_tensor, img_input), x,
                  name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    fname = ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
             f"{float(alpha)}_{rows}{'' if include_top else '_no_top'}.h5")
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
