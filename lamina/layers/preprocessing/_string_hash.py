"""The string hashes behind `Hashing`: FarmHash Fingerprint64 and SipHash-2-4.

Keras hashes every value as a string: `Hashing` without a salt uses
TensorFlow's `to_hash_bucket_fast` (FarmHash `Fingerprint64`), with a salt
`to_hash_bucket_strong` (SipHash-2-4 keyed by the two salt integers); the
bucket is the 64-bit hash modulo the number of bins. Both are written here
in pure Python on 64-bit wrapping integers, so bins are identical to
Keras's without TensorFlow. Torch has no string tensors, so hashing runs on
the host over the distinct values of a batch.
"""

import struct

_MASK = 0xFFFFFFFFFFFFFFFF
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _fetch64(data, i):
    return struct.unpack_from("<Q", data, i)[0]


def _fetch32(data, i):
    return struct.unpack_from("<I", data, i)[0]


def _rotate(value, shift):
    return ((value >> shift) | (value << (64 - shift))) & _MASK


def _shift_mix(value):
    return value ^ (value >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _hash_len0to16(s, length):
    if length >= 8:
        mul = _K2 + length * 2
        a = (_fetch64(s, 0) + _K2) & _MASK
        b = _fetch64(s, length - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _hash_len16(c, d, mul)
    if length >= 4:
        mul = _K2 + length * 2
        a = _fetch32(s, 0)
        return _hash_len16(length + (a << 3), _fetch32(s, length - 4), mul)
    if length > 0:
        y = s[0] + (s[length >> 1] << 8)
        z = length + (s[length - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_len17to32(s, length):
    mul = _K2 + length * 2
    a = (_fetch64(s, 0) * _K1) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & _MASK
    d = (_fetch64(s, length - 16) * _K2) & _MASK
    return _hash_len16(
        (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
        (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _hash_len33to64(s, length):
    mul = _K2 + length * 2
    a = (_fetch64(s, 0) * _K2) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & _MASK
    d = (_fetch64(s, length - 16) * _K2) & _MASK
    y = (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK
    z = _hash_len16(y, (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_fetch64(s, 16) * mul) & _MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, length - 32)) * mul) & _MASK
    h = ((z + _fetch64(s, length - 24)) * mul) & _MASK
    return _hash_len16(
        (_rotate((e + f) & _MASK, 43) + _rotate(g, 30) + h) & _MASK,
        (e + _rotate((f + a) & _MASK, 18) + g) & _MASK, mul)


def _weak_hash_len32_with_seeds(s, i, a, b):
    w, x = _fetch64(s, i), _fetch64(s, i + 8)
    y, z = _fetch64(s, i + 16), _fetch64(s, i + 24)
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(data):
    """FarmHash `Fingerprint64` of `bytes` (TensorFlow's fast string hash)."""
    length = len(data)
    if length <= 16:
        return _hash_len0to16(data, length)
    if length <= 32:
        return _hash_len17to32(data, length)
    if length <= 64:
        return _hash_len33to64(data, length)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v = (0, 0)
    w = (0, 0)
    x = (x * _K2 + _fetch64(data, 0)) & _MASK
    end = ((length - 1) // 64) * 64
    last64 = length - 64
    i = 0
    while True:
        x = (_rotate((x + y + v[0] + _fetch64(data, i + 8)) & _MASK, 37)
             * _K1) & _MASK
        y = (_rotate((y + v[1] + _fetch64(data, i + 48)) & _MASK, 42)
             * _K1) & _MASK
        x ^= w[1]
        y = (y + v[0] + _fetch64(data, i + 40)) & _MASK
        z = (_rotate((z + w[0]) & _MASK, 33) * _K1) & _MASK
        v = _weak_hash_len32_with_seeds(data, i, (v[1] * _K1) & _MASK,
                                        (x + w[0]) & _MASK)
        w = _weak_hash_len32_with_seeds(data, i + 32, (z + w[1]) & _MASK,
                                        (y + _fetch64(data, i + 16)) & _MASK)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    i = last64
    w = ((w[0] + ((length - 1) & 63)) & _MASK, w[1])
    v = ((v[0] + w[0]) & _MASK, v[1])
    w = ((w[0] + v[0]) & _MASK, w[1])
    x = (_rotate((x + y + v[0] + _fetch64(data, i + 8)) & _MASK, 37)
         * mul) & _MASK
    y = (_rotate((y + v[1] + _fetch64(data, i + 48)) & _MASK, 42)
         * mul) & _MASK
    x ^= (w[1] * 9) & _MASK
    y = (y + v[0] * 9 + _fetch64(data, i + 40)) & _MASK
    z = (_rotate((z + w[0]) & _MASK, 33) * mul) & _MASK
    v = _weak_hash_len32_with_seeds(data, i, (v[1] * mul) & _MASK,
                                    (x + w[0]) & _MASK)
    w = _weak_hash_len32_with_seeds(data, i + 32, (z + w[1]) & _MASK,
                                    (y + _fetch64(data, i + 16)) & _MASK)
    z, x = x, z
    return _hash_len16(
        (_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _MASK,
        (_hash_len16(v[1], w[1], mul) + x) & _MASK, mul)


def _rotl(value, shift):
    return ((value << shift) | (value >> (64 - shift))) & _MASK


def _sip_rounds(v0, v1, v2, v3, count):
    for _ in range(count):
        v0 = (v0 + v1) & _MASK
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key, data):
    """SipHash-2-4 of `bytes` under a key of two 64-bit integers
    (TensorFlow's strong string hash)."""
    k0, k1 = key[0] & _MASK, key[1] & _MASK
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    length = len(data)
    full = length - length % 8
    for i in range(0, full, 8):
        m = _fetch64(data, i)
        v3 ^= m
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    last = ((length & 0xFF) << 56) | int.from_bytes(data[full:], "little")
    v3 ^= last
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
    v0 ^= last
    v2 ^= 0xFF
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3
