"""image_dataset_from_directory: a dataset of image batches read from a
directory tree with one subdirectory per class, as a `PyDataset`."""

import math
import os

import numpy as np
import torch

from lamina import config
from lamina.utils import dataset_utils
from lamina.utils.py_dataset import PyDataset

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


class ImageDataset(PyDataset):
    """Batches of `(images, labels)` (or images only) decoded from files.

    Images are float32 tensors of shape `(batch, height, width, channels)`
    (or channels-first); labels are int32 (`"int"`), float32 one-hot
    (`"categorical"`) or float32 `(batch, 1)` (`"binary"`). When shuffled,
    the order of the samples changes at each epoch (seeded).

    Attributes:
        class_names: the class names, in label order (None without labels).
        file_paths: the image paths, in the order of the dataset before any
            per-epoch shuffling.
    """

    def __init__(self, file_paths, labels, label_mode, class_names,
                 batch_size, image_size, num_channels, interpolation,
                 data_format, crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, shuffle=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self._labels = labels
        self._label_mode = label_mode
        self._batch_size = batch_size
        self._image_size = tuple(image_size)
        self._num_channels = num_channels
        self._interpolation = interpolation
        self._data_format = data_format
        self._crop = crop_to_aspect_ratio
        self._pad = pad_to_aspect_ratio
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._order = self._new_order()

    def _new_order(self):
        if self._shuffle:
            return self._rng.permutation(len(self.file_paths))
        return np.arange(len(self.file_paths))

    def __len__(self):
        if self._batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self._batch_size)

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index {index} is out of range for a dataset of "
                f"{len(self)} batches."
            )
        if self._batch_size is None:
            return self._sample(self._order[index])
        take = self._order[index * self._batch_size:
                           (index + 1) * self._batch_size]
        images = torch.stack([self._load(self.file_paths[i]) for i in take])
        if self._label_mode is None:
            return images
        return images, self._encode_labels(self._labels[take])

    def _sample(self, i):
        image = self._load(self.file_paths[i])
        if self._label_mode is None:
            return image
        return image, self._encode_labels(self._labels[i:i + 1])[0]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def on_epoch_end(self):
        self._order = self._new_order()

    def _encode_labels(self, labels):
        labels = torch.as_tensor(labels, dtype=torch.int32)
        if self._label_mode == "binary":
            return labels.to(torch.float32).unsqueeze(-1)
        if self._label_mode == "categorical":
            return torch.nn.functional.one_hot(
                labels.long(), len(self.class_names)).to(torch.float32)
        return labels

    def _load(self, path):
        from lamina.utils import image_transform
        from lamina.utils import image_utils

        img = image_utils.load_img(path, color_mode={
            3: "rgb", 4: "rgba", 1: "grayscale"}[self._num_channels])
        image = torch.as_tensor(np.array(img), dtype=torch.float32)
        if image.ndim == 2:
            image = image.unsqueeze(-1)
        if self._data_format == "channels_first":
            image = image.permute(2, 0, 1)
        return image_transform.resize(
            image, self._image_size, interpolation=self._interpolation,
            crop_to_aspect_ratio=self._crop, pad_to_aspect_ratio=self._pad,
            data_format=self._data_format).contiguous()

    def __repr__(self):
        return (f"<ImageDataset: {len(self.file_paths)} files, {len(self)} "
                f"batches, class_names={self.class_names}>")


