"""ResNet50, ResNet101 and ResNet152 (He et al., "Deep Residual Learning
for Image Recognition", CVPR 2015), with Keras's layer names, so Keras's
published ImageNet weight files load by layer name.

`build_resnet` is the skeleton shared with `resnet_v2` (pre-activation):
stem, the stacks of residual blocks, then the classifier or pooling.
"""

from lamina import config
from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Functional

BASE_WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
)
# (with top, without top) md5 digests of Keras's files.
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107",
                 "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5",
                  "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62",
                  "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0",
                   "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971",
                    "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9",
                    "ed17cf2e0169df9d443503ef94b23b33"),
}
BN_EPSILON = 1.001e-5


def batch_norm(name):
    """The BatchNormalization every ResNet uses (channel axis, Keras's
    epsilon)."""
    axis = 1 if config.image_data_format() == "channels_first" else 3
    return layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name)


def build_resnet(stack_fn, preact, use_bias, include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="resnet", weights_name=None):
    """Builds a ResNet around `stack_fn(x)`, the residual stacks.

    Args:
        stack_fn: Maps the stem's output to the last stack's output.
        preact: `True` for ResNetV2 (pre-activation: no BatchNorm after
            the stem, one after the last stack).
        use_bias: Whether the stem convolution has a bias.
        weights_name: Key of `WEIGHTS_HASHES` naming the ImageNet files.
        The other arguments are the public builders'.
    """
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    img_input = common.image_model_input(
        input_tensor, input_shape, default_size=224, min_size=32,
        include_top=include_top, weights=weights)

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(
        img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias,
                      name="conv1_conv")(x)
    if not preact:
        x = batch_norm("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)

    x = stack_fn(x)

    if preact:
        x = batch_norm("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = _top(x, include_top, pooling, classes, classifier_activation, weights)

    inputs = (imagenet_utils.source_inputs(input_tensor)
              if input_tensor is not None else img_input)
    model = Functional(inputs, x, name=name)
    suffix = "" if include_top else "_notop"
    file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    file_hash = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
    return imagenet_utils.load_application_weights(
        model, weights, file_name, BASE_WEIGHTS_PATH + file_name, file_hash)


def _top(x, include_top, pooling, classes, classifier_activation, weights):
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation,
                            name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def residual_block_v1(x, filters, kernel_size=3, stride=1,
                      conv_shortcut=True, name=None):
    """A bottleneck block: 1x1, kxk, 1x1 (×4 filters), added to the
    shortcut (a 1x1 projection when `conv_shortcut`), then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride,
                                 name=f"{name}_0_conv")(x)
        shortcut = batch_norm(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same",
                      name=f"{name}_2_conv")(x)
    x = batch_norm(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = batch_norm(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """`blocks` bottleneck blocks; the first projects and strides."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False,
                              name=f"{name}_block{i}")
    return x


def _v1_stacks(blocks):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, blocks[0], stride1=1,
                                     name="conv2")
        x = stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")
    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet50"):
    """Instantiates the ResNet50 architecture.

    Args:
        include_top: Whether to include the classifier (global average
            pooling and a `classes`-way Dense layer named "predictions").
        weights: `None` (random initialization), `"imagenet"` (Keras's
            published ImageNet weights, downloaded into the Keras cache),
            or the path of a weights file to load.
        input_tensor: Optional KerasTensor to use as the model's input.
        input_shape: Shape without batch; defaults to `(224, 224, 3)` with
            the top, else `(None, None, 3)`; height and width at least 32.
        pooling: Without the top: `None` (4D output), `"avg"` or `"max"`.
        classes: Number of classes, with the top and no `weights`.
        classifier_activation: Activation of the "predictions" layer;
            `None` returns logits. Pretrained weights allow only `None`
            or `"softmax"`.
        name: The model's name.

    Returns:
        A functional `Model`. Inputs are expected preprocessed with
        `lamina.applications.resnet.preprocess_input`.

    Example:

    >>> model = ResNet50(weights=None, include_top=False,
    ...                  input_shape=(64, 64, 3), pooling="avg")
    >>> model.output_shape
    (None, 2048)
    """
    return build_resnet(_v1_stacks((3, 4, 6, 3)), False, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None,
              input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="resnet101"):
    """Instantiates the ResNet101 architecture; arguments as `ResNet50`."""
    return build_resnet(_v1_stacks((3, 4, 23, 3)), False, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None,
              input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="resnet152"):
    """Instantiates the ResNet152 architecture; arguments as `ResNet50`."""
    return build_resnet(_v1_stacks((3, 8, 36, 3)), False, True, include_top,
                        weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation, name, "resnet152")


preprocess_input = common.preprocess_input_caffe
decode_predictions = imagenet_utils.decode_predictions
