"""RMSprop: gradients divided by a running RMS of their magnitude."""

import torch

from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin


@register_builtin("rmsprop", torch_swapped=True)
class RMSprop(Optimizer):
    """RMSprop, with epsilon inside the square root as in Keras.

    `v = rho*v + (1-rho)*g**2`, `w -= lr * g / sqrt(v + epsilon)`; with
    `centered`, the running mean `a` of `g` is also kept and the
    denominator is `sqrt(v - a**2 + epsilon)`. With `momentum`,
    `mom = momentum*mom + increment` and `w -= mom`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        rho: Float, discount factor of the squared-gradient average.
        momentum: Float, momentum on the increments (0 disables it).
        epsilon: Float, numerical-stability constant.
        centered: Bool, whether to normalize by the estimated variance of
            the gradient rather than its second moment.
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0,
                 epsilon=1e-7, centered=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99,
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
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(
                var_list, "average_gradient"
            )

    def _backend_update_step(self, grads, variables, learning_rate):
        rho = self.rho
        velocities = self._gather(self._velocities)
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - rho)
        denominators = torch._foreach_add(velocities, self.epsilon)
        if self.centered:
            averages = self._gather(self._average_gradients)
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1 - rho)
            torch._foreach_addcmul_(denominators, averages, averages, value=-1)
        torch._foreach_sqrt_(denominators)
        if self.momentum > 0:
            increments = torch._foreach_div(
                torch._foreach_mul(grads, learning_rate), denominators
            )
            momentums = self._gather(self._momentums)
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_add_(momentums, increments)
            torch._foreach_sub_(variables, momentums)
        else:
            torch._foreach_addcdiv_(variables, grads, denominators,
                                    value=-learning_rate)

    def get_config(self):
        config = super().get_config()
        config.update({
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        })
        return config
