"""`keras.ops.nn` beyond activations and convolutions: normalization,
attention, cross-entropies, CTC, PSNR, patches and pixel shuffles."""

import inspect
import math

import torch
import torch.nn.functional as F

from lamina import activations
from lamina import config
from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops._op import op
from lamina.ops.core import _tensor


def _activation(name):
    fn = getattr(activations, name)

    def activation(x, *args, **kwargs):
        return fn(_dtypes.to_float(_tensor(x)), *args, **kwargs)

    activation.__name__ = name
    activation.__doc__ = fn.__doc__
    activation.__signature__ = inspect.signature(fn)
    return op(name)(activation)


hard_shrink = _activation("hard_shrink")
soft_shrink = _activation("soft_shrink")
tanh_shrink = _activation("tanh_shrink")
sparse_plus = _activation("sparse_plus")
sparse_sigmoid = _activation("sparse_sigmoid")
squareplus = _activation("squareplus")
threshold = _activation("threshold")


@op("polar")
def polar(abs_, angle):
    magnitude, phase = _op.float_promoted(abs_, angle)
    return torch.polar(magnitude, phase)


def _along(value, x, axis):
    """A per-channel vector reshaped to broadcast along `axis` of `x`."""
    value = _tensor(value).to(x.dtype)
    if value.dim() != 1:
        return value
    shape = [1] * x.dim()
    shape[axis % x.dim()] = -1
    return value.reshape(shape)


@op("batch_normalization")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None,
                        epsilon=1e-3):
    x = _dtypes.to_float(_tensor(x))
    inverse = torch.rsqrt(_along(variance, x, axis) + epsilon)
    if scale is not None:
        inverse = inverse * _along(scale, x, axis)
    out = (x - _along(mean, x, axis)) * inverse
    return out if offset is None else out + _along(offset, x, axis)


@op("layer_normalization")
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None,
                        **kwargs):
    """Normalizes over `axis`; `rms_scaling=True` (Keras's older keyword)
    gives RMS normalization by `gamma`."""
    unknown = set(kwargs) - {"rms_scaling"}
    if unknown:
        raise TypeError("ops.layer_normalization got unexpected keyword "
                        f"arguments {sorted(unknown)}")
    if kwargs.get("rms_scaling"):
        return rms_normalization(x, gamma, axis, epsilon)
    x = _dtypes.to_float(_tensor(x))
    epsilon = config.epsilon() if epsilon is None else epsilon
    axes = _op.axes_of(axis, x.dim())
    variance, mean = torch.var_mean(x, dim=axes, keepdim=True, correction=0)
    out = (x - mean) * torch.rsqrt(variance + epsilon)
    if gamma is not None:
        out = out * _tensor(gamma).to(x.dtype)
    return out if beta is None else out + _tensor(beta).to(x.dtype)


@op("rms_normalization")
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x = _dtypes.to_float(_tensor(x))
    epsilon = config.epsilon() if epsilon is None else epsilon
    axes = _op.axes_of(axis, x.dim())
    out = x * torch.rsqrt(torch.mean(torch.square(x), dim=axes,
                                     keepdim=True) + epsilon)
    return out if scale is None else out * _tensor(scale).to(x.dtype)


@op("dot_product_attention")
def dot_product_attention(query, key, value, bias=None, mask=None,
                          scale=None, is_causal=False, flash_attention=None,
                          attn_logits_soft_cap=None):
    """Attention on `(batch, length, heads, head_dim)` tensors through
    `F.scaled_dot_product_attention`; fewer key/value heads than query
    heads are shared across groups of query heads."""
    q, k, v = _op.float_promoted(query, key, value)
    if not q.dim() == k.dim() == v.dim() == 4:
        raise ValueError(
            "ops.dot_product_attention takes 4D (batch, length, heads, "
            f"head_dim) tensors. Received: query.shape={tuple(q.shape)}, "
            f"key.shape={tuple(k.shape)}, value.shape={tuple(v.shape)}")
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    if k.shape[1] != q.shape[1]:
        groups = q.shape[1] // k.shape[1]
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    if bias is not None and mask is not None:
        raise ValueError("ops.dot_product_attention takes `bias` or `mask`, "
                         "not both (Keras raises too). Fold the mask into "
                         "the bias (-inf where masked).")
    length, source = q.shape[2], k.shape[2]
    additive = None
    if bias is not None:
        additive = _tensor(bias).to(q.dtype)
    allowed = None
    if mask is not None:
        allowed = _tensor(mask).bool()
    if is_causal:
        causal = torch.ones(length, source, dtype=torch.bool,
                            device=q.device).tril()
        allowed = causal if allowed is None else allowed & causal
    if attn_logits_soft_cap is not None:
        logits = torch.matmul(q, k.transpose(-1, -2)) * scale
        if additive is not None:
            logits = logits + additive
        if attn_logits_soft_cap is not None:
            cap = float(attn_logits_soft_cap)
            logits = cap * torch.tanh(logits / cap)
        if allowed is not None:
            logits = logits.masked_fill(~allowed, torch.finfo(q.dtype).min)
        out = torch.matmul(torch.softmax(logits, dim=-1), v)
    else:
        attn_mask = additive if additive is not None else allowed
        if is_causal and additive is not None:
            attn_mask = additive.masked_fill(~allowed,
                                             torch.finfo(q.dtype).min)
        if flash_attention:
            from torch.nn.attention import SDPBackend, sdpa_kernel

            try:
                with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                    out = F.scaled_dot_product_attention(
                        q, k, v, attn_mask=attn_mask, scale=scale)
            except RuntimeError as error:
                raise ValueError(
                    "ops.dot_product_attention: flash attention is not "
                    "available for these inputs on this device. Pass "
                    f"flash_attention=None. (torch: {error})") from None
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                                 scale=scale)
    return out.transpose(1, 2)


