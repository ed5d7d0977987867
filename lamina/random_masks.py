"""Dropout keep masks from a counter-based hash, in plain integer torch ops.

Torch's CPU `bernoulli_` (and `rand(...) < p`, and any op that makes or
reads a bool tensor on this build) costs far more than the layer it serves:
~0.5-2 ms for a 128x512 mask against a few µs for a ReLU. Here a mask is a
hash of each element's index and a per-draw key, computed with vectorized
int32 ops only (a multiply, a xorshift, a multiply, a threshold) and
applied with a bitwise AND on the inputs' bits, so no bool tensor is ever
made. The same ops trace into a `torch.compile` graph, where they fuse
into one loop; a seeded layer draws the same masks compiled and eager.

`normal` turns the same hash into normal samples (Box-Muller on two hashed
uniforms) for GaussianNoise/GaussianDropout inside compiled steps, where
`normal_(generator=...)` would break the graph.

Keys follow Keras's `SeedGenerator` semantics: a seeded generator yields a
fixed sequence of keys (draw `n` gets key `mix(seed, n)`), an int seed the
same key on every call, and None (or an unseeded generator) a key drawn
from torch's global RNG, so `keras.utils.set_random_seed` governs it.
"""

import math
import numbers

import torch

__all__ = ["apply_keep_mask", "dropout", "keep_mask", "normal",
           "normal_like"]

_MASK32 = 0xFFFFFFFF
_GOLDEN = 0x9E3779B9  # the Weyl increment between consecutive draws
# The element hash: h(i) = g((i + key) * _M1) with g(y) = (y ^ y >> 15) * _M2
# on wrapping 32-bit integers (the multipliers of Wellons's lowbias32).
_M1 = 0x7FEB352D
_M2 = 0x846CA68B - (1 << 32)  # as a signed int32
# Key mixing runs on int64 (0-d tensors when compiled): multipliers below
# 2**31 keep every product of a 32-bit value inside int64.
_K1, _K2 = 0x7FEB352D, 0x2C1B3C6D

# index * _M1 per (numel, device), so an eager draw starts from one add.
_BASES = {}
_MAX_BASES = 32

# (first_row, rows): the rows of each global batch this process trains on
# under data parallelism (set by `lamina.distribution` per batch), else
# None. A mask drawn for `rows` rows is then those rows of the mask the
# whole batch would get, so the processes together draw what one process
# would, not the same mask each.
_row_shard = None


def set_row_shard(first_row, rows):
    """Masks with `rows` leading rows are rows `first_row...` of the whole
    batch's mask, until `clear_row_shard()`."""
    global _row_shard
    _row_shard = (int(first_row), int(rows))


def clear_row_shard():
    global _row_shard
    _row_shard = None


