"""Einsum equations of MultiHeadAttention's projections and attention, for
inputs of any rank (Keras 3's letter layout)."""

import string


def _letter(index):
    return string.ascii_lowercase[index]


def projection_equation(free_dims, bound_dims, output_dims):
    """Einsum equation of a projection: `free_dims` axes pass through,
    `bound_dims` are contracted with the kernel, `output_dims` are new.

    Returns `(equation, bias_axes, output_rank)`; the bias covers the new
    axes."""
    free = "".join(_letter(i) for i in range(free_dims))
    bound = "".join(_letter(free_dims + i) for i in range(bound_dims))
    new = "".join(_letter(free_dims + bound_dims + i)
                  for i in range(output_dims))
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + \
        output_dims


def attention_equations(rank, attention_axes):
    """Einsum equations for the scores and the weighted sum of values.

    Projected tensors are `(batch, <other dims>, <attention dims>, heads,
    channels)`; every axis but the attention axes and the channels acts as a
    batch axis (the heads axis included). Returns `(score_equation,
    combine_equation, scores_rank)`; the score equation takes `(key,
    query)`, the combine equation `(scores, value)`.
    """
    target = "".join(_letter(i) for i in range(rank))
    batch_axes = [i for i in range(rank)
                  if i not in attention_axes and i != rank - 1]
    source, extra = list(target), rank
    for axis in attention_axes:
        source[axis] = _letter(extra)
        extra += 1
    source = "".join(source)
    product = "".join([target[i] for i in batch_axes]
                      + [target[i] for i in attention_axes]
                      + [source[i] for i in attention_axes])
    return (f"{source},{target}->{product}",
            f"{product},{source}->{target}", len(product))
