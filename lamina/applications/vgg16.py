"""VGG16 (Simonyan & Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition", ICLR 2015) with Keras's layer names, so
Keras's published ImageNet weight files load by layer name.

`build_vgg` is shared with `vgg19`: five blocks of 3x3 convolutions, each
followed by 2x2 max pooling, then the fully connected classifier.
"""

from lamina import layers
from lamina.applications import common, imagenet_utils
from lamina.models import Functional

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS_PATH = _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    _BASE + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
# md5 digests of Keras's files: (with top, without top).
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b",
                  "6d6bbae143d832006294945121d1f1fc")
_BLOCK_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(convs_per_block, include_top, weights, input_tensor,
              input_shape, pooling, classes, classifier_activation, name,
              weight_files):
    """Builds a VGG network.

    Args:
        convs_per_block: Number of convolutions in each of the 5 blocks.
        weight_files: `((path, md5), (path_no_top, md5_no_top))` of the
            published ImageNet weights.
        The other arguments are the public builders'.
    """
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    img_input = common.image_model_input(
        input_tensor, input_shape, default_size=224, min_size=32,
        include_top=include_top, weights=weights)
    x = img_input
    for block, (filters, convs) in enumerate(
            zip(_BLOCK_FILTERS, convs_per_block), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu",
                              padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2),
                                name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = (imagenet_utils.source_inputs(input_tensor)
              if input_tensor is not None else img_input)
    model = Functional(inputs, x, name=name)
    origin, file_hash = weight_files[0 if include_top else 1]
    return imagenet_utils.load_application_weights(
        model, weights, origin.rsplit("/", 1)[-1], origin, file_hash)


def VGG16(include_top=True, weights="imagenet", input_tensor=None,
          input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """Instantiates the VGG16 model.

    Args:
        include_top: Whether to include the 3 fully connected layers
            ("fc1", "fc2", "predictions"); with them the input must be
            static.
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
        `lamina.applications.vgg16.preprocess_input`.

    Example:

    >>> model = VGG16(weights=None, include_top=False,
    ...               input_shape=(32, 32, 3), pooling="avg")
    >>> model.output_shape
    (None, 512)
    """
    return build_vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation,
                     name, tuple(zip((WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP),
                                     WEIGHTS_HASHES)))


preprocess_input = common.preprocess_input_caffe
decode_predictions = imagenet_utils.decode_predictions