def _shard_index_offset(shape, numel):
    shard = _row_shard
    if shard is None or not shape or shape[0] != shard[1] or not numel:
        return 0
    return shard[0] * (numel // shape[0])


def keep_mask(shape, rate, seed=None, device=None):
    """An int32 tensor of `shape`: -1 (all bits set) where an element is
    kept, with probability `1 - rate`, and 0 where it is dropped.

    `seed` is None (torch's global RNG), an int (the same mask on every
    call) or a `keras.random.SeedGenerator` (a new mask per call, the
    sequence fixed by its seed)."""
    shape = tuple(int(size) for size in shape)
    numel = 1
    for size in shape:
        numel *= size
    device = torch.device(device or "cpu")
    # Keep iff (h >> 1) < half, i.e. h < 2 * half: a 31-bit threshold,
    # compared by the sign of a difference that cannot overflow.
    half = round((1.0 - float(rate)) * 2**31) - 2**30
    hashed = _hashed(numel, seed, device, _shard_index_offset(shape, numel))
    if half == 0:  # rate 0.5: the sign bit alone
        hashed >>= 31
    else:
        hashed >>= 1
        hashed -= half
        hashed >>= 31
    return hashed.view(shape)


def normal(shape, seed=None, device=None, dtype=torch.float32):
    """Standard normal samples of `shape` from the same hash (two hashed
    uniforms per sample, Box-Muller), seeded as `keep_mask`: traced into a
    compiled step as plain tensor ops, where a `torch.Generator` argument
    would break the graph."""
    shape = tuple(int(size) for size in shape)
    numel = 1
    for size in shape:
        numel *= size
    hashed = _hashed(2 * numel, seed, torch.device(device or "cpu"))
    # The top 24 bits as a float in (0, 1): never 0, so the log is finite.
    hashed >>= 8
    hashed &= 0xFFFFFF
    uniform = hashed.to(torch.float32).add_(0.5).mul_(2.0**-24)
    radius = uniform[:numel].log().mul_(-2.0).sqrt_()
    angle = uniform[numel:].mul_(2 * math.pi).cos_()
    return radius.mul_(angle).view(shape).to(dtype)


def normal_like(inputs, mean, stddev, seed_generator):
    """Normal noise shaped like `inputs`: eagerly torch's `normal_` on the
    generator's stream (the faster of the two there); inside a compiled
    graph the hashed `normal`, which keeps the graph whole (seeded by the
    same generator, so still reproducible, but not the eager draws)."""
    if torch.compiler.is_compiling():
        noise = normal(inputs.shape, seed_generator, inputs.device,
                       inputs.dtype)
        return noise * stddev + mean
    return torch.empty_like(inputs).normal_(
        mean, stddev, generator=seed_generator.generator(inputs.device))


def apply_keep_mask(inputs, mask, scale=1.0):
    """`inputs` times `scale` where `mask` (from `keep_mask`, broadcast
    against them) is set, and exactly 0 elsewhere (a dropped inf or NaN
    included, as `where` would give). Differentiable: the gradient is
    masked and scaled the same way."""
    if not inputs.is_floating_point():
        return torch.where(mask.to(torch.bool), inputs * scale,
                           torch.zeros_like(inputs))
    return _MaskedScale.apply(inputs, mask, float(scale))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry of `inputs` with probability `rate` and scales the
    rest by `1 / (1 - rate)`; `noise_shape` (the mask's shape, None for
    the inputs') shares one draw along its size-1 axes."""
    if rate == 0:
        return inputs
    if rate >= 1:
        return torch.zeros_like(inputs)
    shape = inputs.shape if noise_shape is None else noise_shape
    mask = keep_mask(shape, rate, seed, inputs.device)
    return apply_keep_mask(inputs, mask, 1.0 / (1.0 - rate))


def mix32(value):
    """A 32-bit avalanche of a non-negative int below 2**32 (a Python int,
    or an int64 tensor: the same arithmetic either way)."""
    value = value ^ (value >> 16)
    value = (value * _K1) & _MASK32
    value = value ^ (value >> 15)
    value = (value * _K2) & _MASK32
    return value ^ (value >> 16)


def seed_key(seed):
    """The mixed 32-bit key of an int seed (any size)."""
    seed = int(seed)
    return mix32((seed ^ (seed >> 32)) & _MASK32)


class _MaskedScale(torch.autograd.Function):
    """`(x & mask) * scale` on the bits of a float tensor: linear, so the
    backward pass is the same operation on the gradient."""

    @staticmethod
    def forward(ctx, inputs, mask, scale):
        ctx.save_for_backward(mask)
        ctx.scale = scale
        return _masked_scale(inputs, mask, scale)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return _masked_scale(grad, mask, ctx.scale), None, None


_BITS = {torch.float32: torch.int32, torch.float64: torch.int64,
         torch.float16: torch.int16, torch.bfloat16: torch.int16}


def _masked_scale(values, mask, scale):
    bits_dtype = _BITS.get(values.dtype)
    if bits_dtype is None:  # float8 and other exotic floats
        return torch.where(mask.to(torch.bool), values * scale,
                           torch.zeros_like(values))
    if mask.dtype != bits_dtype:
        mask = mask.to(bits_dtype)  # -1 stays all bits set
    kept = (values.view(bits_dtype) & mask).view(values.dtype)
    return kept if scale == 1.0 else kept.mul_(scale)


def _hashed(numel, seed, device, index_offset=0):
    """int32 `g((i + index_offset + key) * _M1)` for i < numel, with this
    draw's key; the returned tensor is the caller's to modify in place."""
    compiling = torch.compiler.is_compiling()
    key = _draw_key(seed, compiling) + index_offset
    if isinstance(key, int):
        offset = (key * _M1) & _MASK32
        offset = offset - 2**32 if offset >= 2**31 else offset
    else:
        offset = _to_int32((key * _M1) & _MASK32)
    if compiling:
        index = torch.arange(numel, dtype=torch.int32, device=device)
        hashed = index * _M1 + offset
    else:
        hashed = _base(numel, device) + offset
    shifted = hashed >> 15
    shifted &= 0x1FFFF  # a logical shift
    hashed ^= shifted
    hashed *= _M2
    return hashed


def _draw_key(seed, compiling):
    """This draw's 32-bit key: a Python int eagerly, an int64 0-d tensor
    when compiling (for a seeded generator or the global RNG)."""
    if seed is None or getattr(seed, "seed", 0) is None:
        return _global_key(compiling)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return seed_key(seed)
    counter = getattr(seed, "mask_draws", None)  # a seeded SeedGenerator
    if counter is None:
        raise ValueError(
            "Invalid value for argument `seed`. Expected None, an int or a "
            f"`keras.random.SeedGenerator`. Received: seed={seed!r}")
    if compiling:
        key = mix32((seed_key(seed.seed) + counter * _GOLDEN) & _MASK32)
    else:
        key = mix32((seed_key(seed.seed) + int(counter) * _GOLDEN)
                    & _MASK32)
    counter.add_(1)
    return key


def _global_key(compiling):
    key = torch.randint(0, 2**32, (), dtype=torch.int64)
    return key if compiling else int(key)


def _to_int32(value):
    """An int64 tensor of values in [0, 2**32) as the int32 with the same
    bits."""
    return (value - ((value >> 31) << 32)).to(torch.int32)


def _base(numel, device):
    key = (numel, device)
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) >= _MAX_BASES:
            _BASES.pop(next(iter(_BASES)))
        base = torch.arange(numel, dtype=torch.int32, device=device)
        base *= _M1
        _BASES[key] = base
    return base