def image_dataset_from_directory(
    directory, labels="inferred", label_mode="int", class_names=None,
    color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
    seed=None, validation_split=None, subset=None, interpolation="bilinear",
    follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
    data_format=None, format="tf", verbose=True,
):
    """Builds a dataset of image batches from a directory of images.

    With `labels="inferred"`, `directory` holds one subdirectory per class
    (sorted alphabetically into label indices); files with extensions
    .bmp, .gif, .jpeg, .jpg and .png are read. File indexing, shuffling
    and the validation split follow Keras, so `file_paths` and the split
    are the same for the same `seed`; images are decoded with Pillow and
    resized with torch (as Keras's `format="grain"` path). The result is a
    `PyDataset`, usable directly in `fit`, `evaluate` and `predict`.

    Args:
        directory: the data directory.
        labels: `"inferred"`, None (images only), or a list of integer
            labels, one per file in sorted path order.
        label_mode: `"int"`, `"categorical"`, `"binary"` (2 classes) or
            None.
        class_names: with inferred labels, the subdirectories to use, in
            label order.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`.
        batch_size: batch size, or None for single samples.
        image_size: `(height, width)` (or an int) images are resized to.
        shuffle: shuffle the files (and each epoch's order).
        seed: seed for shuffling and splitting; needed with both
            `validation_split` and `shuffle`.
        validation_split: fraction of files held out for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns
            `[train, validation]`), with `validation_split`.
        interpolation: `"bilinear"`, `"nearest"` or `"bicubic"`.
        follow_links: follow symbolic links to subdirectories.
        crop_to_aspect_ratio: crop to the target aspect ratio before
            resizing.
        pad_to_aspect_ratio: pad to the target aspect ratio before resizing.
        data_format: layout of the images; defaults to the global format.
        format: `"tf"` or `"grain"` (accepted for compatibility; both give
            a Lamina `PyDataset`).
        verbose: print the number of files and classes found.

    Returns:
        An `ImageDataset`, or a list of two with `subset="both"`.
    """
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "Argument `labels` must be 'inferred', None or a list of "
                "integer labels, one per image file. Received: "
                f"labels={labels!r}"
            )
        if class_names:
            raise ValueError(
                "Argument `class_names` can only be passed with "
                f"labels='inferred'. Received: class_names={class_names}"
            )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            "Invalid value for argument `label_mode`. Expected 'int', "
            "'categorical', 'binary' or None. Received: "
            f"label_mode={label_mode!r}"
        )
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if color_mode not in _CHANNELS:
        raise ValueError(
            "Invalid value for argument `color_mode`. Expected 'rgb', 'rgba' "
            f"or 'grayscale'. Received: color_mode={color_mode!r}"
        )
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(
            "Invalid value for argument `image_size`. Expected a tuple of 2 "
            f"integers. Received: image_size={image_size!r}"
        )
    interpolation = str(interpolation).lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected one of "
            f"{list(_INTERPOLATIONS)}. Received: interpolation="
            f"{interpolation!r}"
        )
    if format not in ("tf", "grain"):
        raise ValueError(
            "Invalid value for argument `format`. Expected 'tf' or 'grain'. "
            f"Received: format={format!r}"
        )
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can "
            "be True."
        )
    _check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links,
        verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            "label_mode='binary' needs exactly 2 classes. Received: "
            f"class_names={class_names}"
        )
    options = dict(
        label_mode=label_mode, class_names=class_names,
        batch_size=batch_size, image_size=image_size,
        num_channels=_CHANNELS[color_mode], interpolation=interpolation,
        data_format=config.standardize_data_format(data_format),
        crop_to_aspect_ratio=crop_to_aspect_ratio,
        pad_to_aspect_ratio=pad_to_aspect_ratio, seed=seed,
    )
    if subset == "both":
        train = dataset_utils.get_training_or_validation_split(
            file_paths, labels, validation_split, "training")
        val = dataset_utils.get_training_or_validation_split(
            file_paths, labels, validation_split, "validation")
        if not train[0]:
            raise ValueError(
                f"No training images found in directory {directory}. "
                f"Allowed formats: {ALLOWLIST_FORMATS}"
            )
        if not val[0]:
            raise ValueError(
                f"No validation images found in directory {directory}. "
                f"Allowed formats: {ALLOWLIST_FORMATS}"
            )
        return [ImageDataset(*train, shuffle=shuffle, **options),
                ImageDataset(*val, shuffle=False, **options)]
    file_paths, labels = dataset_utils.get_training_or_validation_split(
        file_paths, labels, validation_split, subset)
    if not file_paths:
        raise ValueError(
            f"No images found in directory {directory}. Allowed formats: "
            f"{ALLOWLIST_FORMATS}"
        )
    return ImageDataset(file_paths, labels, shuffle=shuffle, **options)


def _check_validation_split(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            "Invalid value for argument `validation_split`. Expected a float "
            f"in (0, 1). Received: validation_split={validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "Arguments `subset` and `validation_split` must be set together. "
            f"Received: subset={subset!r}, validation_split="
            f"{validation_split}"
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            "Invalid value for argument `subset`. Expected 'training', "
            f"'validation' or 'both'. Received: subset={subset!r}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "Using `validation_split` with shuffling needs a `seed`, so that "
            "the training and validation subsets do not overlap."
        )


def index_directory(directory, labels, formats, class_names=None,
                    shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """Lists the files of `directory` and their labels as Keras does.

    Returns:
        `(file_paths, labels, class_names)`; labels are an int32 array (or
        None), shuffled together with the paths when `shuffle`.
    """
    inferred_labels = isinstance(labels, str) and labels == "inferred"
    if inferred_labels:
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d))
                   and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "Argument `class_names` does not match the "
                    f"subdirectories of {directory}. Expected: {subdirs} (or "
                    f"a subset). Received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(
                "Argument `class_names` can only be passed with "
                "labels='inferred'."
            )
    filenames, inferred = dataset_utils.list_class_files(
        directory, subdirs, follow_links, formats)
    if inferred_labels:
        labels = np.asarray(inferred, dtype="int32")
        class_names = list(subdirs)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                f"Argument `labels` has {len(labels)} entries but "
                f"{len(filenames)} files were found in {directory}."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels, dtype="int32")
    file_paths, labels = dataset_utils.finish_index(
        directory, filenames, labels, class_names, shuffle, seed, verbose)
    return file_paths, labels, class_names
