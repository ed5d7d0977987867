"""Masks, masked softmax and the fused dot-product path shared by the
attention layers (MultiHeadAttention, GroupedQueryAttention, Attention)."""

import torch
import torch.nn.functional as F

from lamina import config

# Keras's additive mask for its fused path, per dtype: finite, so a row with
# every key masked gets equal logits (a uniform average), not NaN.
_FUSED_MASK_VALUE = {torch.float16: -0.7 * 65500.0}
_FUSED_MASK_DEFAULT = -0.7 * 3.38953e38
# Keras's masked softmax adds this to masked scores before the softmax.
_SOFTMAX_MASK_VALUE = {torch.float16: -3e4}
_SOFTMAX_MASK_DEFAULT = -1e9


def keras_mask(tensor):
    """The `_keras_mask` a tensor carries, or None."""
    return getattr(tensor, "_keras_mask", None)


def as_tensor_like(value, reference):
    """Converts an array passed by keyword (the engine converts only
    positional inputs) to a tensor on `reference`'s device."""
    if value is None or isinstance(value, torch.Tensor):
        return value
    tensor = torch.as_tensor(value, device=reference.device)
    if tensor.is_floating_point():
        tensor = tensor.to(reference.dtype)
    return tensor


def key_value_inputs(query, value, key, value_mask, key_mask):
    """`value` and `key` as tensors like `query`, and their Keras masks where
    no mask was passed: `(value, key, value_mask, key_mask)`."""
    value = as_tensor_like(value, query)
    if key is None:
        key = value
    else:
        key = as_tensor_like(key, query)
        if key_mask is None:
            key_mask = keras_mask(key)
    if value_mask is None:
        value_mask = keras_mask(value)
    return value, key, value_mask, key_mask


def to_bool(mask, device=None):
    """A boolean tensor of `mask` (nonzero is True); arrays are converted."""
    if not isinstance(mask, torch.Tensor):
        mask = torch.as_tensor(mask, device=device)
    return mask if mask.dtype == torch.bool else mask != 0


def causal_mask(q_len, kv_len, device):
    """`(1, T, S)` boolean mask, True where key index <= query index."""
    ones = torch.ones((q_len, kv_len), dtype=torch.bool, device=device)
    return torch.tril(ones).unsqueeze(0)


def sliding_window_mask(q_len, kv_len, window, device):
    """`(1, T, S)` boolean band: True where `|i - j| < window`."""
    rows = torch.arange(q_len, device=device).view(1, q_len, 1)
    cols = torch.arange(kv_len, device=device).view(1, 1, kv_len)
    return (rows - cols).abs() < window


def combine_masks(layer, query, value, query_mask=None, value_mask=None,
                  key_mask=None, attention_mask=None, use_causal_mask=False,
                  sliding_window=None):
    """Merges the input masks, the causal / sliding-window masks and the
    explicit `attention_mask` with a logical AND, as Keras 3 does.

    The query mask becomes `[B, T, 1]`, value and key masks `[B, 1, S]`,
    the causal and sliding-window masks `[1, T, S]`. Returns a boolean mask
    broadcastable to `[B, T, S]`, or None when there is no mask at all.
    """
    device = query.device
    parts = []
    if query_mask is not None:
        parts.append(("query_mask",
                      to_bool(query_mask, device).unsqueeze(-1)))
    if value_mask is not None:
        parts.append(("value_mask",
                      to_bool(value_mask, device).unsqueeze(-2)))
    if key_mask is not None:
        parts.append(("key_mask", to_bool(key_mask, device).unsqueeze(-2)))
    q_len, kv_len = query.shape[1], value.shape[1]
    if use_causal_mask:
        parts.append(("causal mask", causal_mask(q_len, kv_len, device)))
    if sliding_window is not None:
        parts.append(("sliding-window mask", sliding_window_mask(
            q_len, kv_len, sliding_window, device)))
    if attention_mask is not None:
        parts.insert(0, ("attention_mask", to_bool(attention_mask, device)))
    if not parts:
        return None
    combined = parts[0][1]
    for _, mask in parts[1:]:
        try:
            combined = combined & mask
        except RuntimeError:
            shapes = ", ".join(f"{name}: {tuple(m.shape)}"
                               for name, m in parts)
            raise ValueError(
                f"Layer '{layer.name}' ({type(layer).__name__}): the masks "
                "cannot be combined; each must broadcast to (batch, "
                f"query length, key length) = ({query.shape[0]}, {q_len}, "
                f"{kv_len}). Received shapes: {shapes}"
            ) from None
    return combined


def expand_mask(mask, rank, num_attention_axes):
    """Inserts the head axis (and any missing batch-like axes) so `mask`
    has `rank` dims, aligned with the attention scores."""
    axis = -2 * num_attention_axes - 1
    while mask.dim() < rank:
        mask = mask.unsqueeze(axis)
    return mask


def check_mask_shape(layer, mask, scores_shape):
    """Raises a clear error unless `mask` broadcasts to the scores."""
    ok = mask.dim() == len(scores_shape) and all(
        m in (1, s) for m, s in zip(mask.shape, scores_shape))
    if not ok:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}): the attention "
            "mask must be broadcastable to the attention scores. Expected "
            f"a mask broadcastable to {tuple(scores_shape)} once the head "
            "axis is inserted (e.g. (batch, query length, key length) for "
            f"3D inputs). Received: mask of shape {tuple(mask.shape)}"
        )


