"""Adadelta: step sizes from running averages of updates and gradients."""

import torch

from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin


@register_builtin("adadelta", torch_swapped=True)
class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012).

    `Eg = rho*Eg + (1-rho)*g**2`,
    `d = -sqrt(Edx + eps) / sqrt(Eg + eps) * g`,
    `Edx = rho*Edx + (1-rho)*d**2`, `w += lr * d`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        rho: Float, the decay rate of both running averages.
        epsilon: Float, numerical-stability constant.
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name, **kwargs,
        )
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = (
            self.add_optimizer_variables(
                var_list, ["accumulated_grad", "accumulated_delta_var"]
            )
        )

    def _rms(self, tensors):
        return torch._foreach_sqrt(torch._foreach_add(tensors, self.epsilon))

    def _backend_update_step(self, grads, variables, learning_rate):
        rho = self.rho
        accumulated_grads = self._gather(self._accumulated_grads)
        accumulated_deltas = self._gather(self._accumulated_delta_vars)
        torch._foreach_mul_(accumulated_grads, rho)
        torch._foreach_addcmul_(accumulated_grads, grads, grads, value=1 - rho)
        deltas = torch._foreach_div(
            torch._foreach_mul(self._rms(accumulated_deltas), grads),
            self._rms(accumulated_grads),
        )
        torch._foreach_neg_(deltas)
        torch._foreach_mul_(accumulated_deltas, rho)
        torch._foreach_addcmul_(accumulated_deltas, deltas, deltas,
                                value=1 - rho)
        torch._foreach_add_(variables, deltas, alpha=learning_rate)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
