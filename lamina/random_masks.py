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

Under data parallelism every process holds some contiguous rows of each
global batch (`set_row_shard`, by `lamina.distribution` per batch). A
draw along the batch's rows then gives this process its rows of the draw
one process would make for the whole batch: the hashed masks and normals
by offsetting the element index, any other per-row draw by `draw_rows`
(the whole batch's draw, then this process's rows), so the processes
together draw what one process would, not the same values each. A draw
is taken to run along the rows when its first axis has as many as this
process's shard of a batch of the pass (the layers' draws on their
inputs; `keras.random.dropout` too): a draw of another kind whose first
size happens to match (`keras.random.dropout` on a kernel of that many
rows) would differ between processes, where one process draws it once.

Keys follow Keras's `SeedGenerator` semantics: a seeded generator yields a
fixed sequence of keys (draw `n` gets key `mix(seed, n)`), an int seed the
same key on every call, and None (or an unseeded generator) a key drawn
from torch's global RNG, so `keras.utils.set_random_seed` governs it.
"""

import collections
import math
import numbers

import torch

__all__ = ["RowShard", "apply_keep_mask", "clear_row_shard", "draw_rows",
           "dropout", "keep_mask", "normal", "normal_like", "row_shard",
           "set_row_shard"]

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

RowShard = collections.namedtuple("RowShard",
                                  ["first_row", "rows", "total_rows"])
RowShard.__doc__ = """Rows `first_row ... first_row + rows - 1` of a global
batch of `total_rows` rows: the ones this process trains on."""

# This process's RowShards of the batches read under data parallelism,
# by the source that read them (a pass over the data: `lamina.distribution`
# sets one per batch), the source that set one latest last; empty outside
# data parallelism.
_sources = {}
# The latest source's shards, by their `rows` (the latest set last): the
# ones draws take. A step may run after later batches were read
# (`steps_per_execution` groups them): its draws along `rows` rows take
# the shard of that many rows. Other sources' shards never count: a pass
# nested in the current one (an `evaluate` in its callbacks) forgets its
# own when it ends, and a pass left suspended (a validation pass kept
# across epochs) is not the latest once the current pass reads a batch.
_row_shards = {}


def set_row_shard(first_row, rows, total_rows, source=None):
    """Until `clear_row_shard(source)`, draws along `rows` batch rows are
    rows `first_row...` of the draw for the whole batch of `total_rows`
    rows (until a later batch's shard of as many rows from `source`
    replaces it, or another source sets a shard)."""
    global _row_shards
    first_row, rows, total_rows = int(first_row), int(rows), int(total_rows)
    if first_row < 0 or rows < 0 or first_row + rows > total_rows:
        raise ValueError(
            "Invalid row shard: expected 0 <= first_row and first_row + rows"
            f" <= total_rows. Received: first_row={first_row}, rows={rows}, "
            f"total_rows={total_rows}")
    shards = _sources.pop(source, None) or {}
    shards.pop(rows, None)  # the latest last
    shards[rows] = RowShard(first_row, rows, total_rows)
    _sources[source] = shards
    _row_shards = shards


def clear_row_shard(source=None):
    """Forgets the shards `source` set; draws take those of the remaining
    source that set one latest, if any."""
    global _row_shards
    _sources.pop(source, None)
    _row_shards = next(reversed(_sources.values()), {})


def row_shard(rows=None):
    """This process's `RowShard` of the current global batch (the latest
    read), or of the batch of `rows` rows read in this pass; None outside
    data parallelism (or where no batch had `rows` rows)."""
    if rows is None:
        return next(reversed(_row_shards.values()), None)
    return _row_shards.get(int(rows))


def _rows_shard(shape, along_rows):
    """The row shard a draw of `shape` takes its rows of: where it runs
    along the batch's rows (its first axis) and the shard is not the
    whole batch; else None."""
    if not along_rows or not shape or not _row_shards:
        return None
    shard = _row_shards.get(shape[0])
    if shard is None or shard.rows == shard.total_rows:
        return None
    return shard


def draw_rows(draw, shape, axis=0):
    """`draw(shape)`, a random tensor whose `axis` runs along the batch's
    rows. Under a row shard of `shape[axis]` rows, `draw` is called with
    the whole batch's `total_rows` there and this process's rows are
    returned: the values, and the generator's state afterwards, are one
    process's for the whole batch."""
    shape = tuple(int(size) for size in shape)
    shard = _row_shards.get(shape[axis]) if len(shape) > axis and \
        _row_shards else None
    if shard is None or shard.rows == shard.total_rows:
        return draw(shape)
    whole = shape[:axis] + (shard.total_rows,) + shape[axis + 1:]
    return draw(whole).narrow(axis, shard.first_row, shard.rows)


