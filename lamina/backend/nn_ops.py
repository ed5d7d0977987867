"""Keras 2's `keras.backend` activations, per-sample losses (target
first: `categorical_crossentropy(target, output)`), dropout and random
draws, on torch tensors."""

import torch
import torch.nn.functional as F

from lamina import activations
from lamina import config
from lamina import random
from lamina.backend.math_ops import _elementwise
from lamina.backend.math_ops import _floats
from lamina.backend.math_ops import _graph_aware
from lamina.backend.math_ops import _reduce
from lamina.backend.math_ops import _t


# Neural network -----------------------------------------------------------
@_graph_aware
def softmax(x, axis=-1):
    x = _t(x)
    if x.dim() <= 1:
        raise ValueError(
            "softmax() needs an input of rank >= 2 (Keras 2 rejects 1D "
            f"tensors). Received shape {tuple(x.shape)}"
        )
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    shifted = torch.exp(x - torch.amax(x, dim=tuple(axis), keepdim=True))
    return shifted / torch.sum(shifted, dim=tuple(axis), keepdim=True)


@_graph_aware
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return activations.relu(_t(x), negative_slope=alpha, max_value=max_value,
                            threshold=threshold)


@_graph_aware
def elu(x, alpha=1.0):
    x = _t(x)
    return torch.where(x > 0, x, alpha * torch.expm1(x))


sigmoid = _elementwise("sigmoid", torch.sigmoid)
tanh = _elementwise("tanh", torch.tanh)
softplus = _elementwise("softplus", F.softplus)
softsign = _elementwise("softsign", F.softsign)


@_graph_aware
def hard_sigmoid(x):
    """`clip(0.2 * x + 0.5, 0, 1)`, Keras 2's slope."""
    return torch.clamp(0.2 * _t(x) + 0.5, 0.0, 1.0)


@_graph_aware
def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x**2), 1e-12))` over `axis` (all axes if None)."""
    x = _floats(x)
    square_sum = _reduce(torch.sum, torch.square(x), axis, keepdims=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes entries with probability `level`, scaling the rest up."""
    x = _floats(x)
    shape = tuple(x.shape) if noise_shape is None else tuple(noise_shape)
    keep = random.uniform(shape, dtype=x.dtype, seed=seed).to(x.device)
    return x * (keep >= level).to(x.dtype) / (1.0 - level)


@_graph_aware
def bias_add(x, bias, data_format=None):
    x, bias = _t(x), _t(bias)
    data_format = config.standardize_data_format(data_format)
    if bias.dim() not in (1, x.dim() - 1):
        raise ValueError(
            f"bias_add(): expected a bias of rank 1 or {x.dim() - 1}. "
            f"Received bias shape {tuple(bias.shape)}"
        )
    if data_format == "channels_first":
        if bias.dim() == 1:
            return x + bias.reshape((1, -1) + (1,) * (x.dim() - 2))
        return x + torch.movedim(bias, -1, 0).unsqueeze(0)
    return x + bias


# Losses (per sample) ------------------------------------------------------
@_graph_aware
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _floats(output)
    if from_logits:
        return -torch.sum(target * torch.log_softmax(output, dim=axis),
                          dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -torch.sum(target * torch.log(output), dim=axis)


@_graph_aware
def sparse_categorical_crossentropy(target, output, from_logits=False,
                                    axis=-1):
    target, output = _t(target).long(), _floats(output)
    if not from_logits:
        eps = config.epsilon()
        output = torch.log(torch.clamp(output, eps, 1.0 - eps))
    log_probs = torch.log_softmax(torch.movedim(output, axis, -1), dim=-1)
    target = target.reshape(log_probs.shape[:-1])
    picked = torch.take_along_dim(log_probs, target.unsqueeze(-1), dim=-1)
    return -picked.squeeze(-1)


@_graph_aware
def binary_crossentropy(target, output, from_logits=False):
    target, output = _floats(target), _floats(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target,
                                                  reduction="none")
    eps = config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output + eps) +
             (1.0 - target) * torch.log(1.0 - output + eps))


# Random -------------------------------------------------------------------
def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random.uniform(shape, minval, maxval, dtype=dtype, seed=seed)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random.normal(shape, mean, stddev, dtype=dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random.truncated_normal(shape, mean, stddev, dtype=dtype,
                                   seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0."""
    draws = random.uniform(shape, dtype=dtype, seed=seed)
    return (draws <= p).to(draws.dtype)
