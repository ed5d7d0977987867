"""`text_dataset_from_directory`: batches of texts and labels from `.txt`
files, one sub-folder per class.

File indexing, the seeded global shuffle and the validation split follow
Keras exactly (same files in the same order for the same seed). Keras then
streams through a `tf.data` shuffle buffer of `8 * batch_size` elements,
reshuffled every epoch; that buffer is reproduced here with NumPy's
generator, so the order has the same locality but not TensorFlow's draws.
"""

import os

import numpy as np

from lamina.utils import dataset_utils
from lamina.utils.dataset_utils import get_training_or_validation_split
from lamina.utils.file_dataset import FileDataset


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Makes a `PyDataset` of `(texts, labels)` batches from text files.

    With `labels="inferred"`, `directory` holds one sub-folder per class
    (alphanumeric order gives the label indices unless `class_names` is
    given) and every `.txt` file below a class folder is one sample.

    Args:
        directory: the data folder.
        labels: `"inferred"`, None (texts only) or a list of integer labels
            in the alphanumeric order of the file paths.
        label_mode: `"int"` (int32 labels), `"categorical"` (float32
            one-hot), `"binary"` (float32 of shape `(batch, 1)`, exactly 2
            classes) or None (texts only).
        class_names: explicit class folder names and order (inferred labels).
        batch_size: samples per batch; None yields single samples.
        max_length: keep at most this many bytes of each file (a character
            cut in two is dropped).
        shuffle: shuffle the files (seeded) and reshuffle every epoch;
            otherwise alphanumeric order.
        seed: the shuffle seed (required with `validation_split` and
            `shuffle`).
        validation_split: fraction of files held out for validation.
        subset: `"training"`, `"validation"` or `"both"` (returns a
            `[training, validation]` list); requires `validation_split`.
        follow_links: follow symbolic links to sub-folders.
        format: `"tf"` or `"grain"`, accepted for Keras compatibility; both
            give the same `PyDataset`.
        verbose: print how many files and classes were found.

    Returns:
        A `TextFileDataset` (a `lamina.utils.PyDataset`) whose items are
        `(texts, labels)`: a NumPy array of `str` (files are decoded as
        UTF-8; Keras yields `tf.string` bytes) and a torch tensor. It has a
        `class_names` attribute. Vectorize `texts` with `TextVectorization`
        before a model, or use the layer as a model's first layer.
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, "
                "of the same size as the number of text files in the target "
                "directory. If you wish to infer the labels from the "
                "subdirectory names in the target directory, pass "
                '`labels="inferred"`. If you wish to get a dataset that only '
                "contains text samples (no labels), pass `labels=None`. "
                f"Received: labels={labels}")
        if class_names:
            raise ValueError(
                'You can only pass `class_names` if `labels="inferred"`. '
                f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", '
            f'"binary", or None. Received: label_mode={label_mode}')
    if format not in ("tf", "grain"):
        raise ValueError('`format` should be either "tf" or "grain". '
                         f"Received: format={format}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    file_paths, labels, class_names = index_directory(
        directory, labels, formats=(".txt",), class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links,
        verbose=verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be '
                         f"exactly 2 class_names. Received: class_names="
                         f"{class_names}")

    def make(subset_name, shuffle_subset):
        paths, subset_labels = get_training_or_validation_split(
            file_paths, labels, validation_split, subset_name)
        if not paths:
            kind = {"training": "training ", "validation": "validation "}.get(
                subset_name, "") if subset == "both" else ""
            raise ValueError(f"No {kind}text files found in directory "
                             f"{directory}. Allowed format: .txt")
        return TextFileDataset(
            paths, subset_labels, label_mode=label_mode,
            num_classes=len(class_names) if class_names else 0,
            max_length=max_length, batch_size=batch_size,
            shuffle=shuffle_subset, seed=seed, class_names=class_names)

    if subset == "both":
        # Keras's training split is checked before the validation split, and
        # validation data is never shuffled per epoch.
        train = make("training", shuffle)
        return [train, make("validation", False)]
    return make(subset, shuffle)


class TextFileDataset(FileDataset):
    """Batches of `(texts, labels)` (or texts only) read from text files;
    `max_length` is the most bytes kept per file (the other arguments are
    `FileDataset`'s)."""

    def __init__(self, file_paths, labels=None, label_mode="int",
                 num_classes=0, max_length=None, batch_size=32,
                 shuffle=False, seed=None, class_names=None, **kwargs):
        self.max_length = max_length
        super().__init__(file_paths, labels, label_mode, num_classes,
                         batch_size, shuffle, seed, class_names, **kwargs)

    def load(self, path):
        return _read_text(path, self.max_length)

    def collate(self, items):
        return np.array(items, dtype=str)


def _read_text(path, max_length):
    with open(path, "rb") as f:
        raw = f.read()
    if max_length is None or len(raw) <= max_length:
        return raw.decode("utf-8", errors="replace")
    # Keras cuts at a byte count; a multi-byte character cut in two is
    # dropped rather than decoded to a replacement character.
    return raw[:max_length].decode("utf-8", errors="ignore")


def index_directory(directory, labels, formats, class_names=None,
                    shuffle=True, seed=None, follow_links=False, verbose=True):
    """Keras's file index: `(file_paths, labels, class_names)`, sorted by
    class then path, then shuffled by `np.random.RandomState(seed)`."""
    if labels == "inferred":
        subdirs = [d.rstrip("/") for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d))
                   and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the "
                    "subdirectories of the target directory. Expected: "
                    f"{subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(
                "When `labels=None` (no labels), argument `class_names` cannot "
                "be specified." if labels is None else
                "When argument `labels` is specified, argument `class_names` "
                "cannot be specified (the `class_names` will be the sorted "
                "list of labels).")
    class_names = subdirs
    filenames, file_labels = dataset_utils.list_class_files(
        directory, subdirs, follow_links, formats)
    if labels == "inferred":
        labels = np.array(file_labels, dtype="int32")
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files"
                f" in the target directory. len(labels) is {len(labels)} while"
                f" we found {len(filenames)} files in directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = list(labels)
    file_paths, labels = dataset_utils.finish_index(
        directory, filenames, labels, class_names, shuffle, seed, verbose)
    return file_paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras's checks of `validation_split`, `subset`, `shuffle` and `seed`."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, "
                         f"received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, "
                         "and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or'
                         f' "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must "
            "provide a `seed` argument, to make sure that there is no overlap"
            " between the training and validation subset.")
