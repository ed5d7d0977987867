"""Adafactor: factored second moments (Shazeer & Stern, 2018)."""

import numpy as np
import torch

from lamina.layers.variable import Variable
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import scalar_type


def _rms(x):
    return torch.sqrt(torch.mean(torch.square(x)))


# Under ModelParallel a weight, its gradient and its velocity are DTensors
# (each process holds a shard), and DTensor ops reduce over the whole
# tensor. The row and column statistics are small: each process keeps them
# whole (plain variables, equal in every process), from the means over the
# whole gradient.


def _whole(statistic):
    """`statistic` (a mean over rows or columns of a gradient) as a whole
    plain tensor: gathered when it is a DTensor."""
    if hasattr(statistic, "full_tensor"):
        return statistic.full_tensor()
    return statistic


def _placed_as(target, whole):
    """`whole`, a plain tensor of `target`'s global shape, as `target` is
    placed: this process's shard of it when `target` is a DTensor (no
    communication: every process holds the whole value)."""
    if not hasattr(target, "device_mesh"):
        return whole
    from torch.distributed.tensor import distribute_tensor

    return distribute_tensor(whole.contiguous(), target.device_mesh,
                             target.placements, src_data_rank=None)


@register_builtin("adafactor")
class Adafactor(Optimizer):
    """Adafactor: the second moment of a matrix is kept as row and column
    means, so memory is O(rows + columns) instead of O(rows * columns).

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable; the rate
            used is `min(learning_rate, 1 / sqrt(step))`.
        beta_2_decay: Float, the second-moment decay is
            `1 - step**beta_2_decay`.
        epsilon_1: Float, added to the squared gradients.
        epsilon_2: Float, lower bound of the weights' RMS in the step size.
        clip_threshold: Float, the update's RMS is clipped to this value.
        relative_step: Bool, whether to cap the rate by `1 / sqrt(step)`.
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8,
                 epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _factor_variable(self, reference, shape, dtype):
        name = getattr(reference, "name", None) or "variable"
        data = torch.zeros(shape, dtype=dtype, device=reference.device)
        return self._track_slot(Variable(
            data, trainable=False, name=name, path=self._variable_path(name)
        ), reference)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            shape = tuple(var.shape)
            skip = getattr(var, "overwrite_with_gradient", False)
            if len(shape) < 2:
                # Unused int32 placeholders, kept so the variable list lines
                # up with Keras's in saved files.
                self._r.append(self._factor_variable(var, (), torch.int32))
                self._c.append(self._factor_variable(var, (), torch.int32))
            elif skip:
                self._r.append(None)
                self._c.append(None)
            else:
                self._r.append(
                    self._factor_variable(var, shape[:-1], var.dtype))
                self._c.append(self._factor_variable(
                    var, shape[:-2] + shape[-1:], var.dtype))
            self._v.append(None if skip else self.add_variable_from_reference(
                var, "velocity"))

    def _backend_update_step(self, grads, variables, learning_rate):
        # Row and column statistics differ per weight shape, so this update
        # goes weight by weight; each weight's math is still a few kernels.
        f = scalar_type(variables)
        step = f(self._local_step)
        rho = float(min(f(learning_rate), 1 / np.sqrt(step)))
        beta_2 = float(1 - step ** f(self.beta_2_decay))
        slots = zip(self._gather(self._r), self._gather(self._c),
                    self._gather(self._v))
        for grad, var, (r, c, v) in zip(grads, variables, slots):
            alpha = torch.clamp_min(_rms(var), self.epsilon_2) * rho
            squared = torch.square(grad) + self.epsilon_1
            if var.ndim >= 2:
                r.mul_(beta_2).add_(_whole(squared.mean(dim=-1)),
                                    alpha=1 - beta_2)
                c.mul_(beta_2).add_(_whole(squared.mean(dim=-2)),
                                    alpha=1 - beta_2)
                row = r / r.mean(dim=-1, keepdim=True)
                v.copy_(_placed_as(v, row.unsqueeze(-1) * c.unsqueeze(-2)))
            else:
                v.mul_(beta_2).add_(squared, alpha=1 - beta_2)
            update = grad / torch.sqrt(v)
            update = update / torch.clamp_min(
                _rms(update) / self.clip_threshold, 1.0
            )
            var.sub_(alpha * update)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