@op("binary_crossentropy")
def binary_crossentropy(target, output, from_logits=False):
    target, output = _op.float_promoted(target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target,
                                                  reduction="none")
    eps = config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output) +
             (1.0 - target) * torch.log(1.0 - output))


@op("categorical_crossentropy")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _op.float_promoted(target, output)
    if target.shape != output.shape:
        raise ValueError("Arguments `target` and `output` must have the same "
                         f"shape. Received: target.shape={tuple(target.shape)}"
                         f", output.shape={tuple(output.shape)}")
    if from_logits:
        log_prob = torch.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        eps = config.epsilon()
        log_prob = torch.log(torch.clamp(output, eps, 1.0 - eps))
    return -torch.sum(target * log_prob, dim=axis)


@op("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(target, output, from_logits=False,
                                    axis=-1):
    output = _dtypes.to_float(_tensor(output))
    target = _tensor(target).long()
    if target.dim() == output.dim() and target.shape[-1] == 1:
        target = target.squeeze(-1)
    one_hot = F.one_hot(target, output.shape[axis]).to(output.dtype)
    one_hot = torch.movedim(one_hot, -1, axis)
    return categorical_crossentropy(one_hot, output, from_logits, axis)


@op("ctc_loss")
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sequence; `output` holds logits `(batch, time, classes)`
    and `mask_index` is the blank class."""
    output = _dtypes.to_float(_tensor(output))
    log_probs = torch.log_softmax(output, dim=-1).transpose(0, 1)
    return F.ctc_loss(log_probs, _tensor(target).long(),
                      _tensor(output_length).long(),
                      _tensor(target_length).long(), blank=mask_index,
                      reduction="none", zero_infinity=False)


@op("psnr")
def psnr(x1, x2, max_val):
    x1, x2 = _op.float_promoted(x1, x2)
    mse = torch.mean(torch.square(x1 - x2))
    return 20.0 * math.log10(max_val) - 10.0 * torch.log10(mse)


@op("unfold")
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a `(N, C, H, W)` tensor as `(N, C*kh*kw, L)`."""
    return F.unfold(_tensor(x), kernel_size, dilation, padding, stride)


@op("fold")
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums `(N, C*kh*kw, L)` blocks back into a `(N, C, H, W)` tensor."""
    return F.fold(_tensor(x), output_size, kernel_size, dilation, padding,
                  stride)


def _check_block(block_size, fmt):
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError("Argument `block_size` must be an int >= 2. "
                         f"Received: block_size={block_size!r}")
    return _op.data_format(fmt)


@op("depth_to_space")
def depth_to_space(x, block_size, data_format="channels_last"):
    fmt = _check_block(block_size, data_format)
    x = _op.to_channels_first(_tensor(x), fmt)
    if fmt == "channels_first":  # Keras's torch backend: torch's order
        return F.pixel_shuffle(x, block_size)
    n, c, h, w = x.shape
    s = block_size
    # Depth-column-row order, as Keras: channel (i * s + j) * C + c.
    x = x.reshape(n, s, s, c // (s * s), h, w).permute(0, 3, 4, 1, 5, 2)
    return _op.from_channels_first(x.reshape(n, c // (s * s), h * s, w * s),
                                   fmt)


@op("space_to_depth")
def space_to_depth(x, block_size, data_format="channels_last"):
    fmt = _check_block(block_size, data_format)
    x = _op.to_channels_first(_tensor(x), fmt)
    if fmt == "channels_first":
        return F.pixel_unshuffle(x, block_size)
    n, c, h, w = x.shape
    s = block_size
    x = x.reshape(n, c, h // s, s, w // s, s).permute(0, 3, 5, 1, 2, 4)
    return _op.from_channels_first(x.reshape(n, c * s * s, h // s, w // s),
                                   fmt)


__all__ = _op.public(globals())
