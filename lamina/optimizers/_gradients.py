"""Gradient transforms shared by optimizers, each a few fused foreach calls.

None of them modifies its inputs: gradients usually are the parameters'
`.grad` tensors, which belong to the caller.
"""

import warnings

import numpy as np
import torch


def clip_by_norm(grads, clipnorm):
    """Scales each gradient so its L2 norm is at most `clipnorm`."""
    norms = torch._foreach_norm(grads)
    # g * c / max(|g|, c): unchanged below the limit, and safe for |g| = 0.
    denominators = torch._foreach_clamp_min(norms, clipnorm)
    return torch._foreach_div(torch._foreach_mul(grads, clipnorm), denominators)


def global_norm(tensors):
    """The L2 norm of all `tensors` taken together, as a 0-d tensor."""
    norms = torch._foreach_norm(tensors)
    device = norms[0].device
    return torch.linalg.vector_norm(torch.stack([n.to(device) for n in norms]))


def clip_by_global_norm(grads, clipnorm):
    """Scales all gradients by one factor so their global norm <= clipnorm."""
    norm = global_norm(grads)
    scale = clipnorm * torch.clamp_max(1.0 / norm, 1.0 / clipnorm)
    # `norm - norm` is NaN for a non-finite norm, which poisons the update
    # visibly instead of silently scaling inf gradients to zero.
    scale = scale + (norm - norm)
    return torch._foreach_mul(grads, scale)


def clip_by_value(grads, clipvalue):
    """Clips every gradient element to `[-clipvalue, clipvalue]`."""
    return torch._foreach_clamp_max(
        torch._foreach_clamp_min(grads, -clipvalue), clipvalue
    )


def all_finite(tensors):
    """True when no element of `tensors` is inf or NaN (one host sync)."""
    if not tensors:
        return True
    # The max-abs norm cannot overflow for finite inputs and propagates NaN.
    norms = torch._foreach_norm(tensors, float("inf"))
    device = norms[0].device
    stacked = torch.stack([n.to(device, torch.float32) for n in norms])
    return bool(torch.isfinite(stacked).all())


def stack_scalars(tensors):
    """Stacks 0-d tensors (one per parameter) onto the first one's device."""
    device = tensors[0].device
    return torch.stack([t.to(device) for t in tensors])


def filter_empty_gradients(grads, variables):
    """Drops (None, variable) pairs, warning as Keras does; converts arrays."""
    kept_grads, kept_variables, missing = [], [], []
    for grad, variable in zip(grads, variables):
        if grad is None:
            missing.append(getattr(variable, "path", None)
                           or getattr(variable, "name", None)
                           or tuple(variable.shape))
            continue
        if not isinstance(grad, torch.Tensor):
            grad = torch.as_tensor(np.asarray(grad), dtype=variable.dtype,
                                   device=variable.device)
        kept_grads.append(grad)
        kept_variables.append(variable)
    if not kept_grads:
        raise ValueError("No gradients provided for any variable.")
    if missing:
        warnings.warn(
            f"Gradients do not exist for variables {missing} when "
            "minimizing the loss. If using `model.compile()`, did you "
            "forget to provide a `loss` argument?",
            stacklevel=3,
        )
    return kept_grads, kept_variables
