"""Two signed (or unsigned) 4-bit values per byte.

Along the packed axis, element `2i` goes to the low nibble of byte `i` and
element `2i + 1` to its high nibble; an odd length is padded with a zero.
"""

import torch

from lamina.quantizers._tensors import as_tensor
from lamina.quantizers._tensors import dtype_name


def pack_int4(arr, axis=0, dtype="int8"):
    """Packs int4 values (int8 in [-8, 7], or uint8 in [0, 15]) in pairs.

    Returns:
        `(packed, packed_shape, orig_len)`, `orig_len` being the length of
        `axis` before padding (what `unpack_int4` needs).
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(
            f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = as_tensor(arr)
    if dtype_name(x) != dtype:
        raise TypeError(
            f"Expected {dtype} tensor for packing, got {dtype_name(x)}.")
    axis = axis % x.dim()
    x = torch.movedim(x, axis, 0)
    length = x.shape[0]
    if length % 2:
        x = torch.cat([x, x.new_zeros((1,) + tuple(x.shape[1:]))])
    nibbles = x.to(torch.int16) & 0x0F
    packed = nibbles[0::2] | (nibbles[1::2] << 4)
    if dtype == "int8":
        packed = torch.where(packed > 127, packed - 256, packed)
    packed = torch.movedim(packed.to(x.dtype), 0, axis)
    return packed, tuple(packed.shape), length


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Unpacks `pack_int4`'s bytes to `orig_len` values along `axis`
    (int8 in [-8, 7] for dtype "int8", uint8 in [0, 15] for "uint8")."""
    if dtype not in ("int8", "uint8"):
        raise ValueError(
            f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    x = as_tensor(packed)
    if dtype_name(x) not in ("int8", "uint8"):
        raise TypeError(
            f"Expected int8 or uint8 tensor for unpacking, got {x.dtype}")
    axis = axis % x.dim()
    # The bytes' bits read as the output dtype: arithmetic shifts then
    # sign-extend int8 nibbles, masks keep uint8 ones.
    bits = torch.movedim(x, axis, -1).contiguous().view(
        torch.int8 if dtype == "int8" else torch.uint8)
    if dtype == "int8":
        low, high = (bits << 4) >> 4, bits >> 4
    else:
        low, high = bits & 0x0F, bits >> 4
    unpacked = torch.stack([low, high], dim=-1).flatten(-2)[..., :orig_len]
    return torch.movedim(unpacked, -1, axis)
