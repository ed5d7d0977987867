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


def rgb_to_hsv(images, channel_axis):
    """HSV planes (all in [0, 1] for RGB in [0, 1]) of float RGB images,
    with `keras.ops.image.rgb_to_hsv`'s formulas."""
    eps = torch.finfo(images.dtype).eps
    images = torch.where(images.abs() < eps, torch.zeros_like(images),
                         images)
    red, green, blue = images.unbind(channel_axis)
    value = torch.maximum(torch.maximum(red, green), blue)
    minimum = torch.minimum(torch.minimum(red, green), blue)
    spread = value - minimum
    one = torch.ones_like(value)
    saturation = torch.where(value > 0, spread / torch.where(
        value > 0, value, one), torch.zeros_like(value))
    norm = 1.0 / (6.0 * torch.where(spread > 0, spread, one))
    hue = torch.where(value == green, norm * (blue - red) + 2.0 / 6.0,
                      norm * (red - green) + 4.0 / 6.0)
    hue = torch.where(value == red, norm * (green - blue), hue)
    hue = torch.where(spread > 0, hue, torch.zeros_like(hue)) + \
        (hue < 0.0).to(hue.dtype)
    return torch.stack((hue, saturation, value), dim=channel_axis)


def hsv_to_rgb(images, channel_axis):
    """RGB images from HSV planes (`keras.ops.image.hsv_to_rgb`)."""
    hue, saturation, value = images.unbind(channel_axis)
    dh = torch.remainder(hue, 1.0) * 6.0
    dr = torch.clamp((dh - 3.0).abs() - 1.0, 0.0, 1.0)
    dg = torch.clamp(2.0 - (dh - 2.0).abs(), 0.0, 1.0)
    db = torch.clamp(2.0 - (dh - 4.0).abs(), 0.0, 1.0)
    gray = 1.0 - saturation
    return torch.stack((value * (gray + saturation * dr),
                        value * (gray + saturation * dg),
                        value * (gray + saturation * db)), dim=channel_axis)
