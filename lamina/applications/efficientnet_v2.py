"""EfficientNetV2 B0-B3, S, M and L (Tan & Le, 2021) with Keras's layer
names and weight files. The models rescale and normalize their inputs
themselves (`include_preprocessing=True`)."""

import copy
import math

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.applications.efficientnet import (CONV_KERNEL_INITIALIZER,
                                              DENSE_KERNEL_INITIALIZER)
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/efficientnet_v2/")
# md5 of the files with and without the top.
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188",
           "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc",
           "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7",
           "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0",
           "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016",
           "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd",
           "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935",
           "b0b66b5c863aef5b46e8608fe1711615"),
}
_FIELDS = ("kernel_size", "num_repeat", "input_filters", "output_filters",
           "expand_ratio", "se_ratio", "strides", "conv_type")


def _stages(*rows):
    return [dict(zip(_FIELDS, row)) for row in rows]


# conv_type 1 is a FusedMBConvBlock, 0 an MBConvBlock.
_B_STAGES = _stages(
    (3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1),
    (3, 2, 32, 48, 4, 0, 2, 1), (3, 3, 48, 96, 4, 0.25, 2, 0),
    (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages(
        (3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1),
        (3, 4, 48, 64, 4, 0, 2, 1), (3, 6, 64, 128, 4, 0.25, 2, 0),
        (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)),
    "efficientnetv2-m": _stages(
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1),
        (3, 5, 48, 80, 4, 0, 2, 1), (3, 7, 80, 160, 4, 0.25, 2, 0),
        (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
        (3, 5, 304, 512, 6, 0.25, 1, 0)),
    "efficientnetv2-l": _stages(
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1),
        (3, 7, 64, 96, 4, 0, 2, 1), (3, 10, 96, 192, 4, 0.25, 2, 0),
        (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
        (3, 7, 384, 640, 6, 0.25, 1, 0)),
    **{f"efficientnetv2-b{i}": _B_STAGES for i in range(4)},
}
# (width, depth, default size, Keras's model name) by weights name.
VARIANTS = {
    "b0": (1.0, 1.0, 224, "efficientnetv2-b0"),
    "b1": (1.0, 1.1, 240, "efficientnetv2-b1"),
    "b2": (1.1, 1.2, 260, "efficientnetv2-b2"),
    "b3": (1.2, 1.4, 300, "efficientnetv2-b3"),
    "-s": (1.0, 1.0, 384, "efficientnetv2-s"),
    "-m": (1.0, 1.0, 480, "efficientnetv2-m"),
    "-l": (1.0, 1.0, 480, "efficientnetv2-l"),
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    filters *= width_coefficient
    minimum = min_depth or depth_divisor
    return int(max(minimum, int(filters + depth_divisor / 2)
                   // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, strides, name, **kwargs):
    return layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                         kernel_initializer=CONV_KERNEL_INITIALIZER,
                         padding="same", use_bias=False, name=name, **kwargs)


def _bn_act(x, bn_momentum, activation, bn_name, act_name):
    x = layers.BatchNormalization(axis=common.channel_axis(),
                                  momentum=bn_momentum, name=bn_name)(x)
    return layers.Activation(activation, name=act_name)(x)


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    se_shape = (filters, 1, 1) if common.channel_axis() == 1 else (1, 1,
                                                                   filters)
    se = layers.Reshape(se_shape, name=name + "se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=name + "se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=name + "se_expand")(se)
    return layers.multiply([x, se], name=name + "se_excite")


def _residual(x, inputs, strides, input_filters, output_filters,
              survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability,
                               noise_shape=(None, 1, 1, 1),
                               name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3,
                strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                survival_probability=0.8, name=None):
    """Inverted residual block: 1x1 expansion, depthwise conv,
    squeeze-and-excite, 1x1 projection."""

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, 1, 1, name + "expand_conv")(x)
            x = _bn_act(x, bn_momentum, activation, name + "expand_bn",
                        name + "expand_activation")
        x = layers.DepthwiseConv2D(
            kernel_size=kernel_size, strides=strides,
            depthwise_initializer=CONV_KERNEL_INITIALIZER, padding="same",
            use_bias=False, name=name + "dwconv2")(x)
        x = _bn_act(x, bn_momentum, activation, name + "bn",
                    name + "activation")
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio,
                                activation, name)
        x = _conv(output_filters, 1, 1, name + "project_conv")(x)
        x = layers.BatchNormalization(axis=common.channel_axis(),
                                      momentum=bn_momentum,
                                      name=name + "project_bn")(x)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1,
                     kernel_size=3, strides=1, se_ratio=0.0, bn_momentum=0.9,
                     activation="swish", survival_probability=0.8,
                     name=None):
    """The expansion and depthwise convolutions fused into one full
    convolution."""

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = _conv(filters, kernel_size, strides, name + "expand_conv")(x)
            x = _bn_act(x, bn_momentum, activation, name + "expand_bn",
                        name + "expand_activation")
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, filters, input_filters, se_ratio,
                                activation, name)
        fused = expand_ratio == 1
        x = _conv(output_filters, kernel_size if fused else 1,
                  strides if fused else 1, name + "project_conv")(x)
        x = layers.BatchNormalization(axis=common.channel_axis(),
                                      momentum=bn_momentum,
                                      name=name + "project_bn")(x)
        if fused:
            x = layers.Activation(activation,
                                  name=name + "project_activation")(x)
        return _residual(x, inputs, strides, input_filters, output_filters,
                         survival_probability, name)

    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size,
                   dropout_rate=0.2, drop_connect_rate=0.2, depth_divisor=8,
                   min_depth=8, bn_momentum=0.9, activation="swish",
                   blocks_args="default", name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None):
    """Builds an EfficientNetV2 from its scaling coefficients and stages."""
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(
                "With blocks_args='default', `name` must be one of "
                f"{sorted(DEFAULT_BLOCKS_ARGS)}. Received: name={name!r}")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    common.check_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=common.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = common.image_input(input_tensor, input_shape)
    bn_axis = 3 if common.channel_axis() == -1 else 1

    x = img_input
    if include_preprocessing:
        if (name.split("-")[-1].startswith("b")
                and input_shape[bn_axis - 1] == 3):
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229**2, 0.224**2, 0.225**2],
                                     axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def filters_of(count):
        return round_filters(count, width_coefficient, min_depth,
                             depth_divisor)

    x = _conv(filters_of(blocks_args[0]["input_filters"]), 3, 2,
              "stem_conv")(x)
    x = _bn_act(x, bn_momentum, activation, "stem_bn", "stem_activation")

    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(args["num_repeat"] for args in blocks_args))
    index = 0
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "Invalid value in `blocks_args`: `num_repeat` must be > 0. "
                f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"] = filters_of(args["input_filters"])
        args["output_filters"] = filters_of(args["output_filters"])
        block = (MBConvBlock, FusedMBConvBlock)[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"),
                                     depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * index / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            index += 1

    x = _conv(filters_of(1280), 1, 1, "top_conv")(x)
    x = _bn_act(x, bn_momentum, activation, "top_bn", "top_activation")
    x = common.pooled_dense_head(
        x, include_top, pooling, classes, classifier_activation, weights,
        avg_name="avg_pool", max_name="max_pool", dropout_rate=dropout_rate,
        kernel_initializer=DENSE_KERNEL_INITIALIZER)
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    return common.load_stem_named_weights(
        model, weights, include_top, WEIGHTS_BASE, name,
        WEIGHTS_HASHES, weights_name)


def _variant(key, public_name):
    width, depth, size, model_name = VARIANTS[key]

    def build(include_top=True, weights="imagenet", input_tensor=None,
              input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", include_preprocessing=True,
              name=model_name):
        return EfficientNetV2(
            width_coefficient=width, depth_coefficient=depth,
            default_size=size, name=name,
            blocks_args=DEFAULT_BLOCKS_ARGS[model_name],
            include_top=include_top, weights=weights,
            input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes,
            classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing, weights_name=key)

    build.__name__ = build.__qualname__ = public_name
    build.__doc__ = (
        f"{public_name} ({size}x{size} by default), optionally with ImageNet "
        "weights.\n\n    Takes `include_top`, `weights`, `input_tensor`, "
        "`input_shape`, `pooling`,\n    `classes`, `classifier_activation`, "
        "`include_preprocessing` (the model\n    rescales RGB inputs in "
        "[0, 255] itself) and `name`.\n")
    return build


EfficientNetV2B0 = _variant("b0", "EfficientNetV2B0")
EfficientNetV2B1 = _variant("b1", "EfficientNetV2B1")
EfficientNetV2B2 = _variant("b2", "EfficientNetV2B2")
EfficientNetV2B3 = _variant("b3", "EfficientNetV2B3")
EfficientNetV2S = _variant("-s", "EfficientNetV2S")
EfficientNetV2M = _variant("-m", "EfficientNetV2M")
EfficientNetV2L = _variant("-l", "EfficientNetV2L")


preprocess_input = common.preprocess_input_identity
decode_predictions = imagenet_utils.decode_predictions
