"""VGG19: VGG16's skeleton (`vgg16.build_vgg`) with four convolutions in
each of the last three blocks, and Keras's layer names."""

from lamina.applications import common, imagenet_utils
from lamina.applications.vgg16 import build_vgg

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
WEIGHTS_PATH = _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    _BASE + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
# md5 digests of Keras's files: (with top, without top).
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318",
                  "253f8cb515780f3b799900260a226db6")


def VGG19(include_top=True, weights="imagenet", input_tensor=None,
          input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19"):
    """Instantiates the VGG19 model; arguments as
    `lamina.applications.VGG16`.

    Example:

    >>> model = VGG19(weights=None, include_top=False,
    ...               input_shape=(32, 32, 3), pooling="max")
    >>> model.output_shape
    (None, 512)
    """
    return build_vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation,
                     name, tuple(zip((WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP),
                                     WEIGHTS_HASHES)))


preprocess_input = common.preprocess_input_caffe
decode_predictions = imagenet_utils.decode_predictions
