"""File indexing and validation splits shared by the
`*_dataset_from_directory` utilities (Keras's file order and seeded shuffle).
"""

import os

import numpy as np


def list_class_files(directory, subdirs, follow_links, formats):
    """Files of `directory/<subdir>` ending in one of `formats`.

    Returns:
        `(filenames, class_indices)`: paths relative to `directory`
        (`<subdir>/<sub path>`), sorted by subdirectory then by walk order,
        and the index in `subdirs` of each file's subdirectory.
    """
    filenames, class_indices = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        walk = sorted(os.walk(root_dir, followlinks=follow_links),
                      key=lambda entry: entry[0])
        for root, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(formats):
                    relative = os.path.relpath(os.path.join(root, name),
                                               root_dir)
                    filenames.append(os.path.join(subdir, relative))
                    class_indices.append(index)
    return filenames, class_indices


def finish_index(directory, filenames, labels, class_names, shuffle, seed,
                 verbose):
    """Reports the files found, then shuffles paths and labels alike.

    Returns:
        `(file_paths, labels)`; `labels` is shuffled in place.
    """
    if verbose:
        if labels is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to "
                  f"{len(class_names)} classes.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        # The same seed on both keeps each path with its label.
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels


def get_training_or_validation_split(samples, labels, validation_split,
                                     subset):
    """Keras's split: the last `int(validation_split * n)` samples validate."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        return samples[:-num_val], \
            None if labels is None else labels[:-num_val]
    if subset == "validation":
        print(f"Using {num_val} files for validation.")
        return samples[-num_val:], \
            None if labels is None else labels[-num_val:]
    raise ValueError('`subset` must be either "training" or "validation", '
                     f"received: {subset}")