def masked_softmax(scores, mask=None, num_axes=1):
    """Softmax over the last `num_axes` axes; masked positions get a large
    negative score before and exactly 0 after (so a fully masked row is 0).
    """
    if mask is not None:
        if mask.dtype != torch.bool:
            mask = mask > 0.5
        fill = _SOFTMAX_MASK_VALUE.get(scores.dtype, _SOFTMAX_MASK_DEFAULT)
        scores = torch.where(mask, scores, fill)
    if num_axes == 1:
        probs = torch.softmax(scores, dim=-1)
    else:
        tail = scores.shape[-num_axes:]
        probs = torch.softmax(scores.flatten(-num_axes), dim=-1)
        probs = probs.unflatten(-1, tail)
    if mask is not None:
        probs = torch.where(mask, probs, 0.0)
    return probs


def fused_attention(layer, query, key, value, mask, scale, is_causal,
                    zero_masked_rows, flash_attention):
    """`F.scaled_dot_product_attention` on `(B, T, N, H)` tensors.

    Args:
        layer: the calling layer, for error messages.
        query, key, value: projected tensors, heads on axis 2.
        mask: boolean mask broadcastable to `(B, N, T, S)`, or None.
        scale: the score scale (1 / sqrt(head size)).
        is_causal: use torch's causal kernel (only without `mask`).
        zero_masked_rows: give fully masked query rows a zero output, as the
            explicit softmax path does; otherwise they average all values,
            as Keras's fused path does.
        flash_attention: True restricts torch to its flash kernel.
    """
    q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
    attn_mask = mask
    if mask is not None and not zero_masked_rows:
        fill = _FUSED_MASK_VALUE.get(q.dtype, _FUSED_MASK_DEFAULT)
        attn_mask = torch.zeros(mask.shape, dtype=q.dtype, device=q.device)
        attn_mask = attn_mask.masked_fill_(mask.logical_not(), fill)
    if flash_attention:
        from torch.nn.attention import SDPBackend
        from torch.nn.attention import sdpa_kernel

        try:
            with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                out = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                    scale=scale)
        except RuntimeError as error:
            raise ValueError(
                f"Layer '{layer.name}' ({type(layer).__name__}): flash "
                "attention is not supported with the provided inputs (it "
                "needs a CUDA device, float16/bfloat16 tensors and no mask). "
                f"Set `flash_attention=None` to let torch pick a kernel. "
                f"Torch said: {error}"
            ) from None
    elif config.is_flash_attention_enabled() is False:
        from torch.nn.attention import SDPBackend
        from torch.nn.attention import sdpa_kernel

        # `keras.config.disable_flash_attention()`: any kernel but flash.
        with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                scale=scale)
    else:
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale)
    if zero_masked_rows and mask is not None:
        out = torch.where(mask.any(dim=-1, keepdim=True), out, 0.0)
    return out.transpose(1, 2)


def fused_attention_or_none(layer, query, key, value, mask, scale,
                            is_causal, dropout, training, return_scores,
                            flash_attention):
    """`fused_attention` where the fused kernel applies, else None.

    The explicit softmax path is needed to return the scores, with active
    dropout, and with more than one attention axis (`query` not 4D).
    `mask` is the `(B, T, S)` mask (or None) and `dropout` the layer's rate.
    """
    if return_scores or query.dim() != 4 or (dropout > 0.0 and bool(training)):
        return None
    if mask is not None:
        mask = expand_mask(mask, 4, 1)
        check_mask_shape(layer, mask, (
            query.shape[0], query.shape[2], query.shape[1], key.shape[1]))
    # With dropout configured (but inactive) Keras takes its explicit
    # softmax path, where a fully masked query row outputs zeros.
    return fused_attention(layer, query, key, value, mask, scale, is_causal,
                           zero_masked_rows=dropout > 0.0,
                           flash_attention=flash_attention)


def with_causal_mask(layer, query, value, mask):
    """`mask` (or no mask) combined with the layer's causal mask."""
    causal = layer._compute_causal_mask(query, value)
    return causal if mask is None else to_bool(mask) & causal


def sublayer_kwargs(dtype_policy, kernel_initializer, bias_initializer,
                    **others):
    """Keyword arguments shared by the projections of an attention layer;
    initializers are cloned so each projection draws its own values.

    `others` are the regularizers and constraints, passed through."""
    return dict(
        kernel_initializer=type(kernel_initializer).from_config(
            kernel_initializer.get_config()),
        bias_initializer=type(bias_initializer).from_config(
            bias_initializer.get_config()),
        dtype=dtype_policy,
        **others,
    )


def check_dropout(layer, dropout):
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0 <= dropout <= 1:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}): invalid value "
            "for argument `dropout`. Expected a float in [0, 1]. Received: "
            f"dropout={dropout!r}"
        )


def check_sliding_window(layer, sliding_window):
    if sliding_window is not None and (
            isinstance(sliding_window, bool)
            or not isinstance(sliding_window, int) or sliding_window <= 0):
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}): invalid value "
            "for argument `sliding_window`. Expected None or a positive "
            f"integer. Received: sliding_window={sliding_window!r}"
        )
