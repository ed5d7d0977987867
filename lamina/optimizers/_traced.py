"""Per-step coefficients as tensors, for updates traced by torch.compile.

Eagerly, the Adam family computes its bias corrections on the host (NumPy
scalars in the weights' precision) and passes them to the foreach ops as
numbers. Inside a `torch.compile` graph a host number derived from the
step count would be a new constant every step (a retrace per step), so
there the same formulas run on 0-d tensors made from the `iterations`
variable, and the foreach ops take them as tensor scalars. Both paths
compute in the weights' dtype, as Keras does.
"""

import numpy as np
import torch


def traced():
    """True while torch.compile traces the update."""
    return torch.compiler.is_compiling()


def local_step(optimizer, dtype):
    """The 1-based step number of the bias corrections, as a 0-d tensor of
    `dtype` (accumulation steps counted once, as `_local_step` does)."""
    iterations = optimizer._iterations
    steps = optimizer.gradient_accumulation_steps
    if steps:
        iterations = torch.div(iterations, steps, rounding_mode="floor")
    return (iterations + 1).to(dtype)


def addcdiv_(targets, numerators, denominators, coefficient):
    """`targets += coefficient * numerators / denominators`, where
    `coefficient` is a number or a 0-d tensor."""
    if not torch.is_tensor(coefficient):
        torch._foreach_addcdiv_(targets, numerators, denominators,
                                value=_number(coefficient))
        return
    quotients = torch._foreach_div(numerators, denominators)
    torch._foreach_mul_(quotients, coefficient)
    torch._foreach_add_(targets, quotients)


def mul(tensors, coefficient):
    """`tensors * coefficient` (a number or a 0-d tensor), as a new list."""
    if torch.is_tensor(coefficient):
        return torch._foreach_mul(tensors, coefficient)
    return torch._foreach_mul(tensors, _number(coefficient))


def div(tensors, coefficient):
    """`tensors / coefficient` (a number or a 0-d tensor), as a new list."""
    if torch.is_tensor(coefficient):
        return torch._foreach_div(tensors, coefficient)
    return torch._foreach_div(tensors, _number(coefficient))


def add_scaled_(targets, tensors, coefficient):
    """`targets += coefficient * tensors`."""
    if not torch.is_tensor(coefficient):
        torch._foreach_add_(targets, tensors, alpha=_number(coefficient))
        return
    torch._foreach_add_(targets, torch._foreach_mul(tensors, coefficient))


def _number(value):
    """A NumPy scalar as a Python float; other numbers (a symbolic float in
    a graph included) as they are."""
    return float(value) if isinstance(value, np.generic) else value
