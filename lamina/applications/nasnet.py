"""NASNet-A Mobile and Large (Zoph et al., 2018) with Keras's layer names
and weight files. Keras 3 refuses to build these on its torch backend;
Lamina builds them."""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Model

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/nasnet/")
# By default size: (cache name, remote name, md5) with and without the top.
WEIGHTS_FILES = {
    224: {True: ("nasnet_mobile.h5", "NASNet-mobile.h5",
                 "020fb642bf7360b370c678b08e0adf61"),
          False: ("nasnet_mobile_no_top.h5", "NASNet-mobile-no-top.h5",
                  "1ed92395b5b598bdda52abe5c0dbfd63")},
    331: {True: ("nasnet_large.h5", "NASNet-large.h5",
                 "11577c9a518f0070763c2b964a382f17"),
          False: ("nasnet_large_no_top.h5", "NASNet-large-no-top.h5",
                  "d81d89dc07e6e56530c4e77faddd61b5")},
}


def _batch_norm(x, name=None):
    return layers.BatchNormalization(axis=common.channel_axis(),
                                     momentum=0.9997, epsilon=1e-3,
                                     name=name)(x)


def _conv1x1(x, filters, name):
    return layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same",
                         use_bias=False, kernel_initializer="he_normal",
                         name=name)(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1),
                          block_id=None):
    """ReLU, separable conv, BN, ReLU, separable conv, BN."""
    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(
            padding=imagenet_utils.correct_pad(x, kernel_size),
            name=f"separable_conv_1_pad_{block_id}")(x)
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                               name=f"separable_conv_1_{block_id}",
                               padding="valid" if strides == (2, 2) else "same",
                               use_bias=False)(x)
    x = _batch_norm(x, f"separable_conv_1_bn_{block_id}")
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size,
                               name=f"separable_conv_2_{block_id}",
                               padding="same", use_bias=False)(x)
    return _batch_norm(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p, ip, filters, block_id=None):
    """Matches the previous cell's output `p` to `ip`'s size and width."""
    axis = common.channel_axis()
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same",
                           use_bias=False, kernel_initializer="he_normal",
                           name=f"adjust_conv_1_{block_id}")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same",
                           use_bias=False, kernel_initializer="he_normal",
                           name=f"adjust_conv_2_{block_id}")(p2)
        p = layers.concatenate([p1, p2], axis=axis)
        return _batch_norm(p, f"adjust_bn_{block_id}")
    if p.shape[axis] != filters:
        p = layers.Activation("relu")(p)
        p = _conv1x1(p, filters, f"adjust_conv_projection_{block_id}")
        return _batch_norm(p, f"adjust_bn_{block_id}")
    return p


