"""`pad_sequences`: ragged sequences to one rectangular NumPy array."""

import numpy as np


def pad_sequences(
    sequences,
    maxlen=None,
    dtype="int32",
    padding="pre",
    truncating="pre",
    value=0.0,
):
    """Pads (and truncates) sequences to a common length.

    Turns a list of `num_samples` sequences into an array of shape
    `(num_samples, maxlen) + sample_shape`, where `maxlen` defaults to the
    longest sequence and `sample_shape` is the shape of one step of the first
    non-empty sequence.

    Args:
        sequences: List of sequences (each a list or array of steps).
        maxlen: Length of the output sequences; defaults to the length of the
            longest sequence.
        dtype: Type of the output. Use `object` (or a NumPy string dtype) for
            sequences of strings.
        padding: `"pre"` or `"post"`: pad before or after each sequence.
        truncating: `"pre"` or `"post"`: drop the steps of sequences longer
            than `maxlen` from their beginning or their end.
        value: Padding value (a number, or a string for string dtypes).

    Returns:
        A NumPy array of shape `(len(sequences), maxlen) + sample_shape`.

    Example:

    >>> keras.utils.pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> keras.utils.pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2,
    ...                           padding="post", truncating="post")
    array([[1, 0],
           [2, 3],
           [4, 5]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    sample_shape = None
    for s in sequences:
        try:
            lengths.append(len(s))
        except TypeError as e:
            raise ValueError(
                "`sequences` must be a list of iterables. "
                f"Found non-iterable: {str(s)}"
            ) from e
        if sample_shape is None and len(s):
            sample_shape = np.asarray(s).shape[1:]
    sample_shape = sample_shape or ()

    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif maxlen < 0:
        raise ValueError(
            "Invalid value for argument `maxlen`. Expected a non-negative "
            f"integer or None. Received: maxlen={maxlen}"
        )
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(
        dtype, np.bytes_
    )
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: "
            f"{type(value)}\nYou should set `dtype=object` for variable length "
            "strings."
        )
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')

    x = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at "
                f"position {idx} is different from expected shape "
                f"{sample_shape}"
            )
        if padding == "post":
            x[idx, : len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x
