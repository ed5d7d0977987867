"""What every ImageNet application shares: input preprocessing, decoding
of the 1000-class predictions, and the argument checks of the model
builders (input shape, classifier activation, `weights`).

`decode_predictions` reads Keras's class index file, fetched once through
`lamina.utils.get_file` into the Keras cache (`~/.keras/models`).
"""

import json
import os

import numpy as np
import torch

from lamina import activations
from lamina import config
from lamina import ops
from lamina.graph import is_keras_tensor
from lamina.utils import file_utils

CLASS_INDEX_PATH = (
    "https://storage.googleapis.com/download.tensorflow.org/"
    "data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_class_index = None

_MODES = ("caffe", "tf", "torch")
_CAFFE_MEAN = (103.939, 116.779, 123.68)   # B, G, R
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (NumPy array or tensor) for a model
    trained on ImageNet.

    Args:
        x: Images, 3D or 4D, with 3 color channels (RGB), values in
            [0, 255]. A floating NumPy array is modified in place, as in
            Keras; integer arrays are converted to `floatx()` first.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        mode: `"caffe"` (RGB to BGR, then subtract the ImageNet channel
            means, no scaling), `"tf"` (scale to [-1, 1]) or `"torch"`
            (scale to [0, 1], then normalize with the ImageNet channel
            means and standard deviations).

    Returns:
        The preprocessed images, of the input's type.

    Example:

    >>> x = np.full((1, 2, 2, 3), 255.0)
    >>> float(preprocess_input(x, mode="tf")[0, 0, 0, 0])
    1.0
    """
    if mode not in _MODES:
        raise ValueError(
            "Expected mode to be one of `caffe`, `tf` or `torch`. "
            f"Received: mode={mode}"
        )
    data_format = _standardize_data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _standardize_data_format(data_format):
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "Expected data_format to be one of `channels_first` or "
            f"`channels_last`. Received: data_format={data_format}"
        )
    return data_format


def _mode_constants(mode):
    if mode == "torch":
        return 255.0, _TORCH_MEAN, _TORCH_STD
    return 1.0, _CAFFE_MEAN, None


def _channel_shape(ndim, data_format):
    if data_format == "channels_last":
        return (1,) * (ndim - 1) + (3,)
    if ndim == 3:
        return (3, 1, 1)
    return (1, 3) + (1,) * (ndim - 2)


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    scale, mean, std = _mode_constants(mode)
    if mode == "caffe":
        channel_axis = -1 if data_format == "channels_last" else x.ndim - 3
        x = np.flip(x, axis=channel_axis)   # RGB -> BGR, a view as in Keras
    else:
        x /= scale
    shape = _channel_shape(x.ndim, data_format)
    x -= np.asarray(mean, dtype=x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    if not is_keras_tensor(x):
        x = ops.convert_to_tensor(x)
    if not str(x.dtype).replace("torch.", "").startswith(("float", "bfloat")):
        x = ops.cast(x, config.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    scale, mean, std = _mode_constants(mode)
    ndim = len(x.shape)
    if mode == "caffe":
        channel_axis = -1 if data_format == "channels_last" else ndim - 3
        x = ops.flip(x, axis=channel_axis)
    else:
        x = x / scale
    shape = _channel_shape(ndim, data_format)
    x = x - ops.reshape(_constant_like(mean, x), shape)
    if std is not None:
        x = x / ops.reshape(_constant_like(std, x), shape)
    return x


def _constant_like(values, x):
    """`values` as a tensor of `x`'s dtype, on `x`'s device."""
    if isinstance(x, torch.Tensor):
        return torch.as_tensor(values, dtype=x.dtype, device=x.device)
    return ops.convert_to_tensor(values, dtype=x.dtype)


def decode_predictions(preds, top=5):
    """Decodes the predictions of an ImageNet classifier.

    Args:
        preds: Array or tensor of shape `(samples, 1000)`.
        top: How many of the best guesses to return per sample.

    Returns:
        One list per sample of `(class_name, class_description, score)`
        tuples, best first.
    """
    global _class_index
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "`decode_predictions` expects a batch of predictions (i.e. a 2D "
            f"array of shape (samples, 1000)). Received array with shape: "
            f"{tuple(preds.shape)}"
        )
    if _class_index is None:
        path = file_utils.get_file(
            "imagenet_class_index.json", CLASS_INDEX_PATH,
            cache_subdir="models", file_hash=CLASS_INDEX_HASH,
        )
        with open(path) as f:
            _class_index = json.load(f)
    if isinstance(preds, torch.Tensor):
        preds = preds.detach().cpu().numpy()
    preds = np.asarray(preds)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        result = [tuple(_class_index[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format,
                       require_flatten, weights=None):
    """Checks a builder's `input_shape` argument and fills in the default,
    with Keras's rules and messages. Returns the shape without batch."""
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        default_shape = ((channels, default_size, default_size)
                         if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = ((3, default_size, default_size) if channels_first
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                "When setting `include_top=True` and loading `imagenet` "
                f"weights, `input_shape` should be {default_shape}.  "
                f"Received: input_shape={input_shape}"
            )
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                "`input_shape` must be a tuple of three integers. "
                f"Received: input_shape={input_shape}"
            )
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(
                "The input must have 3 channels; Received "
                f"`input_shape={input_shape}`"
            )
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; "
                f"Received: input_shape={input_shape}"
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "If `include_top` is True, you should specify a static "
            f"`input_shape`. Received: input_shape={input_shape}"
        )
    return input_shape


def validate_weights_argument(weights, include_top, classes):
    """Keras's checks of `weights` and `classes`, shared by every builder."""
    if not (weights in ("imagenet", None)
            or (isinstance(weights, (str, os.PathLike))
                and os.path.exists(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random "
            "initialization), 'imagenet' (pre-training on ImageNet), or the "
            "path to the weights file to be loaded.  Received: "
            f"weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, "
            f"`classes` should be 1000.  Received classes={classes}"
        )


def validate_activation(classifier_activation, weights):
    """Pretrained classifiers accept only `None` or `"softmax"`."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in (activations.get("softmax"), activations.get(None)):
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the "
            "`classifier_activation` argument when using pretrained weights, "
            "with `include_top=True`; Received: "
            f"classifier_activation={classifier_activation}"
        )


def correct_pad(inputs, kernel_size):
    """Zero padding `((top, bottom), (left, right))` that makes a strided
    2D convolution over `inputs` match TensorFlow's "same" padding."""
    first = 2 if config.image_data_format() == "channels_first" else 1
    size = inputs.shape[first:first + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def image_input(input_tensor, input_shape):
    """The model's input: a new `Input` of `input_shape`, or `input_tensor`
    when one is given (a KerasTensor, as Keras 3 requires)."""
    from lamina.layers import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The `Input` tensors upstream of `tensor`, in discovery order: the
    inputs of a model built on a user's `input_tensor`."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        current = stack.pop()
        history = current._keras_history
        if history is None:
            continue
        operation, node_index, _ = history
        node = operation._inbound_nodes[node_index]
        if node.is_input:
            if id(current) not in seen:
                seen.add(id(current))
                found.append(current)
            continue
        stack.extend(reversed(node.input_tensors))
    return found


def load_application_weights(model, weights, file_name, origin, file_hash):
    """Loads `weights`: Keras's published ImageNet file (fetched into the
    Keras cache through `get_file`) for `"imagenet"`, else a local path."""
    if weights == "imagenet":
        weights = file_utils.get_file(
            file_name, origin, cache_subdir="models", file_hash=file_hash
        )
    if weights is not None:
        model.load_weights(weights)
    return model