def keep_mask(shape, rate, seed=None, device=None, along_rows=True):
    """An int32 tensor of `shape`: -1 (all bits set) where an element is
    kept, with probability `1 - rate`, and 0 where it is dropped.

    `seed` is None (torch's global RNG), an int (the same mask on every
    call) or a `keras.random.SeedGenerator` (a new mask per call, the
    sequence fixed by its seed). `along_rows`: whether the first axis runs
    along the batch's rows (False for a mask that all rows share, a
    `noise_shape` of 1 there); under a row shard such a mask is this
    process's rows of the whole batch's."""
    shape = tuple(int(size) for size in shape)
    numel = _numel(shape)
    device = torch.device(device or "cpu")
    # Keep iff (h >> 1) < half, i.e. h < 2 * half: a 31-bit threshold,
    # compared by the sign of a difference that cannot overflow.
    half = round((1.0 - float(rate)) * 2**31) - 2**30
    key = _draw_key(seed, torch.compiler.is_compiling())
    shard = _rows_shard(shape, along_rows)
    offset = shard.first_row * (numel // shape[0]) if shard and numel else 0
    hashed = _hashed(numel, key, device, offset)
    if half == 0:  # rate 0.5: the sign bit alone
        hashed >>= 31
    else:
        hashed >>= 1
        hashed -= half
        hashed >>= 31
    return hashed.view(shape)


def normal(shape, seed=None, device=None, dtype=torch.float32,
           along_rows=True):
    """Standard normal samples of `shape` from the same hash (two hashed
    uniforms per sample, Box-Muller), seeded as `keep_mask` (and, as
    there, this process's rows of the whole batch's samples under a row
    shard): traced into a compiled step as plain tensor ops, where a
    `torch.Generator` argument would break the graph."""
    shape = tuple(int(size) for size in shape)
    numel = _numel(shape)
    device = torch.device(device or "cpu")
    key = _draw_key(seed, torch.compiler.is_compiling())
    # Element i's two uniforms are hashes i and whole + i, where `whole`
    # is the number of samples of the whole batch.
    shard = _rows_shard(shape, along_rows)
    first, whole = 0, numel
    if shard is not None and numel:
        per_row = numel // shape[0]
        first, whole = shard.first_row * per_row, shard.total_rows * per_row
    uniform = [_unit_uniform(_hashed(numel, key, device, offset))
               for offset in (first, whole + first)]
    radius = uniform[0].log_().mul_(-2.0).sqrt_()
    angle = uniform[1].mul_(2 * math.pi).cos_()
    return radius.mul_(angle).view(shape).to(dtype)


def normal_like(inputs, mean, stddev, seed_generator):
    """Normal noise shaped like `inputs` (this process's rows of the whole
    batch's noise under a row shard): eagerly torch's `normal_` on the
    generator's stream (the faster of the two there); inside a compiled
    graph the hashed `normal`, which keeps the graph whole (seeded by the
    same generator, so still reproducible, but not the eager draws)."""
    if torch.compiler.is_compiling():
        noise = normal(inputs.shape, seed_generator, inputs.device,
                       inputs.dtype)
        return noise * stddev + mean
    generator = seed_generator.generator(inputs.device)
    return draw_rows(
        lambda shape: torch.empty(
            shape, dtype=inputs.dtype, device=inputs.device).normal_(
                mean, stddev, generator=generator),
        inputs.shape)


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
    shape = inputs.shape if noise_shape is None else tuple(noise_shape)
    # A noise_shape whose first size is not the inputs' rows (a 1 that
    # broadcasts) shares one draw among the rows: under data parallelism
    # every process the same, even where the pass also read a batch that
    # gave this process a 1-row shard.
    along_rows = not shape or inputs.dim() == 0 or \
        shape[0] == inputs.shape[0]
    mask = keep_mask(shape, rate, seed, inputs.device, along_rows)
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


def _numel(shape):
    numel = 1
    for size in shape:
        numel *= size
    return numel


def _unit_uniform(hashed):
    """The top 24 bits of int32 hashes as floats in (0, 1): never 0, so
    a log of them is finite."""
    hashed >>= 8
    hashed &= 0xFFFFFF
    return hashed.to(torch.float32).add_(0.5).mul_(2.0**-24)


def _hashed(numel, key, device, index_offset=0):
    """int32 `g((i + index_offset + key) * _M1)` for i < numel, with a
    draw's `key` (from `_draw_key`); the returned tensor is the caller's
    to modify in place."""
    compiling = torch.compiler.is_compiling()
    key = key + index_offset
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
        key = mix32((seed_key(seed.seed) + _saved(counter) * _GOLDEN)
                    & _MASK32)
    else:
        key = mix32((seed_key(seed.seed) + int(counter) * _GOLDEN)
                    & _MASK32)
    counter.add_(1)
    return key


def _saved(counter):
    """`counter`'s value through an op AOT autograd's partitioner does not
    recompute (`cumsum`, outside its allowlist): a step compiled with
    `loss.backward()` has its forward and backward split into two graphs,
    and the partitioner would otherwise recompute a mask in the backward
    from the counter, which the forward has incremented by then (a
    different mask, wrong gradients). So the key is saved, not the
    counter re-read."""
    return torch.cumsum(counter.reshape(1), 0)[0]


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
