"""Image file helpers: load_img, img_to_array, array_to_img, save_img and
smart_resize, as in `keras.utils` (Pillow is imported on first use)."""

import io
import pathlib
import warnings

import numpy as np

from lamina import config


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Image loading and saving needs Pillow, which could not be "
            "imported. Install it with `pip install pillow`."
        ) from None
    return Image


def _interpolation_methods():
    image = _pil_image()
    resampling = getattr(image, "Resampling", image)
    return {
        "nearest": resampling.NEAREST, "bilinear": resampling.BILINEAR,
        "bicubic": resampling.BICUBIC, "hamming": resampling.HAMMING,
        "box": resampling.BOX, "lanczos": resampling.LANCZOS,
    }


def _data_format(data_format):
    return config.standardize_data_format(data_format)


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a rank-3 array to a PIL image.

    Args:
        x: `(height, width, channels)` array (or channels-first), with 1
            (grayscale), 3 (RGB) or 4 (RGBA) channels.
        data_format: layout of `x`; defaults to the global image format.
        scale: rescale values to `[0, 255]` (min to 0, max to 255).
        dtype: dtype used for the conversion; defaults to floatx.

    Returns:
        A `PIL.Image.Image`.
    """
    data_format = _data_format(data_format)
    dtype = dtype or config.floatx()
    image = _pil_image()
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(
            "array_to_img expected an image array of rank 3 (one image). "
            f"Received an array of shape {x.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            # 32-bit signed integer pixels.
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        "array_to_img supports 1, 3 or 4 channels. Received an array with "
        f"{channels} channels (shape {x.shape})"
    )


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image to a rank-3 NumPy array.

    Args:
        img: a PIL image.
        data_format: layout of the result; defaults to the global image
            format.
        dtype: dtype of the result; defaults to floatx.

    Returns:
        `(height, width, channels)` array (or channels-first).
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1,) + x.shape)
        else:
            x = x.reshape(x.shape + (1,))
    else:
        raise ValueError(
            f"img_to_array expected a 2D or 3D image. Received shape {x.shape}"
        )
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True,
             **kwargs):
    """Saves an image array to a file.

    Args:
        path: file path or file object.
        x: rank-3 image array.
        data_format: layout of `x`; defaults to the global image format.
        file_format: e.g. `"png"`; inferred from the extension when None.
        scale: rescale values to `[0, 255]`.
        **kwargs: passed to `PIL.Image.Image.save`.
    """
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("JPEG does not support RGBA images; converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file as a PIL image.

    Args:
        path: file path (str or `pathlib.Path`) or `io.BytesIO`.
        color_mode: `"rgb"` (default), `"rgba"` or `"grayscale"`.
        target_size: None (original size) or `(height, width)`.
        interpolation: resampling used when resizing: `"nearest"`
            (default), `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"` or
            `"lanczos"`.
        keep_aspect_ratio: resize the largest centred crop with the target
            aspect ratio instead of stretching.

    Returns:
        A `PIL.Image.Image`.
    """
    image = _pil_image()
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(
            "Argument `path` of load_img must be a path or io.BytesIO. "
            f"Received: path of type {type(path).__name__}"
        )
    if color_mode == "grayscale":
        # 16- and 32-bit grayscale images keep their depth.
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError(
            "Invalid value for argument `color_mode` of load_img. Expected "
            "'grayscale', 'rgb' or 'rgba'. Received: "
            f"color_mode={color_mode!r}"
        )
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])
    if img.size == size:
        return img
    methods = _interpolation_methods()
    if interpolation not in methods:
        raise ValueError(
            "Invalid value for argument `interpolation` of load_img. Expected "
            f"one of {list(methods)}. Received: interpolation="
            f"{interpolation!r}"
        )
    resample = methods[interpolation]
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    target_width, target_height = size
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    top = (height - crop_height) // 2
    left = (width - crop_width) // 2
    box = [left, top, left + crop_width, top + crop_height]
    return img.resize(size, resample, box=box)


def smart_resize(x, size, interpolation="bilinear",
                 data_format="channels_last", **kwargs):
    """Resizes images to `size` without distorting them.

    Crops the largest centred window with the target aspect ratio, then
    resizes it (as `keras.preprocessing.image.smart_resize`).

    Args:
        x: `(height, width, channels)` or `(batch, height, width, channels)`
            image(s) (channels-first with `data_format`), NumPy or tensor.
        size: `(height, width)`.
        interpolation: `"bilinear"` (default), `"nearest"` or `"bicubic"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Returns:
        A NumPy array when `x` is one, else a tensor.
    """
    import torch

    from lamina.utils import image_transform

    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(
            f"smart_resize() got unexpected keyword arguments: {list(kwargs)}"
        )
    if len(size) != 2:
        raise ValueError(
            "Argument `size` of smart_resize must be (height, width). "
            f"Received: size={size}"
        )
    image_transform.check_choice("smart_resize", "interpolation",
                                  interpolation,
                                  image_transform.RESIZE_INTERPOLATIONS)
    images = x if isinstance(x, torch.Tensor) else torch.as_tensor(
        np.asarray(x))
    if images.ndim not in (3, 4):
        raise ValueError(
            "smart_resize expected an image of shape (height, width, "
            "channels) or a batch (batch, height, width, channels). "
            f"Received: shape {tuple(images.shape)}"
        )
    h_axis, w_axis = image_transform.spatial_axes(data_format, images.ndim)
    top, left, crop_h, crop_w = image_transform.aspect_ratio_window(
        images.shape[h_axis], images.shape[w_axis], size[0], size[1])
    window = image_transform.crop(images, top, left, crop_h, crop_w,
                                   data_format)
    resized = image_transform.resize(window, tuple(size),
                                      interpolation=interpolation,
                                      data_format=data_format)
    if isinstance(x, np.ndarray):
        return resized.cpu().numpy()
    return resized