def _avg_pool(x, strides, padding, name):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding,
                                   name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(h, filters, f"normal_conv_1_{block_id}")
    h = _batch_norm(h, f"normal_bn_1_{block_id}")
    x1 = layers.add([
        _separable_conv_block(h, filters, (5, 5),
                              block_id=f"normal_left1_{block_id}"),
        _separable_conv_block(p, filters,
                              block_id=f"normal_right1_{block_id}"),
    ], name=f"normal_add_1_{block_id}")
    x2 = layers.add([
        _separable_conv_block(p, filters, (5, 5),
                              block_id=f"normal_left2_{block_id}"),
        _separable_conv_block(p, filters, (3, 3),
                              block_id=f"normal_right2_{block_id}"),
    ], name=f"normal_add_2_{block_id}")
    x3 = _avg_pool(h, (1, 1), "same", f"normal_left3_{block_id}")
    x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
    x4 = layers.add([
        _avg_pool(p, (1, 1), "same", f"normal_left4_{block_id}"),
        _avg_pool(p, (1, 1), "same", f"normal_right4_{block_id}"),
    ], name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters,
                               block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5],
                           axis=common.channel_axis(),
                           name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    p = _adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(h, filters, f"reduction_conv_1_{block_id}")
    h = _batch_norm(h, f"reduction_bn_1_{block_id}")
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)
    x1 = layers.add([
        _separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                              block_id=f"reduction_left1_{block_id}"),
        _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                              block_id=f"reduction_right1_{block_id}"),
    ], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                 block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = _avg_pool(h3, (2, 2), "valid", f"reduction_left3_{block_id}")
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                 block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = _avg_pool(x1, (1, 1), "same", f"reduction_left4_{block_id}")
    x4 = layers.add([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3),
                                 block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                               name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=common.channel_axis(),
                           name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6,
           stem_block_filters=96, skip_reduction=True, filter_multiplier=2,
           include_top=True, weights="imagenet", input_tensor=None,
           pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax", name="NASNet"):
    """Builds a NASNet-A model (channels_last only)."""
    common.require_channels_last("NASNet")
    common.check_weights_argument(weights, include_top, classes)
    if (isinstance(input_shape, tuple) and None in input_shape
            and weights == "imagenet"):
        raise ValueError(
            "With ImageNet weights, NASNet's `input_shape` must be static "
            f"(no None entries). Received: input_shape={input_shape}")
    default_size = 331 if default_size is None else default_size
    img_input = common.image_model_input(
        input_tensor, input_shape, default_size=default_size, min_size=32,
        include_top=include_top, weights=weights)
    if penultimate_filters % (24 * (filter_multiplier ** 2)) != 0:
        raise ValueError(
            "Invalid value for argument `penultimate_filters`. Expected a "
            "multiple of 24 * filter_multiplier ** 2. Received: "
            f"penultimate_filters={penultimate_filters}")
    filters = penultimate_filters // 24

    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2),
                      padding="valid", use_bias=False, name="stem_conv1",
                      kernel_initializer="he_normal")(img_input)
    x = _batch_norm(x, "stem_bn1")
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier ** 2),
                             block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier,
                             block_id="stem_2")
    for stage in range(3):
        width = filters * filter_multiplier ** stage
        if stage:
            x, p0 = _reduction_a_cell(x, p, width,
                                      block_id=f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block_id = stage * num_blocks + i + (1 if stage else 0)
            x, p = _normal_a_cell(x, p, width, block_id=f"{block_id}")
    x = layers.Activation("relu")(x)

    x = common.pooled_dense_head(x, include_top, pooling, classes,
                                 classifier_activation, weights,
                                 top_pool_name=None)
    model = Model(common.model_inputs(input_tensor, img_input), x, name=name)
    if weights != "imagenet":
        return common.load_model_weights(model, weights)
    if default_size not in WEIGHTS_FILES:
        raise ValueError("ImageNet weights exist only for NASNetMobile "
                         "(default_size=224) and NASNetLarge (331). "
                         f"Received: default_size={default_size}")
    fname, remote, file_hash = WEIGHTS_FILES[default_size][bool(include_top)]
    return common.load_model_weights(model, weights, fname,
                                     WEIGHTS_BASE + remote, file_hash)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet",
                 input_tensor=None, pooling=None, classes=1000,
                 classifier_activation="softmax", name="nasnet_mobile"):
    """NASNet-A Mobile (224x224), optionally with ImageNet weights; the
    arguments are those of the other applications. Inputs go through
    `preprocess_input` (scaled to [-1, 1])."""
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4,
                  stem_block_filters=32, skip_reduction=False,
                  filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=224,
                  classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="nasnet_large"):
    """NASNet-A Large (331x331), optionally with ImageNet weights; the
    arguments are those of the other applications. Inputs go through
    `preprocess_input` (scaled to [-1, 1])."""
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6,
                  stem_block_filters=96, skip_reduction=True,
                  filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor,
                  pooling=pooling, classes=classes, default_size=331,
                  classifier_activation=classifier_activation, name=name)


preprocess_input = common.preprocess_input_tf
decode_predictions = imagenet_utils.decode_predictions
