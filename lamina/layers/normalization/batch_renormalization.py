"""Batch Renormalization (Ioffe, 2017) for `BatchNormalization(renorm=True)`.

In training, batch statistics are corrected towards moving ones by factors
`r = batch_std / renorm_std` and `d = (batch_mean - renorm_mean) / renorm_std`
(treated as constants in the gradient, optionally clipped), which are folded
into gamma and beta. Moving standard deviations are tracked, and the moving
variance is derived from them.
"""

import torch

from lamina.layers.normalization import normalization_utils as utils

CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def validate_clipping(layer, clipping):
    """Returns `renorm_clipping` as a dict; raises on unknown keys or
    inconsistent bounds."""
    clipping = dict(clipping or {})
    unknown = sorted(set(clipping) - set(CLIPPING_KEYS))
    if unknown:
        raise ValueError(
            f"Invalid value for argument `renorm_clipping` of "
            f"{utils.describe(layer)}. Expected a dict with keys among "
            f"{list(CLIPPING_KEYS)}. Received: renorm_clipping={clipping}"
        )
    rmin, rmax = clipping.get("rmin"), clipping.get("rmax")
    if rmin is not None and rmax is not None and rmax < rmin:
        raise ValueError(
            f"Invalid value for argument `renorm_clipping` of "
            f"{utils.describe(layer)}. Expected rmax >= rmin. Received: "
            f"rmax={rmax}, rmin={rmin}"
        )
    dmax = clipping.get("dmax")
    if dmax is not None and dmax < 0:
        raise ValueError(
            f"Invalid value for argument `renorm_clipping` of "
            f"{utils.describe(layer)}. Expected dmax >= 0. Received: "
            f"dmax={dmax}"
        )
    return clipping


def build_weights(layer, shape):
    """Adds the renorm statistics, after the four BatchNormalization weights:
    standard deviations start at the square root of the variance
    initializer's values."""
    layer.moving_stddev = layer.add_weight(
        name="moving_stddev", shape=shape,
        initializer=layer.moving_variance_initializer, trainable=False,
        autocast=False,
    )
    layer.renorm_mean = layer.add_weight(
        name="renorm_mean", shape=shape,
        initializer=layer.moving_mean_initializer, trainable=False,
        autocast=False,
    )
    layer.renorm_stddev = layer.add_weight(
        name="renorm_stddev", shape=shape,
        initializer=layer.moving_variance_initializer, trainable=False,
        autocast=False,
    )
    with torch.no_grad():
        layer.moving_stddev.sqrt_()
        layer.renorm_stddev.sqrt_()


def transform(layer, mean, variance, gamma, beta):
    """Returns gamma and beta with the corrections folded in, and updates the
    renorm and moving statistics. `mean`, `variance`, `gamma` and `beta` are
    in the layer's broadcast shape (gamma/beta may be None)."""
    eps = layer.epsilon
    stddev = torch.sqrt(variance + eps)
    renorm_mean = layer._broadcast(layer.renorm_mean, mean.dtype)
    # The floor avoids dividing by ~0 early in training.
    renorm_stddev = torch.clamp_min(
        layer._broadcast(layer.renorm_stddev, mean.dtype), eps ** 0.5)
    r = (stddev / renorm_stddev).detach()
    d = ((mean - renorm_mean) / renorm_stddev).detach()
    clipping = layer.renorm_clipping
    if clipping.get("rmin") is not None:
        r = r.clamp_min(clipping["rmin"])
    if clipping.get("rmax") is not None:
        r = r.clamp_max(clipping["rmax"])
    if clipping.get("dmax") is not None:
        d = d.clamp(-clipping["dmax"], clipping["dmax"])
    new_gamma = r if gamma is None else r * gamma
    new_beta = d if gamma is None else d * gamma
    if beta is not None:
        new_beta = new_beta + beta
    with torch.no_grad():
        stddev = stddev.detach()
        utils.moving_average(layer.renorm_mean, mean, layer.renorm_momentum)
        utils.moving_average(
            layer.renorm_stddev, stddev, layer.renorm_momentum)
        utils.moving_average(layer.moving_mean, mean, layer.momentum)
        utils.moving_average(layer.moving_stddev, stddev, layer.momentum)
        # relu: rounding could make stddev ** 2 - eps slightly negative.
        layer.moving_variance.copy_(
            torch.relu(layer.moving_stddev.square() - eps))
    return new_gamma, new_beta
