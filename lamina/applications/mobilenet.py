"""MobileNet (Howard et al., 2017) with Keras's layer names and weight
files."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/mobilenet/")
SIZES = (128, 160, 192, 224)
ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise separable blocks.
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2),
          (1024, 1)]


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same",
                      use_bias=False, strides=strides, name="conv1")(inputs)
    x = layers.BatchNormalization(axis=common.channel_axis(),
                                  name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters, alpha,
                          depth_multiplier=1, strides=(1, 1), block_id=1):
    axis = common.channel_axis()
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)),
                                 name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3),
                               padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier,
                               strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same",
                      use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=None):
    """MobileNet, optionally with ImageNet weights.

    Args:
        input_shape: image shape without the batch axis.
        alpha: width multiplier (0.25, 0.5, 0.75 or 1.0 for the ImageNet
            weights).
        depth_multiplier: depthwise multiplier (1 for the ImageNet weights).
        dropout: dropout rate before the classifier.
        include_top: whether to end in the classifier.
        weights: None, "imagenet" or the path of a weights file.
        input_tensor: a symbolic tensor to use as the model's input.
        pooling: with `include_top=False`, None, "avg" or "max".
        classes: number of classes of the classifier.
        classifier_activation: activation of the top layer.
        name: the model's name.

    Inputs go through `preprocess_input` (scaled to [-1, 1]).
    """
    common.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=common.square_size(input_shape, SIZES),
        min_size=32, data_format=common.image_data_format(),
        require_flatten=include_top, weights=weights)
    rows, cols = common.image_rows_cols(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "Invalid value for argument `depth_multiplier`. With "
                "weights='imagenet' it must be 1. "
                f"Received: depth_multiplier={depth_multiplier}")
        if alpha not in ALPHA_TEXT:
            raise ValueError(
                "Invalid value for argument `alpha`. With weights='imagenet' "
                f"it must be one of 0.25, 0.5, 0.75, 1.0. Received: "
                f"alpha={alpha}")
        rows = common.imagenet_weights_size(rows, cols, SIZES)
    img_input = common.image_input(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same",
                          name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation,
                              name="predictions")(x)
    else:
        x = common.global_pooling(x, pooling)
    model = Model(common.model_inputs(input_tensor, img_input), x,
                  name=name or f"mobilenet_{alpha:0.2f}_{rows}")
    if weights != "imagenet":
        return common.load_model_weights(model, weights)
    fname = (f"mobilenet_{ALPHA_TEXT[alpha]}_{rows}_tf"
             f"{'' if include_top else '_no_top'}.h5")
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + fname)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
