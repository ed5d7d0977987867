"""`split_dataset`: cut a dataset in two, Keras's size rules included."""

import numpy as np
import torch

from lamina.utils import tree


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False,
                  seed=None, preferred_backend=None):
    """Splits `dataset` into a left and a right part.

    Args:
        dataset: a NumPy array or torch tensor, a tuple/list/dict of them
            sharing their first dimension (the samples), or a
            `torch.utils.data.Dataset` with a length.
        left_size: a float in (0, 1) (a fraction of the samples, rounded)
            or an int (a count); None takes what `right_size` leaves.
        right_size: likewise for the right part.
        shuffle: shuffle the samples before splitting.
        seed: the shuffle's seed.
        preferred_backend: None or "torch" (Lamina's only backend).

    Returns:
        `(left, right)`: for arrays, the same structure holding each part's
        rows (NumPy arrays; Keras gives `tf.data` datasets); for a torch
        `Dataset`, two `torch.utils.data.Subset`s.
    """
    if preferred_backend not in (None, "torch"):
        raise ValueError(
            "Lamina splits datasets for torch only. Expected "
            "preferred_backend=None or 'torch'. Received: "
            f"preferred_backend={preferred_backend!r}")
    if left_size is None and right_size is None:
        raise ValueError(
            "You must specify either `left_size` or `right_size`. "
            "Received: left_size=None and right_size=None")
    is_torch_dataset = isinstance(dataset, torch.utils.data.Dataset)
    if is_torch_dataset:
        total = len(dataset)
    else:
        leaves = [_as_array(leaf) for leaf in tree.flatten(dataset)]
        lengths = {len(leaf) for leaf in leaves}
        if len(lengths) != 1:
            raise ValueError(
                "The arrays of `dataset` must share their first dimension "
                f"(the samples). Received lengths {sorted(lengths)}")
        total = lengths.pop()
    left, right = split_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        np.random.default_rng(seed).shuffle(order)
    left_rows, right_rows = order[:left], order[left:left + right]
    if is_torch_dataset:
        return (torch.utils.data.Subset(dataset, left_rows.tolist()),
                torch.utils.data.Subset(dataset, right_rows.tolist()))
    return (tree.pack_sequence_as(dataset, [a[left_rows] for a in leaves]),
            tree.pack_sequence_as(dataset, [a[right_rows] for a in leaves]))


def _as_array(leaf):
    if isinstance(leaf, torch.Tensor):
        return leaf.detach().cpu().numpy()
    return np.asarray(leaf)


def _check_size(size, name, total):
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        raise TypeError(
            f"Invalid `{name}` type. Expected an int, a float or None. "
            f"Received: type({name})={type(size)}")
    if isinstance(size, int) and not 0 < size < total or \
            isinstance(size, float) and not 0 < size < 1:
        raise ValueError(
            f"`{name}` should be either a positive integer smaller than "
            f"{total}, or a float within the range `[0, 1]`. "
            f"Received: {name}={size}")
    return round(size * total) if isinstance(size, float) else size


def split_sizes(left_size, right_size, total):
    """The two parts' sample counts, by Keras's rules."""
    if isinstance(left_size, float) and isinstance(right_size, float) \
            and left_size + right_size > 1:
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. "
            "It must be less than or equal to 1.")
    left = _check_size(left_size, "left_size", total)
    right = _check_size(right_size, "right_size", total)
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            "The sum of `left_size` and `right_size` should be smaller than "
            f"the {total} samples. Received: left_size + right_size = "
            f"{left + right}")
    for count, side in ((left, "left"), (right, "right")):
        if count == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left_size} "
                f"and `right_size`={right_size}, the {side} part would be "
                "empty. Adjust the sizes.")
    return int(left), int(right)
