"""Helpers shared by the color augmentation layers: value ranges, the
grayscale weights and Keras's factor checks."""

import torch

# ITU-R 601 luma weights, as `keras.ops.image.rgb_to_grayscale`.
GRAYSCALE_WEIGHTS = (0.2989, 0.5870, 0.1140)


def check_value_range(owner, value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"Invalid value for argument `value_range` of {owner}. Expected "
            "a tuple or list of two numbers `(min, max)`. "
            f"Received: value_range={value_range!r}")
    return sorted(value_range)


def transform_value_range(images, original_range, target_range):
    """`images` mapped linearly from `original_range` to `target_range`."""
    if tuple(original_range) == tuple(target_range):
        return images
    low, high = original_range
    target_low, target_high = target_range
    scaled = (images - low) / (high - low)
    return scaled * (target_high - target_low) + target_low


def grayscale(images, channel_axis):
    """One-channel luma of RGB `images`, kept as a size-1 channel axis."""
    weights = torch.tensor(GRAYSCALE_WEIGHTS, dtype=images.dtype,
                           device=images.device)
    shape = [1] * images.ndim
    shape[channel_axis] = 3
    return (images * weights.view(shape)).sum(channel_axis, keepdim=True)


def unit_factor(owner, factor, name="factor"):
    """Keras's `(lower, upper)` in [0, 1]: a number `f` is `(0, f)`."""
    message = (
        f"Invalid value for argument `{name}` of {owner}. Expected a number "
        f"or a list of two numbers in [0, 1]. Received: {name}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(0 <= f <= 1 for f in factor):
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool) \
            and 0 <= factor <= 1:
        return (0, factor)
    raise ValueError(message)
